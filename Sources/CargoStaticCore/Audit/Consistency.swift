// Cross-checks between the program headers (what the kernel reads) and the
// rest of the file (sections, version needs, symbols). A linker writes them
// all from one layout; when the rest of the file shows dynamic linking that
// the program headers hide, or shows that a check could not be completed, the
// file is "not proven" static, and `verify` exits 1 with the reason.

import Foundation

enum ConsistencyRules {
    /// True when sections or version needs show dynamic linking that the
    /// program headers do not: the linkage is then reported as dynamic.
    static func hidesDynamicLinking(_ elf: ELFFile) -> Bool {
        !contradictions(elf).isEmpty
    }

    /// One sentence per contradiction between the program headers and the sections.
    static func contradictions(_ elf: ELFFile) -> [String] {
        var found: [String] = []
        if elf.interpreter == nil, let path = elf.sectionInterpreter {
            found.append("has a .interp section naming \(path.isEmpty ? "an empty path" : path) but no PT_INTERP program header: "
                + "the program headers contradict the sections (a dynamic executable whose interpreter request was removed?), so it is not proven static")
        }
        let hidden = elf.sectionNeeded.filter { !elf.needed.contains($0) }
        if !hidden.isEmpty {
            found.append("its .dynamic section needs shared libraries (\(hidden.joined(separator: ", "))) that the PT_DYNAMIC segment does not show: "
                + "the program headers contradict the sections, so it is not proven static")
        }
        if let segment = elf.programHeaders.first(where: { $0.type == ELFConst.PT_DYNAMIC }), !elf.sections.isEmpty,
           !elf.sections.contains(where: { ($0.type == ELFConst.SHT_DYNAMIC || $0.name == ".dynamic") && $0.offset == segment.offset }) {
            found.append("its PT_DYNAMIC segment (file offset \(hex(segment.offset))) matches no .dynamic section: "
                + "the program headers contradict the sections, so it is not proven static")
        }
        if elf.needed.isEmpty && hidden.isEmpty && !(elf.symbolVersions.isEmpty && elf.versionNeedFiles.isEmpty) {
            let versions = elf.symbolVersions.isEmpty ? "" : " " + elf.symbolVersions.prefix(4).joined(separator: ", ")
            let files = elf.versionNeedFiles.isEmpty ? "shared libraries" : elf.versionNeedFiles.joined(separator: ", ")
            found.append("needs symbol versions\(versions) from \(files), yet no DT_NEEDED entry names a library: "
                + "the dynamic linking is hidden from the program headers, so it is not proven static")
        }
        return found
    }

    /// The kernel jumps to e_entry once the PT_LOAD segments are mapped; an
    /// entry outside all of them cannot start.
    static func entryProblem(_ elf: ELFFile) -> String? {
        let mapped = elf.programHeaders.contains {
            $0.type == ELFConst.PT_LOAD && elf.entry >= $0.vaddr && elf.entry - $0.vaddr < $0.memsz
        }
        return mapped ? nil : "its entry point \(hex(elf.entry)) lies outside every PT_LOAD segment: the kernel would jump to unmapped memory, so it cannot start"
    }

    /// PT_PHDR tells the running program (through AT_PHDR) where its program
    /// headers are in memory: it must be the table the kernel read, mapped by a
    /// PT_LOAD. Otherwise the startup code reads unmapped memory or other headers.
    static func phdrProblem(_ elf: ELFFile) -> String? {
        guard let index = elf.programHeaders.firstIndex(where: { $0.type == ELFConst.PT_PHDR }) else { return nil }
        let phdr = elf.programHeaders[index]
        if elf.programHeaders.prefix(index).contains(where: { $0.type == ELFConst.PT_LOAD }) {
            return "its PT_PHDR segment comes after a PT_LOAD segment, which the ELF specification forbids: the program headers were edited, so it is not proven static"
        }
        let mapped = elf.programHeaders.contains { load in
            load.type == ELFConst.PT_LOAD && load.offset <= phdr.offset && phdr.offset - load.offset <= load.filesz
                && phdr.filesz <= load.filesz - (phdr.offset - load.offset)
                && phdr.vaddr &- load.vaddr == phdr.offset - load.offset
        }
        if phdr.offset == elf.programHeaderOffset && mapped { return nil }
        return "its PT_PHDR segment (file offset \(hex(phdr.offset)), address \(hex(phdr.vaddr))) is not the program header table the kernel reads "
            + "(at \(hex(elf.programHeaderOffset))) mapped by a PT_LOAD segment: the running program would read other headers or unmapped memory"
    }

    /// glibc's NSS, iconv and dlopen are found through symbols; without them
    /// (stripped, or a table cut short by a reader cap) the check cannot be done.
    static func unprovenRuntimeLoading(_ elf: ELFFile, libc: Audit.Libc, evidence: [String] = []) -> String? {
        // Fail closed: only a libc recognised without contradiction shows what can load at run time.
        if libc == .unknown {
            return "not proven: its C library is not recognised (\(evidence.joined(separator: "; "))), so whether it loads shared objects at run time (dlopen, NSS, iconv) cannot be shown; missing: evidence of one libc (musl's or glibc's symbols, or its markers when stripped), without contradiction"
        }
        if libc == .none, elf.symbolsTruncated {
            return "not proven: its symbol table is larger than the reader's caps, so whether it calls dlopen or NSS cannot be checked"
        }
        guard libc == .glibc, elf.symbolNames.isEmpty || elf.symbolsTruncated else { return nil }
        let why = elf.symbolNames.isEmpty ? "has no symbol table (stripped)" : "has a symbol table larger than the reader's caps"
        return "links glibc and \(why): whether it loads NSS or iconv modules or calls dlopen at run time cannot be checked, so it is not proven kernel-only"
    }
}
