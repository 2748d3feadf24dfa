import Foundation

/// What goes into every executable and its SBOM, decided at plan time: the embedded
/// dependency list of each package of the workspace (its `.dep-v0` object), the libc,
/// std and tools. The executor links the objects (through `LinkSpec.packageObjects`) and
/// writes `<exe>.cdx.json` after the audit.
public struct InventoryPlan: Codable, Equatable {
    public struct Package: Codable, Equatable {
        public let id: String
        public let name: String
        public let manifestDirectory: String
        /// The dependency list as JSON (cargo-auditable's format, with origins).
        public let dependencies: String
        public let object: String
    }

    public struct Tool: Codable, Equatable {
        public let name: String
        public let version: String
    }

    public let packages: [Package]
    public let libc: LibcIdentity?
    public let stdVersion: String
    public let stdDebianSource: String?
    public let stdDebianVersion: String?
    public let stdProfile: String
    /// Where std came from (compiled by cargo-static from which rust-src, with which recipe, or prebuilt).
    public var stdProvenance: StdProvenance = .prebuilt
    public let tools: [Tool]
    public let sourceDateEpoch: Int?
    /// `--sbom none` turns the SBOM files off (the embedded list stays).
    public let writeSBOM: Bool

    /// Object file per package directory, for the linker (which sees CARGO_MANIFEST_DIR).
    public var objects: [String: String] { Dictionary(packages.map { ($0.manifestDirectory, $0.object) }, uniquingKeysWith: { a, _ in a }) }
}

/// Where the linked std came from.
public struct StdProvenance: Codable, Equatable {
    /// false: the Rust project's prebuilt std for the target (rustup's rust-std).
    public let compiled: Bool
    /// The package holding the rust-src tree: "Debian's rust-web-src", "rustup's rust-src
    /// component"; nil when it cannot be told.
    public let package: String?
    public let version: String?
    /// The std recipe's digest: SHA-256 of the std cache entry's key (toolchain, target,
    /// profile, flags), "sha256:…".
    public let recipe: String?

    public static let prebuilt = StdProvenance(compiled: false, package: nil, version: nil, recipe: nil)

    /// As the SBOM and verify say it.
    public var description: String {
        guard compiled else { return "prebuilt by the Rust project for this target" }
        let from = package.map { "\($0)\(version.map { " " + $0 } ?? "")" } ?? "unknown"
        return "compiled by cargo-static from rust-src (package: \(from))" + (recipe.map { ", std recipe \($0)" } ?? "")
    }
}

/// One `.dep-v0` object: its assembly source and the command that compiles it (nil when
/// the object is up to date with that source).
public struct DepInfoStep: Codable, Equatable {
    public let package: String
    public let assembly: FileWrite
    public let object: String
    /// Assembles the object. The plan always carries it (its shell lines must rebuild a target
    /// directory that is gone); the executor skips it when `upToDate`.
    public let command: Command
    /// The object exists and was made from this very assembly text.
    public let upToDate: Bool
    /// Where the object assembled from this text, at this path, by this compiler is kept in
    /// the cache (`work/dep-v0/<digest>.o`): a target directory emptied by `cargo clean`
    /// gets it back by a copy instead of a compiler run. nil: none kept.
    public var memo: String?
    /// The kept object existed when planned: the executor copies it, running no command.
    public var kept = false

    /// The step that puts `payload` into `object` (a section in an object of its own, assembled
    /// by `compiler` from `<object without .o>.s`). `compilerIdentity` names what the
    /// compiler is (its version and flags); with `memoDirectory`, objects are kept there.
    public static func make(package: String, payload: Data, object: String, compiler: [String], upToDate: Bool = false,
                            memoDirectory: String? = nil, compilerIdentity: String = "", kept: Set<String> = []) -> DepInfoStep {
        let assembly = FileWrite.text((object.hasSuffix(".o") ? String(object.dropLast(2)) : object) + ".s", DepSection.assembly(payload: payload))
        let command = DepSection.objectCommand(compiler: compiler, assembly: assembly.path, object: object)
        let name = memoKey(assembly: assembly, command: command, compilerIdentity: compilerIdentity) + ".o"
        return DepInfoStep(package: package, assembly: assembly, object: object, command: command, upToDate: upToDate,
                           memo: memoDirectory.map { $0 + "/" + name }, kept: memoDirectory != nil && kept.contains(name))
    }

    /// Everything the object's bytes depend on: the assembly text and its path (the assembler
    /// may record the file's name), the whole command line and what the compiler is.
    static func memoKey(assembly: FileWrite, command: Command, compilerIdentity: String) -> String {
        let parts = ["dep-v0 object 1", assembly.path, assembly.text ?? "", command.executable] + command.arguments + [compilerIdentity]
        return SHA256.hex(Data(parts.joined(separator: "\u{1F}").utf8))
    }

    /// Writes the assembly (unless it holds this text already) and assembles it, unless up to
    /// date; a kept object is copied instead (assembled after all if it went away since the
    /// plan), and a newly assembled one kept.
    public func run(_ runner: Runner) throws {
        try assembly.apply()
        guard !upToDate else { return }
        if kept, let memo, FileSystem.kind(memo) == .regular, (try? FileSystem.copy(memo, to: object)) != nil { return }
        try runner.check(command, what: "assembling the .dep-v0 section of \(package) (its embedded dependency list)", kind: .noCToolchain,
                         fix: "check that the C compiler `\(command.executable)` can assemble for the target")
        // A memo: failing to keep it fails nothing (the next build assembles again).
        if let memo { try? FileSystem.copy(object, to: memo) }
    }
}

/// Plans the inventory for one target.
struct InventoryPlanner {
    let runner: Runner
    let probes: ProbeCache

    /// What the inventory of `metadata`'s workspace needs from this machine and the target directory.
    /// `keptObjects`: the cache's directory of kept `.dep-v0` objects.
    func find(metadata: CargoMetadata, target: Target, std: StdSource, cc: CToolchain, context: Context, keptObjects: String? = nil) -> InventoryFacts {
        var facts = InventoryFacts(libc: libc(cc))
        facts.stdPackage = stdPackage(std)
        facts.stdOwner = stdOwner(std)
        facts.keptObjects = Set(keptObjects.flatMap { try? FileManager.default.contentsOfDirectory(atPath: $0) } ?? [])
        for (_, object) in Self.objects(metadata, target: target, context: context) where FileManager.default.fileExists(atPath: object) {
            facts.existingObjects[object] = FileManager.default.contents(atPath: String(object.dropLast(2)) + ".s") ?? Data()
        }
        return facts
    }

    /// Each workspace member's `.dep-v0` object (by package id), in the target directory.
    static func objects(_ metadata: CargoMetadata, target: Target, context: Context) -> [(id: String, object: String)] {
        let targetDirectory = metadata.targetDirectory ?? context.directory + "/target"
        let directory = "\(targetDirectory)/cargo-static/\(target.triple)/dep-v0"
        return metadata.workspaceMembers.sorted().compactMap { id in
            metadata.packages[id].map { (id, "\(directory)/\($0.name)-\(Fingerprint.hex(manifestDirectory($0))).o") }
        }
    }

    static func manifestDirectory(_ package: CargoMetadata.Package) -> String {
        URL(fileURLWithPath: package.manifestPath).deletingLastPathComponent().standardizedFileURL.path
    }

    /// The inventory and the dependency-list steps, from facts found beforehand: pure.
    static func plan(metadata cargoMetadata: CargoMetadata, target: Target, toolchain: Toolchain, std: StdSource, stdRecipe: String? = nil,
                     settings: StdSettings, cc: CToolchain, sbom: Bool, facts: InventoryFacts, context: Context,
                     memoDirectory: String? = nil) throws -> (InventoryPlan, [DepInfoStep]) {
        var packages: [InventoryPlan.Package] = []
        var steps: [DepInfoStep] = []
        for (id, object) in objects(cargoMetadata, target: target, context: context) {
            let package = cargoMetadata.packages[id]!
            let info = try DepInfo.from(metadata: cargoMetadata, rootPackageID: id)
            let payload = try info.sectionPayload()
            let upToDate = facts.existingObjects[object] == Data(DepSection.assembly(payload: payload).utf8)
            steps.append(.make(package: package.name, payload: payload, object: object, compiler: [cc.cc], upToDate: upToDate,
                               memoDirectory: memoDirectory, compilerIdentity: "\(cc.target.triple) \(cc.version) \(cc.driver.identity)",
                               kept: facts.keptObjects))
            packages.append(.init(id: id, name: package.name, manifestDirectory: manifestDirectory(package),
                                  dependencies: String(decoding: try info.json(), as: UTF8.self), object: object))
        }
        let (stdSource, stdVersion) = facts.stdPackage
        let tools: [InventoryPlan.Tool] = [
            .init(name: "rustc", version: toolchain.release),
            .init(name: cc.kind == .zig ? "zig" : "gcc", version: String(cc.version.split(separator: " ").last ?? "")),
            .init(name: "cargo-static", version: CargoStaticVersion.current),
        ]
        var plan = InventoryPlan(packages: packages, libc: facts.libc, stdVersion: toolchain.release, stdDebianSource: stdSource,
                                 stdDebianVersion: stdVersion, stdProfile: settings.name, tools: tools,
                                 sourceDateEpoch: try context.sourceDateEpoch(), writeSBOM: sbom)
        plan.stdProvenance = stdProvenance(std, release: toolchain.release, recipe: stdRecipe, owner: facts.stdOwner)
        return (plan, steps)
    }

    /// dpkg knows files by the path it installed them at: Debian's rust-src is reached
    /// through /usr/lib/rustlib/src/rust, a link to /usr/src/rustc-<version>.
    static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Which rust-src tree std is compiled from: the Debian package owning it (dpkg-query,
    /// remembered until dpkg's database changes), rustup's `rust-src` component, or unknown.
    func stdProvenance(_ std: StdSource, release: String, recipe: String?) -> StdProvenance {
        Self.stdProvenance(std, release: release, recipe: recipe, owner: stdOwner(std))
    }

    /// The Debian package owning std's rust-src tree (dpkg-query, remembered until dpkg's database changes).
    func stdOwner(_ std: StdSource) -> (package: String, version: String?)? {
        guard case .fromSource(let library) = std else { return nil }
        let owner = probes.values("std-owner:" + library, stampedBy: ["/var/lib/dpkg/status"], context: library) {
            (try? DebianPackage.owning(Self.realPath(library + "/std/Cargo.toml"), runner: self.runner)).flatMap { $0 }
                .map { ["package": $0.package, "version": $0.version] } ?? ["package": "", "version": ""]
        }
        guard let package = owner?["package"], !package.isEmpty else { return nil }
        return (package, owner?["version"])
    }

    static func stdProvenance(_ std: StdSource, release: String, recipe: String?, owner: (package: String, version: String?)?) -> StdProvenance {
        guard case .fromSource(let library) = std else { return .prebuilt }
        if let owner {
            return StdProvenance(compiled: true, package: "Debian's \(owner.package)", version: owner.version, recipe: recipe)
        }
        if library.contains("/.rustup/") || library.contains("/rustup/toolchains/") {
            return StdProvenance(compiled: true, package: "rustup's rust-src component", version: release, recipe: recipe)
        }
        return StdProvenance(compiled: true, package: nil, version: nil, recipe: recipe)
    }

    /// The musl actually linked: zig's bundled copy, or Debian's for musl-gcc (remembered per installation).
    private func libc(_ cc: CToolchain) -> LibcIdentity? {
        let compute: () -> [String: String]? = {
            let identity: LibcIdentity?
            switch cc.kind {
            case .zig:
                identity = cc.zigLibDirectory.flatMap { try? LibcIdentity.zig(libDirectory: $0, zigVersion: String(cc.version.dropFirst(4))) }
            case .muslGcc:
                identity = try? LibcIdentity.debian(runner: self.runner)
            case .crossGcc:
                identity = nil
            }
            return identity.flatMap { try? JSONEncoder.sorted.encode($0) }.map { ["identity": String(decoding: $0, as: UTF8.self)] }
        }
        let stamp = cc.kind == .zig ? (cc.zigLibDirectory.map { $0 + "/libc/musl/src/internal/version.h" } ?? "") : "/var/lib/dpkg/status"
        let found = probes.values("libc:\(cc.kind.rawValue):\(cc.zigLibDirectory ?? "")", stampedBy: [stamp], context: cc.version, compute: compute)
        return found?["identity"].flatMap { try? JSONDecoder().decode(LibcIdentity.self, from: Data($0.utf8)) }
    }

    /// The Debian package of the rust-src tree std is built from (nil for a prebuilt std).
    private func stdPackage(_ std: StdSource) -> (String?, String?) {
        guard case .fromSource(let library) = std else { return (nil, nil) }
        let found = probes.values("std-package:" + library, stampedBy: ["/var/lib/dpkg/status"], context: library) {
            (try? DebianPackage.owning(Self.realPath(library + "/std/Cargo.toml"), runner: self.runner)).flatMap { $0 }
                .map { ["source": $0.source, "version": $0.sourceVersion] } ?? ["source": "", "version": ""]
        }
        let source = found?["source"].flatMap { $0.isEmpty ? nil : $0 }
        return (source, source == nil ? nil : found?["version"])
    }
}

/// Writes `<exe>.cdx.json` for each executable of a finished build.
struct SBOMWriter {
    let plan: InventoryPlan
    let reporter: Reporter
    var memos = AuditMemos()

    func write(_ executables: [BuiltExecutable], libraries: [ProvidedLibrary], sources: SourceStore, allocator: Allocator) throws {
        guard let libc = plan.libc else { return }
        defer { memos.save() }
        var found: [SBOMInventory.CLibrary]?
        func cLibraries() -> [SBOMInventory.CLibrary] {
            if let found { return found }
            found = libraries.compactMap { lib -> SBOMInventory.CLibrary? in
                guard let library = try? NativeLibrary.library(lib.name), let source = sources.selected(library) else { return nil }
                let patches = source.origin == "debian" ? DebianPatch.read(sourceTree: source.path) : []
                return SBOMInventory.CLibrary(name: lib.name.name, debianSource: source.package, version: source.version, patches: patches)
            }
            return found!
        }
        let shared = (try? JSONEncoder.sorted.encode(plan)) ?? Data()
        for exe in executables where !exe.isTest {
            guard let package = plan.packages.first(where: { $0.id == exe.packageID }) ?? plan.packages.first(where: { "\($0.name)" == exe.package.split(separator: " ").first.map(String.init) }) else { continue }
            let known = memos.record(exe.path)
            let sha256 = try known?.sha256 ?? SHA256.hex(file: exe.path)
            let file = exe.path + SBOM.fileSuffix
            // The SBOM is a function of these: when they and the SBOM file are as last time, it stays.
            let inputs = SHA256.hex(shared + Data(([exe.name, sha256, exe.target.triple, package.id, allocator.rawValue]
                                                   + libraries.map { "\($0.name.name) \($0.version)" }.sorted()).joined(separator: "\n").utf8))
            if let known, known.sbomInputs == inputs, let written = known.sbomIdentity, written == AuditMemo.identity(file) {
                reporter.detail("SBOM: \(file) (unchanged)")
                continue
            }
            guard let crates = try? DepInfo.parse(json: Data(package.dependencies.utf8)) else { continue }
            let inventory = SBOMInventory(
                executable: .init(name: exe.name, sha256: sha256, target: exe.target.triple),
                crates: crates, cLibraries: cLibraries(), libc: libc, allocator: allocator.rawValue,
                std: .init(version: plan.stdVersion, debianSource: plan.stdDebianSource, debianVersion: plan.stdDebianVersion, profile: plan.stdProfile,
                           provenance: plan.stdProvenance),
                tools: plan.tools.map { .init(name: $0.name, version: $0.version) }, sourceDateEpoch: plan.sourceDateEpoch)
            try SBOM.write(inventory, to: file)
            memos.update(exe.path) { record in
                record?.sha256 = sha256
                record?.sbomInputs = inputs
                record?.sbomIdentity = AuditMemo.identity(file)
            }
            reporter.detail("SBOM: \(file)")
        }
    }
}
