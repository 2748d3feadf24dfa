import Foundation

/// The members of a Unix `ar` archive (static libraries, rlibs): each one's name and where
/// its bytes are. GNU long names (`/123` into the `//` table) and BSD ones (`#1/len`, the
/// name before the data) are resolved. nil when the bytes are not a well-formed archive.
enum ArchiveMembers {
    struct Member: Equatable {
        let name: String
        let range: Range<Int>
    }

    static let magic = Array("!<arch>\n".utf8)
    static let headerSize = 60

    static func parse(_ data: Data) -> [Member]? {
        data.withUnsafeBytes { raw -> [Member]? in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else { return nil }
            var members: [Member] = [], longNames: Range<Int>? = nil
            var offset = magic.count
            while offset + headerSize <= bytes.count {
                guard bytes[offset + 58] == 0x60, bytes[offset + 59] == 0x0A,
                      let size = Int(field(bytes, offset + 48, 10)), size >= 0, offset + headerSize + size <= bytes.count else { return nil }
                var start = offset + headerSize
                let end = start + size
                var name = field(bytes, offset, 16)
                if name == "//" {
                    longNames = start..<end
                } else if name.hasPrefix("#1/"), let length = Int(name.dropFirst(3)), length <= size {
                    name = String(decoding: bytes[start..<start + length], as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: "\0"))
                    start += length
                } else if name.count > 1, name.hasPrefix("/"), let at = Int(name.dropFirst()) {
                    guard let table = longNames, let resolved = longName(bytes, table, at) else { return nil }
                    name = resolved
                } else if name.count > 1, name.hasSuffix("/") {
                    name.removeLast()  // GNU ends short names with "/"
                }
                members.append(Member(name: name, range: start..<end))
                offset = end + (end % 2)  // members are 2-byte aligned
            }
            return offset >= bytes.count || offset == bytes.count - 1 ? members : nil
        }
    }

    /// A header field, without its space padding.
    static func field(_ bytes: UnsafeBufferPointer<UInt8>, _ at: Int, _ length: Int) -> String {
        String(decoding: bytes[at..<at + length], as: UTF8.self).trimmingSpaces()
    }

    /// The GNU long name at `at` in the `//` table: it ends at "/\n".
    static func longName(_ bytes: UnsafeBufferPointer<UInt8>, _ table: Range<Int>, _ at: Int) -> String? {
        guard at >= 0, table.lowerBound + at < table.upperBound else { return nil }
        var end = table.lowerBound + at
        while end < table.upperBound, bytes[end] != 0x0A { end += 1 }
        var name = String(decoding: bytes[(table.lowerBound + at)..<end], as: UTF8.self)
        if name.hasSuffix("/") { name.removeLast() }
        return name
    }
}
