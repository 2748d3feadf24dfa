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
        guard let handle = FileHandle(forUpdatingAtPath: path) else {
            throw CargoStaticError(.commandFailed, "cannot write the build id of \(path)")
        }
        defer { try? handle.close() }
        // The reader checked the ELF ident: byte 5 is the byte order (2: big-endian).
        let ident = try handle.read(upToCount: 6) ?? Data()
        guard ident.count == 6, let range = descriptor(in: note, bigEndian: ident[ident.startIndex + 5] == 2) else { return false }
        let start = Int(location.offset) + range.lowerBound
        let size = Int(try handle.seekToEnd())
        guard start >= 0, start + range.count <= size else { return false }
        let id = Array(try digest(path, zeroing: start..<start + range.count).prefix(range.count))
        try handle.seek(toOffset: UInt64(start))
        try handle.write(contentsOf: Data(id))
        return true
    }

    /// SHA-256 of the file with the bytes in `zeroed` read as zeros, streamed in chunks (a
    /// large executable is read once and never held whole).
    static func digest(_ path: String, zeroing zeroed: Range<Int>, chunk: Int = 1 << 20) throws -> [UInt8] {
        var hash = SHA256()
        let zeros = [UInt8](repeating: 0, count: zeroed.count)
        try SHA256.stream(file: path, chunk: chunk) { chunk, offset in
            let span = offset..<offset + chunk.count
            let overlap = span.clamped(to: zeroed)
            guard !overlap.isEmpty else { return hash.update(chunk) }
            hash.update(UnsafeRawBufferPointer(rebasing: chunk[0..<overlap.lowerBound - offset]))
            zeros.withUnsafeBytes { hash.update(UnsafeRawBufferPointer(rebasing: $0[0..<overlap.count])) }
            hash.update(UnsafeRawBufferPointer(rebasing: chunk[overlap.upperBound - offset..<chunk.count]))
        }
        return hash.finish()
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
