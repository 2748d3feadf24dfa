// What the section headers say about dynamic linking, read apart from the
// program headers so that the audit can compare the two: the path in a
// `.interp` section and the DT_NEEDED entries of `.dynamic` sections. The
// kernel never reads sections, but a linker writes both views from one
// layout; when they disagree, someone edited the file, and the program
// headers alone prove nothing.

import Foundation

extension ParseContext {
    /// The path in a `.interp` section (up to its first NUL), if there is one.
    func readInterpSection(_ sections: [ELFFile.Section]) throws -> String? {
        guard let interp = section(named: ".interp", in: sections) else { return nil }
        let size = min(interp.size, KernelELFLimits.interpreterBytes.upperBound)
        let view = try read(interp.offset, size, ".interp section")
        return String(decoding: view.bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// DT_NEEDED names in every section typed SHT_DYNAMIC or named `.dynamic`.
    /// The one PT_DYNAMIC maps was read already (`dynamic`); others are read
    /// here, bounded by their size, as readelf -d reads them.
    func readSectionNeeded(_ sections: [ELFFile.Section], phdrs: [ELFFile.ProgramHeader], dynamic: DynamicInfo) throws -> [String] {
        let candidates = sections.filter { ($0.type == ELFConst.SHT_DYNAMIC || $0.name == ".dynamic") && $0.type != ELFConst.SHT_NOBITS }
        guard candidates.count <= KernelELFLimits.maxDynamicSections else {
            throw ELFError.malformed(offset: candidates[0].offset, reason: "\(candidates.count) dynamic sections; a linked file has one")
        }
        let segmentOffset = phdrs.first { $0.type == ELFConst.PT_DYNAMIC }?.offset
        var needed: [String] = []
        for section in candidates {
            let names = section.offset == segmentOffset ? dynamic.needed : try neededNames(in: section, sections: sections, phdrs: phdrs)
            for name in names where !needed.contains(name) { needed.append(name) }
        }
        return needed
    }

    private func neededNames(in section: ELFFile.Section, sections: [ELFFile.Section], phdrs: [ELFFile.ProgramHeader]) throws -> [String] {
        let view = try read(section.offset, min(section.size, UInt64(ELFLimits.maxDynamicBytes)), "dynamic section")
        let entries = try dynamicEntries(view)
        let offsets = entries.filter { $0.tag == ELFConst.DT_NEEDED }.map(\.value)
        guard !offsets.isEmpty else { return [] }
        let strings = try dynamicStrings(entries, phdrs: phdrs, fallback: linkedSection(section, in: sections), at: section.offset)
        return try offsets.map { try dynamicString(strings, at: $0) }
    }
}
