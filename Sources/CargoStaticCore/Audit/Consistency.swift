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

    /// glibc's NSS, iconv and dlopen are found through symbols; without them
    /// (stripped, or a table cut short by a reader cap) the check cannot be done.
    static func unprovenRuntimeLoading(_ elf: ELFFile, libc: Audit.Libc) -> String? {
        guard libc == .glibc, elf.symbolNames.isEmpty || elf.symbolsTruncated else { return nil }
        let why = elf.symbolNames.isEmpty ? "has no symbol table (stripped)" : "has a symbol table larger than the reader's caps"
        return "links glibc and \(why): whether it loads NSS or iconv modules or calls dlopen at run time cannot be checked, so it is not proven kernel-only"
    }
}
