import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum DigestError: Error, CustomStringConvertible {
    case unreadable(String)
    public var description: String {
        switch self { case .unreadable(let path): return "cannot read \(path) to hash it" }
    }
}

/// SHA-256 (FIPS 180-4), for content digests that other tools check: cache manifests,
/// SBOM hashes, OCI blob digests, build ids. The compression runs in swift-crypto
/// (BoringSSL, with the CPU's SHA instructions where it has them); this type only keeps the
/// project's streaming interface and its lower-case hex form.
public struct SHA256 {
    private var hasher = Crypto.SHA256()

    public init() {}

    public mutating func update<D: DataProtocol>(_ data: D) {
        for region in data.regions {
            region.withUnsafeBytes { update(UnsafeRawBufferPointer($0)) }
        }
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    /// The 32-byte digest. The hasher is spent afterwards (as before: callers finish once).
    public mutating func finish() -> [UInt8] {
        Array(hasher.finalize())
    }

    /// Lower-case hex digest of bytes.
    public static func hex<D: DataProtocol>(_ data: D) -> String {
        var h = SHA256()
        h.update(data)
        return hexString(h.finish())
    }

    /// Lower-case hex digest of a file, streamed through one reused buffer (a large file is
    /// never held in memory whole).
    public static func hex(file path: String) throws -> String {
        var h = SHA256()
        try stream(file: path) { bytes, _ in h.update(bytes) }
        return hexString(h.finish())
    }

    /// Reads `path` from start to end in chunks of `chunk` bytes, handing each to `body`
    /// with its offset in the file. Opened read-only; follows links like any reader.
    public static func stream(file path: String, chunk: Int = 1 << 20, _ body: (UnsafeRawBufferPointer, _ offset: Int) throws -> Void) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DigestError.unreadable(path) }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 64)
        defer { buffer.deallocate() }
        var offset = 0
        while true {
            let n = read(fd, buffer.baseAddress, chunk)
            if n < 0 {
                if errno == EINTR { continue }
                throw DigestError.unreadable(path)
            }
            if n == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), offset)
            offset += n
        }
    }

    /// Lower-case hex of bytes.
    public static func hexString<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
