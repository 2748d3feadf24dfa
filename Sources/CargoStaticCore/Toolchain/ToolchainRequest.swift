import Foundation

/// Which rustc the user asked for, and how firmly.
///
/// A *request* (`+name`, `--toolchain`, a RUSTUP_TOOLCHAIN the user set, a directory
/// override or a rust-toolchain file) is honoured or the build fails. rustup's *default*
/// toolchain is only a *preference*: rustup's proxy puts it in RUSTUP_TOOLCHAIN whenever
/// it runs `cargo static`, although the user asked for nothing; when it cannot build for
/// the target, another toolchain that can is used, with one note.
public struct ToolchainRequest: Equatable, CustomStringConvertible {
    public enum Strength: String, Equatable { case request, preference }

    public let name: String
    public let strength: Strength
    /// Where it came from, for messages: "+beta", "--toolchain", "RUSTUP_TOOLCHAIN", …
    public let origin: String

    public init(_ name: String, strength: Strength = .request, origin: String) {
        self.name = name
        self.strength = strength
        self.origin = origin
    }

    public var isPreference: Bool { strength == .preference }
    public var description: String { name }

    /// What rustup's proxy (or the user) put in the environment.
    /// rustup 1.28 and later say where the choice came from in RUSTUP_TOOLCHAIN_SOURCE
    /// (`default`, `env`, `cli`, `path-override`, `toolchain-file`, …); older ones do not:
    /// then a RUSTUP_TOOLCHAIN equal to the default of rustup's settings.toml, with no
    /// directory override and no rust-toolchain file in effect, is taken as the default.
    public static func fromEnvironment(_ context: Context) -> ToolchainRequest? {
        guard let name = context.nonEmpty("RUSTUP_TOOLCHAIN") else { return fromDirectory(context) }
        if let source = context.nonEmpty("RUSTUP_TOOLCHAIN_SOURCE") {
            return source == "default" ? ToolchainRequest(name, strength: .preference, origin: "rustup's default toolchain")
                                       : ToolchainRequest(name, origin: "RUSTUP_TOOLCHAIN (\(source))")
        }
        let settings = RustupSettings.read(context)
        if let defaultName = settings.defaultToolchain, sameToolchain(name, defaultName, host: settings.host),
           settings.override(for: context.directory) == nil, ToolchainDiscovery.toolchainFile(from: context.directory) == nil {
            return ToolchainRequest(name, strength: .preference, origin: "rustup's default toolchain")
        }
        return ToolchainRequest(name, origin: "RUSTUP_TOOLCHAIN")
    }

    /// Run directly (not through rustup's proxy) where rustup is installed: the directory's
    /// `rustup override` or rust-toolchain file is a request, as it is for rustup's cargo.
    /// Without rustup (Debian's rustc alone) a toolchain file names nothing installable.
    static func fromDirectory(_ context: Context) -> ToolchainRequest? {
        guard let settings = RustupSettings.readIfPresent(context) else { return nil }
        if let name = settings.override(for: context.directory) { return ToolchainRequest(name, origin: "rustup override") }
        guard let file = ToolchainDiscovery.toolchainFile(from: context.directory), let name = channel(inToolchainFile: file) else { return nil }
        return ToolchainRequest(name, origin: file)
    }

    /// `[toolchain] channel = "1.70"` (or `path = "/opt/rust"`), or a legacy file holding the name alone.
    static func channel(inToolchainFile file: String) -> String? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        if let table = try? TOML.parse(text), let toolchain = table["toolchain"]?.table {
            return toolchain["path"]?.string ?? toolchain["channel"]?.string
        }
        let first = text.split(separator: "\n").first.map { $0.trimmingSpaces() } ?? ""
        return first.isEmpty || first.contains("=") ? nil : first
    }

    /// `stable` and `stable-x86_64-unknown-linux-gnu` name the same toolchain on that host.
    static func sameToolchain(_ a: String, _ b: String, host: String?) -> Bool {
        if a == b { return true }
        guard let host else { return a.hasPrefix(b + "-") || b.hasPrefix(a + "-") }
        return a + "-" + host == b || b + "-" + host == a
    }
}

/// The parts of `$RUSTUP_HOME/settings.toml` that decide which toolchain rustup runs.
public struct RustupSettings: Equatable {
    public var defaultToolchain: String?
    /// Directory → toolchain (`rustup override set`).
    public var overrides: [String: String] = [:]
    /// The host triple rustup installs for (`default_host_triple`), when written.
    public var host: String?

    public static func read(_ context: Context) -> RustupSettings { readIfPresent(context) ?? RustupSettings() }

    /// nil when rustup has no settings here (rustup is not installed).
    public static func readIfPresent(_ context: Context) -> RustupSettings? {
        let home = context.nonEmpty("RUSTUP_HOME") ?? (context.home + "/.rustup")
        guard let table = try? TOML.parse(file: home + "/settings.toml") else { return nil }
        var settings = RustupSettings()
        settings.defaultToolchain = table["default_toolchain"]?.string
        settings.host = table["default_host_triple"]?.string
        for (dir, value) in table["overrides"]?.table ?? [:] { if let name = value.string { settings.overrides[dir] = name } }
        return settings
    }

    /// The override for `directory` or the nearest directory above it.
    public func override(for directory: String) -> String? {
        PathText.ancestors(of: directory).lazy.compactMap { self.overrides[$0] }.first
    }
}
