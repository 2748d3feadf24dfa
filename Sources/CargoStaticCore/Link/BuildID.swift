import Foundation

/// The build id after stripping. The linker hashes the executable with its debug sections,
/// and those name directories outside cargo-static's remapping (zig's cache, where zig
/// compiles its own runtime), so two caches gave the same stripped bytes two ids. After
/// objcopy has removed the debug sections the id is recomputed over what ships: SHA-256 of
/// the file with the id's bytes zeroed, cut to the id's length (as the linker does with SHA-1).
public enum BuildID {
    static let section = ".note.gnu.build-id"

    /// Rewrites the id in place; false when the file has no GNU build-id note.
    @discardableResult
    public static func restamp(_ path: String) throws -> Bool {
        guard let (location, note) = try DepSectionReader.read(path: path, section: section),
              let range = descriptor(in: note, bigEndian: try isBigEndian(path)) else { return false }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let start = Int(location.offset) + range.lowerBound
        guard start >= 0, start + range.count <= bytes.count else { return false }
        bytes.replaceSubrange(start..<start + range.count, with: Data(count: range.count))
        var digest = SHA256()
        digest.update(bytes)
        let id = Array(digest.finish().prefix(range.count))
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw CargoStaticError(.commandFailed, "cannot write the build id of \(path)")
        }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(start))
        try handle.write(contentsOf: Data(id))
        return true
    }

    /// Where the id lies in the note: after namesz, descsz, type and the name "GNU\0".
    /// Ids longer than a SHA-256 are left alone (nothing here makes them).
    static func descriptor(in note: Data, bigEndian: Bool) -> Range<Int>? {
        let bytes = [UInt8](note)
        guard bytes.count >= 12 else { return nil }
        let word = { (at: Int) -> Int in
            let b = bytes[at..<at + 4].map(Int.init)
            return bigEndian ? b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3] : b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0]
        }
        let nameSize = word(0), idSize = word(4), type = word(8)
        let start = 12 + (nameSize + 3) / 4 * 4
        guard type == 3, nameSize == 4, bytes.count >= 16, bytes[12..<16] == [0x47, 0x4e, 0x55, 0],
              idSize > 0, idSize <= 32, start + idSize <= bytes.count else { return nil }
        return start..<start + idSize
    }

    private static func isBigEndian(_ path: String) throws -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let ident = try handle.read(upToCount: 6) ?? Data()
        return ident.count == 6 && ident[ident.startIndex + 5] == 2
    }
}
