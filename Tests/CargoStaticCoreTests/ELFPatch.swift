import Foundation
@testable import CargoStaticCore

/// Edits the fields of a real ELF image in its own class and byte order: the
/// tool the loader-rule tests and the fuzz mutator use to forge binaries.
/// Offsets come from fields that may already be forged, so all arithmetic
/// wraps or clamps and out-of-file accesses read 0 and write nothing.
struct ELFPatch {
    var bytes: [UInt8]
    let is64: Bool
    let big: Bool

    init(_ bytes: [UInt8]) {
        self.init(bytes, is64: bytes.count > 4 && bytes[4] == 2, big: bytes.count > 5 && bytes[5] == 2)
    }

    /// With the class and byte order given, for images whose e_ident was mutated.
    init(_ bytes: [UInt8], is64: Bool, big: Bool) {
        self.bytes = bytes
        self.is64 = is64
        self.big = big
    }

    init(path: String) throws {
        self.init(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    // MARK: Raw fields

    func get(_ at: Int, _ width: Int) -> UInt64 {
        guard at >= 0, at <= bytes.count - width else { return 0 }
        let raw = bytes[at ..< at + width]
        return (big ? Array(raw) : raw.reversed()).reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func set(_ at: Int, _ width: Int, _ value: UInt64) {
        guard at >= 0, at <= bytes.count - width else { return }
        for i in 0 ..< width {
            let shift = big ? 8 * (width - 1 - i) : 8 * i
            bytes[at + i] = UInt8(truncatingIfNeeded: value >> UInt64(shift))
        }
    }

    var word: Int { is64 ? 8 : 4 }

    // MARK: ELF header

    enum HeaderField { case type, entry, phoff, shoff, phentsize, phnum, shentsize, shnum, shstrndx }

    func location(_ field: HeaderField) -> (at: Int, width: Int) {
        let w = word, after = 24 + 3 * w + 4
        switch field {
        case .type: return (16, 2)
        case .entry: return (24, w)
        case .phoff: return (24 + w, w)
        case .shoff: return (24 + 2 * w, w)
        case .phentsize: return (after + 2, 2)
        case .phnum: return (after + 4, 2)
        case .shentsize: return (after + 6, 2)
        case .shnum: return (after + 8, 2)
        case .shstrndx: return (after + 10, 2)
        }
    }

    subscript(_ field: HeaderField) -> UInt64 {
        get { let l = location(field); return get(l.at, l.width) }
        set { let l = location(field); set(l.at, l.width, newValue) }
    }

    // MARK: Program headers

    enum SegmentField { case type, flags, offset, vaddr, filesz, memsz, align }

    var phdrSize: Int { is64 ? 56 : 32 }
    var phnum: Int { Int(self[.phnum]) }

    func location(segment index: Int, _ field: SegmentField) -> (at: Int, width: Int) {
        let base = Int(clamping: self[.phoff]) &+ index &* phdrSize
        if is64 {
            let offsets: [SegmentField: Int] = [.type: 0, .flags: 4, .offset: 8, .vaddr: 16, .filesz: 32, .memsz: 40, .align: 48]
            return (base &+ offsets[field]!, field == .type || field == .flags ? 4 : 8)
        }
        let offsets: [SegmentField: Int] = [.type: 0, .offset: 4, .vaddr: 8, .filesz: 16, .memsz: 20, .flags: 24, .align: 28]
        return (base &+ offsets[field]!, 4)
    }

    subscript(segment index: Int, field field: SegmentField) -> UInt64 {
        get { let l = location(segment: index, field); return get(l.at, l.width) }
        set { let l = location(segment: index, field); set(l.at, l.width, newValue) }
    }

    /// Indices of the program headers of one type.
    func segments(_ type: UInt32) -> [Int] {
        (0 ..< phnum).filter { self[segment: $0, field: .type] == UInt64(type) }
    }

    /// Copies program header `from` over program header `to`.
    mutating func copySegment(_ from: Int, over to: Int) {
        let a = location(segment: from, .type).at, b = location(segment: to, .type).at
        guard a >= 0, b >= 0, a <= bytes.count - phdrSize, b <= bytes.count - phdrSize else { return }
        bytes.replaceSubrange(b ..< b + phdrSize, with: bytes[a ..< a + phdrSize])
    }

    // MARK: Section headers

    enum SectionField { case name, type, offset, size, link }

    var shdrSize: Int { is64 ? 64 : 40 }

    func location(section index: Int, _ field: SectionField) -> (at: Int, width: Int) {
        let base = Int(clamping: self[.shoff]) &+ index &* shdrSize, w = word
        switch field {
        case .name: return (base, 4)
        case .type: return (base &+ 4, 4)
        case .offset: return (base &+ 8 + 2 * w, w)
        case .size: return (base &+ 8 + 3 * w, w)
        case .link: return (base &+ 8 + 4 * w, 4)
        }
    }

    subscript(section index: Int, field field: SectionField) -> UInt64 {
        get { let l = location(section: index, field); return get(l.at, l.width) }
        set { let l = location(section: index, field); set(l.at, l.width, newValue) }
    }

    /// The index of the named section, read with the project's reader.
    func section(named name: String) -> Int? {
        (try? ELFFile.parse(bytes: bytes))?.sections.firstIndex { $0.name == name }
    }

    // MARK: Dynamic array

    /// File offsets of the PT_DYNAMIC entries up to DT_NULL, with their tags.
    func dynamicEntries() -> [(at: Int, tag: UInt64)] {
        guard let index = segments(ELFConst.PT_DYNAMIC).first else { return [] }
        let start = Int(clamping: self[segment: index, field: .offset]), size = Int(clamping: self[segment: index, field: .filesz])
        let end = min(start.addingReportingOverflow(size).overflow ? Int.max : start + size, bytes.count - 2 * word + 1)
        var result: [(at: Int, tag: UInt64)] = []
        guard start < end else { return [] }
        for at in stride(from: start, to: end, by: 2 * word) {
            let tag = get(at, word)
            if tag == 0 { break }
            result.append((at, tag))
        }
        return result
    }
}
