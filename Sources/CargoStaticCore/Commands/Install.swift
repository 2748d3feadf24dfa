import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `install`: the static counterpart of `cargo install`. A crate from the registry cargo is
/// configured to use (crates.io, or what source replacement puts in its place: Debian's
/// directory registry, a vendor directory, a mirror), or a package directory, is built
/// with the normal pipeline in release mode, and its checked executables are copied into
/// `<root>/bin`.
public struct InstallRequest {
    /// `CRATE` (or `CRATE@VERSION`) from the registry; nil with `--path`.
    public var crate: String?
    public var version: String?
    public var path: String?
    public var root: String?
    public var force = false
    /// `--debug`: the dev profile instead of release.
    public var debug = false
    /// The build options as given (cargo's arguments hold the crate name as a positional one).
    public var flags: BuildFlags

    public init(flags: BuildFlags, version: String? = nil, path: String? = nil, root: String? = nil, force: Bool = false, debug: Bool = false) {
        self.flags = flags
        self.version = version
        self.path = path
        self.root = root
        self.force = force
        self.debug = debug
    }
}

/// One installed executable.
public struct InstalledExecutable: Codable {
    public let path: String
    public let package: String
    public let version: String
    public let target: Target
    public let audit: Audit
}

/// The package to build: its manifest, name, version and binaries, as cargo metadata names them.
struct InstallSource {
    let manifest: String
    let name: String
    let version: String
    let binaries: [String]
    /// cargo's source id for the install record: `path+file:///dir`, or the registry's.
    var sourceID: String
    /// Whether the package carries its Cargo.lock (what `--locked` needs).
    var hasLockFile: Bool { FileManager.default.fileExists(atPath: (manifest as NSString).deletingLastPathComponent + "/Cargo.lock") }
}

public struct Installer {
    public let session: Session
    var context: Context { session.context }
    var runner: Runner { session.runner }
    var reporter: Reporter { session.reporter }

    public init(session: Session) { self.session = session }

    public func install(_ original: InstallRequest) throws -> [InstalledExecutable] {
        var request = original
        let cargo = try request.flags.cargo(.build)
        try takeCrate(&request, cargo)
        let bin = try Self.root(request.root, context: context, config: CargoConfig.load(context: context, cargo: cargo)) + "/bin"
        let scratch = try FileSystem.temporaryDirectory(in: context.temporaryDirectory, label: "install")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let source = try request.crate.map { try registrySource($0, version: request.version, cargo: cargo, scratch: scratch) }
            ?? pathSource(context.absolute(request.path ?? "."), cargo: cargo)
        let wanted = try binaries(source, chosen: cargo.bins)
        try refuseOverwrite(wanted, in: bin, force: request.force)

        var flags = request.flags
        flags.cargoArguments = buildArguments(cargo, source: source, debug: request.debug)
        var build = try flags.request(.build)
        build.capLints = request.crate != nil
        guard build.targets.count == 1, let target = build.targets.first else {
            throw CargoStaticError(.usage, "install puts one executable per name in \(bin); \(build.targets.count) targets were asked for",
                                   fix: "pass a single --target")
        }
        reporter.status("Installing", "\(source.name) v\(source.version) (\(target))")
        let results = try BuildCommands.build(build, session)
        let built = results.flatMap(\.executables).filter { !$0.isTest && $0.audit.kernelOnly && wanted.contains($0.name) }
        guard !built.isEmpty else {
            throw CargoStaticError(.cargoFailed, "the build of \(source.name) v\(source.version) produced none of its binaries (\(wanted.joined(separator: ", ")))",
                                   fix: "a binary may need features (`required-features`): pass them with --features", exitCode: 101)
        }
        var installed: [InstalledExecutable] = []
        // Recorded first: a record naming a binary not yet copied is harmless (`cargo
        // uninstall` skips a missing file); a binary cargo does not know of is not.
        let chosen = InstallRecord.featureFlags(cargo.forwarded)
        let record = InstallRecord(packageID: InstallRecord.packageID(name: source.name, version: source.version, source: source.sourceID),
                                   versionRequirement: request.version, bins: built.map { ($0.path as NSString).lastPathComponent },
                                   features: chosen.features, allFeatures: chosen.all, noDefaultFeatures: chosen.noDefault,
                                   profile: cargo.profile ?? (request.debug ? "dev" : "release"), target: target.triple,
                                   rustc: results.first.map { $0.rustcVersionInfo + "\n" } ?? "")
        try InstallRecords.add(record, root: (bin as NSString).deletingLastPathComponent)
        for exe in built {
            let destination = bin + "/" + (exe.path as NSString).lastPathComponent
            try FileSystem.copy(exe.path, to: destination)
            reporter.status("Installed", "\(destination) (\(source.name) v\(source.version), \(Verdict.summary(exe)))")
            installed.append(InstalledExecutable(path: destination, package: source.name, version: source.version, target: exe.target, audit: exe.audit))
        }
        if !context.searchPath.contains(where: { context.absolute($0) == bin }) {
            reporter.warn("\(bin) is not on PATH: add it to run the installed executables by name")
        }
        return installed
    }

    /// `CRATE`, `CRATE@VERSION` or `--path`: exactly one of them.
    private func takeCrate(_ request: inout InstallRequest, _ cargo: CargoArguments) throws {
        if cargo.manifestPath != nil {
            throw CargoStaticError(.usage, "install takes the package's directory, not its manifest", fix: "pass --path DIR instead of --manifest-path DIR/Cargo.toml")
        }
        guard cargo.positional.count <= 1 else {
            throw CargoStaticError(.usage, "install takes one crate, got \(cargo.positional.joined(separator: ", "))",
                                   fix: "run cargo-static install once per crate")
        }
        guard let given = cargo.positional.first else {
            if request.path == nil {
                throw CargoStaticError(.usage, "install needs a crate name or --path DIR", fix: "for example: cargo-static install ripgrep, or cargo-static install --path .")
            }
            return
        }
        guard request.path == nil else {
            throw CargoStaticError(.usage, "install takes a crate name or --path, not both", fix: "drop `\(given)` to install the package in \(request.path!), or drop --path")
        }
        let parts = given.split(separator: "@", maxSplits: 1).map(String.init)
        request.crate = parts[0]
        if parts.count == 2 {
            guard request.version == nil else {
                throw CargoStaticError(.usage, "the version is given twice (`\(given)` and --version \(request.version!))", fix: "keep one of them")
            }
            request.version = parts[1]
        }
    }

    /// `--root`, else $CARGO_INSTALL_ROOT, else cargo's `install.root`, else $CARGO_HOME, else ~/.cargo (as cargo).
    static func root(_ given: String?, context: Context, config: CargoConfig) -> String {
        if let given { return context.absolute(given) }
        if let env = context.nonEmpty("CARGO_INSTALL_ROOT") { return context.absolute(env) }
        if let configured = config.values(["install", "root"]).last, let path = configured.value.string {
            // A relative path in a config file is relative to the directory holding its .cargo/.
            let base = configured.origin.hasPrefix("/")
                ? ((configured.origin as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent : context.directory
            return URL(fileURLWithPath: path.hasPrefix("/") ? path : base + "/" + path).standardizedFileURL.path
        }
        return context.absolute(context.nonEmpty("CARGO_HOME") ?? context.home + "/.cargo")
    }

    /// The package in a directory, as `cargo metadata --no-deps` describes it.
    private func pathSource(_ directory: String, cargo: CargoArguments) throws -> InstallSource {
        let manifest = directory + "/Cargo.toml"
        guard FileManager.default.fileExists(atPath: manifest) else {
            throw CargoStaticError(.notCargoProject, "\(directory) holds no Cargo.toml", fix: "pass --path the directory of the package to install")
        }
        let json = try metadata(["--no-deps", "--manifest-path", manifest] + cargo.metadataArguments, what: "the package in \(directory)")
        guard let package = json.packageList.first(where: { Self.samePath($0.manifestPath, manifest) }) else {
            throw CargoStaticError(.usage, "\(manifest) is a virtual workspace: it has no package to install",
                                   fix: "pass --path the directory of one of its members")
        }
        return Self.source(package)
    }

    /// A crate from the configured registry: a throw-away project depends on it and
    /// `cargo vendor` (with the user's source configuration, from their working directory)
    /// resolves it and copies its source into the scratch directory, where it is built as
    /// the root package. Works for crates without a library, which `cargo metadata` drops.
    private func registrySource(_ crate: String, version: String?, cargo: CargoArguments, scratch: String) throws -> InstallSource {
        let probe = scratch + "/probe"
        let manifest = """
            [package]
            name = "cargo-static-install-probe"
            version = "0.0.0"
            edition = "2021"

            [lib]
            path = "lib.rs"

            [dependencies]
            \(crate) = "\(Self.requirement(version))"

            """
        try FileSystem.write(manifest, to: probe + "/Cargo.toml")
        try FileSystem.write("", to: probe + "/lib.rs")
        let global = cargo.metadataArguments.filter { ["--offline", "--frozen"].contains($0) }
        let vendor = Command(try cargoExecutable(), ["vendor", "--respect-source-config", "--versioned-dirs", "--manifest-path", probe + "/Cargo.toml"]
                             + global + [scratch + "/vendor"], unset: CargoInvocation.unset, directory: context.directory)
        let result = try runner.capture(vendor)
        guard result.succeeded else {
            throw CargoStaticError(.cargoFailed, "cargo could not find crate `\(crate)`\(version.map { " \($0)" } ?? "") in the configured registry",
                                   fix: "check the crate's name and version; crates come from the registry your cargo configuration names (crates.io, or its source replacement)",
                                   detail: Runner.failureReport(result, lines: 12), exitCode: 101)
        }
        let lock = try TOML.parse(file: probe + "/Cargo.lock")
        guard let locked = lock["package"]?.array?.first(where: { $0["name"]?.string == crate }), let found = locked["version"]?.string else {
            throw CargoStaticError(.cargoFailed, "cargo resolved no package named `\(crate)`", fix: "check the crate's name", exitCode: 101)
        }
        let origin = Self.vendoredFrom(result.output, crate: crate, version: found).map { " in \($0)" } ?? ""
        reporter.status("Found", "\(crate) v\(found)\(origin)")
        let copy = "\(scratch)/vendor/\(crate)-\(found)"
        let text = try String(contentsOfFile: copy + "/Cargo.toml", encoding: .utf8)
        try FileSystem.write(RegistryManifest.withoutDevDependencies(text), to: copy + "/Cargo.toml")
        var source = try pathSource(copy, cargo: cargo)
        // cargo records the registry the crate came from (source replacement does not change it).
        source.sourceID = locked["source"]?.string ?? "registry+https://github.com/rust-lang/crates.io-index"
        return source
    }

    /// Where `cargo vendor` took the crate from: "Vendoring NAME vVERSION (PATH) to …".
    static func vendoredFrom(_ output: String, crate: String, version: String) -> String? {
        let prefix = "Vendoring \(crate) v\(version) ("
        guard let line = output.split(separator: "\n").first(where: { $0.contains(prefix) }),
              let start = line.range(of: prefix)?.upperBound, let end = line.range(of: ") to ", options: .backwards)?.lowerBound,
              start <= end else { return nil }
        return String(line[start..<end])
    }

    /// A bare version is that exact version (as `cargo install --version`); anything else a requirement.
    static func requirement(_ version: String?) -> String {
        guard let version else { return "*" }
        let isVersion = version.split(separator: ".").count == 3 && version.first?.isNumber == true
        return isVersion ? "=" + version : version
    }

    /// The binaries to install: `--bin` names (each must exist), else all of them.
    private func binaries(_ source: InstallSource, chosen: [String]) throws -> [String] {
        guard !source.binaries.isEmpty else {
            throw CargoStaticError(.usage, "\(source.name) v\(source.version) has no binaries to install (it is a library)",
                                   fix: "add it as a dependency of your project instead")
        }
        for name in chosen where !source.binaries.contains(name) {
            let suggestion = Suggest.closest(name, in: source.binaries).map { "did you mean `\($0)`? " } ?? ""
            throw CargoStaticError(.usage, "\(source.name) v\(source.version) has no binary `\(name)`",
                                   fix: suggestion + "its binaries: \(source.binaries.joined(separator: ", "))")
        }
        return chosen.isEmpty ? source.binaries : chosen
    }

    /// Checked before building, as cargo does: an existing file is replaced only with --force.
    private func refuseOverwrite(_ names: [String], in bin: String, force: Bool) throws {
        let existing = names.map { bin + "/" + $0 }.filter { FileManager.default.fileExists(atPath: $0) }
        guard !force, !existing.isEmpty else { return }
        throw CargoStaticError(.usage, "\(existing.joined(separator: ", ")) already exist\(existing.count == 1 ? "s" : "")",
                               fix: "pass --force to replace \(existing.count == 1 ? "it" : "them"), or --root DIR to install elsewhere")
    }

    /// cargo's arguments for the build: the user's (without the crate name), the package's
    /// manifest, release unless asked otherwise, every binary unless `--bin` chose.
    private func buildArguments(_ cargo: CargoArguments, source: InstallSource, debug: Bool) -> [String] {
        var args = cargo.forwarded
        if !source.hasLockFile, args.contains("--locked") {
            reporter.warn("\(source.name) v\(source.version) has no Cargo.lock to build --locked with; its dependencies are resolved afresh")
            args.removeAll { $0 == "--locked" }
        }
        if !cargo.messageFormats.isEmpty { args.append("--message-format=" + cargo.messageFormats.joined(separator: ",")) }
        args += ["--manifest-path", source.manifest]
        if !debug && !cargo.release && cargo.profile == nil { args.append("--release") }
        if cargo.bins.isEmpty { args.append("--bins") }
        return args
    }

    private func metadata(_ arguments: [String], what: String) throws -> CargoMetadata {
        let command = Command(try cargoExecutable(), ["metadata", "--format-version", "1"] + arguments, unset: CargoInvocation.unset, directory: context.directory)
        var stdout = ""
        let result = try runner.captureStdout(command) { stdout += $0 + "\n" }
        guard result.succeeded, let json = try? CargoMetadata(json: Data(stdout.utf8)) else {
            throw CargoStaticError(.cargoFailed, "cargo could not read \(what) (its message is above)", fix: "fix the error cargo reported above",
                                   detail: "command: \(command.shellLine)", exitCode: 101)
        }
        return json
    }

    /// The cargo that ran us (`cargo static install`), else the one on PATH.
    private func cargoExecutable() throws -> String {
        guard let cargo = context.nonEmpty("CARGO") ?? context.which("cargo") else {
            throw CargoStaticError(.noToolchain, "cargo is not on PATH", fix: "install cargo (apt-get install cargo, or rustup), or run `cargo static install`")
        }
        return cargo
    }

    static func source(_ package: CargoMetadata.Package) -> InstallSource {
        let bins = package.targets.filter { $0.kind.contains("bin") }.map(\.name)
        let directory = URL(fileURLWithPath: package.directory).resolvingSymlinksInPath().path
        return InstallSource(manifest: package.manifestPath, name: package.name, version: package.version, binaries: bins,
                             sourceID: URL(fileURLWithPath: directory).absoluteString.replacingEvery("file:///", with: "path+file:///")
                                .trimmingCharacters(in: CharacterSet(charactersIn: "/")))
    }

    static func samePath(_ a: String?, _ b: String) -> Bool {
        guard let a else { return false }
        return URL(fileURLWithPath: a).resolvingSymlinksInPath().path == URL(fileURLWithPath: b).resolvingSymlinksInPath().path
    }
}

/// A registry crate's Cargo.toml (normalised by cargo when it was published: one
/// `[section]` per table). `cargo install` ignores dev-dependencies, and a registry often
/// lacks them (Debian packages none that only tests need): they are dropped from the copy.
public enum RegistryManifest {
    public static func withoutDevDependencies(_ text: String) -> String {
        var kept: [Substring] = []
        var skipping = false
        var inString = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingSpaces()
            if !inString, trimmed.hasPrefix("["), !trimmed.hasPrefix("[[") {
                skipping = isDevDependencyTable(trimmed)
            } else if !inString, trimmed.hasPrefix("[[") {
                skipping = false
            }
            // A multi-line string may hold lines that look like headers.
            if line.components(separatedBy: "\"\"\"").count % 2 == 0 || line.components(separatedBy: "'''").count % 2 == 0 { inString.toggle() }
            if !skipping { kept.append(line) }
        }
        return kept.joined(separator: "\n")
    }

    /// `[dev-dependencies]`, `[dev-dependencies.x]`, `[target.'cfg(unix)'.dev-dependencies.x]` (and the `_` spelling).
    static func isDevDependencyTable(_ header: String) -> Bool {
        let inner = header.dropFirst().prefix { $0 != "]" }
        for name in ["dev-dependencies", "dev_dependencies"] {
            if inner == name || inner.hasPrefix(name + ".") || inner.contains("." + name + ".") || inner.hasSuffix("." + name) { return true }
        }
        return false
    }
}
