import Foundation

/// The C toolchain that links the final executable and compiles C/C++ for build scripts.
public struct CToolchain: Codable {
    public enum Kind: String, Codable, CaseIterable {
        case zig
        case muslGcc = "musl-gcc"
        case crossGcc = "cross-gcc"

        /// `--cc` as typed (nil: the default order).
        public static func parse(_ text: String?) throws -> Kind? {
            guard let text else { return nil }
            guard let kind = Kind(rawValue: text) else {
                throw CargoStaticError(.badInput, "unknown C toolchain `\(text)`", fix: "use --cc zig, --cc musl-gcc or --cc cross-gcc")
            }
            return kind
        }
    }

    public let kind: Kind
    public let target: Target
    /// Generated wrappers (cc, c++, ar) that pin the target and fix known quirks.
    public let cc: String
    public let cxx: String
    public let ar: String
    public let ranlib: String
    public let version: String
    /// Whether `-lunwind` resolves to a static unwinder built for musl.
    public let providesUnwinder: Bool
    /// Archives placed last on every link line (compatibility symbols for old crates).
    public var linkArchives: [String] = []

    /// Changes whenever a wrapper's flags change: part of the C libraries' cache keys.
    public var wrapperFingerprint: String {
        Fingerprint.hex([cc, cxx, ar, ranlib].map { String(decoding: FileManager.default.contents(atPath: $0) ?? Data(), as: UTF8.self) }
            .joined(separator: "\n"))
    }

    /// Environment that makes cargo link with this toolchain and makes `cc`/`cmake`
    /// build scripts compile C and C++ for the target instead of the host.
    public var cargoEnvironment: [String: String] {
        var env = [
            "\(target.cargoEnvPrefix)_LINKER": cc,
            "CC_\(target.envSuffix)": cc,
            "CXX_\(target.envSuffix)": cxx,
            "AR_\(target.envSuffix)": ar,
            "RANLIB_\(target.envSuffix)": ranlib,
        ]
        // The cc crate links C++ code against libstdc++ by default, which exists only for
        // glibc here; zig brings LLVM's libc++ for every target and links it statically.
        if kind == .zig { env["CXXSTDLIB_\(target.envSuffix)"] = "c++" }
        return env
    }
}

/// Finds a C toolchain for a target and writes its wrappers into the cache.
public struct CToolchainDiscovery {
    public typealias Kind = CToolchain.Kind
    let runner: Runner
    let cacheRoot: String

    let probes: ProbeCache

    public init(runner: Runner, cacheRoot: String) {
        self.runner = runner
        self.cacheRoot = cacheRoot
        probes = ProbeCache(root: cacheRoot)
    }

    public func find(_ target: Target, preferred: Kind? = nil) throws -> CToolchain {
        let order: [Kind] = preferred.map { [$0] } ?? [.zig, .crossGcc, .muslGcc]
        var tried: [String] = []
        for kind in order {
            switch kind {
            case .zig:
                if let zig = ZigInstallation.locate(probes: probes, runner: runner) { return try zigToolchain(zig, target) }
                tried.append("zig: neither `zig` on PATH nor the `ziglang` Python package")
            case .crossGcc:
                // Debian's musl-tools names musl-gcc x86_64-linux-musl-gcc too: that one is musl-gcc, not a cross gcc.
                if let gcc = Runner.which("\(target.arch)-linux-musl-gcc"), !Self.isMuslGccScript(gcc) {
                    return try gccToolchain(.crossGcc, gcc, target)
                }
                tried.append("cross gcc: no `\(target.arch)-linux-musl-gcc` on PATH")
            case .muslGcc:
                if target.info.elfMachine == 62, let gcc = Runner.which("musl-gcc") { return try gccToolchain(.muslGcc, gcc, target) }
                tried.append("musl-gcc: " + (target.info.elfMachine == 62 ? "not installed" : "only targets x86_64"))
            }
        }
        throw CargoStaticError(.noCToolchain, "no C toolchain can link for \(target)",
                               fix: "install zig (`python3 -m pip install ziglang`), or Debian's musl-gcc for x86_64 (`apt-get install musl-tools`)",
                               detail: tried.map { "  " + $0 }.joined(separator: "\n"))
    }

    /// musl-gcc has no musl unwinder: build LLVM's libunwind with it once (under a lock).
    private func ensureUnwinder(dir: String, kind: Kind, gcc: String) throws -> Bool {
        let archive = dir + "/libunwind.a"
        if FileManager.default.fileExists(atPath: archive) { return true }
        guard kind == .muslGcc,
              let source = UnwinderBuilder.sourceDirectory(zig: ZigInstallation.locate(probes: probes, runner: runner)) else { return false }
        let lock = try FileLock(path: dir + "/.libunwind.lock")
        defer { withExtendedLifetime(lock) {} }
        if FileManager.default.fileExists(atPath: archive) { return true }
        let musl = ["-nostdinc", "-isystem", "/usr/include/x86_64-linux-musl"]
        let gxxInclude = (try? runner.capture(Command("gcc", ["-print-file-name=include"])))?.output
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        try UnwinderBuilder(runner: runner).build(into: dir, cc: dir + "/cc", cxx: ["g++"] + musl + ["-isystem", gxxInclude], source: source)
        return FileManager.default.fileExists(atPath: archive)
    }

    static func isMuslGccScript(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path), data.count < 4096 else { return false }
        return String(decoding: data, as: UTF8.self).contains("musl-gcc.specs")
    }

    private func wrapperDir(_ kind: Kind, _ target: Target) -> String { "\(cacheRoot)/cc/\(kind.rawValue)-\(target.triple)" }

    private func zigToolchain(_ zig: ZigInstallation, _ target: Target) throws -> CToolchain {
        let version = zig.version
        let dir = wrapperDir(.zig, target)
        let zigLine = Shell.quote(zig.executable)
        // zig builds musl (and its own libc parts) for the target in the optimisation mode of
        // the link command, and rustc's link command has no -O: without one, every program
        // would carry a Debug libc with safety checks. Compiles that say -O… later still win.
        // Debug C code would otherwise be built with UBSan and need zig's sanitizer runtime.
        let flags = (["-target \(target.info.zigTarget)"] + target.info.cflags + ["-O2", "-fno-sanitize=undefined"]).joined(separator: " ")
        try Wrapper.write(dir + "/cc", Wrapper.compiler(zigLine + " cc " + flags, note: "zig \(version) as the C compiler and linker for \(target)", zigStaticPie: true))
        try Wrapper.write(dir + "/c++", Wrapper.compiler(zigLine + " c++ " + flags, note: "zig \(version) as the C++ compiler for \(target)", zigStaticPie: true))
        try Wrapper.write(dir + "/ar", Wrapper.plain(zigLine + " ar"))
        try Wrapper.write(dir + "/ranlib", Wrapper.plain(zigLine + " ranlib"))
        // zig's musl is newer than 1.2.4: old `libc` crates need the LFS64 names back.
        let compat = try LargeFileCompat.ensure(in: dir, cc: dir + "/cc", ar: dir + "/ar", runner: runner)
        return CToolchain(kind: .zig, target: target, cc: dir + "/cc", cxx: dir + "/c++", ar: dir + "/ar", ranlib: dir + "/ranlib",
                          version: "zig \(version)", providesUnwinder: true, linkArchives: [compat])
    }

    private func gccToolchain(_ kind: Kind, _ gcc: String, _ target: Target) throws -> CToolchain {
        let version = (try? runner.capture(Command(gcc, ["-dumpfullversion"])))?.output
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
        let dir = wrapperDir(kind, target)
        var driver = Shell.quote(gcc)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if kind == .muslGcc {
            // Debian's musl-gcc.specs always names the dynamic loader and the non-PIE-static
            // start file, so `-static-pie` yields a *dynamic* executable. Our specs fix that.
            try MuslGccSpecs.text.write(toFile: dir + "/musl-gcc-static.specs", atomically: true, encoding: .utf8)
            driver = "\"${REALGCC:-gcc}\" -specs " + Shell.quote(dir + "/musl-gcc-static.specs")
        }
        // -L: where our musl libunwind.a is, for rustc's `-lunwind`.
        try Wrapper.write(dir + "/cc", Wrapper.compiler(driver + " -L" + Shell.quote(dir), note: "\(kind.rawValue) for \(target)"))
        let cxxName = gcc.replacingOccurrences(of: "-gcc", with: "-g++")
        try Wrapper.write(dir + "/c++", Wrapper.compiler(Shell.quote(kind == .muslGcc ? "g++" : cxxName), note: "C++ for \(target)"))
        try Wrapper.write(dir + "/ar", Wrapper.plain(kind == .crossGcc ? Shell.quote(gcc.replacingOccurrences(of: "-gcc", with: "-ar")) : "ar"))
        try Wrapper.write(dir + "/ranlib", Wrapper.plain(kind == .crossGcc ? Shell.quote(gcc.replacingOccurrences(of: "-gcc", with: "-ranlib")) : "ranlib"))
        let unwinder = try ensureUnwinder(dir: dir, kind: kind, gcc: gcc)
        return CToolchain(kind: kind, target: target, cc: dir + "/cc", cxx: dir + "/c++", ar: dir + "/ar", ranlib: dir + "/ranlib",
                          version: "\(kind.rawValue) \(version)", providesUnwinder: unwinder)
    }
}

/// Small generated shell scripts. They are files (not inline flags) because cargo's
/// `linker` setting and `CC_<target>` take one program path.
enum Wrapper {
    static func compiler(_ exec: String, note: String, zigStaticPie: Bool = false) -> String {
        let staticPie = zigStaticPie ? "-static-pie) set -- \"$@\" -static -pie -fPIE ;;" : "-static-pie) set -- \"$@\" -static-pie ;;"
        // zig's linker rejects GNU emulation names (-m32/-m64 already say it).
        // EXPERIMENT (pie branch, to be dropped): rustc's plain static link becomes a static-pie.
        let zigOnly = zigStaticPie ? "-Wl,-melf*) ;;\n    -no-pie) set -- \"$@\" -pie -fPIE ;;" : ""
        return """
        #!/bin/sh
        # Generated by cargo-static: \(note).
        # Rewrites the few arguments the driver misreads:
        #  - rustc links with -static-pie; zig cc ignores that flag but honours -static -pie.
        #  - zig rejects -Wl,-melf_*.
        #  - build scripts (cc, cmake) may pass the Rust triple as --target; the wrapper owns the target.
        skip=
        for a in "$@"; do
          shift
          if [ -n "$skip" ]; then skip=; continue; fi
          case "$a" in
            \(staticPie)
            \(zigOnly)
            --target=*) ;;
            -target|--target) skip=1 ;;
            *) set -- "$@" "$a" ;;
          esac
        done
        exec \(exec) "$@"

        """
    }

    static func plain(_ exec: String) -> String {
        "#!/bin/sh\n# Generated by cargo-static.\nexec \(exec) \"$@\"\n"
    }

    /// Writes atomically: a concurrent build never executes a half-written script.
    static func write(_ path: String, _ text: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if let existing = fm.contents(atPath: path), existing == Data(text.utf8) { return }
        let tmp = "\(path).tmp-\(getpid())"
        try text.write(toFile: tmp, atomically: false, encoding: .utf8)
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tmp)
        _ = rename(tmp, path)
    }
}

/// A gcc specs file for Debian's musl: like musl-gcc.specs, but `-static-pie` gets
/// rcrt1.o and no dynamic loader, and glibc's libgcc_eh (which needs glibc's
/// `_dl_find_object`) is never linked.
enum MuslGccSpecs {
    static let text = """
    %rename cpp_options old_cpp_options

    *cpp_options:
    -nostdinc -isystem /usr/include/x86_64-linux-musl -isystem include%s %(old_cpp_options)

    *cc1:
    %(cc1_cpu) -nostdinc -isystem /usr/include/x86_64-linux-musl -isystem include%s

    *link_libgcc:
    -L/usr/lib/x86_64-linux-musl -L .%s

    *libgcc:
    libgcc.a%s

    *startfile:
    %{static-pie: /usr/lib/x86_64-linux-musl/rcrt1.o; !shared: %{static: /usr/lib/x86_64-linux-musl/crt1.o; : /usr/lib/x86_64-linux-musl/Scrt1.o}} /usr/lib/x86_64-linux-musl/crti.o crtbeginS.o%s

    *endfile:
    crtendS.o%s /usr/lib/x86_64-linux-musl/crtn.o

    *link:
    %{static-pie:-static -pie --no-dynamic-linker -z text; :-dynamic-linker /lib/ld-musl-x86_64.so.1} -nostdlib %{shared:-shared} %{static:-static} %{rdynamic:-export-dynamic}


    """
}
