import Foundation

/// Reads the archives `Tar` writes (ustar, with PAX `path`, `linkpath` and `size` records),
/// one member at a time, streaming: a cache export holds gigabytes. Every header's checksum
/// is checked, and an archive that stops before its end-of-archive block is refused, so a
/// truncated copy is never taken for a complete one.
public final class TarInput {
    public struct Member: Equatable {
        public enum Kind: Equatable {
            case directory
            case file(size: Int64)
            case symlink(String)
        }
        /// As written, relative (validated by `Tar.cleanPath`).
        public let path: String
        public let mode: UInt32
        public let kind: Kind
    }

    /// Why an archive cannot be read; the caller adds the file name and the fix.
    public struct Damaged: Error, CustomStringConvertible {
        public let description: String
    }

    private let read: (Int) throws -> Data
    private var buffer = Data()
    private var bufferStart = 0
    /// Bytes of the current file member not consumed yet, and its padding.
    private var pendingContent: Int64 = 0
    private var pendingPadding = 0

    /// `read(n)` returns up to n bytes, or none at the end of the input.
    public init(read: @escaping (Int) throws -> Data) {
        self.read = read
    }

    public convenience init(handle: FileHandle) {
        self.init { count in try handle.read(upToCount: count) ?? Data() }
    }

    /// The next member, or nil after the end-of-archive block. The previous file's contents
    /// are skipped if they were not read.
    public func next() throws -> Member? {
        try skipContent()
        var pax: [String: String] = [:]
        while true {
            let header = try exactly(Tar.blockSize, what: "a member header")
            if header.allSatisfy({ $0 == 0 }) { return nil }
            try checkChecksum(header)
            let type = header[156]
            let size = try number(header, 124, 12)
            switch type {
            case UInt8(ascii: "x"):
                pax.merge(try paxRecords(try exactly(Int(size), what: "PAX records"))) { _, new in new }
                _ = try exactly(Int(Tar.padding(size).count), what: "padding")
                continue
            case UInt8(ascii: "g"):
                _ = try exactly(Int(size + Int64(Tar.padding(size).count)), what: "a global header")
                continue
            default: break
            }
            let name = text(header, 0, 100)
            let prefix = text(header, 345, 155)
            let rawPath = pax["path"] ?? (prefix.isEmpty ? name : prefix + "/" + name)
            let path: String
            do { path = try Tar.cleanPath(rawPath) } catch { throw Damaged(description: "the member `\(rawPath)` has an unusable path") }
            let mode = UInt32(truncatingIfNeeded: try number(header, 100, 8))
            switch type {
            case UInt8(ascii: "5"):
                return Member(path: path, mode: mode, kind: .directory)
            case UInt8(ascii: "2"):
                return Member(path: path, mode: mode, kind: .symlink(pax["linkpath"] ?? text(header, 157, 100)))
            case UInt8(ascii: "0"), 0:
                let fullSize = try pax["size"].map { value -> Int64 in
                    guard let n = Int64(value), n >= 0 else { throw Damaged(description: "the member `\(path)` has a bad size") }
                    return n
                } ?? size
                pendingContent = fullSize
                pendingPadding = Tar.padding(fullSize).count
                return Member(path: path, mode: mode, kind: .file(size: fullSize))
            default:
                throw Damaged(description: "the member `\(path)` is of a kind cargo-static does not write (tar type `\(Character(UnicodeScalar(type)))`)")
            }
        }
    }

    /// Streams the current file's contents to `sink`, in chunks.
    public func readContent(to sink: (Data) throws -> Void) throws {
        while pendingContent > 0 {
            let chunk = try some(Int(min(pendingContent, 1 << 20)), what: "file contents")
            pendingContent -= Int64(chunk.count)
            try sink(chunk)
        }
        _ = try exactly(pendingPadding, what: "padding")
        pendingPadding = 0
    }

    private func skipContent() throws {
        if pendingContent > 0 || pendingPadding > 0 { try readContent { _ in } }
    }

    // MARK: bytes

    /// Up to `count` bytes (at least one), refilling the buffer as needed.
    private func some(_ count: Int, what: String) throws -> Data {
        if bufferStart >= buffer.count {
            buffer = try read(max(count, 1 << 20))
            bufferStart = 0
            guard !buffer.isEmpty else { throw Damaged(description: "the archive ends in the middle of \(what) (it is incomplete)") }
        }
        let end = min(buffer.count, bufferStart + count)
        let chunk = buffer.subdata(in: (buffer.startIndex + bufferStart)..<(buffer.startIndex + end))
        bufferStart = end
        return chunk
    }

    private func exactly(_ count: Int, what: String) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count { out += try some(count - out.count, what: what) }
        return out
    }

    // MARK: header fields

    private func checkChecksum(_ h: [UInt8]) throws {
        var sum: Int64 = 0
        for (i, byte) in h.enumerated() { sum += (148..<156).contains(i) ? 0x20 : Int64(byte) }
        guard (try? number(h, 148, 8)) == sum else {
            throw Damaged(description: "a member header is damaged (its checksum does not match)")
        }
    }

    private func text(_ h: [UInt8], _ offset: Int, _ width: Int) -> String {
        String(decoding: h[offset..<offset + width].prefix { $0 != 0 }, as: UTF8.self)
    }

    /// An octal field (NUL or space terminated), or base-256 when the high bit is set.
    private func number(_ h: [UInt8], _ offset: Int, _ width: Int) throws -> Int64 {
        if h[offset] & 0x80 != 0 {
            var value: Int64 = Int64(h[offset] & 0x7F)
            for byte in h[(offset + 1)..<(offset + width)] {
                guard value < Int64.max >> 8 else { throw Damaged(description: "a member header holds an impossible number") }
                value = value << 8 | Int64(byte)
            }
            return value
        }
        let digits = text(h, offset, width).trimmingCharacters(in: CharacterSet(charactersIn: " "))
        guard let value = digits.isEmpty ? 0 : Int64(digits, radix: 8), value >= 0 else {
            throw Damaged(description: "a member header holds `\(digits)` where a number belongs")
        }
        return value
    }

    /// "<length> <key>=<value>\n" records.
    private func paxRecords(_ bytes: [UInt8]) throws -> [String: String] {
        var records: [String: String] = [:]
        var rest = bytes[...]
        while !rest.isEmpty {
            guard let space = rest.firstIndex(of: 0x20), let length = Int(String(decoding: rest[rest.startIndex..<space], as: UTF8.self)),
                  length > 0, rest.count >= length, rest[rest.startIndex + length - 1] == 0x0A else {
                throw Damaged(description: "a PAX header is damaged")
            }
            let body = rest[(space + 1)..<(rest.startIndex + length - 1)]
            guard let equals = body.firstIndex(of: UInt8(ascii: "=")) else { throw Damaged(description: "a PAX record has no value") }
            records[String(decoding: body[body.startIndex..<equals], as: UTF8.self)] = String(decoding: body[(equals + 1)...], as: UTF8.self)
            rest = rest[(rest.startIndex + length)...]
        }
        return records
    }
}
