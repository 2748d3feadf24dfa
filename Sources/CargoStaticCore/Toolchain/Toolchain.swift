import Foundation

/// A Rust compiler found on the machine, with what it can do for a musl target.
public struct Toolchain: Codable, Equatable {
    public enum Origin: String, Codable {
        case requested, active, rustup, system
    }

    public let rustc: String
    public let cargo: String
    public let origin: Origin
    public let name: String
    public let versionInfo: String      // full `rustc -vV`
    public let release: String
    public let host: String
    public let sysroot: String

    /// `<sysroot>/lib/rustlib/src/rust/library` when it has std's sources and the
    /// vendored crates std needs (required to build std offline).
    public var librarySource: String? {
        let lib = sysroot + "/lib/rustlib/src/rust/library"
        let fm = FileManager.default
        guard fm.fileExists(atPath: lib + "/std/Cargo.toml"), fm.fileExists(atPath: lib + "/Cargo.lock") else { return nil }
        return lib
    }

    public var hasVendoredLibraryDependencies: Bool {
        guard let lib = librarySource else { return false }
        return FileManager.default.fileExists(atPath: lib + "/vendor")
    }

    public var hasRustSrc: Bool { librarySource != nil }

    /// True when a prebuilt standard library for `target` is installed in the sysroot.
    public func hasPrebuiltStd(for target: Target) -> Bool {
        let dir = sysroot + "/lib/rustlib/\(target.triple)/lib"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return files.contains { $0.hasPrefix("libstd-") && $0.hasSuffix(".rlib") }
    }

    /// Self-contained crt objects (crt1.o, libc.a) shipped with a prebuilt musl std.
    public func hasSelfContainedCrt(for target: Target) -> Bool {
        FileManager.default.fileExists(atPath: sysroot + "/lib/rustlib/\(target.triple)/lib/self-contained/crt1.o")
    }
}

/// How a toolchain will supply the standard library for a target.
public enum StdSource: Codable, Equatable {
    case prebuilt
    case fromSource(library: String)
}

/// The toolchain chosen for a build and why.
public struct ToolchainChoice {
    public let toolchain: Toolchain
    public let std: StdSource
    public let reason: String
    /// Set when the chosen rustc is not the one `rustc` on PATH runs.
    public let differsFromDefault: Toolchain?
}

/// Finds rustc candidates: requested, active (PATH), rustup toolchains, the system's.
public struct ToolchainDiscovery {
    let runner: Runner
    let probes: ProbeCache?
    var context: Context { runner.context }

    public init(runner: Runner, probes: ProbeCache? = nil) {
        self.runner = runner
        self.probes = probes
    }

    /// `preferred` (rustup's default toolchain) comes first, as one of rustup's.
    public func candidates(requested: String? = nil, preferred: String? = nil) -> [Toolchain] {
        var found: [Toolchain] = []
        var seen = Set<String>()
        func add(_ rustc: String, _ origin: Origin, _ name: String? = nil) {
            guard let tc = probe(rustc: rustc, origin: origin, name: name), seen.insert(tc.sysroot).inserted else { return }
            found.append(tc)
        }
        typealias Origin = Toolchain.Origin
        if let requested { for path in resolveRequested(requested) { add(path, .requested, requested) } }
        if let preferred { for path in resolveRequested(preferred) { add(path, .rustup, preferred) } }
        if let active = runner.which("rustc") { add(active, .active) }
        for (name, path) in rustupToolchains() { add(path, .rustup, name) }
        for path in ["/usr/bin/rustc", "/usr/local/bin/rustc"] where FileManager.default.isExecutableFile(atPath: path) {
            add(path, .system)
        }
        return found
    }

    /// Picks a toolchain for `target`: one with a prebuilt musl std first, then one
    /// whose rust-src tree (with vendored dependencies) lets us build std offline.
    /// A request must be met; a preference (rustup's default toolchain) is tried first and
    /// otherwise only named in the note about the toolchain used instead.
    public func choose(for target: Target, requested request: ToolchainRequest? = nil) throws -> ToolchainChoice {
        let requested = request?.isPreference == true ? nil : request?.name
        let preferred = request?.isPreference == true ? request?.name : nil
        let all = candidates(requested: requested, preferred: preferred)
        let pool = requested == nil ? all : all.filter { $0.origin == .requested }
        if let requested, pool.isEmpty { throw missingRequest(requested) }
        // The default the user knows: rustup's default toolchain, else the `rustc` on PATH.
        let usual = preferred.flatMap { name in all.first { $0.origin == .rustup && $0.name == name } } ?? all.first { $0.origin == .active }
        func choice(_ tc: Toolchain, _ std: StdSource, _ why: String) -> ToolchainChoice {
            let differs = (usual != nil && usual!.sysroot != tc.sysroot) ? usual : nil
            return ToolchainChoice(toolchain: tc, std: std, reason: why, differsFromDefault: differs)
        }
        if let tc = pool.first(where: { $0.hasPrebuiltStd(for: target) }) {
            return choice(tc, .prebuilt, "it has a prebuilt standard library for \(target)")
        }
        if let tc = pool.first(where: { $0.hasVendoredLibraryDependencies }), let lib = tc.librarySource {
            return choice(tc, .fromSource(library: lib), "it has no musl std, but its rust-src tree (\(lib)) can build one offline")
        }
        if let requested, let tc = pool.first {
            throw Self.unusableRequest(requested, tc, target, others: all.filter { $0.origin != .requested }, origin: request?.origin)
        }
        let seen = all.map { "  \($0.rustc) (\($0.release), \($0.origin.rawValue)): " + describe($0, target) }.joined(separator: "\n")
        throw CargoStaticError(.noToolchain, "no Rust toolchain can build for \(target): none has a musl standard library or a rust-src tree with vendored dependencies",
                               fix: "install Debian's `rustc-web cargo-web rust-web-src` (apt-get install rustc-web cargo-web rust-web-src), or `rustup target add \(target)` where rustup can download",
                               detail: seen.isEmpty ? "no rustc was found at all" : "toolchains found:\n" + seen)
    }

    /// A requested toolchain that is not there: a rustup name gets the command that installs it.
    func missingRequest(_ requested: String) -> CargoStaticError {
        let isName = !requested.contains("/") && runner.which("rustup") != nil
        let fix = isName ? "install it with `rustup toolchain install \(requested)`, or pass another toolchain (+name, --toolchain NAME|RUSTC|SYSROOT); `cargo-static doctor` lists what was found"
                         : "pass --toolchain with a rustup toolchain name, a rustc path or a sysroot directory; `cargo-static doctor` lists what was found"
        return CargoStaticError(.noToolchain, "the requested toolchain `\(requested)` was not found or its rustc does not run", fix: fix)
    }

    /// The toolchain the user asked for exists but cannot build for the target: say what it
    /// lacks, what would fix it, and which other toolchain could build without the request.
    static func unusableRequest(_ requested: String, _ tc: Toolchain, _ target: Target, others: [Toolchain], origin: String? = nil) -> CargoStaticError {
        let lacks = tc.hasRustSrc ? "no musl standard library, and its rust-src tree has no vendored dependencies (building std offline needs them)"
                                  : "no musl standard library and no rust-src tree"
        var fixes: [String] = []
        if tc.origin != .system, !tc.rustc.hasPrefix("/usr/") {
            fixes.append("`rustup target add \(target) --toolchain \(requested)` (downloads the prebuilt musl std)")
            if !tc.hasRustSrc { fixes.append("`rustup component add rust-src --toolchain \(requested)` (std's own dependencies then come from crates.io once)") }
        }
        if let usable = others.first(where: { $0.hasPrebuiltStd(for: target) || $0.hasVendoredLibraryDependencies }) {
            let request = origin?.hasPrefix("RUSTUP_TOOLCHAIN") == true ? "unset RUSTUP_TOOLCHAIN (or remove the override or rust-toolchain file that set it)"
                                                                     : "drop the toolchain request (+\(requested) / --toolchain \(requested))"
            fixes.append("\(request) to use \(usable.rustc) (\(usable.release)), which can")
        }
        return CargoStaticError(.noToolchain, "the requested toolchain `\(requested)` (rustc \(tc.release) at \(tc.rustc)) cannot build for \(target): it has \(lacks)",
                                fix: fixes.isEmpty ? "install a musl std or rust-src for it" : fixes.joined(separator: "; or "))
    }

    public func describe(_ tc: Toolchain, _ target: Target) -> String {
        if tc.hasPrebuiltStd(for: target) { return "prebuilt \(target) std" }
        if tc.hasVendoredLibraryDependencies { return "no \(target) std; rust-src with vendored dependencies (std can be built)" }
        if tc.hasRustSrc { return "no \(target) std; rust-src without vendored dependencies (needs crates.io)" }
        return "no \(target) std, no rust-src"
    }

    func resolveRequested(_ spec: String) -> [String] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: spec, isDirectory: &isDir) {
            return isDir.boolValue ? [spec + "/bin/rustc"] : [spec]
        }
        return rustupToolchains().filter { $0.name == spec || $0.name.hasPrefix(spec + "-") }.map(\.path)
    }

    func rustupToolchains() -> [(name: String, path: String)] {
        let home = rustupHome
        let dir = home + "/toolchains"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
        return names.map { ($0, "\(dir)/\($0)/bin/rustc") }.filter { FileManager.default.isExecutableFile(atPath: $0.1) }
    }

    var rustupHome: String { context.nonEmpty("RUSTUP_HOME") ?? (context.home + "/.rustup") }

    /// The real rustc behind `rustc`: a rustup proxy is asked for its sysroot (it depends on
    /// the directory's toolchain override), a real binary is probed once and remembered.
    func probe(rustc: String, origin: Toolchain.Origin, name: String?) -> Toolchain? {
        var real = rustc
        if Self.isRustupProxy(rustc) {
            guard let sysroot = proxySysroot(rustc) else { return nil }
            real = sysroot + "/bin/rustc"
        }
        let measure = { () -> [String: String]? in
            guard let vv = try? self.runner.capture(Command(real, ["-vV"])), vv.succeeded,
                  let sr = try? self.runner.capture(Command(real, ["--print", "sysroot"])), sr.succeeded else { return nil }
            return ["vV": vv.output.trimmed(),
                    "sysroot": sr.output.trimmed()]
        }
        guard let found = probes.map({ $0.values("rustc:" + real, stampedBy: real, compute: measure) }) ?? measure(),
              let versionInfo = found["vV"], let sysroot = found["sysroot"] else { return nil }
        let fields = Dictionary(versionInfo.split(separator: "\n").compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingSpaces())
        }, uniquingKeysWith: { a, _ in a })
        let cargoNextToRustc = (real as NSString).deletingLastPathComponent + "/cargo"
        let cargo = FileManager.default.isExecutableFile(atPath: cargoNextToRustc) ? cargoNextToRustc : (runner.which("cargo") ?? "cargo")
        return Toolchain(rustc: real, cargo: cargo, origin: origin,
                         name: name ?? (origin == .system ? "system (\(real))" : real),
                         versionInfo: versionInfo, release: fields["release"] ?? "?", host: fields["host"] ?? "?", sysroot: sysroot)
    }

    /// Which toolchain a rustup proxy runs depends on RUSTUP_TOOLCHAIN, rustup's settings
    /// (default and directory overrides) and the nearest rust-toolchain file: asking costs
    /// about 100 ms, so the answer is remembered until one of those changes.
    func proxySysroot(_ proxy: String) -> String? {
        var stamps = [proxy, rustupHome + "/settings.toml"]
        if let file = Self.toolchainFile(from: context.directory) { stamps.append(file) }
        let inputs = ["RUSTUP_TOOLCHAIN", "RUSTUP_HOME"].map { "\($0)=\(context[$0] ?? "")" }.joined(separator: ",")
            + ",dir=" + (Self.toolchainFile(from: context.directory) ?? "")
        let ask = { () -> [String: String]? in
            guard let sr = try? self.runner.capture(Command(proxy, ["--print", "sysroot"])), sr.succeeded else { return nil }
            let sysroot = sr.output.trimmed()
            return FileManager.default.isExecutableFile(atPath: sysroot + "/bin/rustc") ? ["sysroot": sysroot] : nil
        }
        let found = probes.map { $0.values("rustup-proxy:" + proxy, stampedBy: stamps, context: inputs, compute: ask) } ?? ask()
        guard let sysroot = found?["sysroot"], FileManager.default.isExecutableFile(atPath: sysroot + "/bin/rustc") else { return ask()?["sysroot"] }
        return sysroot
    }

    /// The nearest `rust-toolchain.toml` or `rust-toolchain` upwards from `directory`.
    static func toolchainFile(from directory: String) -> String? {
        for dir in PathText.ancestors(of: directory) {
            for name in ["rust-toolchain.toml", "rust-toolchain"] {
                let candidate = PathText.join(dir, name)
                if FileManager.default.fileExists(atPath: candidate) { return candidate }
            }
        }
        return nil
    }

    /// rustup installs its proxies next to the `rustup` binary (~/.cargo/bin).
    static func isRustupProxy(_ path: String) -> Bool {
        let dir = (path as NSString).deletingLastPathComponent
        return !path.contains("/toolchains/") && FileManager.default.isExecutableFile(atPath: dir + "/rustup")
    }
}
