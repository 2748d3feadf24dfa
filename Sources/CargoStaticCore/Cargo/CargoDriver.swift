import Foundation

/// What the user asked for, parsed once.
public struct BuildRequest {
    public enum Mode: String, Codable { case build, test, run }
    public var mode: Mode
    public var targets: [Target]
    public var toolchain: String?
    public var cToolchain: CToolchain.Kind?
    public var pie: Bool
    /// C libraries asked for with `--deps`, on top of what the project's -sys crates need.
    public var extraLibraries: [String]
    /// `--allocator`; nil: `Allocator.default`, falling back to the libc's when it cannot be built.
    public var allocator: Allocator?
    /// `--std-profile`: how std is compiled (and what that implies for the program's profile).
    public var stdSettings: StdSettings
    /// `--strip`: no symbol table in the executables.
    public var strip: Bool

    /// `--allocator`, else the std profile's choice.
    public var chosenAllocator: Allocator { allocator ?? stdSettings.defaultAllocator }
    /// cargo's own arguments, passed through untouched.
    public var cargoArguments: [String]
    /// Arguments after `--` (for the program or the test harness).
    public var programArguments: [String]
    public var directory: String

    public init(mode: Mode, targets: [Target], toolchain: String? = nil, cToolchain: CToolchain.Kind? = nil,
                pie: Bool = true, extraLibraries: [String] = [], allocator: Allocator? = nil,
                stdSettings: StdSettings = .standard, strip: Bool = false,
                cargoArguments: [String] = [], programArguments: [String] = [],
                directory: String = FileManager.default.currentDirectoryPath) {
        self.extraLibraries = extraLibraries
        self.allocator = allocator
        self.stdSettings = stdSettings
        self.strip = strip
        self.mode = mode
        self.targets = targets
        self.toolchain = toolchain
        self.cToolchain = cToolchain
        self.pie = pie
        self.cargoArguments = cargoArguments
        self.programArguments = programArguments
        self.directory = directory
    }

    /// The manifest cargo will use: `--manifest-path`, else the nearest Cargo.toml upwards.
    public func manifestPath() throws -> String {
        if let i = cargoArguments.firstIndex(of: "--manifest-path"), i + 1 < cargoArguments.count {
            return try existingManifest(cargoArguments[i + 1])
        }
        if let arg = cargoArguments.first(where: { $0.hasPrefix("--manifest-path=") }) {
            return try existingManifest(String(arg.dropFirst("--manifest-path=".count)))
        }
        var dir = URL(fileURLWithPath: directory).standardizedFileURL
        while true {
            let candidate = dir.appendingPathComponent("Cargo.toml").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            if dir.path == "/" { break }
            dir.deleteLastPathComponent()
        }
        throw CargoStaticError(.notCargoProject, "\(directory) is not inside a Cargo project (no Cargo.toml here or in any parent directory)",
                               fix: "run cargo-static in the project's directory, or pass --manifest-path path/to/Cargo.toml")
    }

    private func existingManifest(_ path: String) throws -> String {
        let absolute = path.hasPrefix("/") ? path : directory + "/" + path
        guard FileManager.default.fileExists(atPath: absolute) else {
            throw CargoStaticError(.notCargoProject, "the manifest \(path) does not exist",
                                   fix: "check the --manifest-path argument; it must name a Cargo.toml")
        }
        return absolute
    }
}

/// Everything a build will do, as data: shown by `plan` / `--dry-run`, executed by `CargoDriver`.
public struct BuildPlan: Codable {
    public struct TargetPlan: Codable {
        public let target: Target
        public let toolchain: Toolchain
        public let toolchainReason: String
        public let std: StdSource
        /// The `--sysroot` of a from-source std (nil for a prebuilt std).
        public let sysroot: String?
        public let stdCacheEntry: String?
        public let stdBuild: Command?
        public let cToolchain: CToolchain
        /// C libraries the project needs, and how each would be built (empty steps: cached).
        public let requirements: [LibraryRequirement]
        public let libraries: [LibraryPlan]
        /// The malloc the executables get.
        public let allocator: Allocator
        /// The unwinder stand-ins linked in place of `-lunwind` (nil: the real unwinder).
        public let unwinderStub: String?
        /// cargo's linker for the target: the C compiler wrapper, or a `LinkerWrapper` around it.
        public let linker: String
        public let cargo: Command
    }

    public let manifest: String
    public let mode: BuildRequest.Mode
    public let pie: Bool
    public let targets: [TargetPlan]
}

/// Builds the cargo command line and environment for one target.
public enum CargoInvocation {
    /// Variables that must not reach the user's build: RUSTC_BOOTSTRAP would make old
    /// proc-macro2 versions switch to unstable APIs.
    public static let unset = ["RUSTC_BOOTSTRAP", "CARGO_BUILD_TARGET"]

    /// pkg-config confined to the cache's prefixes, plus what each -sys crate of a provided library reads.
    public static func nativeLibraryEnvironment(_ libraries: [ProvidedLibrary], target: Target) -> [String: String] {
        var env = SysCrateTable.pkgConfigEnvironment(prefixes: libraries.map(\.prefix), target: target)
        for lib in libraries {
            for binding in SysCrateTable.bindings where binding.library == lib.name {
                env.merge(binding.environment(prefix: lib.prefix, target: target)) { _, new in new }
            }
        }
        return env
    }

    /// The cargo profile the build uses: `--profile NAME`, `--release`, else dev (test for `test`).
    public static func profileName(_ args: [String], mode: BuildRequest.Mode) -> String {
        if let i = args.firstIndex(of: "--profile"), i + 1 < args.count { return args[i + 1] }
        if let arg = args.first(where: { $0.hasPrefix("--profile=") }) { return String(arg.dropFirst("--profile=".count)) }
        if args.contains("--release") || args.contains("-r") { return "release" }
        return mode == .test ? "test" : "dev"
    }

    /// `CARGO_PROFILE_<NAME>_*` overrides: what the std profile asks of the program, and --strip.
    /// (cargo ranks these above the manifest's [profile] tables.)
    public static func profileEnvironment(_ settings: StdSettings, strip: Bool, profile: String) -> [String: String] {
        var keys = settings.userProfile ?? [:]
        if strip { keys["STRIP"] = "symbols" }
        let name = profile.uppercased().replacingOccurrences(of: "-", with: "_")
        return Dictionary(uniqueKeysWithValues: keys.map { ("CARGO_PROFILE_\(name)_\($0.key)", $0.value) })
    }

    public static func rustflags(target: Target, toolchain: Toolchain, sysroot: String?, cc: CToolchain, pie: Bool,
                                 settings: StdSettings = .standard) -> [String] {
        var flags: [String] = []
        if let sysroot { flags.append("--sysroot=\(sysroot)") }
        flags.append("-Ctarget-feature=+crt-static")
        if !pie { flags.append("-Crelocation-model=static") }
        // The C toolchain supplies crt1.o and libc.a when rustc has no self-contained copies.
        if !toolchain.hasSelfContainedCrt(for: target) { flags.append("-Clink-self-contained=no") }
        flags += cc.linkArchives.map { "-Clink-arg=\($0)" }
        flags += settings.userRustflags ?? []
        return flags
    }

    public static func command(mode: BuildRequest.Mode, target: Target, toolchain: Toolchain, sysroot: String?,
                               cc: CToolchain, pie: Bool, cargoArguments: [String], directory: String,
                               libraries: [ProvidedLibrary] = [], linker: String? = nil,
                               settings: StdSettings = .standard, strip: Bool = false,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> Command {
        var env = cc.cargoEnvironment
        env["RUSTC"] = toolchain.rustc
        if let linker { env["\(target.cargoEnvPrefix)_LINKER"] = linker }
        env.merge(profileEnvironment(settings, strip: strip, profile: profileName(cargoArguments, mode: mode))) { _, new in new }
        env.merge(nativeLibraryEnvironment(libraries, target: target)) { _, new in new }
        let ours = rustflags(target: target, toolchain: toolchain, sysroot: sysroot, cc: cc, pie: pie, settings: settings)
        // RUSTFLAGS (and its encoded form) beat target rustflags in cargo: extend whichever the user set.
        if let encoded = environment["CARGO_ENCODED_RUSTFLAGS"], !encoded.isEmpty {
            env["CARGO_ENCODED_RUSTFLAGS"] = ([encoded] + ours).joined(separator: "\u{1F}")
        } else if let user = environment["RUSTFLAGS"], !user.isEmpty {
            env["RUSTFLAGS"] = ([user] + ours).joined(separator: " ")
        } else {
            let key = "\(target.cargoEnvPrefix)_RUSTFLAGS"
            env[key] = ([environment[key]].compactMap { $0 }.filter { !$0.isEmpty } + ours).joined(separator: " ")
        }
        var unsetting = unset
        if settings.userBootstrap == true {
            env["RUSTC_BOOTSTRAP"] = "1"
            unsetting.removeAll { $0 == "RUSTC_BOOTSTRAP" }
        }
        let sub = mode == .test ? "test" : "build"
        var args = [sub, "--target", target.triple, "--message-format=json-render-diagnostics"]
        if mode == .test { args.append("--no-run") }
        args += cargoArguments
        // cargo runs where the user ran us: a relative --manifest-path and cargo's config lookup
        // (.cargo/config.toml from the current directory upwards) mean what they would for cargo.
        return Command(toolchain.cargo, args, environment: env, unset: unsetting, directory: directory)
    }
}

/// An executable that cargo produced.
public struct Artifact: Codable {
    public let path: String
    public let package: String
    public let name: String
    public let isTest: Bool
}

/// What cargo's JSON messages say: executables and what build scripts linked.
public struct CargoMessages {
    public var artifacts: [Artifact] = []
    public var linkedLibraries: [(package: String, libs: [String], paths: [String])] = []

    public mutating func consume(_ line: String) {
        guard line.hasPrefix("{"), let data = line.data(using: .utf8),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let reason = obj["reason"] as? String else { return }
        let package = CargoMessages.packageName(obj["package_id"] as? String ?? "")
        if reason == "compiler-artifact", let exe = obj["executable"] as? String {
            let target = obj["target"] as? [String: Any]
            let isTest = (obj["profile"] as? [String: Any])?["test"] as? Bool ?? false
            artifacts.append(Artifact(path: exe, package: package, name: target?["name"] as? String ?? "", isTest: isTest))
        } else if reason == "build-script-executed" {
            let libs = obj["linked_libs"] as? [String] ?? []
            let paths = obj["linked_paths"] as? [String] ?? []
            if !libs.isEmpty || !paths.isEmpty { linkedLibraries.append((package, libs, paths)) }
        }
    }

    /// `registry+https://...#flate2@1.0.0` or `path+file:///x#hello@0.1.0` -> `flate2 1.0.0`
    static func packageName(_ id: String) -> String {
        let parts = id.split(separator: "#", maxSplits: 1).map(String.init)
        let last = parts.last ?? id
        if last.contains("@") { return last.replacingOccurrences(of: "@", with: " ") }
        // `path+file:///w/hello#0.1.0`: the name is the directory's when cargo omits it.
        if parts.count == 2, let dir = parts[0].split(separator: "/").last { return "\(dir) \(last)" }
        if id.contains(" ") { return id.split(separator: " ").prefix(2).joined(separator: " ") }
        return last
    }

    /// Libraries that build scripts asked to link from the host's own library
    /// directories: glibc-built, so they either fail to link or make the binary dynamic.
    public func hostLinkedLibraries() -> [(package: String, library: String, directory: String)] {
        var found: [(String, String, String)] = []
        for entry in linkedLibraries {
            let dirs = entry.paths.map { $0.split(separator: "=").last.map(String.init) ?? $0 }
            let hostDirs = dirs.filter(HostLibraries.isHostDirectory)
            let ownDirs = dirs.filter { !HostLibraries.isHostDirectory($0) }
            for lib in entry.libs {
                let parts = lib.split(separator: "=", maxSplits: 1).map(String.init)
                let kind = parts.count == 2 ? parts[0] : ""
                let name = parts.last ?? lib
                if kind.hasPrefix("dylib") {
                    found.append((entry.package, name, hostDirs.first ?? "(shared library)"))
                } else if let dir = hostDirs.first, !ownDirs.contains(where: { HostLibraries.has(name, in: $0) }) {
                    // Searched for in a host directory and not supplied by the crate's own build.
                    found.append((entry.package, name, dir))
                }
            }
        }
        return found
    }
}

enum HostLibraries {
    static let directories = ["/usr/lib", "/lib", "/usr/lib64", "/lib64", "/usr/local/lib",
                              "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu"]

    static func isHostDirectory(_ dir: String) -> Bool {
        let clean = URL(fileURLWithPath: dir).standardizedFileURL.path
        return directories.contains(clean) || clean.hasPrefix("/usr/lib/gcc/")
    }

    static func has(_ lib: String, in dir: String) -> Bool {
        let fm = FileManager.default
        return fm.fileExists(atPath: "\(dir)/lib\(lib).a") || fm.fileExists(atPath: "\(dir)/lib\(lib).so")
    }
}
