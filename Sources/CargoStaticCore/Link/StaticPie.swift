import Foundation

/// How an ELF file is linked: what a build asks for (one of the two static kinds) and what
/// the audit finds. The static kinds have no interpreter and no shared libraries; a
/// static-pie is loaded at a random address (ASLR) and relocates itself at start-up (musl's
/// `rcrt1.o`).
public enum Linkage: String, Codable, Sendable {
    case staticExecutable = "static", staticPie = "static-pie", dynamic
    case sharedLibrary = "shared-library", relocatable = "object", other

    /// Either static kind: no interpreter and no shared libraries.
    public var isStatic: Bool { self == .staticExecutable || self == .staticPie }
}

/// What the user asked for: static-pie wherever cargo-static has verified it (the
/// default), exactly what rustc's built-in target specification says, or no PIE at all.
public enum PieRequest: String, Codable, Sendable {
    /// Static-pie on every target marked `staticPie` in the target table.
    case verified
    /// rustc's own choice: static-pie only where its spec has
    /// `static_position_independent_executables` (x86_64, s390x).
    case builtinSpec = "builtin-spec"
    /// `--no-pie`: a plain static `ET_EXEC`.
    case none
}

/// Turns rustc's link command into the one that yields the requested linkage.
///
/// Why this exists: rustc asks for a static-pie only when its target specification allows
/// it (`static_position_independent_executables`, on x86_64 and s390x musl). Everywhere else
/// it compiles every object as PIC (the specs' default relocation model) and then links a
/// plain static executable with `-static -no-pie`. The objects are fit for a static-pie,
/// so the link line alone decides: this rewrite asks zig (or gcc) for a static-pie instead,
/// which picks musl's self-relocating `rcrt1.o`, emits `ET_DYN` with no `PT_INTERP` and
/// keeps rustc's `-z relro -z now`. The target, the triple, cfg values and output paths stay
/// those of the built-in target (a custom JSON target spec would need `-Zunstable-options`,
/// i.e. `RUSTC_BOOTSTRAP`, for every crate of the program).
///
/// rustc's link line does not show which relocation model the objects were compiled with
/// (`-Crelocation-model=static` gives the same `-static -no-pie`), so the caller states the
/// linkage; `rustflags(for:)` gives the flags that make the objects fit it.
public enum StaticPie {
    /// The linkage a build for `target` gets.
    public static func linkage(for target: Target, request: PieRequest) -> Linkage {
        switch request {
        case .verified: return target.info.staticPie ? .staticPie : .staticExecutable
        case .builtinSpec: return target.info.rustcStaticPie ? .staticPie : .staticExecutable
        case .none: return .staticExecutable
        }
    }

    /// rustc flags for the program's crates. The specs' default relocation model (PIC) is
    /// what a static-pie needs, and `builtinSpec` means rustc's own behaviour; `--no-pie`
    /// gets non-PIC code (smaller and faster).
    public static func rustflags(for request: PieRequest) -> [String] {
        request == .none ? ["-Crelocation-model=static"] : []
    }

    /// The start files rustc places on the line itself when it links "self-contained"
    /// (a prebuilt musl std with `self-contained/crt1.o`), per linkage.
    static let startFiles: [(plain: String, pie: String)] = [
        ("crt1.o", "rcrt1.o"), ("crtbegin.o", "crtbeginS.o"), ("crtend.o", "crtendS.o"),
    ]

    /// rustc's linker arguments, rewritten for `driver` so the result has `linkage`.
    ///
    /// The rule, for the arguments rustc's gnu-cc flavour emits:
    /// - static-pie with zig: `-static-pie`, or `-static` with `-no-pie`, become `-static -pie`
    ///   (zig ignores `-static-pie`; `-fPIE` changes nothing at link time, measured).
    /// - static-pie with gcc (musl-gcc with cargo-static's specs, a cross gcc): `-static-pie`.
    /// - static: `-static-pie` becomes `-static -no-pie`; `-static -no-pie` stays.
    /// - When rustc supplies the start files (`-nostartfiles`, self-contained), `crt1.o`,
    ///   `crtbegin.o` and `crtend.o` are swapped with `rcrt1.o`, `crtbeginS.o`, `crtendS.o`
    ///   from the same directory (or back, for static).
    /// Everything else is kept, in order. Throws when a static-pie needs start files that
    /// the self-contained directory lacks.
    public static func rewrite(_ arguments: [String], linkage: Linkage, driver: CToolchain.Kind,
                               fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) throws -> [String] {
        let pie = linkage == .staticPie
        let modeFlags: [String]
        switch (pie, driver) {
        case (true, .zig): modeFlags = ["-static", "-pie"]
        case (true, _): modeFlags = ["-static-pie"]
        case (false, _): modeFlags = ["-static", "-no-pie"]
        }
        let suppliesStartFiles = arguments.contains("-nostartfiles")
        var out: [String] = []
        var placed = false
        for argument in arguments {
            switch argument {
            case "-static", "-static-pie", "-no-pie", "-pie":
                // The first linkage flag marks where rustc put them; the rest are dropped.
                if !placed { out += modeFlags; placed = true }
            default:
                out.append(suppliesStartFiles ? try startFile(argument, pie: pie, fileExists: fileExists) : argument)
            }
        }
        // A line without any linkage flag (not from rustc's gnu-cc flavour) still gets one.
        if !placed { out += modeFlags }
        return out
    }

    /// `…/crt1.o` -> `…/rcrt1.o` for a static-pie (and back for static); other arguments unchanged.
    static func startFile(_ argument: String, pie: Bool, fileExists: (String) -> Bool) throws -> String {
        let name = (argument as NSString).lastPathComponent
        guard let pair = startFiles.first(where: { (pie ? $0.plain : $0.pie) == name }) else { return argument }
        let directory = (argument as NSString).deletingLastPathComponent
        let replacement = pie ? pair.pie : pair.plain
        let path = directory.isEmpty ? replacement : directory + "/" + replacement
        guard fileExists(path) else {
            let place = directory.isEmpty ? "its sysroot" : directory
            throw CargoStaticError(.notStatic, "cannot link a \(pie ? "static-pie" : "static executable"): rustc links its own start files from \(place), which has \(name) but no \(replacement)",
                                   fix: (pie ? "pass --no-pie for a plain static executable, or " : "") + "let the C toolchain supply the start files (-Clink-self-contained=no)")
        }
        return path
    }
}
