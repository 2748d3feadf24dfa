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
        guard let (location, note) = try DepSectionReader.read(path: path, section: section) else { return false }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        // The reader checked the ELF ident: byte 5 is the byte order (2: big-endian).
        guard let range = descriptor(in: note, bigEndian: bytes[bytes.startIndex + 5] == 2) else { return false }
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
        let order = DepSectionReader.Header(is64: false, bigEndian: bigEndian)
        let nameSize = Int(order.u32(bytes, 0)), idSize = Int(order.u32(bytes, 4)), type = order.u32(bytes, 8)
        let start = 12 + (nameSize + 3) / 4 * 4
        guard type == 3, nameSize == 4, bytes.count >= 16, bytes[12..<16] == [0x47, 0x4e, 0x55, 0],
              idSize > 0, idSize <= 32, start + idSize <= bytes.count else { return nil }
        return start..<start + idSize
    }
}
