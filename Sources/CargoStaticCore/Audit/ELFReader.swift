// A self-contained ELF reader: enough of ELF32/ELF64 (either byte order, any
// machine) to decide how a binary is linked and how it is hardened.
//
// The reader never trusts the file. It reads only the structures it needs with
// bounded reads, checks every offset/size/count with overflow-safe arithmetic,
// caps every table and every string scan, and reports problems as `ELFError`
// naming the file offset. Hostile input must end in an error, never in a crash,
// a hang or a huge allocation.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Errors

public enum ELFError: Error, CustomStringConvertible, LocalizedError, Equatable {
    case unreadable(path: String, reason: String)
    case notELF(reason: String)
    case malformed(offset: UInt64, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "cannot read \(path): \(reason)"
        case let .notELF(reason):
            return "not an ELF file: \(reason)"
        case let .malformed(offset, reason):
            return "malformed ELF at offset \(hex(offset)): \(reason)"
        }
    }

    public var errorDescription: String? { description }
}

func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

func hexBytes<S: Sequence>(_ bytes: S, separator: String = "") -> String where S.Element == UInt8 {
    let digits = Array("0123456789abcdef")
    return bytes.map { String([digits[Int($0 >> 4)], digits[Int($0 & 15)]]) }.joined(separator: separator)
}

// MARK: - Constants

/// The subset of ELF constants the reader and the audit use.
enum ELFConst {
    static let ET_REL: UInt16 = 1, ET_EXEC: UInt16 = 2, ET_DYN: UInt16 = 3, ET_CORE: UInt16 = 4

    static let PT_LOAD: UInt32 = 1, PT_DYNAMIC: UInt32 = 2, PT_INTERP: UInt32 = 3, PT_NOTE: UInt32 = 4, PT_PHDR: UInt32 = 6
    static let PT_GNU_STACK: UInt32 = 0x6474_e551, PT_GNU_RELRO: UInt32 = 0x6474_e552
    static let PT_GNU_PROPERTY: UInt32 = 0x6474_e553
    static let PF_X: UInt32 = 1, PF_W: UInt32 = 2, PF_R: UInt32 = 4

    static let SHT_SYMTAB: UInt32 = 2, SHT_STRTAB: UInt32 = 3, SHT_DYNAMIC: UInt32 = 6
    static let SHT_NOTE: UInt32 = 7, SHT_NOBITS: UInt32 = 8, SHT_DYNSYM: UInt32 = 11
    static let SHT_GNU_verneed: UInt32 = 0x6fff_fffe

    static let DT_NULL: UInt64 = 0, DT_NEEDED: UInt64 = 1, DT_STRTAB: UInt64 = 5, DT_STRSZ: UInt64 = 10
    static let DT_SONAME: UInt64 = 14, DT_RPATH: UInt64 = 15, DT_TEXTREL: UInt64 = 22
    static let DT_BIND_NOW: UInt64 = 24, DT_RUNPATH: UInt64 = 29, DT_FLAGS: UInt64 = 30
    static let DT_FLAGS_1: UInt64 = 0x6fff_fffb, DT_VERNEED: UInt64 = 0x6fff_fffe
    static let DT_VERNEEDNUM: UInt64 = 0x6fff_ffff
    static let DF_TEXTREL: UInt64 = 0x4, DF_BIND_NOW: UInt64 = 0x8
    static let DF_1_NOW: UInt64 = 0x1, DF_1_PIE: UInt64 = 0x0800_0000

    static let NT_GNU_ABI_TAG: UInt32 = 1, NT_GNU_BUILD_ID: UInt32 = 3, NT_GNU_PROPERTY_TYPE_0: UInt32 = 5
    static let GNU_PROPERTY_AARCH64_FEATURE_1_AND: UInt32 = 0xc000_0000
    static let GNU_PROPERTY_X86_FEATURE_1_AND: UInt32 = 0xc000_0002

    static let EM_386: UInt16 = 3, EM_X86_64: UInt16 = 62, EM_AARCH64: UInt16 = 183
}

/// Caps that keep hostile files from costing unbounded time or memory.
/// Real binaries stay far below them; a table beyond a cap is read partially
/// and flagged (`symbolsTruncated`) rather than rejected.
enum ELFLimits {
    static let maxProgramHeaders = 65_535
    static let maxSections = 65_535 * 4        // extended numbering allows more than 16 bits
    static let maxSymbolsPerTable = 4 << 20
    static let maxTableBytes = 64 << 20        // one symbol table or string table
    static let maxSymbolBytesTotal = 256 << 20 // all symbol tables and their string tables together
    static let maxStringScanBytes = 256 << 20  // all string scans of one parse together
    static let maxStringLength = 1 << 20
    static let maxDynamicBytes = 1 << 20
    static let maxDynStrBytes = 16 << 20
    static let maxNoteBytes = 1 << 20
    static let maxNoteRegions = 64
    static let maxCommentBytes = 64 << 10
    static let maxRodataScanBytes = 16 << 20
    static let maxCommentStrings = 64
    static let maxVersionEntries = 65_536
    static let maxBuildIDBytes = 256
}

// MARK: - Public model

public struct ELFFile {
    public enum Class: String { case elf32, elf64 }
    public enum Endianness: String { case little, big }

    public struct ProgramHeader: Equatable {
        public let type: UInt32
        public let flags: UInt32
        public let offset: UInt64
        public let vaddr: UInt64
        public let filesz: UInt64
        public let memsz: UInt64
        public let align: UInt64
    }

    public struct Section: Equatable {
        public let name: String
        public let type: UInt32
        public let flags: UInt64
        public let addr: UInt64
        public let offset: UInt64
        public let size: UInt64
        public let link: UInt32
        public let info: UInt32
        public let addralign: UInt64
        public let entsize: UInt64
    }

    /// Control-flow protection recorded in NT_GNU_PROPERTY_TYPE_0 notes.
    public struct GNUProperties: Equatable {
        /// GNU_PROPERTY_X86_FEATURE_1_AND bits (1 = IBT, 2 = SHSTK), x86 only.
        public var x86Feature1And: UInt32?
        /// GNU_PROPERTY_AARCH64_FEATURE_1_AND bits (1 = BTI, 2 = PAC), aarch64 only.
        public var aarch64Feature1And: UInt32?

        public init(x86Feature1And: UInt32? = nil, aarch64Feature1And: UInt32? = nil) {
            self.x86Feature1And = x86Feature1And
            self.aarch64Feature1And = aarch64Feature1And
        }

        public var ibt: Bool { (x86Feature1And ?? 0) & 1 != 0 }
        public var shstk: Bool { (x86Feature1And ?? 0) & 2 != 0 }
        public var bti: Bool { (aarch64Feature1And ?? 0) & 1 != 0 }
        public var pac: Bool { (aarch64Feature1And ?? 0) & 2 != 0 }

        /// Enabled features by their usual short names, e.g. ["ibt", "shstk"].
        public var features: [String] {
            [("ibt", ibt), ("shstk", shstk), ("bti", bti), ("pac", pac)].filter { $0.1 }.map { $0.0 }
        }
    }

    public let path: String
    public let fileSize: UInt64
    public let elfClass: Class
    public let endianness: Endianness
    public let osABI: UInt8
    public let type: UInt16
    public let machine: UInt16
    public let entry: UInt64
    /// e_phoff: where the kernel reads the program headers.
    public let programHeaderOffset: UInt64
    public let programHeaders: [ProgramHeader]
    public let sections: [Section]
    public let interpreter: String?
    public let needed: [String]
    /// The path in a `.interp` section: the section headers' view, which the
    /// audit compares with PT_INTERP.
    public let sectionInterpreter: String?
    /// DT_NEEDED names found through the section headers (`.dynamic` sections),
    /// which the audit compares with those of PT_DYNAMIC.
    public let sectionNeeded: [String]
    public let rpath: String?
    public let runpath: String?
    public let soname: String?
    public let hasTextRel: Bool
    public let bindNow: Bool
    public let dynamicFlags: UInt64
    public let flags1: UInt64
    public let hasDynamicSegment: Bool
    /// Names from .symtab and .dynsym, defined and undefined, without
    /// "@VERSION" suffixes.
    public let symbolNames: Set<String>
    /// The names of symbols the file defines (section index not SHN_UNDEF): a weak
    /// reference such as a probe for jemalloc's `mallctl` is not jemalloc.
    public let definedSymbolNames: Set<String>
    /// True when a symbol or string table exceeded a reader cap, so
    /// `symbolNames` holds only part of the symbols.
    public let symbolsTruncated: Bool
    public let symbolVersions: [String]
    /// The shared libraries those versions are needed from (vn_file).
    public let versionNeedFiles: [String]
    public let buildID: String?
    /// NT_GNU_ABI_TAG ("Linux 3.2.0"): glibc's crt1.o carries it.
    public let abiTag: String?
    public let gnuProperties: GNUProperties
    public let comment: [String]
    /// libc marker strings found in .rodata; only searched when the symbol table is gone.
    public let rodataMarkers: [String]

    public var bits: Int { elfClass == .elf64 ? 64 : 32 }

    public var machineName: String {
        ELFFile.machineName(machine, is64: elfClass == .elf64, little: endianness == .little)
    }

    public var hasSymbolTable: Bool { sections.contains { $0.type == ELFConst.SHT_SYMTAB } }

    public static func read(path: String) throws -> ELFFile {
        let source = try FileSource(path: path)
        return try ELFFile(source: source, path: path)
    }

    public static func parse(bytes: [UInt8], path: String = "<memory>") throws -> ELFFile {
        try ELFFile(source: MemorySource(bytes: bytes), path: path)
    }

    /// Names as used in target triples (Rust, Debian multiarch, zig).
    public static func machineName(_ machine: UInt16, is64: Bool, little: Bool) -> String {
        switch machine {
        case 2: return "sparc"
        case 3: return "i386"
        case 4: return "m68k"
        case 8: return (is64 ? "mips64" : "mips") + (little ? "el" : "")
        case 18: return "sparc32plus"
        case 20: return little ? "powerpcle" : "powerpc"
        case 21: return little ? "powerpc64le" : "powerpc64"
        case 22: return is64 ? "s390x" : "s390"
        case 40: return little ? "arm" : "armeb"
        case 42: return "sh"
        case 43: return "sparc64"
        case 50: return "ia64"
        case 62: return is64 ? "x86_64" : "x32"
        case 164: return "hexagon"
        case 183: return little ? "aarch64" : "aarch64_be"
        case 243: return is64 ? "riscv64" : "riscv32"
        case 247: return "bpf"
        case 258: return is64 ? "loongarch64" : "loongarch32"
        case 0x9026: return "alpha"
        default: return "unknown(\(machine))"
        }
    }

    // MARK: Parsing

    private init(source: ByteSource, path: String) throws {
        let ctx = try ParseContext(source: source, path: path)
        let header = try ctx.readHeader()
        let phdrs = try ctx.readProgramHeaders(header)
        let sections = try ctx.readSections(header)
        let dyn = try ctx.readDynamic(phdrs: phdrs, sections: sections)
        let versionNeeds = try ctx.readVersionNeeds(sections: sections, dynamic: dyn, phdrs: phdrs)
        let symbols = try ctx.readSymbols(sections: sections)
        let notes = try ctx.readNotes(phdrs: phdrs, sections: sections, machine: header.machine)

        self.path = path
        fileSize = ctx.fileSize
        elfClass = ctx.is64 ? .elf64 : .elf32
        endianness = ctx.big ? .big : .little
        osABI = header.osABI
        type = header.type
        machine = header.machine
        entry = header.entry
        programHeaderOffset = header.phoff
        programHeaders = phdrs
        self.sections = sections
        interpreter = try ctx.readInterpreter(phdrs: phdrs)
        needed = dyn.needed
        sectionInterpreter = try ctx.readInterpSection(sections)
        sectionNeeded = try ctx.readSectionNeeded(sections, phdrs: phdrs, dynamic: dyn)
        rpath = dyn.rpath
        runpath = dyn.runpath
        soname = dyn.soname
        hasTextRel = dyn.textrel
        bindNow = dyn.bindNow
        dynamicFlags = dyn.flags
        flags1 = dyn.flags1
        hasDynamicSegment = phdrs.contains { $0.type == ELFConst.PT_DYNAMIC }
        symbolNames = symbols.names
        definedSymbolNames = symbols.defined
        symbolsTruncated = symbols.truncated
        symbolVersions = versionNeeds.versions
        versionNeedFiles = versionNeeds.files
        buildID = notes.buildID
        abiTag = notes.abiTag
        gnuProperties = notes.properties
        comment = try ctx.readComment(sections: sections)
        rodataMarkers = symbols.names.isEmpty ? try ctx.readRodataMarkers(sections: sections) : []
    }
}

// MARK: - Byte sources

/// Where the bytes come from: a file read with pread, or an in-memory buffer.
protocol ByteSource: AnyObject {
    var size: UInt64 { get }
    /// Reads exactly `count` bytes; callers have already bounds-checked the range.
    func read(at offset: UInt64, count: Int) throws -> [UInt8]
}

final class MemorySource: ByteSource {
    let bytes: [UInt8]
    init(bytes: [UInt8]) { self.bytes = bytes }
    var size: UInt64 { UInt64(bytes.count) }

    func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        let start = Int(offset)
        return Array(bytes[start ..< start + count])
    }
}

final class FileSource: ByteSource {
    let path: String
    let size: UInt64
    private let fd: Int32

    init(path: String) throws {
        // O_NONBLOCK: opening a FIFO must not block; it is rejected below anyway.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw ELFError.unreadable(path: path, reason: FileSource.errnoText()) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = FileSource.errnoText()
            close(fd)
            throw ELFError.unreadable(path: path, reason: reason)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            let kind = (info.st_mode & S_IFMT) == S_IFDIR ? "is a directory" : "not a regular file"
            throw ELFError.unreadable(path: path, reason: kind)
        }
        self.fd = fd
        self.path = path
        size = UInt64(info.st_size)
    }

    deinit { close(fd) }

    func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard count > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        try out.withUnsafeMutableBytes { buffer in
            while done < count {
                let n = pread(fd, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n < 0 && errno == EINTR { continue }
                if n < 0 { throw ELFError.unreadable(path: path, reason: FileSource.errnoText()) }
                if n == 0 {
                    throw ELFError.unreadable(path: path, reason: "file shrank while reading (at offset \(hex(offset + UInt64(done))))")
                }
                done += n
            }
        }
        return out
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

// MARK: - Decoding helpers

/// Bytes read from `base` in the file, decoded with the file's byte order.
/// Every accessor is bounds-checked, so a logic slip becomes an error, not a trap.
struct ByteView {
    let bytes: [UInt8]
    let base: UInt64
    let big: Bool

    var count: Int { bytes.count }

    func check(_ index: Int, _ width: Int) throws {
        guard index >= 0, width <= bytes.count, index <= bytes.count - width else {
            throw ELFError.malformed(offset: base &+ UInt64(max(index, 0)),
                                     reason: "structure truncated (needs \(width) bytes past the end of a \(bytes.count)-byte block)")
        }
    }

    func u8(_ i: Int) throws -> UInt8 {
        try check(i, 1)
        return bytes[i]
    }

    func u16(_ i: Int) throws -> UInt16 {
        try check(i, 2)
        let a = UInt16(bytes[i]), b = UInt16(bytes[i + 1])
        return big ? (a << 8 | b) : (b << 8 | a)
    }

    func u32(_ i: Int) throws -> UInt32 {
        try check(i, 4)
        let a = UInt32(bytes[i]), b = UInt32(bytes[i + 1]), c = UInt32(bytes[i + 2]), d = UInt32(bytes[i + 3])
        return big ? (a << 24 | b << 16 | c << 8 | d) : (d << 24 | c << 16 | b << 8 | a)
    }

    func u64(_ i: Int) throws -> UInt64 {
        let first = UInt64(try u32(i)), second = UInt64(try u32(i + 4))
        return big ? (first << 32 | second) : (second << 32 | first)
    }

    /// An address/offset/size field: 8 bytes in ELF64, 4 in ELF32.
    func word(_ i: Int, is64: Bool) throws -> UInt64 {
        is64 ? try u64(i) : UInt64(try u32(i))
    }

    func slice(_ start: Int, _ length: Int) throws -> ByteView {
        try check(start, length)
        return ByteView(bytes: Array(bytes[start ..< start + length]), base: base &+ UInt64(start), big: big)
    }
}

/// Shared by all string lookups of one parse so that hostile tables (millions
/// of symbols pointing into one long unterminated run) cannot cost more than
/// `maxStringScanBytes` of scanning in total.
final class ScanBudget {
    var remaining = ELFLimits.maxStringScanBytes
}

/// A string table held in memory. `truncated` means the table on disk is larger
/// than what was read (a cap was hit); lookups beyond the read part return nil.
struct StringTable {
    let view: ByteView
    let truncated: Bool
    let what: String
    let budget: ScanBudget

    /// The NUL-terminated string at `offset`; nil when it lies beyond a cap
    /// (table read partially, or the parse's scan budget is spent).
    /// With `cutAt`, the string ends before the first such byte unless it is
    /// the first byte (used to drop "@VERSION" from symbol names).
    func string(at offset: UInt64, cutAt: UInt8? = nil) throws -> String? {
        guard offset < UInt64(view.count) else {
            if truncated { return nil }
            throw ELFError.malformed(offset: view.base,
                                     reason: "\(what) string offset \(hex(offset)) is outside the table (size \(view.count))")
        }
        guard budget.remaining > 0 else { return nil }
        let start = Int(offset)
        let toEnd = view.count - start
        let window = min(toEnd, ELFLimits.maxStringLength + 1, budget.remaining)
        // memchr and decoding from a raw buffer keep this fast in debug builds too.
        let found = view.bytes.withUnsafeBufferPointer { buffer -> (text: String, length: Int)? in
            let base = buffer.baseAddress! + start
            guard let hit = memchr(base, 0, window) else { return nil }
            let length = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
            var kept = length
            if let cutAt, length > 1, let cut = memchr(base + 1, Int32(cutAt), length - 1) {
                kept = UnsafeRawPointer(cut) - UnsafeRawPointer(base)
            }
            return (String(decoding: UnsafeBufferPointer(start: base, count: kept), as: UTF8.self), length)
        }
        if let found {
            budget.remaining -= found.length + 1
            return found.text
        }
        let budgetBound = window == budget.remaining && window < toEnd
        budget.remaining -= window
        return try unterminated(at: start, reachedEnd: window == toEnd, budgetBound: budgetBound)
    }

    private func unterminated(at start: Int, reachedEnd: Bool, budgetBound: Bool) throws -> String? {
        if (truncated && reachedEnd) || budgetBound { return nil }
        let reason = reachedEnd ? "\(what) string is not NUL-terminated within its table (size \(view.count))"
                                : "\(what) string is longer than \(ELFLimits.maxStringLength) bytes"
        throw ELFError.malformed(offset: view.base &+ UInt64(start), reason: reason)
    }

    var exhausted: Bool { budget.remaining <= 0 }
}

func alignUp(_ value: UInt64, _ alignment: UInt64) -> UInt64? {
    let (sum, overflow) = value.addingReportingOverflow(alignment - 1)
    return overflow ? nil : sum & ~(alignment - 1)
}

// MARK: - Parser

struct ELFHeader {
    let osABI: UInt8
    let type: UInt16
    let machine: UInt16
    let entry: UInt64
    let phoff: UInt64
    let shoff: UInt64
    let phentsize: Int
    let phnum: Int
    let shentsize: Int
    let shnum: Int
    let shstrndx: Int
}

struct DynamicInfo {
    var needed: [String] = []
    var soname: String?
    var rpath: String?
    var runpath: String?
    var textrel = false
    var bindNow = false
    var flags: UInt64 = 0
    var flags1: UInt64 = 0
    var verneed: UInt64?
    var verneedNum: UInt64 = 0
    var strings: StringTable?
}

struct VersionNeeds {
    var files: [String] = []
    var versions: [String] = []
}

struct NoteInfo {
    var buildID: String?
    var abiTag: String?
    var properties = ELFFile.GNUProperties()
}

final class ParseContext {
    let source: ByteSource
    let path: String
    let fileSize: UInt64
    let budget = ScanBudget()
    /// Bytes still allowed for symbol tables and their string tables; many
    /// section headers may name the same huge table.
    private var symbolBytesLeft = ELFLimits.maxSymbolBytesTotal
    private(set) var is64 = true
    private(set) var big = false

    init(source: ByteSource, path: String) throws {
        self.source = source
        self.path = path
        fileSize = source.size
    }

    var wordSize: Int { is64 ? 8 : 4 }

    // MARK: Bounded reads

    /// Fails unless [offset, offset+size) lies inside the file, without overflowing.
    func checkRange(_ offset: UInt64, _ size: UInt64, _ what: String) throws {
        let (end, overflow) = offset.addingReportingOverflow(size)
        if overflow {
            throw ELFError.malformed(offset: offset, reason: "\(what) offset + size overflows (size \(hex(size)))")
        }
        if end > fileSize {
            throw ELFError.malformed(offset: offset,
                                     reason: "\(what) extends past end of file (size \(fileSize))")
        }
    }

    func read(_ offset: UInt64, _ size: UInt64, _ what: String) throws -> ByteView {
        try checkRange(offset, size, what)
        return ByteView(bytes: try source.read(at: offset, count: Int(size)), base: offset, big: big)
    }

    /// `count * entrySize` with overflow check; the caller has already capped `count`.
    func tableSize(_ count: Int, _ entrySize: Int, at offset: UInt64, _ what: String) throws -> UInt64 {
        let (size, overflow) = UInt64(count).multipliedReportingOverflow(by: UInt64(entrySize))
        if overflow { throw ELFError.malformed(offset: offset, reason: "\(what) size overflows") }
        return size
    }

    // MARK: Header

    func readHeader() throws -> ELFHeader {
        guard fileSize > 0 else { throw ELFError.notELF(reason: "file is empty") }
        let ident = try read(0, min(fileSize, 64), "ELF header")
        guard ident.count >= 4, ident.bytes[0 ..< 4] == [0x7f, 0x45, 0x4c, 0x46] else {
            let shown = hexBytes(ident.bytes.prefix(4), separator: " ")
            throw ELFError.notELF(reason: "bad magic (\(shown), expected 7f 45 4c 46)")
        }
        guard ident.count >= 16 else {
            throw ELFError.malformed(offset: 0, reason: "file too short for e_ident (\(fileSize) bytes)")
        }
        try decodeIdent(ident)
        let headerSize = is64 ? 64 : 52
        guard ident.count >= headerSize else {
            throw ELFError.malformed(offset: 0, reason: "file too short for an ELF\(is64 ? 64 : 32) header (needs \(headerSize) bytes, has \(fileSize))")
        }
        return try decodeHeader(ByteView(bytes: ident.bytes, base: 0, big: big))
    }

    private func decodeIdent(_ ident: ByteView) throws {
        switch ident.bytes[4] {
        case 1: is64 = false
        case 2: is64 = true
        case let value: throw ELFError.malformed(offset: 4, reason: "invalid EI_CLASS \(value)")
        }
        switch ident.bytes[5] {
        case 1: big = false
        case 2: big = true
        case let value: throw ELFError.malformed(offset: 5, reason: "invalid EI_DATA \(value)")
        }
    }

    private func decodeHeader(_ h: ByteView) throws -> ELFHeader {
        let w = wordSize
        let after = 24 + 3 * w + 4  // e_flags ends here; e_ehsize follows
        var header = ELFHeader(
            osABI: h.bytes[7],
            type: try h.u16(16), machine: try h.u16(18),
            entry: try h.word(24, is64: is64),
            phoff: try h.word(24 + w, is64: is64), shoff: try h.word(24 + 2 * w, is64: is64),
            phentsize: Int(try h.u16(after + 2)), phnum: Int(try h.u16(after + 4)),
            shentsize: Int(try h.u16(after + 6)), shnum: Int(try h.u16(after + 8)),
            shstrndx: Int(try h.u16(after + 10)))
        try checkProgramHeaderFields(header)
        try checkOtherClassView(h, header)
        try applyExtendedNumbering(&header)
        return header
    }

    /// Files with ≥ 0xff00 sections or 0xffff program headers keep the real
    /// counts in section header 0 (e_shnum = 0, e_shstrndx = SHN_XINDEX, e_phnum = PN_XNUM).
    private func applyExtendedNumbering(_ header: inout ELFHeader) throws {
        let needsSection0 = header.shoff != 0 && (header.shnum == 0 || header.shstrndx == 0xffff || header.phnum == 0xffff)
        guard needsSection0 else { return }
        try checkSectionEntrySize(header)
        let s0 = try read(header.shoff, UInt64(sectionHeaderSize), "section header 0")
        let size = try s0.word(is64 ? 32 : 20, is64: is64)
        let link = try s0.u32(is64 ? 40 : 24)
        let info = try s0.u32(is64 ? 44 : 28)
        if header.shnum == 0 { header = header.with(shnum: try capped(size, ELFLimits.maxSections, header.shoff, "section count")) }
        if header.shstrndx == 0xffff { header = header.with(shstrndx: Int(link)) }
        if header.phnum == 0xffff { header = header.with(phnum: try capped(UInt64(info), ELFLimits.maxProgramHeaders, header.shoff, "program header count")) }
    }

    private func capped(_ value: UInt64, _ limit: Int, _ offset: UInt64, _ what: String) throws -> Int {
        guard value <= UInt64(limit) else {
            throw ELFError.malformed(offset: offset, reason: "\(what) \(value) exceeds the limit of \(limit)")
        }
        return Int(value)
    }

    var programHeaderSize: Int { is64 ? 56 : 32 }
    var sectionHeaderSize: Int { is64 ? 64 : 40 }

    private func checkSectionEntrySize(_ header: ELFHeader) throws {
        guard header.shentsize >= sectionHeaderSize else {
            throw ELFError.malformed(offset: is64 ? 58 : 46,
                                     reason: "e_shentsize \(header.shentsize) is smaller than a section header (\(sectionHeaderSize))")
        }
    }

    // MARK: Program headers

    func readProgramHeaders(_ header: ELFHeader) throws -> [ELFFile.ProgramHeader] {
        guard header.phnum > 0 else { return [] }
        let size = try tableSize(header.phnum, header.phentsize, at: header.phoff, "program header table")
        let table = try read(header.phoff, size, "program header table")
        var result: [ELFFile.ProgramHeader] = []
        result.reserveCapacity(header.phnum)
        for index in 0 ..< header.phnum {
            let phdr = try decodeProgramHeader(table, at: index * header.phentsize)
            try checkLoadable(phdr)
            result.append(phdr)
        }
        try checkSegmentSet(header, result)
        return result
    }

    private func decodeProgramHeader(_ t: ByteView, at o: Int) throws -> ELFFile.ProgramHeader {
        if is64 {
            return ELFFile.ProgramHeader(type: try t.u32(o), flags: try t.u32(o + 4), offset: try t.u64(o + 8),
                                         vaddr: try t.u64(o + 16), filesz: try t.u64(o + 32),
                                         memsz: try t.u64(o + 40), align: try t.u64(o + 48))
        }
        return ELFFile.ProgramHeader(type: try t.u32(o), flags: try t.u32(o + 24), offset: UInt64(try t.u32(o + 4)),
                                     vaddr: UInt64(try t.u32(o + 8)), filesz: UInt64(try t.u32(o + 16)),
                                     memsz: UInt64(try t.u32(o + 20)), align: UInt64(try t.u32(o + 28)))
    }

    /// A PT_LOAD whose file image runs past the end of the file means a
    /// truncated binary; the kernel would map it and fault later.
    private func checkLoadable(_ phdr: ELFFile.ProgramHeader) throws {
        guard phdr.type == ELFConst.PT_LOAD else { return }
        try checkRange(phdr.offset, phdr.filesz, "PT_LOAD segment")
    }

    // MARK: Sections

    func readSections(_ header: ELFHeader) throws -> [ELFFile.Section] {
        guard header.shoff != 0, header.shnum > 0 else { return [] }
        try checkSectionEntrySize(header)
        let size = try tableSize(header.shnum, header.shentsize, at: header.shoff, "section header table")
        let table = try read(header.shoff, size, "section header table")
        var raw: [(nameOffset: UInt32, section: ELFFile.Section)] = []
        raw.reserveCapacity(header.shnum)
        for index in 0 ..< header.shnum {
            raw.append(try decodeSection(table, at: index * header.shentsize))
        }
        let names = try sectionNames(raw.map { $0.section }, shstrndx: header.shstrndx, at: header.shoff)
        return try raw.map { entry in
            let name = try names.flatMap { try $0.string(at: UInt64(entry.nameOffset)) } ?? ""
            return entry.section.renamed(name)
        }
    }

    private func decodeSection(_ t: ByteView, at o: Int) throws -> (nameOffset: UInt32, section: ELFFile.Section) {
        let w = wordSize
        let name = try t.u32(o)
        let section = ELFFile.Section(
            name: "", type: try t.u32(o + 4), flags: try t.word(o + 8, is64: is64),
            addr: try t.word(o + 8 + w, is64: is64), offset: try t.word(o + 8 + 2 * w, is64: is64),
            size: try t.word(o + 8 + 3 * w, is64: is64), link: try t.u32(o + 8 + 4 * w),
            info: try t.u32(o + 12 + 4 * w), addralign: try t.word(o + 16 + 4 * w, is64: is64),
            entsize: try t.word(o + 16 + 5 * w, is64: is64))
        return (name, section)
    }

    private func sectionNames(_ sections: [ELFFile.Section], shstrndx: Int, at shoff: UInt64) throws -> StringTable? {
        guard shstrndx != 0 else { return nil }  // SHN_UNDEF: sections are unnamed
        guard shstrndx < sections.count else {
            throw ELFError.malformed(offset: shoff, reason: "e_shstrndx \(shstrndx) is not a section (only \(sections.count))")
        }
        return try stringTable(sections[shstrndx], cap: ELFLimits.maxTableBytes, what: "section name")
    }

    func stringTable(_ section: ELFFile.Section, cap: Int, what: String) throws -> StringTable {
        guard section.type != ELFConst.SHT_NOBITS else {
            return StringTable(view: ByteView(bytes: [], base: section.offset, big: big), truncated: false, what: what, budget: budget)
        }
        try checkRange(section.offset, section.size, "\(what) table")
        let truncated = section.size > UInt64(cap)
        let view = try read(section.offset, truncated ? UInt64(cap) : section.size, "\(what) table")
        return StringTable(view: view, truncated: truncated, what: what, budget: budget)
    }

    func section(named name: String, in sections: [ELFFile.Section]) -> ELFFile.Section? {
        sections.first { $0.name == name && $0.type != ELFConst.SHT_NOBITS }
    }

    // MARK: Symbols

    func readSymbols(sections: [ELFFile.Section]) throws -> (names: Set<String>, defined: Set<String>, truncated: Bool) {
        var names = Set<String>(), defined = Set<String>()
        var truncated = false
        for table in sections where table.type == ELFConst.SHT_SYMTAB || table.type == ELFConst.SHT_DYNSYM {
            guard symbolBytesLeft > 0 else { truncated = true; break }
            if try readSymbolTable(table, sections: sections, into: &names, defined: &defined) { truncated = true }
        }
        return (names, defined, truncated)
    }

    /// Adds the names of one symbol table; returns true when a cap cut it short.
    private func readSymbolTable(_ table: ELFFile.Section, sections: [ELFFile.Section], into names: inout Set<String>,
                                 defined: inout Set<String>) throws -> Bool {
        let minimum = is64 ? 24 : 16
        let stride = table.entsize == 0 ? UInt64(minimum) : table.entsize
        guard stride >= UInt64(minimum), stride <= 4096 else {
            throw ELFError.malformed(offset: table.offset, reason: "symbol table entry size \(table.entsize) is invalid")
        }
        guard Int(table.link) < sections.count else {
            throw ELFError.malformed(offset: table.offset, reason: "symbol table links to section \(table.link), which does not exist")
        }
        try checkRange(table.offset, table.size, "symbol table")
        let total = table.size / stride
        let byteCap = min(ELFLimits.maxTableBytes, symbolBytesLeft)
        let limit = min(UInt64(ELFLimits.maxSymbolsPerTable), UInt64(byteCap) / stride)
        let count = Int(min(total, limit))
        let view = try read(table.offset, UInt64(count) * stride, "symbol table")
        symbolBytesLeft -= view.count
        let strings = try stringTable(sections[Int(table.link)], cap: min(ELFLimits.maxTableBytes, symbolBytesLeft), what: "symbol")
        symbolBytesLeft -= strings.view.count
        var cut = total > limit
        names.reserveCapacity(names.count + count)
        // Repeated or overlapping name offsets are charged to the scan budget
        // each time, which bounds hostile tables without a per-offset memo.
        for index in 0 ..< count {
            let nameOffset = try view.u32(index * Int(stride))
            guard nameOffset != 0 else { continue }
            // GNU ld writes undefined versioned symbols into .symtab as
            // "printf@GLIBC_2.2.5"; keep the plain name so one spelling matches
            // .symtab and .dynsym alike. '@' never occurs in C or Rust symbol names.
            guard let name = try strings.string(at: UInt64(nameOffset), cutAt: UInt8(ascii: "@")) else { cut = true; continue }
            names.insert(name)
            // st_shndx: after name, info and other in ELF64; after name, value, size, info, other in ELF32.
            if try view.u16(index * Int(stride) + (is64 ? 6 : 14)) != 0 { defined.insert(name) }
            if strings.exhausted { cut = true; break }
        }
        return cut
    }

    // MARK: Version needs

    /// Version names required from shared libraries (GLIBC_2.34, ...) and the
    /// libraries named, from SHT_GNU_verneed or, for section-less files, DT_VERNEED.
    func readVersionNeeds(sections: [ELFFile.Section], dynamic: DynamicInfo, phdrs: [ELFFile.ProgramHeader]) throws -> VersionNeeds {
        if let section = sections.first(where: { $0.type == ELFConst.SHT_GNU_verneed }) {
            guard Int(section.link) < sections.count else {
                throw ELFError.malformed(offset: section.offset, reason: "version-needs section links to missing section \(section.link)")
            }
            let size = min(section.size, UInt64(ELFLimits.maxDynamicBytes))
            let view = try read(section.offset, size, "version-needs section")
            let strings = try stringTable(sections[Int(section.link)], cap: ELFLimits.maxDynStrBytes, what: "version")
            return try versionNames(view, count: UInt64(section.info), strings: strings)
        }
        guard let address = dynamic.verneed, let strings = dynamic.strings else { return VersionNeeds() }
        guard let range = fileRange(ofAddress: address, phdrs: phdrs) else {
            throw ELFError.malformed(offset: 0, reason: "DT_VERNEED \(hex(address)) is not inside any PT_LOAD segment")
        }
        let view = try read(range.offset, min(range.available, UInt64(ELFLimits.maxDynamicBytes)), "version needs")
        return try versionNames(view, count: dynamic.verneedNum, strings: strings)
    }

    /// Walks Elf_Verneed records and their Elf_Vernaux chains. Both lists are
    /// linked by relative offsets; the walk is capped so cycles terminate.
    private func versionNames(_ view: ByteView, count: UInt64, strings: StringTable) throws -> VersionNeeds {
        var needs = VersionNeeds()
        var steps = 0
        var record = 0
        for _ in 0 ..< min(count, UInt64(ELFLimits.maxVersionEntries)) {
            let file = try dynamicString(strings, at: UInt64(try view.u32(record + 4)))
            if !needs.files.contains(file) { needs.files.append(file) }
            let auxCount = Int(try view.u16(record + 2))
            var aux = try offsetAdding(record, try view.u32(record + 8), view)
            for _ in 0 ..< auxCount {
                steps += 1
                if steps > ELFLimits.maxVersionEntries { return needs }
                if let name = try strings.string(at: UInt64(try view.u32(aux + 8))), !needs.versions.contains(name) {
                    needs.versions.append(name)
                }
                let next = try view.u32(aux + 12)
                if next == 0 { break }
                aux = try offsetAdding(aux, next, view)
            }
            let next = try view.u32(record + 12)
            if next == 0 { break }
            record = try offsetAdding(record, next, view)
        }
        return needs
    }

    private func offsetAdding(_ base: Int, _ delta: UInt32, _ view: ByteView) throws -> Int {
        let (sum, overflow) = base.addingReportingOverflow(Int(delta))
        guard !overflow, sum < view.count else {
            throw ELFError.malformed(offset: view.base &+ UInt64(base), reason: "version-needs link \(hex(UInt64(delta))) points outside its table")
        }
        return sum
    }

    // MARK: Notes

    func readNotes(phdrs: [ELFFile.ProgramHeader], sections: [ELFFile.Section], machine: UInt16) throws -> NoteInfo {
        var info = NoteInfo()
        for region in noteRegions(phdrs: phdrs, sections: sections).prefix(ELFLimits.maxNoteRegions) {
            let capped = region.size > UInt64(ELFLimits.maxNoteBytes)
            let view = try read(region.offset, capped ? UInt64(ELFLimits.maxNoteBytes) : region.size, "note")
            try parseNotes(view, alignment: region.align == 8 ? 8 : 4, capped: capped, machine: machine, into: &info)
        }
        return info
    }

    /// PT_NOTE segments; object files and odd layouts only have SHT_NOTE sections.
    private func noteRegions(phdrs: [ELFFile.ProgramHeader], sections: [ELFFile.Section]) -> [(offset: UInt64, size: UInt64, align: UInt64)] {
        let segments = phdrs.filter { $0.type == ELFConst.PT_NOTE }.map { (offset: $0.offset, size: $0.filesz, align: $0.align) }
        if !segments.isEmpty { return segments }
        return sections.filter { $0.type == ELFConst.SHT_NOTE }.map { (offset: $0.offset, size: $0.size, align: $0.addralign) }
    }

    private func parseNotes(_ view: ByteView, alignment: UInt64, capped: Bool, machine: UInt16, into info: inout NoteInfo) throws {
        var offset = 0
        while offset + 12 <= view.count {
            let nameSize = UInt64(try view.u32(offset)), descSize = UInt64(try view.u32(offset + 4))
            let type = try view.u32(offset + 8)
            let nameStart = UInt64(offset + 12)
            guard let descStart = alignUp(nameStart + nameSize, alignment),
                  let next = alignUp(descStart + descSize, alignment),
                  descStart + descSize <= UInt64(view.count) else {
                if capped { return }
                throw ELFError.malformed(offset: view.base &+ UInt64(offset), reason: "note (name \(nameSize) bytes, descriptor \(descSize) bytes) extends past its segment")
            }
            let name = view.bytes[Int(nameStart) ..< Int(nameStart + nameSize)].prefix { $0 != 0 }
            if name.elementsEqual("GNU".utf8) {
                let desc = try view.slice(Int(descStart), Int(descSize))
                try applyGNUNote(type: type, desc: desc, machine: machine, to: &info)
            }
            offset = Int(min(next, UInt64(view.count)))
        }
    }

    private func applyGNUNote(type: UInt32, desc: ByteView, machine: UInt16, to info: inout NoteInfo) throws {
        switch type {
        case ELFConst.NT_GNU_BUILD_ID where desc.count > 0 && desc.count <= ELFLimits.maxBuildIDBytes:
            info.buildID = hexBytes(desc.bytes)
        case ELFConst.NT_GNU_ABI_TAG where desc.count >= 16:
            let os = ["Linux", "Hurd", "Solaris", "FreeBSD", "NetBSD", "Syllable"]
            let osIndex = Int(try desc.u32(0))
            let osName = osIndex < os.count ? os[osIndex] : "OS\(osIndex)"
            info.abiTag = "\(osName) \(try desc.u32(4)).\(try desc.u32(8)).\(try desc.u32(12))"
        case ELFConst.NT_GNU_PROPERTY_TYPE_0:
            try parseProperties(desc, machine: machine, into: &info.properties)
        default:
            break
        }
    }

    /// pr_type, pr_datasz, pr_data padded to the word size.
    private func parseProperties(_ desc: ByteView, machine: UInt16, into properties: inout ELFFile.GNUProperties) throws {
        var offset = 0
        while offset + 8 <= desc.count {
            let type = try desc.u32(offset), size = Int(try desc.u32(offset + 4))
            let dataStart = offset + 8
            guard size <= desc.count - dataStart else {
                throw ELFError.malformed(offset: desc.base &+ UInt64(offset), reason: "GNU property of \(size) bytes extends past its note")
            }
            if size >= 4 {
                let value = try desc.u32(dataStart)
                let x86 = machine == ELFConst.EM_X86_64 || machine == ELFConst.EM_386
                if type == ELFConst.GNU_PROPERTY_X86_FEATURE_1_AND && x86 { properties.x86Feature1And = value }
                if type == ELFConst.GNU_PROPERTY_AARCH64_FEATURE_1_AND && machine == ELFConst.EM_AARCH64 {
                    properties.aarch64Feature1And = value
                }
            }
            offset = Int(alignUp(UInt64(dataStart + size), UInt64(wordSize)) ?? UInt64(desc.count))
        }
    }

    // MARK: .rodata markers

    /// Strings only one libc (or allocator) puts in read-only data, for stripped static
    /// binaries: musl's strerror(0) text, glibc's tunables variable, the allocators' message prefixes.
    static let libcMarkers = ["No error information", "GLIBC_TUNABLES", "/dev/null", "/dev/full"] + AuditRules.allocatorMarkers.map(\.1)

    func readRodataMarkers(sections: [ELFFile.Section]) throws -> [String] {
        // On powerpc64, clang places PIC code's string constants in .data.rel.ro (mimalloc's messages).
        var found: [String] = []
        for name in [".rodata", ".data.rel.ro"] {
            guard let section = section(named: name, in: sections) else { continue }
            let size = min(section.size, UInt64(ELFLimits.maxRodataScanBytes))
            let bytes = try read(section.offset, size, "\(name) section").bytes
            found += ParseContext.libcMarkers.filter { !found.contains($0) && bytes.containsSubsequence(Array($0.utf8)) }
        }
        return found
    }

    // MARK: .comment

    /// Toolchain identification strings ("GCC: (Debian 12.2.0-14) 12.2.0", "rustc version ...").
    func readComment(sections: [ELFFile.Section]) throws -> [String] {
        guard let section = section(named: ".comment", in: sections) else { return [] }
        let size = min(section.size, UInt64(ELFLimits.maxCommentBytes))
        let view = try read(section.offset, size, ".comment section")
        var result: [String] = []
        for part in view.bytes.split(separator: 0) {
            let text = String(decoding: part, as: UTF8.self).trimmed()
            if !text.isEmpty && !result.contains(text) { result.append(text) }
            if result.count == ELFLimits.maxCommentStrings { break }
        }
        return result
    }
}

// MARK: - Small conveniences

extension ELFHeader {
    func with(shnum: Int? = nil, shstrndx: Int? = nil, phnum: Int? = nil) -> ELFHeader {
        ELFHeader(osABI: osABI, type: type, machine: machine, entry: entry, phoff: phoff, shoff: shoff,
                  phentsize: phentsize, phnum: phnum ?? self.phnum, shentsize: shentsize,
                  shnum: shnum ?? self.shnum, shstrndx: shstrndx ?? self.shstrndx)
    }
}

extension ELFFile.Section {
    func renamed(_ name: String) -> ELFFile.Section {
        ELFFile.Section(name: name, type: type, flags: flags, addr: addr, offset: offset, size: size,
                        link: link, info: info, addralign: addralign, entsize: entsize)
    }
}

extension Collection where Element == UInt8, Index == Int {
    /// Naive search; markers are short and the scanned range is capped.
    func containsSubsequence(_ needle: [UInt8]) -> Bool {
        guard let first = needle.first, needle.count <= count else { return needle.isEmpty }
        var i = startIndex
        let last = endIndex - needle.count
        while i <= last {
            if self[i] == first {
                var j = 1
                while j < needle.count && self[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }
}
