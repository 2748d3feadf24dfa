import Foundation

/// How the target's real C tools are invoked: argument prefixes and the environment
/// they need. Part of `CToolchain`; rendered into the wrappers by `LinkSpec`.
public struct CompilerDriver: Codable, Equatable {
    /// `[zig, "cc", "-target", "x86_64-linux-musl", "-O2", …]` or `[gcc, "-specs", file, …]`.
    public let c: [String]
    public let cxx: [String]
    public let ar: [String]
    public let ranlib: [String]
    /// Set for every tool (zig's cache directory).
    public let environment: [String: String]
    /// What identifies the compiler for cache keys: its version and flags, no install paths
    /// (a cache copied to another machine, or zig installed elsewhere, still matches).
    public let identity: String
}

/// The compiler wrappers' configuration (`compiler.json` beside them): what
/// `cargo-static __wrap` needs to turn a build script's compiler call into the real one.
public struct CompilerSpec: Codable, Equatable {
    public let kind: CToolchain.Kind
    public let target: Target
    public let driver: CompilerDriver
}

/// Everything about how the project's executables are linked, as one value. The Rust
/// flags, cargo's variables, the wrapper scripts and the final link line are all
/// rendered from it, so none of them can disagree with another.
public struct LinkSpec: Codable, Equatable {
    public let target: Target
    public let kind: CToolchain.Kind
    public let driver: CompilerDriver
    /// The C toolchain's wrapper directory (in the cache).
    public let wrapperDirectory: String
    /// Whether rustc may use its own crt objects (only a prebuilt musl std has them).
    public let selfContainedCrt: Bool
    /// Static-pie unless `--no-pie` (then a plain static ET_EXEC, `-Crelocation-model=static`).
    public let pie: Bool
    /// What was asked for (`--builtin-pie` keeps rustc's own choice per target).
    public var pieRequest: PieRequest = .verified
    /// The linkage the link line is rewritten to (`StaticPie`).
    public var linkage: Linkage { StaticPie.linkage(for: target, request: pie ? pieRequest : .none) }
    /// Linked whole in front of everything: the allocator, whose malloc then replaces the libc's.
    public let wholeArchives: [String]
    /// Put in place of rustc's `-lunwind` (the size profiles' stand-ins), or nil.
    public let unwinderStub: String?
    /// Library search directories (musl-gcc's libunwind).
    public let searchDirectories: [String]
    /// Archives and libraries after everything (compatibility names, gcc's runtime).
    public let trailing: [String]
    /// Objects added to every executable.
    public let objects: [String]
    /// Objects added to the executables of one package, by the package's directory (the
    /// linker sees cargo's CARGO_MANIFEST_DIR): the embedded dependency lists.
    public var packageObjects: [String: String] = [:]

    /// What happens to debug information and symbols after the link.
    public enum Debug: String, Codable, Equatable {
        /// As the profile asks (zig's strip, which also drops the symbol table).
        case asRequested
        /// The profile's "strip debug info" keeps the symbol table, so panic backtraces
        /// name functions: zig is not asked to strip, objcopy removes only debug sections.
        case keepSymbols
        /// `--split-debug`: debug info and symbols move to `<exe>.debug`, the executable is
        /// stripped and points at it (`.gnu_debuglink`).
        case split
    }
    public var debug: Debug = .asRequested
    /// objcopy for the target (`zig objcopy`, or binutils' for gcc toolchains).
    public var objcopy: [String] = []
    /// Source paths as they appear in the executables (`--remap-path-prefix`): the
    /// project, cargo's home and the cache, so that builds in other places give the same bytes.
    public var pathRemaps: [PathRemap] = []

    public struct PathRemap: Codable, Equatable {
        public let from: String
        public let to: String
        public init(from: String, to: String) { self.from = from; self.to = to }
    }
    /// Rust flags the std profile asks of the program (opt-level z, panic strategy, …).
    public let profileRustflags: [String]
    /// This cargo-static, which the wrappers call back to rewrite arguments.
    public let tool: String

    /// The part that decides the link (the tool's own path does not).
    public var fingerprint: String {
        var copy = self
        copy = LinkSpec(target: target, kind: kind, driver: driver, wrapperDirectory: wrapperDirectory,
                        selfContainedCrt: selfContainedCrt, pie: pie, wholeArchives: wholeArchives, unwinderStub: unwinderStub,
                        searchDirectories: searchDirectories, trailing: trailing, objects: objects,
                        profileRustflags: profileRustflags, tool: "")
        copy.packageObjects = packageObjects
        copy.pieRequest = pieRequest
        copy.debug = debug
        copy.objcopy = objcopy
        copy.pathRemaps = pathRemaps
        return Fingerprint.hex((try? JSONEncoder.sorted.encode(copy)) ?? Data())
    }

    // MARK: what rustc is told

    /// Flags for the project's crates (target artifacts only: build scripts and proc-macros
    /// are host code). Passed as CARGO_ENCODED_RUSTFLAGS, so paths may hold spaces.
    public var rustflags: [String] {
        var flags: [String] = []
        // No --sysroot: a std built from source is in the sysroot of the rustc cargo runs
        // (`ToolchainDirectory`), and sccache refuses calls with --sysroot.
        flags.append("-Ctarget-feature=+crt-static")
        flags += StaticPie.rustflags(for: pie ? pieRequest : .none)
        // The C toolchain supplies crt1.o and libc.a when rustc has no self-contained copies.
        if !selfContainedCrt { flags.append("-Clink-self-contained=no") }
        flags += pathRemaps.map { "--remap-path-prefix=\($0.from)=\($0.to)" }
        return flags + profileRustflags
    }

    // MARK: the wrappers

    public var cc: String { wrapperDirectory + "/cc" }
    public var cxx: String { wrapperDirectory + "/c++" }
    public var ar: String { wrapperDirectory + "/ar" }
    public var ranlib: String { wrapperDirectory + "/ranlib" }
    /// cargo's linker for the target. Never `link-<digits>`: rustc drops a numeric suffix
    /// (a version) from the linker's name and takes `link` for an ld-style linker, then
    /// passes `--as-needed` without `-Wl,` (a fingerprint of only digits once did that).
    public var linker: String { wrapperDirectory + "/static-link-\(fingerprint)" }
    var linkSpecFile: String { linker + ".json" }
    var compilerSpecFile: String { wrapperDirectory + "/compiler.json" }

    public var compilerSpec: CompilerSpec { CompilerSpec(kind: kind, target: target, driver: driver) }

    /// The wrapper scripts and their configuration. cc and c++ (for build scripts, cmake and
    /// C library builds) and the linker call cargo-static back, which rewrites the arguments
    /// (`ArgumentRewriter`) and executes the real tool; ar and ranlib need no rewriting.
    public var wrapperFiles: [FileWrite] {
        let linker = self.linker
        let json = { (value: Encodable) -> String in
            String(decoding: (try? JSONEncoder.pretty.encode(AnyEncodable(value))) ?? Data(), as: UTF8.self) + "\n"
        }
        return [
            .text(compilerSpecFile, json(compilerSpec)),
            .text(cc, Self.callBack(tool, compilerSpecFile, "cc", note: "the C compiler for \(target)"), executable: true),
            .text(cxx, Self.callBack(tool, compilerSpecFile, "c++", note: "the C++ compiler for \(target)"), executable: true),
            .text(ar, Self.direct(driver.ar, driver.environment), executable: true),
            .text(ranlib, Self.direct(driver.ranlib, driver.environment), executable: true),
            // The linker's name is the spec's fingerprint (a JSON encoding of it): made once.
            .text(linker + ".json", json(self)),
            .text(linker, Self.callBack(tool, linker + ".json", "link", note: "the linker for \(target)"), executable: true),
        ]
    }

    static func callBack(_ tool: String, _ spec: String, _ mode: String, note: String) -> String {
        """
        #!/bin/sh
        # Generated by cargo-static: \(note). cargo-static rewrites the arguments
        # as \(spec) says, then runs the real tool.
        exec \(Shell.quote(tool)) __wrap \(Shell.quote(spec)) \(mode) "$@"

        """
    }

    static func direct(_ argv: [String], _ environment: [String: String]) -> String {
        let env = environment.keys.sorted().map { "\($0)=\(Shell.quote(environment[$0]!)) " }.joined()
        return "#!/bin/sh\n# Generated by cargo-static.\n\(env.isEmpty ? "" : "export \(env)\n")exec \(argv.map(Shell.quote).joined(separator: " ")) \"$@\"\n"
    }

    // MARK: what cargo is told

    /// The linker and the compilers for the target, for cargo and for `cc`/`cmake` build scripts.
    public var cargoEnvironment: [String: String] {
        var env = [
            "\(target.cargoEnvPrefix)_LINKER": linker,
            "CC_\(target.envSuffix)": cc,
            "CXX_\(target.envSuffix)": cxx,
            "AR_\(target.envSuffix)": ar,
            "RANLIB_\(target.envSuffix)": ranlib,
        ]
        // The cc crate links C++ against libstdc++ by default, which exists only for glibc
        // here; zig brings LLVM's libc++ for every target and links it statically.
        if kind == .zig { env["CXXSTDLIB_\(target.envSuffix)"] = "c++" }
        return env
    }

    /// C flags for build scripts' C code (the cc crate splits them on spaces, so paths
    /// with spaces are left out rather than broken). The cc crate compiles in the package's
    /// directory, which DWARF records as comp_dir without a trailing slash: a directory
    /// mapped to "" (the project) is also mapped to "." on its own, before the mapping of
    /// its contents, since gcc and clang both take the last match.
    public var buildScriptCFlags: [String] {
        pathRemaps.filter { !$0.from.contains(where: \.isWhitespace) && !$0.to.contains(where: \.isWhitespace) }
            .flatMap { remap -> [String] in
                let mapping = "-ffile-prefix-map=\(remap.from)=\(remap.to)"
                guard remap.to.isEmpty, remap.from.hasSuffix("/"), remap.from.count > 1 else { return [mapping] }
                return ["-ffile-prefix-map=\(remap.from.dropLast())=.", mapping]
            }
    }
}

/// Type erasure for encoding values of different types through one closure.
struct AnyEncodable: Encodable {
    let value: Encodable
    init(_ value: Encodable) { self.value = value }
    func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}
