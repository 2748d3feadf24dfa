import Foundation

/// FNV-1a, 64-bit: a stable, dependency-free fingerprint for cache keys. The full key
/// text is stored beside each entry and compared, so a collision cannot go unnoticed.
enum Fingerprint {
    static func hex(_ text: String) -> String { hex(bytes: text.utf8) }

    /// The same value as `hex(_:)` of the text these (UTF-8) bytes spell, without making the text.
    static func hex(_ data: Data) -> String { data.withUnsafeBytes { hex(bytes: $0) } }

    private static func hex<Bytes: Sequence>(bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let s = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}

@_exported import Digest
