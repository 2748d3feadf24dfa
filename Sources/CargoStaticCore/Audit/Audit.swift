// The verdict on one ELF file: how it is linked, which libc it carries, how it
// is hardened (the checksec fields), and whether it needs nothing but the
// kernel to start. Everything is derived from `ELFFile`; nothing is executed.

import Foundation

public struct Audit: Codable {

    public enum Libc: String, Codable { case musl, glibc, none, unknown }

    /// The malloc implementation linked in (for a dynamic executable: its libc's).
    public enum Heap: String, Codable {
        case mimalloc, jemalloc
        case zigLibc = "zig-libc", mallocng = "musl-mallocng", glibc = "glibc-ptmalloc", unknown
    }

    public enum RELRO: String, Codable {
        case none, partial, full
        var rank: Int { self == .none ? 0 : self == .partial ? 1 : 2 }
    }

    public let path: String
    public let machine: String
    public let bits: Int
    public let endianness: String
    public let entry: UInt64
    public let size: UInt64

    public let linkage: Linkage
    public let interpreter: String?
    public let needed: [String]
    public let rpath: String?
    public let runpath: String?
    public let textrel: Bool

    public let libc: Libc
    public let libcEvidence: [String]
    /// Symbols through which the binary can load shared objects at run time
    /// even though it is linked statically (glibc NSS, iconv, dlopen).
    public let runtimeLoading: [String]

    public let allocator: Heap
    public let allocatorEvidence: String

    public let pie: Bool
    public let relro: RELRO
    public let nx: Bool
    public let stackProtector: Bool
    public let fortify: [String]
    public let cet: [String]
    public let stripped: Bool
    public let buildID: String?
    public let debugSections: [String]

    /// Fully static and nothing loaded at run time: runs on a bare kernel.
    public let kernelOnly: Bool
    /// Why the file is not kernel-only; empty when it is.
    public let problems: [String]

    public static func audit(path: String) throws -> Audit {
        Audit(try ELFFile.read(path: path))
    }

    public init(_ elf: ELFFile) {
        path = elf.path
        machine = elf.machineName
        bits = elf.bits
        endianness = elf.endianness.rawValue
        entry = elf.entry
        size = elf.fileSize

        let linkage = AuditRules.linkage(elf)
        self.linkage = linkage
        interpreter = elf.interpreter
        needed = elf.needed
        rpath = elf.rpath
        runpath = elf.runpath
        textrel = elf.hasTextRel

        let (libc, evidence) = AuditRules.libc(elf)
        self.libc = libc
        libcEvidence = evidence
        // Only musl is known never to load code at run time; any other libc's symbols are checked.
        runtimeLoading = libc == .musl ? [] : AuditRules.runtimeLoading(elf.symbolNames)
        (allocator, allocatorEvidence) = AuditRules.allocator(elf, libc: libc)

        pie = elf.type == ELFConst.ET_DYN && (linkage == .staticPie || linkage == .dynamic)
        relro = AuditRules.relro(elf, linkage: linkage)
        nx = AuditRules.nx(elf)
        stackProtector = AuditRules.stackProtector(elf.symbolNames)
        fortify = AuditRules.fortified(elf.symbolNames)
        cet = elf.gnuProperties.features
        stripped = !elf.hasSymbolTable
        buildID = elf.buildID
        debugSections = elf.sections.map(\.name).filter { $0.hasPrefix(".debug") || $0.hasPrefix(".zdebug") }

        problems = AuditRules.problems(elf, linkage: linkage, libc: libc, libcEvidence: evidence, runtimeLoading: runtimeLoading)
        kernelOnly = problems.isEmpty
    }
}

/// The rules behind each `Audit` field, kept apart so each stays small.
enum AuditRules {
    static func linkage(_ elf: ELFFile) -> Linkage {
        let pieFlag = elf.flags1 & ELFConst.DF_1_PIE != 0
        // Dynamic linking that only the sections or version needs show still counts.
        let hidden = ConsistencyRules.hidesDynamicLinking(elf)
        switch elf.type {
        case ELFConst.ET_REL:
            return .relocatable
        case ELFConst.ET_EXEC:
            return elf.interpreter != nil || !elf.needed.isEmpty || hidden ? .dynamic : .staticExecutable
        case ELFConst.ET_DYN:
            // PT_INTERP wins even without DT_NEEDED: `musl-gcc -static-pie` on
            // Debian yields exactly that, and it cannot start without the loader.
            if elf.interpreter != nil { return .dynamic }
            if !elf.needed.isEmpty { return pieFlag ? .dynamic : .sharedLibrary }
            // A self-relocating executable: marked PIE, or it has an entry point
            // and no soname (shared libraries have a soname and usually entry 0).
            let executable = pieFlag || (elf.entry != 0 && elf.soname == nil)
            if hidden { return executable ? .dynamic : .sharedLibrary }
            return executable ? .staticPie : .sharedLibrary
        default:
            return .other
        }
    }

    // MARK: libc

    /// Symbols only glibc's startup code and locale machinery define.
    static let glibcSymbols = ["__libc_setup_tls", "_dl_relocate_static_pie", "_dl_aux_init",
                               "__libc_start_call_main", "_nl_C_locobj", "__libc_early_init"]
    /// Symbols only musl's startup code defines (crt1/rcrt1, __init_libc, TLS setup);
    /// found with `nm` on musl-gcc and zig (x86_64-linux-musl) static binaries.
    static let muslSymbols = ["__init_libc", "__libc_start_init", "__init_tp", "__copy_tls",
                              "__init_ssp", "__dls2", "__dls3", "_start_c"]

    static func libc(_ elf: ELFFile) -> (Audit.Libc, [String]) {
        var glibc: [String] = [], musl: [String] = []
        loaderEvidence(elf, glibc: &glibc, musl: &musl)
        let glibcVersions = elf.symbolVersions.filter { $0.hasPrefix("GLIBC_") }
        if !glibcVersions.isEmpty { glibc.append("needs symbol versions " + listed(glibcVersions, limit: 3)) }
        let glibcHits = glibcSymbols.filter(elf.symbolNames.contains)
        if !glibcHits.isEmpty { glibc.append("glibc symbols " + listed(glibcHits, limit: 4)) }
        let muslHits = muslSymbols.filter(elf.symbolNames.contains)
        if !muslHits.isEmpty { musl.append("musl symbols " + listed(muslHits, limit: 4)) }
        if let tag = elf.abiTag { glibc.append("NT_GNU_ABI_TAG note (\(tag)) from glibc's crt1.o") }
        if let line = elf.comment.first(where: { $0.contains("GNU C Library") }) { glibc.append(".comment: \(line)") }
        if elf.rodataMarkers.contains("No error information") { musl.append("musl's strerror text in .rodata (stripped binary)") }
        if elf.rodataMarkers.contains("GLIBC_TUNABLES") { glibc.append("GLIBC_TUNABLES in .rodata (stripped binary)") }
        if elf.rodataMarkers.contains("/dev/full") { glibc.append("/dev/full in .rodata: glibc's startup checks descriptors 0-2 with it (stripped binary)") }
        // A stripped musl program that never calls strerror: musl's __init_libc opens
        // /dev/null (for descriptors 0-2 of a set-id program); glibc's startup names
        // /dev/full beside it and every static glibc since 2.26 holds GLIBC_TUNABLES.
        if glibc.isEmpty, musl.isEmpty, elf.symbolNames.isEmpty, elf.interpreter == nil, elf.needed.isEmpty,
           elf.rodataMarkers.contains("/dev/null") {
            musl.append("/dev/null without /dev/full or GLIBC_TUNABLES in .rodata: musl's startup (stripped binary)")
        }
        return verdict(glibc: glibc, musl: musl, elf: elf)
    }

    /// The loader path and DT_NEEDED name the libc outright.
    private static func loaderEvidence(_ elf: ELFFile, glibc: inout [String], musl: inout [String]) {
        if let interp = elf.interpreter {
            let file = interp.split(separator: "/").last.map(String.init) ?? interp
            if file.hasPrefix("ld-musl") { musl.append("interpreter \(interp)") }
            if file.hasPrefix("ld-linux") || file.hasPrefix("ld64.so") || file == "ld.so.1" {
                glibc.append("interpreter \(interp)")
            }
        }
        for lib in elf.needed {
            if lib == "libc.so.6" { glibc.append("needs \(lib)") }
            if lib == "libc.so" || lib.hasPrefix("libc.musl-") { musl.append("needs \(lib)") }
        }
    }

    private static func verdict(glibc: [String], musl: [String], elf: ELFFile) -> (Audit.Libc, [String]) {
        switch (glibc.isEmpty, musl.isEmpty) {
        case (false, true): return (.glibc, glibc)
        case (true, false): return (.musl, musl)
        case (false, false): return (.unknown, ["conflicting evidence"] + glibc + musl)
        default: break
        }
        if elf.symbolNames.isEmpty {
            return (.unknown, ["no symbols (stripped) and no other libc marker (interpreter, DT_NEEDED, symbol versions, ABI note)"])
        }
        if elf.symbolNames.contains("__libc_start_main") {
            return (.unknown, ["__libc_start_main present but no glibc- or musl-specific symbols"])
        }
        return (.none, ["\(elf.symbolNames.count) symbols, none from a libc"])
    }

    private static func listed(_ items: [String], limit: Int) -> String {
        let shown = items.prefix(limit).joined(separator: ", ")
        return items.count > limit ? shown + " (+\(items.count - limit) more)" : shown
    }

    // MARK: Allocator

    /// Symbols that only one malloc implementation defines, most specific first.
    static let allocatorSymbols: [(Audit.Heap, [String])] = [
        (.mimalloc, ["mi_malloc", "_mi_heap_main"]),
        (.jemalloc, ["mallctl", "je_malloc_default", "malloc_stats_print"]),
        (.zigLibc, ["c.malloc.malloc"]),
        (.mallocng, ["__malloc_alloc_meta", "__libc_malloc_impl"]),
        (.glibc, ["_int_malloc", "ptmalloc_init", "__libc_malloc"]),
    ]

    /// Prefixes the allocators put on their messages, for stripped binaries.
    static let allocatorMarkers: [(Audit.Heap, String)] = [(.mimalloc, "mimalloc: "), (.jemalloc, "<jemalloc>: ")]

    static func allocator(_ elf: ELFFile, libc: Audit.Libc) -> (Audit.Heap, String) {
        for (heap, names) in allocatorSymbols {
            if let hit = names.first(where: elf.definedSymbolNames.contains) { return (heap, "symbol \(hit)") }
        }
        for (heap, marker) in allocatorMarkers where elf.rodataMarkers.contains(marker) {
            return (heap, "\"\(marker)\" messages in .rodata (stripped binary)")
        }
        if elf.needed.contains("libc.so.6") { return (.glibc, "the shared glibc's (needs libc.so.6)") }
        return (.unknown, elf.symbolNames.isEmpty ? "stripped, no allocator marker" : "no known allocator symbol")
    }

    // MARK: Run-time loading

    /// glibc entry points that go through NSS (which dlopens libnss_*.so) or
    /// gconv (iconv modules), so a static binary using them still needs
    /// shared objects from the glibc it was linked with.
    static let loadingEntryPoints: Set<String> = [
        "getaddrinfo", "getnameinfo", "gethostbyname", "gethostbyname2", "gethostbyname_r",
        "gethostbyname2_r", "gethostbyaddr", "gethostbyaddr_r", "gethostent", "getpwnam", "getpwnam_r",
        "getpwuid", "getpwuid_r", "getpwent", "getspnam", "getspnam_r", "getgrnam", "getgrnam_r",
        "getgrgid", "getgrgid_r", "getgrent", "getgrouplist", "initgroups", "getservbyname",
        "getservbyname_r", "getservbyport", "getservbyport_r", "getprotobyname", "getprotobynumber",
        "getnetbyname", "getaliasbyname", "iconv_open",
        // The NSS internals that dlopen libnss_*.so (2.33+ and older names).
        "__nss_module_load", "__nss_lookup_function", "__nss_lookup",
    ]

    /// Only meaningful for glibc: musl's static dlopen is a stub that fails and
    /// its NSS reads /etc files directly, so musl never loads code at run time.
    static func runtimeLoading(_ symbols: Set<String>) -> [String] {
        var found = symbols.intersection(loadingEntryPoints)
        // glibc's own gconv code links dlopen/dlmopen into every static binary
        // that uses stdio, so with gconv present they say nothing about the
        // program; without gconv they can only be the program's own calls.
        if !symbols.contains("__gconv_find_shlib") {
            found.formUnion(symbols.intersection(["dlopen", "dlmopen"]))
        }
        return found.sorted()
    }

    // MARK: Hardening

    /// Full RELRO normally needs BIND_NOW, so the loader resolves everything
    /// before it write-protects the GOT. A static or static-pie executable has
    /// no loader and no lazy binding: all its relocations are applied at
    /// startup, so PT_GNU_RELRO alone already means full. checksec reports
    /// "partial" there because it only looks for BIND_NOW.
    static func relro(_ elf: ELFFile, linkage: Linkage) -> Audit.RELRO {
        guard elf.programHeaders.contains(where: { $0.type == ELFConst.PT_GNU_RELRO }) else { return .none }
        if elf.bindNow || linkage.isStatic { return .full }
        return .partial
    }

    /// Without PT_GNU_STACK most Linux ABIs default to an executable stack.
    static func nx(_ elf: ELFFile) -> Bool {
        guard let stack = elf.programHeaders.first(where: { $0.type == ELFConst.PT_GNU_STACK }) else { return false }
        return stack.flags & ELFConst.PF_X == 0
    }

    /// Same test as checksec. In a static binary this mostly reflects the libc:
    /// musl's startup code always links __stack_chk_fail, whatever the program was compiled with.
    static func stackProtector(_ symbols: Set<String>) -> Bool {
        ["__stack_chk_fail", "__stack_chk_guard", "__intel_security_cookie"].contains(where: symbols.contains)
    }

    /// _FORTIFY_SOURCE wrappers (`__memcpy_chk`, `__printf_chk`, ...). zig's
    /// compiler_rt links all of its ssp wrappers together (as local symbols
    /// aliased `compiler_rt.ssp.*`) whether or not anything calls them, so
    /// those say nothing about how the program was compiled.
    static func fortified(_ symbols: Set<String>) -> [String] {
        symbols.filter {
            $0.hasPrefix("__") && $0.hasSuffix("_chk") && !$0.hasPrefix("__stack_chk")
                && !symbols.contains("compiler_rt.ssp." + $0)
        }.sorted()
    }

    // MARK: Verdict

    static func problems(_ elf: ELFFile, linkage: Linkage, libc: Audit.Libc, libcEvidence: [String] = [], runtimeLoading: [String]) -> [String] {
        var problems: [String] = []
        if let kind = notAnExecutable(linkage, type: elf.type) { problems.append(kind) }
        if linkage != .sharedLibrary, elf.type == ELFConst.ET_EXEC || elf.type == ELFConst.ET_DYN,
           let entry = ConsistencyRules.entryProblem(elf) {
            problems.append(entry)
        }
        if elf.type == ELFConst.ET_EXEC || elf.type == ELFConst.ET_DYN, let phdr = ConsistencyRules.phdrProblem(elf) {
            problems.append(phdr)
        }
        if let interp = elf.interpreter {
            var text = "needs the program interpreter \(interp)"
            if looksLikeStaticPIETrap(elf) {
                text += ": a PIE that only looks static (what Debian's `musl-gcc -static-pie` produces); it cannot start where \(interp) is missing"
            }
            problems.append(text)
        }
        if !elf.needed.isEmpty { problems.append("needs shared libraries: " + elf.needed.joined(separator: ", ")) }
        if !runtimeLoading.isEmpty {
            let who = libc == .glibc ? "glibc loads" : "it may load"
            problems.append("\(who) shared objects at run time (NSS, iconv or dlopen) through " + listed(runtimeLoading, limit: 6) + ": static, but not kernel-only")
        }
        problems += ConsistencyRules.contradictions(elf)
        if linkage.isStatic,
           let unproven = ConsistencyRules.unprovenRuntimeLoading(elf, libc: libc, evidence: libcEvidence) {
            problems.append(unproven)
        }
        return problems
    }

    /// A musl PIE whose only dependency is libc itself (or none): someone asked
    /// for static-pie and the toolchain silently produced a dynamic PIE.
    private static func looksLikeStaticPIETrap(_ elf: ELFFile) -> Bool {
        guard elf.type == ELFConst.ET_DYN, let interp = elf.interpreter, interp.contains("ld-musl") else { return false }
        return elf.needed.allSatisfy { $0 == "libc.so" || $0.hasPrefix("libc.musl-") }
    }

    private static func notAnExecutable(_ linkage: Linkage, type: UInt16) -> String? {
        switch linkage {
        case .sharedLibrary: return "is a shared library, not an executable"
        case .relocatable: return "is an object file (ET_REL), not a linked executable"
        case .other: return "ELF type \(type) is not an executable"
        default: return nil
        }
    }
}

// MARK: - Policy

public enum AuditPolicyError: Error, CustomStringConvertible, LocalizedError, Equatable {
    case unknownItem(String)
    case empty

    public var description: String {
        switch self {
        case let .unknownItem(item):
            return "unknown policy item `\(item)`; known: \(AuditPolicy.knownItems.joined(separator: ", "))"
        case .empty:
            return "empty policy; name at least one item, e.g. static-pie,relro=full,nx"
        }
    }

    public var errorDescription: String? { description }
}

/// Requirements beyond "kernel-only", as given to `verify --require`.
public struct AuditPolicy: Equatable {
    public enum Requirement: Equatable {
        case fullyStatic, staticPIE, pie, relro(Audit.RELRO), nx, stackProtector, cet
        case feature(String), stripped, kernelOnly, libc(Audit.Libc), noTextrel, noRpath, buildID, fortify
    }

    public let requirements: [Requirement]

    public init(_ requirements: [Requirement]) { self.requirements = requirements }

    public static let knownItems = ["static", "static-pie", "pie", "relro", "relro=partial", "relro=full", "nx",
                             "stack-protector", "canary", "cet", "ibt", "shstk", "bti", "pac", "stripped",
                             "kernel-only", "libc=musl", "libc=glibc", "libc=none", "no-textrel", "no-rpath",
                             "build-id", "fortify"]

    /// Comma-separated items, e.g. "static-pie,relro=full,nx,stack-protector".
    /// "static" accepts static and static-pie; "static-pie" only static-pie;
    /// "relro" alone means at least partial; "cet" means any of ibt/shstk/bti/pac.
    public static func parse(_ spec: String) throws -> AuditPolicy {
        let items = spec.split(separator: ",").map { $0.trimmingSpaces().lowercased() }.filter { !$0.isEmpty }
        guard !items.isEmpty else { throw AuditPolicyError.empty }
        return AuditPolicy(try items.map(requirement))
    }

    private static func requirement(_ item: String) throws -> Requirement {
        switch item {
        case "static": return .fullyStatic
        case "static-pie": return .staticPIE
        case "pie": return .pie
        case "relro", "relro=partial": return .relro(.partial)
        case "relro=full": return .relro(.full)
        case "nx": return .nx
        case "stack-protector", "canary": return .stackProtector
        case "cet": return .cet
        case "ibt", "shstk", "bti", "pac": return .feature(item)
        case "stripped": return .stripped
        case "kernel-only": return .kernelOnly
        case "no-textrel": return .noTextrel
        case "no-rpath": return .noRpath
        case "build-id": return .buildID
        case "fortify": return .fortify
        default:
            if item.hasPrefix("libc="), let libc = Audit.Libc(rawValue: String(item.dropFirst(5))) { return .libc(libc) }
            throw AuditPolicyError.unknownItem(item)
        }
    }

    /// One sentence per unmet requirement; empty when the audit satisfies the policy.
    public func violations(_ a: Audit) -> [String] {
        requirements.compactMap { violation($0, a) }
    }

    private func violation(_ requirement: Requirement, _ a: Audit) -> String? {
        switch requirement {
        case .fullyStatic:
            return a.linkage.isStatic ? nil : "linkage is \(a.linkage.rawValue), not static"
        case .staticPIE:
            return a.linkage == .staticPie ? nil : "linkage is \(a.linkage.rawValue), not static-pie"
        case .pie: return a.pie ? nil : "not position-independent (no PIE)"
        case let .relro(level):
            return a.relro.rank >= level.rank ? nil : "RELRO is \(a.relro.rawValue), \(level.rawValue) required"
        case .nx: return a.nx ? nil : "stack is executable (no NX: PT_GNU_STACK missing or executable)"
        case .stackProtector: return a.stackProtector ? nil : "no stack protector (__stack_chk_fail not found)"
        case .cet: return a.cet.isEmpty ? "no control-flow protection (IBT/SHSTK/BTI/PAC) in GNU property notes" : nil
        case let .feature(name): return a.cet.contains(name) ? nil : "\(name) not enabled in GNU property notes"
        case .stripped: return a.stripped ? nil : "not stripped (has .symtab)"
        case .kernelOnly: return a.kernelOnly ? nil : "not kernel-only: " + a.problems.joined(separator: "; ")
        case let .libc(libc): return a.libc == libc ? nil : "libc is \(a.libc.rawValue), \(libc.rawValue) required"
        case .noTextrel: return a.textrel ? "has text relocations" : nil
        case .noRpath:
            let paths = [a.rpath, a.runpath].compactMap { $0 }
            return paths.isEmpty ? nil : "has RPATH/RUNPATH \(paths.joined(separator: ", "))"
        case .buildID: return a.buildID == nil ? "no build-id note" : nil
        case .fortify: return a.fortify.isEmpty ? "no _FORTIFY_SOURCE functions (__*_chk)" : nil
        }
    }
}

// MARK: - Reports

public enum AuditReport {
    /// One block per file, verdict first.
    public static func human(_ audits: [Audit]) -> String {
        audits.map(block).joined(separator: "\n\n")
    }

    /// Pretty-printed with sorted keys so output is stable; absent optionals are omitted.
    public static func json(_ audits: [Audit]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(audits), as: UTF8.self)
    }

    static func block(_ a: Audit) -> String {
        var lines = [a.path]
        lines += verdictLines(a)
        let rows: [(String, String)] = [
            ("format", "ELF\(a.bits) \(a.endianness)-endian \(a.machine), \(byteCount(a.size)), entry \(hex(a.entry))"),
            ("linkage", a.linkage.rawValue),
            ("interpreter", a.interpreter ?? "none"),
            ("needed", a.needed.isEmpty ? "none" : a.needed.joined(separator: ", ")),
            ("rpath", [a.rpath.map { "RPATH \($0)" }, a.runpath.map { "RUNPATH \($0)" }].compactMap { $0 }.joined(separator: ", ").orNone),
            ("libc", "\(a.libc.rawValue) (\(a.libcEvidence.joined(separator: "; ")))"),
            ("runtime loads", a.runtimeLoading.joined(separator: ", ").orNone),
            ("allocator", "\(a.allocator.rawValue) (\(a.allocatorEvidence))"),
            ("hardening", hardening(a)),
            ("symbols", a.stripped ? "stripped" : "not stripped"),
            ("debug info", a.debugSections.joined(separator: ", ").orNone),
            ("build-id", a.buildID ?? "none"),
        ]
        lines += rows.map { "  " + $0.0.padding(toLength: 14, withPad: " ", startingAt: 0) + $0.1 }
        return lines.map(printable).joined(separator: "\n")
    }

    /// Paths and names come from the file: control characters (escape
    /// sequences, carriage returns, newlines) are shown as \xNN so that a
    /// hostile file cannot redraw the verdict on the terminal.
    static func printable(_ line: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in line.unicodeScalars {
            if scalar.value < 0x20 || (0x7f ... 0x9f).contains(scalar.value) {
                out.append(contentsOf: String(format: "\\x%02x", scalar.value).unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    private static func verdictLines(_ a: Audit) -> [String] {
        if a.kernelOnly { return ["  verdict       kernel-only: fully \(a.linkage.rawValue), needs nothing but the kernel"] }
        return ["  verdict       NOT kernel-only"] + a.problems.map { "                - " + $0 }
    }

    private static func hardening(_ a: Audit) -> String {
        let yes = { (flag: Bool) in flag ? "yes" : "no" }
        return ["PIE \(yes(a.pie))", "RELRO \(a.relro.rawValue)", "NX \(yes(a.nx))",
                "canary \(yes(a.stackProtector))", "fortify \(a.fortify.isEmpty ? "no" : String(a.fortify.count))",
                "CET \(a.cet.joined(separator: "+").orNone)", "textrel \(yes(a.textrel))"].joined(separator: ", ")
    }

    private static func byteCount(_ n: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB"]
        var value = Double(n), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(n) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}

private extension String {
    var orNone: String { isEmpty ? "none" : self }
}
