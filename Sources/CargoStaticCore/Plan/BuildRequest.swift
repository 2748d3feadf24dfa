import Foundation

/// `--sbom`.
public enum SBOMFormat: String, CaseIterable {
    case cyclonedx, none

    public static func parse(_ text: String) throws -> SBOMFormat {
        guard let format = SBOMFormat(rawValue: text.lowercased()) else {
            throw CargoStaticError(.usage, "unknown SBOM format `\(text)`", fix: "use --sbom cyclonedx (the default) or --sbom none")
        }
        return format
    }
}

/// What the user asked for, parsed once into types: the targets, toolchains, allocator,
/// std profile and cargo's own arguments.
/// Cargo.toml and cargo's config files as read once, when the request was made from them
/// (its settings come from both): Discovery takes them from here instead of reading again.
public struct ProjectFiles {
    public let manifest: String
    public let package: [String: TOMLValue]
    public let config: CargoConfig
}

public struct BuildRequest {
    public typealias Mode = CargoArguments.Mode

    /// The project's files read while the request was made (nil: Discovery reads them).
    public var projectFiles: ProjectFiles? = nil

    public var mode: Mode
    public var targets: [Target]
    public var toolchain: ToolchainRequest?
    public var cToolchain: CToolchain.Kind?
    public var pie: Bool
    /// `--builtin-pie`: rustc's own choice (static-pie only on x86_64 and s390x).
    public var pieRequest: PieRequest = .verified
    /// C libraries asked for with `--deps` or in cargo's config, on top of what the project's
    /// -sys crates and `[package.metadata.cargo-static]` tables need.
    public var extraLibraries: [LibraryRequest]
    /// `--allocator`; nil: the std profile's default, falling back to the libc's when it cannot be built.
    public var allocator: Allocator?
    /// `--std-profile`: how std is compiled (and what that implies for the program's profile).
    public var stdSettings: StdSettings
    /// `--strip`: no symbol table in the executables.
    public var strip: Bool
    /// `--sbom none` turns off the `<exe>.cdx.json` files.
    public var sbom = true
    /// `--split-debug`: `<exe>.debug` beside a stripped executable.
    public var splitDebug = false
    /// `--artifact-dir`: where the checked executables are copied after the build (absolute).
    public var artifactDirectory: String?
    /// `--check-reproducible`: build again elsewhere and compare (`Reproducibility`).
    public var checkReproducible = false
    /// `image`: after the build, an OCI image of the executables (the plan's last step).
    public var image: ImageRequest?
    /// Lints of the project's crates capped at `warn`: `install` of a registry crate, which a
    /// newer rustc's lints must not fail under its own `#![deny(warnings)]` (cargo caps
    /// registry crates too; at `allow` rustc would also hide the warnings cargo's probe of
    /// the target reads).
    public var capLints = false
    public var cargo: CargoArguments
    /// Arguments after `--` (for the program or the test harness).
    public var programArguments: [String]
    public var context: Context

    /// `--allocator`, else the std profile's choice.
    public var chosenAllocator: Allocator { allocator ?? stdSettings.defaultAllocator }
    public var directory: String { context.directory }

    public init(mode: Mode, targets: [Target], toolchain: ToolchainRequest? = nil, cToolchain: CToolchain.Kind? = nil,
                pie: Bool = true, extraLibraries: [LibraryRequest] = [], allocator: Allocator? = nil,
                stdSettings: StdSettings = .standard, strip: Bool = false,
                cargo: CargoArguments = CargoArguments(), programArguments: [String] = [],
                context: Context = .process) {
        self.mode = mode
        self.targets = targets
        self.toolchain = toolchain
        self.cToolchain = cToolchain
        self.pie = pie
        self.extraLibraries = extraLibraries
        self.allocator = allocator
        self.stdSettings = stdSettings
        self.strip = strip
        self.cargo = cargo
        self.programArguments = programArguments
        self.context = context
    }

    /// The manifest cargo will use: `--manifest-path`, else the nearest Cargo.toml upwards.
    public func manifestPath() throws -> String {
        if let path = cargo.manifestPath {
            let absolute = context.absolute(path)
            guard FileManager.default.fileExists(atPath: absolute) else {
                throw CargoStaticError(.notCargoProject, "the manifest \(path) does not exist",
                                       fix: "check the --manifest-path argument; it must name a Cargo.toml")
            }
            return absolute
        }
        for dir in PathText.ancestors(of: directory) {
            let candidate = PathText.join(dir, "Cargo.toml")
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        throw CargoStaticError(.notCargoProject, "\(directory) is not inside a Cargo project (no Cargo.toml here or in any parent directory)",
                               fix: "run cargo-static in the project's directory, or pass --manifest-path path/to/Cargo.toml")
    }
}

/// The build options as the command line gave them; `request` merges them with the
/// settings in Cargo.toml and cargo's config files (`Settings`) into a `BuildRequest`.
public struct BuildFlags {
    /// --target, --allocator, --std-profile, --deps and --cc (nil: not given).
    public var settings: SettingsLayer
    public var toolchain: ToolchainRequest?
    public var pie = true
    public var pieRequest: PieRequest = .verified
    public var strip = false
    public var sbom = true
    public var splitDebug = false
    public var artifactDirectory: String?
    public var checkReproducible = false
    /// cargo's own arguments, as typed.
    public var cargoArguments: [String]
    /// cargo-static's long options, for "did you mean" on a misspelt one.
    public var ownOptions: [String]
    public var programArguments: [String]
    public var context: Context

    public init(settings: SettingsLayer, toolchain: ToolchainRequest?, cargoArguments: [String], ownOptions: [String],
                programArguments: [String], context: Context) {
        self.settings = settings
        self.toolchain = toolchain
        self.cargoArguments = cargoArguments
        self.ownOptions = ownOptions
        self.programArguments = programArguments
        self.context = context
    }

    public func cargo(_ mode: BuildRequest.Mode) throws -> CargoArguments {
        try CargoArguments.parse(cargoArguments, mode: mode, own: ownOptions)
    }

    public func request(_ mode: BuildRequest.Mode) throws -> BuildRequest {
        var request = BuildRequest(mode: mode, targets: [], toolchain: toolchain, pie: pie, strip: strip,
                                   cargo: try cargo(mode), programArguments: programArguments, context: context)
        // A missing project is reported by the build itself, with its own fix.
        let manifest = try? request.manifestPath()
        let config = try CargoConfig.load(context: context, cargo: request.cargo)
        let package = try manifest.map(Settings.readManifest)
        let settings = try Settings.merge([self.settings] + Settings.fileLayers(manifest: manifest, package: package, config: config))
        if let manifest, let package { request.projectFiles = ProjectFiles(manifest: manifest, package: package, config: config) }
        request.targets = settings.targets
        request.allocator = settings.allocator
        request.stdSettings = settings.stdSettings
        request.cToolchain = settings.cc
        request.extraLibraries = settings.deps
        request.sbom = sbom
        request.pieRequest = pieRequest
        request.splitDebug = splitDebug
        request.artifactDirectory = artifactDirectory.map(context.absolute)
        request.checkReproducible = checkReproducible
        return request
    }
}
