// What the kernel and the dynamic loader read of an executable: the program
// header table, PT_INTERP and the dynamic array. The reader applies their
// rules (binfmt_elf's load_elf_phdrs and load_elf_binary; the loader finds the
// dynamic array by address and walks it to DT_NULL) so that the audit sees
// what they would see. Where a file allows two readings (a header size the
// kernel rejects, PN_XNUM, two PT_INTERP, a dynamic array outside every
// PT_LOAD), the reader throws `ELFError.malformed` instead of picking one:
// what cannot be read consistently is not proven, and `verify` exits 2.

import Foundation

extension ELFConst {
    /// e_phnum value meaning "the real count is in section header 0's sh_info".
    static let PN_XNUM = 0xffff
}

/// Limits the kernel's ELF loader enforces.
enum KernelELFLimits {
    /// load_elf_phdrs reads at most 64 KiB of program headers.
    static let maxProgramHeaderBytes = 65_536
    /// PATH_MAX: PT_INTERP must hold 2 to 4096 bytes, its final NUL included.
    static let interpreterBytes: ClosedRange<UInt64> = 2 ... 4096
    /// A file with more dynamic sections than this is not a linker's output.
    static let maxDynamicSections = 4
}

extension ELFHeader {
    /// ET_EXEC and ET_DYN are the only types the kernel runs.
    var isExecutableType: Bool { type == ELFConst.ET_EXEC || type == ELFConst.ET_DYN }
}

extension ParseContext {
    // MARK: Program header table

    /// e_phnum and e_phentsize judged as the kernel does, before PN_XNUM is
    /// resolved (only non-executables, such as core files, may use it).
    func checkProgramHeaderFields(_ header: ELFHeader) throws {
        let phnumAt: UInt64 = is64 ? 56 : 44, phentsizeAt: UInt64 = is64 ? 54 : 42
        if header.phnum == ELFConst.PN_XNUM {
            if header.isExecutableType {
                throw ELFError.malformed(offset: phnumAt, reason: "e_phnum is PN_XNUM (0xffff: count kept in section header 0), which the kernel does not accept in an executable; it refuses to run this file")
            }
            if header.shoff == 0 {
                throw ELFError.malformed(offset: phnumAt, reason: "e_phnum is PN_XNUM (0xffff) but there is no section header 0 holding the real count")
            }
        }
        if header.phnum == 0 && header.isExecutableType {
            throw ELFError.malformed(offset: phnumAt, reason: "e_phnum is 0: an executable without program headers cannot be loaded (the kernel refuses it), so what it would load cannot be known")
        }
        if header.phnum > 0 && header.phentsize != programHeaderSize {
            throw ELFError.malformed(offset: phentsizeAt, reason: "e_phentsize is \(header.phentsize), not \(programHeaderSize) (the size of an ELF\(is64 ? 64 : 32) program header): the kernel refuses the file, and readers would step through the table differently")
        }
        let bytes = header.phnum * programHeaderSize
        if header.isExecutableType && bytes > KernelELFLimits.maxProgramHeaderBytes {
            throw ELFError.malformed(offset: phnumAt, reason: "\(header.phnum) program headers take \(bytes) bytes; the kernel reads at most \(KernelELFLimits.maxProgramHeaderBytes) and refuses to run the file")
        }
    }

    /// A 64-bit kernel may offer a file to its native loader and to its compat
    /// loader (x32, ia32, 31-bit s390, n32 MIPS, rv32), and each reads the
    /// header in its own class, whatever EI_CLASS says: only e_machine and
    /// e_phentsize decide. A header that is also loadable in the other class
    /// has two readings. Genuine files never are: there the other class's
    /// e_phentsize/e_phnum fall on program header types or high offset bits.
    func checkOtherClassView(_ h: ByteView, _ header: ELFHeader) throws {
        guard header.isExecutableType else { return }
        let (phentsizeAt, phnumAt, size) = is64 ? (42, 44, 32) : (54, 56, 56)
        guard h.count >= phnumAt + 2 else { return }
        let phentsize = Int(try h.u16(phentsizeAt)), phnum = Int(try h.u16(phnumAt))
        guard phentsize == size, phnum >= 1, phnum * size <= KernelELFLimits.maxProgramHeaderBytes else { return }
        throw ELFError.malformed(offset: UInt64(phentsizeAt), reason: "the header also reads as a loadable ELF\(is64 ? 32 : 64) header (e_phentsize \(size), e_phnum \(phnum)): a kernel with both 32- and 64-bit loaders could load it either way")
    }

    /// At most one PT_INTERP, PT_DYNAMIC and PT_PHDR (the kernel and the loader
    /// take the first; another reader may take another), no mapped segment with
    /// more file bytes than memory, and an executable has something to map.
    func checkSegmentSet(_ header: ELFHeader, _ phdrs: [ELFFile.ProgramHeader]) throws {
        for (type, name) in [(ELFConst.PT_INTERP, "PT_INTERP"), (ELFConst.PT_DYNAMIC, "PT_DYNAMIC"), (ELFConst.PT_PHDR, "PT_PHDR")] {
            let indices = phdrs.indices.filter { phdrs[$0].type == type }
            guard indices.count > 1 else { continue }
            throw ELFError.malformed(offset: header.phoff &+ UInt64(indices[1] * programHeaderSize),
                                     reason: "program headers \(indices[0]) and \(indices[1]) are both \(name); a well-formed file has at most one, and readers disagree on which counts")
        }
        // Only segments that are mapped or read as memory (PT_TLS is 7): RISC-V's
        // PT_RISCV_ATTRIBUTES has file bytes and p_memsz 0.
        let mapped: Set<UInt32> = [ELFConst.PT_LOAD, 7, ELFConst.PT_INTERP, ELFConst.PT_DYNAMIC, ELFConst.PT_PHDR]
        if header.isExecutableType, let index = phdrs.firstIndex(where: { mapped.contains($0.type) && $0.filesz > $0.memsz }) {
            throw ELFError.malformed(offset: header.phoff &+ UInt64(index * programHeaderSize),
                                     reason: "program header \(index) has p_filesz \(hex(phdrs[index].filesz)) larger than p_memsz \(hex(phdrs[index].memsz)): what would be mapped is ambiguous")
        }
        if header.isExecutableType && !phdrs.contains(where: { $0.type == ELFConst.PT_LOAD }) {
            throw ELFError.malformed(offset: header.phoff, reason: "no PT_LOAD segment among the \(phdrs.count) program headers: the kernel would map nothing of this file, so it cannot run")
        }
    }

    // MARK: Interpreter

    /// PT_INTERP as the kernel reads it: 2 to 4096 bytes at p_offset, the last one NUL.
    func readInterpreter(phdrs: [ELFFile.ProgramHeader]) throws -> String? {
        guard let interp = phdrs.first(where: { $0.type == ELFConst.PT_INTERP }) else { return nil }
        guard KernelELFLimits.interpreterBytes.contains(interp.filesz) else {
            throw ELFError.malformed(offset: interp.offset, reason: "PT_INTERP is \(interp.filesz) bytes; the kernel accepts 2 to 4096 (a NUL-terminated path) and refuses this file")
        }
        let view = try read(interp.offset, interp.filesz, "PT_INTERP")
        guard view.bytes.last == 0, let end = view.bytes.firstIndex(of: 0) else {
            throw ELFError.malformed(offset: interp.offset, reason: "PT_INTERP path does not end in a NUL byte; the kernel refuses this file")
        }
        return String(decoding: view.bytes[..<end], as: UTF8.self)
    }

    // MARK: Dynamic segment

    func readDynamic(phdrs: [ELFFile.ProgramHeader], sections: [ELFFile.Section]) throws -> DynamicInfo {
        guard let segment = phdrs.first(where: { $0.type == ELFConst.PT_DYNAMIC }) else { return DynamicInfo() }
        let available = try dynamicImage(segment, phdrs: phdrs)
        let entries = try dynamicArray(at: segment.offset, available: available)
        var info = DynamicInfo()
        for (tag, value) in entries { applyFlag(tag, value, to: &info) }
        let stringRefs = entries.filter { [ELFConst.DT_NEEDED, ELFConst.DT_SONAME, ELFConst.DT_RPATH, ELFConst.DT_RUNPATH].contains($0.tag) }
        guard !stringRefs.isEmpty || info.verneed != nil else { return info }
        let linked = sections.first { $0.type == ELFConst.SHT_DYNAMIC }.flatMap { linkedSection($0, in: sections) }
        let strings = try dynamicStrings(entries, phdrs: phdrs, fallback: linked, at: segment.offset)
        info.strings = strings
        for (tag, value) in stringRefs {
            let text = try dynamicString(strings, at: value)
            switch tag {
            case ELFConst.DT_NEEDED: info.needed.append(text)
            case ELFConst.DT_SONAME: info.soname = text
            case ELFConst.DT_RPATH: info.rpath = text
            default: info.runpath = text
            }
        }
        return info
    }

    /// A name the reader could not afford to read still counts: a DT_NEEDED
    /// entry names a library whatever its name is.
    func dynamicString(_ strings: StringTable, at offset: UInt64) throws -> String {
        try strings.string(at: offset) ?? "(name at string offset \(hex(offset)), beyond what was read)"
    }

    /// The loader finds the dynamic array at PT_DYNAMIC's address; the file's
    /// copy is at its offset. Both must be the same bytes of exactly one
    /// PT_LOAD. Returns how many file bytes of that segment follow the array's start.
    func dynamicImage(_ segment: ELFFile.ProgramHeader, phdrs: [ELFFile.ProgramHeader]) throws -> UInt64 {
        let covering = phdrs.filter { $0.type == ELFConst.PT_LOAD && $0.vaddr <= segment.vaddr && segment.vaddr - $0.vaddr < $0.memsz }
        guard covering.count <= 1 else {
            throw ELFError.malformed(offset: segment.offset, reason: "PT_DYNAMIC's address \(hex(segment.vaddr)) is mapped by \(covering.count) PT_LOAD segments; which copy the loader reads cannot be known")
        }
        guard let load = covering.first, segment.vaddr - load.vaddr < load.filesz,
              load.offset.addingReportingOverflow(segment.vaddr - load.vaddr) == (segment.offset, false) else {
            throw ELFError.malformed(offset: segment.offset, reason: "PT_DYNAMIC (file offset \(hex(segment.offset)), address \(hex(segment.vaddr))) is not inside the file image of a PT_LOAD segment at that offset: the loader reads the dynamic array at its address, so the file does not show what it would read")
        }
        return load.filesz - (segment.vaddr - load.vaddr)
    }

    /// Entries up to DT_NULL, read as the loader walks them: p_filesz does not
    /// bound the walk, the end of the PT_LOAD's file image does. Read in
    /// growing chunks, since the array is small and the segment may not be.
    func dynamicArray(at offset: UInt64, available: UInt64) throws -> [(tag: UInt64, value: UInt64)] {
        let entrySize = UInt64(2 * wordSize)
        let limit = min(available, UInt64(ELFLimits.maxDynamicBytes)) / entrySize * entrySize
        var entries: [(tag: UInt64, value: UInt64)] = []
        var position: UInt64 = 0, chunk: UInt64 = 64 * entrySize
        while position < limit {
            let size = min(chunk, limit - position)
            let view = try read(offset + position, size, "dynamic array")
            for at in stride(from: 0, to: view.count, by: Int(entrySize)) {
                let tag = try view.word(at, is64: is64)
                if tag == ELFConst.DT_NULL { return entries }
                entries.append((tag, try view.word(at + wordSize, is64: is64)))
            }
            position += size
            chunk *= 4
        }
        let bound = limit == UInt64(ELFLimits.maxDynamicBytes) ? "within \(limit) bytes" : "before the end of its PT_LOAD segment"
        throw ELFError.malformed(offset: offset, reason: "the dynamic array has no DT_NULL terminator \(bound): the loader would read past it")
    }

    /// (tag, value) pairs of one dynamic section, up to DT_NULL or its end.
    func dynamicEntries(_ view: ByteView) throws -> [(tag: UInt64, value: UInt64)] {
        let entrySize = 2 * wordSize
        var result: [(tag: UInt64, value: UInt64)] = []
        var offset = 0
        while offset + entrySize <= view.count {
            let tag = try view.word(offset, is64: is64)
            if tag == ELFConst.DT_NULL { break }
            result.append((tag, try view.word(offset + wordSize, is64: is64)))
            offset += entrySize
        }
        return result
    }

    private func applyFlag(_ tag: UInt64, _ value: UInt64, to info: inout DynamicInfo) {
        switch tag {
        case ELFConst.DT_TEXTREL: info.textrel = true
        case ELFConst.DT_BIND_NOW: info.bindNow = true
        case ELFConst.DT_FLAGS:
            info.flags = value
            if value & ELFConst.DF_TEXTREL != 0 { info.textrel = true }
            if value & ELFConst.DF_BIND_NOW != 0 { info.bindNow = true }
        case ELFConst.DT_FLAGS_1:
            info.flags1 = value
            if value & ELFConst.DF_1_NOW != 0 { info.bindNow = true }
        case ELFConst.DT_VERNEED: info.verneed = value
        case ELFConst.DT_VERNEEDNUM: info.verneedNum = value
        default: break
        }
    }

    func linkedSection(_ section: ELFFile.Section, in sections: [ELFFile.Section]) -> ELFFile.Section? {
        Int(section.link) < sections.count ? sections[Int(section.link)] : nil
    }

    /// DT_STRTAB is a virtual address; map it through PT_LOAD. Fall back to the
    /// string table the dynamic section links to (as readelf does).
    func dynamicStrings(_ entries: [(tag: UInt64, value: UInt64)], phdrs: [ELFFile.ProgramHeader],
                        fallback: ELFFile.Section?, at dynOffset: UInt64) throws -> StringTable {
        let address = entries.first { $0.tag == ELFConst.DT_STRTAB }?.value
        let declared = entries.first { $0.tag == ELFConst.DT_STRSZ }?.value
        if let address, let range = fileRange(ofAddress: address, phdrs: phdrs) {
            let size = min(declared ?? range.available, range.available)
            let capped = size > UInt64(ELFLimits.maxDynStrBytes)
            let view = try read(range.offset, capped ? UInt64(ELFLimits.maxDynStrBytes) : size, "dynamic string table")
            return StringTable(view: view, truncated: capped, what: "dynamic", budget: budget)
        }
        if let fallback {
            return try stringTable(fallback, cap: ELFLimits.maxDynStrBytes, what: "dynamic")
        }
        throw ELFError.malformed(offset: dynOffset, reason: "dynamic entries name strings but DT_STRTAB \(address.map(hex) ?? "(missing)") is not inside any PT_LOAD segment")
    }

    /// File offset of a virtual address and how many file bytes follow it in its segment.
    func fileRange(ofAddress address: UInt64, phdrs: [ELFFile.ProgramHeader]) -> (offset: UInt64, available: UInt64)? {
        for phdr in phdrs where phdr.type == ELFConst.PT_LOAD {
            guard address >= phdr.vaddr else { continue }
            let delta = address - phdr.vaddr
            guard delta < phdr.filesz else { continue }
            let (offset, overflow) = phdr.offset.addingReportingOverflow(delta)
            if !overflow { return (offset, phdr.filesz - delta) }
        }
        return nil
    }
}
