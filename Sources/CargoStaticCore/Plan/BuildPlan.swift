import Foundation

/// The whole build as one value, computed before anything runs: `plan` prints it, the
/// executor runs its steps and nothing else.
public struct BuildPlan: Codable, Equatable {
    public let manifest: String
    public let mode: BuildRequest.Mode
    public let pie: Bool
    public let targets: [TargetPlan]
    /// `image`: run after every target is built (nil for other commands).
    public var image: ImageStep? = nil
    /// The package's `default-run` (read with the rest of Cargo.toml): which executable `run`
    /// starts when the build makes several.
    public var defaultRun: String? = nil

    /// Every external command the executor will run, in order.
    public var commands: [Command] { targets.flatMap { $0.steps.flatMap(\.commands) } }
}

/// One target's part of the plan. The fields beside `steps` name what the steps were made
/// from (the toolchain and why it was chosen, the libraries and why they are needed),
/// for people and for the results.
public struct TargetPlan: Codable, Equatable {
    public let target: Target
    public let toolchain: Toolchain
    public let toolchainReason: String
    /// Set when the chosen rustc is not the one `rustc` on PATH runs.
    public let defaultToolchain: Toolchain?
    public let std: StdSource
    /// The sysroot of a from-source std entry (nil for a prebuilt std); cargo runs a rustc
    /// that has it in its own sysroot (`ToolchainDirectory`).
    public let sysroot: String?
    public let stdCacheEntry: String?
    public let cToolchain: CToolchain
    /// C libraries the project needs, and why.
    public let requirements: [LibraryRequirement]
    public let libraries: [LibraryStep]
    /// The malloc the executables get.
    public let allocator: Allocator
    /// Set when the default allocator could not be had and the libc's is used instead.
    public let allocatorNote: String?
    /// The unwinder stand-ins linked in place of `-lunwind` (nil: the real unwinder).
    public let unwinderStub: String?
    /// The embedded dependency lists and what the SBOMs will say.
    public let inventory: InventoryPlan
    /// How the executables are linked; everything below is rendered from it.
    public let link: LinkSpec
    /// cargo's linker for the target.
    public let linker: String
    public let cargo: Command
    public let steps: [Step]
    /// The workspace's packages (cargo's metadata), for the environment of the programs
    /// `run` and `test` start, and cargo's target directory.
    public var packages: [PackageInfo] = []
    public var targetDirectory: String = ""
    /// Crates of the graph that load libraries with dlopen, which always fails in a static executable.
    public var dlopenWarning: String? = nil
    /// Where this project remembers what its build scripts asked pkg-config for.
    public var learnedNeedsFile: String? = nil
}
