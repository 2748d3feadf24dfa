// Reads the `.dep-v0` section (cargo-auditable's embedded dependency list) from any ELF
// file. Self-contained on purpose: it reads only the ELF header, the section headers and
// their name table, with bounded reads, so a hostile file ends in an error, never in a
// crash or a huge allocation.

import Foundation

/// Where a file's `.dep-v0` section is and what it says.
public struct EmbeddedDependencies: Codable {
    public struct Location: Codable, Equatable {
        public let offset: UInt64
        public let size: UInt64
        /// SHF_ALLOC: the section would take memory at run time (it should not).
        public let allocated: Bool
        /// Some PT_LOAD segment maps the section's bytes (it should not).
        public let loaded: Bool
    }

    public let section: Location
    public let format: Int
    public let packages: [Crate]

    public struct Crate: Codable, Equatable {
        public let name: String
        public let version: String
        public let source: String
        public let kind: String
        public let dependencies: [Int]
        public let root: Bool
    }

    public init(section: Location, info: DepInfo) {
        self.section = section
        format = info.format
        packages = info.packages.map {
            Crate(name: $0.name, version: $0.version, source: $0.source, kind: $0.kind.rawValue,
                  dependencies: $0.dependencies, root: $0.root)
        }
    }

    /// The file's dependency list, nil when it has no `.dep-v0` section.
    public static func read(path: String) throws -> EmbeddedDependencies? {
        guard let (location, payload) = try DepSectionReader.read(path: path) else { return nil }
        return EmbeddedDependencies(section: location, info: try DepInfo.parse(sectionPayload: payload))
    }

    /// Rows for `verify`'s human output, aligned with the audit's rows.
    public var humanLines: [String] {
        let runtime = packages.filter { $0.kind == "runtime" }.count
        let root = packages.first { $0.root }.map { ", root \($0.name) \($0.version)" } ?? ", no root"
        var lines = ["  " + "dependencies".padding(toLength: 14, withPad: " ", startingAt: 0)
            + "\(packages.count) crate\(packages.count == 1 ? "" : "s") in .dep-v0 (\(runtime) runtime, \(packages.count - runtime) build)\(root)"]
        var line = ""
        for crate in packages where !crate.root {
            let item = "\(crate.name) \(crate.version)" + (crate.kind == "build" ? " [build]" : "")
                + (crate.source == "crates.io" ? "" : " [\(crate.source)]")
            if !line.isEmpty, line.count + item.count + 2 > 84 {
                lines.append(String(repeating: " ", count: 16) + line + ",")
                line = ""
            }
            line += line.isEmpty ? item : ", " + item
        }
        if !line.isEmpty { lines.append(String(repeating: " ", count: 16) + line) }
        return lines
    }

    public static let absentLine = "  " + "dependencies".padding(toLength: 14, withPad: " ", startingAt: 0) + "none embedded (no .dep-v0 section)"
}

/// Finds one section by name in an ELF32/ELF64 file of either byte order.
public enum DepSectionReader {
    static let maxSections = 1 << 16
    static let maxNameTable: UInt64 = 1 << 24
    static let maxPayload: UInt64 = 8 << 20

    public static func read(path: String, section wanted: String = DepSection.name) throws -> (EmbeddedDependencies.Location, Data)? {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DepInfoError("cannot read \(path): " + (FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"))
        }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        let file = BoundedFile(handle: handle, size: size)
        let ident = try file.bytes(at: 0, count: 16)
        guard ident.starts(with: [0x7f, 0x45, 0x4c, 0x46]) else { throw DepInfoError("not an ELF file: no ELF magic") }
        guard ident[4] == 1 || ident[4] == 2 else { throw DepInfoError("not an ELF file: unknown class \(ident[4])") }
        guard ident[5] == 1 || ident[5] == 2 else { throw DepInfoError("not an ELF file: unknown byte order \(ident[5])") }
        let h = Header(is64: ident[4] == 2, bigEndian: ident[5] == 2)

        let header = try file.bytes(at: 0, count: h.is64 ? 64 : 52)
        let phoff = h.word(header, h.is64 ? 32 : 28), shoff = h.word(header, h.is64 ? 40 : 32)
        let phentsize = UInt64(h.u16(header, h.is64 ? 54 : 42)), phnum = UInt64(h.u16(header, h.is64 ? 56 : 44))
        let shentsize = UInt64(h.u16(header, h.is64 ? 58 : 46))
        var shnum = UInt64(h.u16(header, h.is64 ? 60 : 48)), shstrndx = UInt64(h.u16(header, h.is64 ? 62 : 50))
        guard shoff != 0 else { return nil }
        guard shentsize >= (h.is64 ? 64 : 40) else { throw DepSectionReader.malformed(shoff, "section header size \(shentsize) is too small") }
        // Extended numbering: counts that do not fit in 16 bits live in section header 0.
        if shnum == 0 || shstrndx == 0xffff {
            let first = try file.bytes(at: shoff, count: Int(shentsize))
            if shnum == 0 { shnum = h.word(first, h.is64 ? 32 : 20) }
            if shstrndx == 0xffff { shstrndx = UInt64(h.u32(first, h.is64 ? 40 : 24)) }
        }
        guard shnum <= UInt64(maxSections) else { throw DepSectionReader.malformed(shoff, "\(shnum) section headers") }
        guard shstrndx < shnum else { throw DepSectionReader.malformed(shoff, "section name table index \(shstrndx) is out of range") }

        let sections = try (0..<shnum).map { i -> Section in
            let (off, overflow) = shoff.addingReportingOverflow(i * shentsize)
            guard !overflow else { throw DepSectionReader.malformed(shoff, "section header table overflows") }
            return h.section(try file.bytes(at: off, count: Int(shentsize)))
        }
        let names = sections[Int(shstrndx)]
        guard names.size <= maxNameTable else { throw DepSectionReader.malformed(names.offset, "section name table of \(names.size) bytes") }
        let nameTable = try file.bytes(at: names.offset, count: Int(names.size))
        guard let found = sections.first(where: { name(at: $0.nameOffset, in: nameTable) == wanted }) else { return nil }
        guard found.type != 8 else { throw DepSectionReader.malformed(found.offset, "\(wanted) has no contents (SHT_NOBITS)") }
        guard found.size <= maxPayload else { throw DepSectionReader.malformed(found.offset, "\(wanted) is \(found.size) bytes (more than \(maxPayload))") }
        let payload = try file.bytes(at: found.offset, count: Int(found.size))

        let segments = try (0..<min(phnum, 65_535)).map { i -> (type: UInt32, offset: UInt64, size: UInt64) in
            let (off, overflow) = phoff.addingReportingOverflow(i * phentsize)
            guard !overflow, phentsize >= (h.is64 ? 56 : 32) else { throw DepSectionReader.malformed(phoff, "bad program header table") }
            let ph = try file.bytes(at: off, count: Int(phentsize))
            return h.is64 ? (h.u32(ph, 0), h.u64(ph, 8), h.u64(ph, 32)) : (h.u32(ph, 0), UInt64(h.u32(ph, 4)), UInt64(h.u32(ph, 16)))
        }
        let loaded = found.size > 0 && segments.contains { seg in
            seg.type == 1 && found.offset < seg.offset &+ seg.size && seg.offset < found.offset &+ found.size
        }
        let location = EmbeddedDependencies.Location(offset: found.offset, size: found.size, allocated: found.flags & 2 != 0, loaded: loaded)
        return (location, Data(payload))
    }

    static func malformed(_ offset: UInt64, _ reason: String) -> DepInfoError {
        DepInfoError("malformed ELF at offset 0x\(String(offset, radix: 16)): \(reason)")
    }

    static func name(at offset: UInt32, in table: [UInt8]) -> String? {
        let start = Int(offset)
        guard start < table.count else { return nil }
        let end = table[start...].firstIndex(of: 0) ?? table.count
        return String(decoding: table[start..<end], as: UTF8.self)
    }

    struct Section {
        let nameOffset: UInt32, type: UInt32, flags: UInt64, offset: UInt64, size: UInt64
    }

    struct Header {
        let is64: Bool, bigEndian: Bool

        func u16(_ b: [UInt8], _ o: Int) -> UInt16 {
            bigEndian ? UInt16(b[o]) << 8 | UInt16(b[o + 1]) : UInt16(b[o + 1]) << 8 | UInt16(b[o])
        }
        func u32(_ b: [UInt8], _ o: Int) -> UInt32 {
            let hi = UInt32(u16(b, bigEndian ? o : o + 2)), lo = UInt32(u16(b, bigEndian ? o + 2 : o))
            return hi << 16 | lo
        }
        func u64(_ b: [UInt8], _ o: Int) -> UInt64 {
            let hi = UInt64(u32(b, bigEndian ? o : o + 4)), lo = UInt64(u32(b, bigEndian ? o + 4 : o))
            return hi << 32 | lo
        }
        /// An address-sized field: 8 bytes in ELF64, 4 in ELF32.
        func word(_ b: [UInt8], _ o: Int) -> UInt64 { is64 ? u64(b, o) : UInt64(u32(b, o)) }

        func section(_ b: [UInt8]) -> Section {
            is64 ? Section(nameOffset: u32(b, 0), type: u32(b, 4), flags: u64(b, 8), offset: u64(b, 24), size: u64(b, 32))
                : Section(nameOffset: u32(b, 0), type: u32(b, 4), flags: UInt64(u32(b, 8)), offset: UInt64(u32(b, 16)), size: UInt64(u32(b, 20)))
        }
    }

    /// Reads exact byte ranges, refusing any that reach past the end of the file.
    struct BoundedFile {
        let handle: FileHandle
        let size: UInt64

        func bytes(at offset: UInt64, count: Int) throws -> [UInt8] {
            let (end, overflow) = offset.addingReportingOverflow(UInt64(count))
            guard !overflow, end <= size else {
                throw DepSectionReader.malformed(offset, "\(count) bytes needed past the end of the file (\(size) bytes)")
            }
            if count == 0 { return [] }
            try handle.seek(toOffset: offset)
            guard let data = try handle.read(upToCount: count), data.count == count else {
                throw DepSectionReader.malformed(offset, "short read")
            }
            return [UInt8](data)
        }
    }
}

/// One file in `verify`'s output: the audit, its embedded dependency list and, with
/// `--sbom`, the SBOM check. In JSON the audit's own fields stay at the top level (the
/// output `verify --json` always had) and the others are added beside them.
public struct VerifyEntry: Codable {
    public let audit: Audit
    /// nil when the file has no `.dep-v0` section.
    public let dependencies: EmbeddedDependencies?
    /// Why the section could not be read, when it is present but broken.
    public let dependenciesError: String?
    public let sbom: SBOMCheck?

    public init(audit: Audit, dependencies: EmbeddedDependencies?, dependenciesError: String? = nil, sbom: SBOMCheck? = nil) {
        self.audit = audit
        self.dependencies = dependencies
        self.dependenciesError = dependenciesError
        self.sbom = sbom
    }

    /// Reads the section of the audited file; a broken section is recorded, not thrown.
    public static func read(_ audit: Audit, sbom: SBOMCheck? = nil) -> VerifyEntry {
        do { return VerifyEntry(audit: audit, dependencies: try EmbeddedDependencies.read(path: audit.path), sbom: sbom) } catch {
            return VerifyEntry(audit: audit, dependencies: nil, dependenciesError: "\(error)", sbom: sbom)
        }
    }

    enum Keys: String, CodingKey { case embeddedDependencies, embeddedDependenciesError, sbom }

    public func encode(to encoder: Encoder) throws {
        try audit.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        if let dependencies { try c.encode(dependencies, forKey: .embeddedDependencies) } else { try c.encodeNil(forKey: .embeddedDependencies) }
        try c.encodeIfPresent(dependenciesError, forKey: .embeddedDependenciesError)
        try c.encodeIfPresent(sbom, forKey: .sbom)
    }

    public init(from decoder: Decoder) throws {
        audit = try Audit(from: decoder)
        let c = try decoder.container(keyedBy: Keys.self)
        dependencies = try c.decodeIfPresent(EmbeddedDependencies.self, forKey: .embeddedDependencies)
        dependenciesError = try c.decodeIfPresent(String.self, forKey: .embeddedDependenciesError)
        sbom = try c.decodeIfPresent(SBOMCheck.self, forKey: .sbom)
    }

    public var human: String {
        var lines = [AuditReport.human([audit])]
        if let dependencies { lines += dependencies.humanLines } else if let dependenciesError {
            lines.append("  " + "dependencies".padding(toLength: 14, withPad: " ", startingAt: 0) + "UNREADABLE .dep-v0: \(dependenciesError)")
        } else {
            lines.append(EmbeddedDependencies.absentLine)
        }
        if let sbom {
            lines.append("  " + "sbom".padding(toLength: 14, withPad: " ", startingAt: 0)
                + (sbom.matches ? "\(sbom.sbom) describes this file (SHA-256 \(sbom.actualSHA256))" : "MISMATCH: \(sbom.sbom) records SHA-256 \(sbom.recordedSHA256)"))
            if let std = sbom.std { lines.append("  " + "std".padding(toLength: 14, withPad: " ", startingAt: 0) + std) }
        }
        return lines.joined(separator: "\n")
    }

    public static func json(_ entries: [VerifyEntry]) throws -> String { try encodeJSON(entries) }
    public static func human(_ entries: [VerifyEntry]) -> String { entries.map(\.human).joined(separator: "\n\n") }
}
