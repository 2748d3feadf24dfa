import Foundation

/// The C toolchain that links the final executable and compiles C/C++ for build scripts
/// and C libraries: what discovery found, as data. Its wrappers (in the cache) are written
/// by the build's first steps, from `LinkSpec`.
public struct CToolchain: Codable, Equatable {
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
    public let version: String
    public let driver: CompilerDriver
    /// Where its wrappers live: `cc/<kind>-<target>` in the cache.
    public let directory: String
    /// Files the driver needs (musl-gcc's corrected specs), written before anything compiles.
    public let files: [FileWrite]
    /// zig's bundled sources (musl, libunwind, …), when the toolchain is zig or zig is installed.
    public let zigLibDirectory: String?

    public var cc: String { directory + "/cc" }
    public var cxx: String { directory + "/c++" }
    public var ar: String { directory + "/ar" }
    public var ranlib: String { directory + "/ranlib" }

    /// zig builds LLVM's libunwind for every target on demand; gcc toolchains need ours.
    public var bringsUnwinder: Bool { kind == .zig }
}

/// Finds a C toolchain for a target. Only finds: nothing is written or compiled here.
public struct CToolchainDiscovery {
    public typealias Kind = CToolchain.Kind
    let runner: Runner
    let layout: CacheLayout
    let probes: ProbeCache

    public init(runner: Runner, layout: CacheLayout, probes: ProbeCache) {
        self.runner = runner
        self.layout = layout
        self.probes = probes
    }

    public func find(_ target: Target, preferred: Kind? = nil) throws -> CToolchain {
        let order: [Kind] = preferred.map { [$0] } ?? [.zig, .crossGcc, .muslGcc]
        var tried: [String] = []
        for kind in order {
            switch kind {
            case .zig:
                if let zig = ZigInstallation.locate(probes: probes, runner: runner) { return zigToolchain(zig, target) }
                tried.append("zig: neither `zig` on PATH nor the `ziglang` Python package")
            case .crossGcc:
                // Debian's musl-tools names musl-gcc x86_64-linux-musl-gcc too: that one is musl-gcc, not a cross gcc.
                let name = Self.crossGccName(target)
                if let gcc = runner.which(name), !Self.isMuslGccScript(gcc) {
                    return gccToolchain(.crossGcc, gcc, target)
                }
                tried.append("cross gcc: no `\(name)` on PATH")
            case .muslGcc:
                if target.info.elfMachine == 62, runner.which("musl-gcc") != nil, let gcc = runner.which("gcc") {
                    return gccToolchain(.muslGcc, gcc, target)
                }
                tried.append("musl-gcc: " + (target.info.elfMachine == 62 ? "not installed" : "only targets x86_64"))
            }
        }
        throw CargoStaticError(.noCToolchain, "no C toolchain can link for \(target)",
                               fix: "install zig (`python3 -m pip install ziglang`), or Debian's musl-gcc for x86_64 (`apt-get install musl-tools`)",
                               detail: tried.map { "  " + $0 }.joined(separator: "\n"))
    }

    /// A musl cross gcc is named by the GNU triple (`arm-linux-musleabihf-gcc`), which is not
    /// Rust's architecture name (`armv7`, `riscv64gc`).
    static func crossGccName(_ target: Target) -> String { target.info.gnuTriple + "-gcc" }

    static func isMuslGccScript(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path), data.count < 4096 else { return false }
        return String(decoding: data, as: UTF8.self).contains("musl-gcc.specs")
    }

    private func zigToolchain(_ zig: ZigInstallation, _ target: Target) -> CToolchain {
        // zig builds musl (and its own libc parts) in the optimisation mode of the link
        // command, and rustc's link command has no -O: without one, every program would carry
        // a Debug libc with safety checks. Compiles that say -O… later still win. Debug C code
        // would otherwise be built with UBSan and need zig's sanitizer runtime.
        let flags = ["-target", target.info.zigTarget] + target.info.cflags + ["-O2", "-fno-sanitize=undefined"]
        let driver = CompilerDriver(
            c: [zig.executable, "cc"] + flags, cxx: [zig.executable, "c++"] + flags,
            ar: [zig.executable, "ar"], ranlib: [zig.executable, "ranlib"],
            // zig's cache (the libc it builds per target) lives in ours unless the user keeps
            // it elsewhere: one place to clean, to copy between machines, and to know whether
            // the first link was done.
            environment: ["ZIG_GLOBAL_CACHE_DIR": layout.zigCache],
            identity: "zig \(zig.version) " + flags.joined(separator: " "))
        return CToolchain(kind: .zig, target: target, version: "zig \(zig.version)", driver: driver,
                          directory: layout.wrappers(.zig, target, tool: runner.context.executable), files: [], zigLibDirectory: zig.libDirectory)
    }

    private func gccToolchain(_ kind: Kind, _ gcc: String, _ target: Target) -> CToolchain {
        let version = probes.values("gcc-version:" + gcc, stampedBy: gcc) {
            (try? runner.capture(Command(gcc, ["-dumpfullversion"]))).flatMap { $0.succeeded ? ["version": $0.output.trimmed()] : nil }
        }?["version"] ?? "?"
        let directory = layout.wrappers(kind, target, tool: runner.context.executable)
        var files: [FileWrite] = []
        var c = [gcc]
        var cxx = [runner.which(kind == .muslGcc ? "g++" : (gcc as NSString).lastPathComponent.replacingEvery("-gcc", with: "-g++")) ?? "g++"]
        if kind == .muslGcc {
            // Debian's musl-gcc.specs always names the dynamic loader and the non-PIE-static
            // start file, so `-static-pie` yields a *dynamic* executable. Our specs fix that.
            let specs = directory + "/musl-gcc-static.specs"
            files.append(.text(specs, MuslGccSpecs.text))
            c += ["-specs", specs]
            // C++ with g++ against musl's headers (libunwind is the only C++ built this way).
            cxx += ["-nostdinc", "-isystem", "/usr/include/x86_64-linux-musl"]
        }
        let tool = { (name: String) -> [String] in
            kind == .crossGcc ? [gcc.replacingEvery("-gcc", with: "-\(name)")] : [self.runner.which(name) ?? name]
        }
        let driver = CompilerDriver(c: c, cxx: cxx, ar: tool("ar"), ranlib: tool("ranlib"), environment: [:],
                                    identity: "\(kind.rawValue) \(version)" + (kind == .muslGcc ? " specs " + Fingerprint.hex(MuslGccSpecs.text) : ""))
        let zig = ZigInstallation.locate(probes: probes, runner: runner)
        return CToolchain(kind: kind, target: target, version: "\(kind.rawValue) \(version)", driver: driver,
                          directory: directory, files: files, zigLibDirectory: zig?.libDirectory)
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
