import Foundation

/// The project's Cargo.toml, read once per plan: `default-run` from the package's own
/// manifest, profiles resolved as cargo resolves them. cargo reads profiles only from the
/// workspace root's manifest, lets `[profile]` in its config files override them, and
/// CARGO_PROFILE_<NAME>_<KEY> override both; a setting a profile lacks comes from the
/// profile it inherits (test from dev, bench from release, a custom one from `inherits`).
struct ProjectManifest: Equatable {
    /// The package's manifest.
    let package: [String: TOMLValue]
    /// `[profile]` tables, lowest precedence first: the workspace root's manifest, then
    /// each cargo config layer.
    let profileLayers: [[String: TOMLValue]]
    /// CARGO_PROFILE_* variables.
    let environment: [String: String]

    /// Reads the manifest at `path` and the workspace root's (nearest directory above
    /// declaring `[workspace]`, when there is one). An unreadable manifest reads as empty:
    /// cargo then reports it in its own words.
    static func read(_ path: String, package given: [String: TOMLValue]? = nil, config: CargoConfig?, context: Context) -> ProjectManifest {
        let package = given ?? (try? TOML.parse(file: path)) ?? [:]
        let root = package["workspace"] != nil ? package : workspaceRoot(above: path) ?? package
        let profiles = [root["profile"]?.table ?? [:]] + (config?.values(["profile"]).compactMap { $0.value.table } ?? [])
        let environment = context.variables.filter { $0.key.hasPrefix("CARGO_PROFILE_") && !$0.value.isEmpty }
        return ProjectManifest(package: package, profileLayers: profiles, environment: environment)
    }

    private static func workspaceRoot(above manifest: String) -> [String: TOMLValue]? {
        var dir = (manifest as NSString).deletingLastPathComponent
        while dir != "/" && !dir.isEmpty {
            dir = (dir as NSString).deletingLastPathComponent
            if let doc = try? TOML.parse(file: dir + "/Cargo.toml"), doc["workspace"] != nil { return doc }
        }
        return nil
    }

    /// `[package] default-run`: the binary `run` picks when there are several.
    var defaultRun: String? { package["package"]?["default-run"]?.string }

    /// The profile cargo builds `name` from when it does not say: test from dev, bench from release.
    private static func builtInParent(_ name: String) -> String? {
        switch name {
        case "test", "doc": return "dev"
        case "bench": return "release"
        default: return nil
        }
    }

    /// `key` of `profile`, following `inherits`: the environment, then config, then manifest.
    func setting(_ key: String, profile: String) -> TOMLValue? {
        var name = profile
        var seen = Set<String>()
        while seen.insert(name).inserted {
            let variable = "CARGO_PROFILE_\(name.uppercased().replacingEvery("-", with: "_"))_\(key.uppercased().replacingEvery("-", with: "_"))"
            if let value = environment[variable] { return .string(value) }
            let tables = profileLayers.reversed().compactMap { $0[name]?.table }
            if let value = tables.lazy.compactMap({ $0[key] }).first { return value }
            let inherits = environment["CARGO_PROFILE_\(name.uppercased().replacingEvery("-", with: "_"))_INHERITS"]
                ?? tables.lazy.compactMap({ $0["inherits"]?.string }).first
            guard let parent = inherits ?? Self.builtInParent(name) else { return nil }
            name = parent
        }
        return nil
    }

    /// The profile's own `debug` setting, when it has one.
    func debug(profile: String) -> String? { setting("debug", profile: profile)?.text }

    /// The profile's `strip` as rustc will apply it ("none", "debuginfo" or "symbols"):
    /// cargo's default strips debug info in profiles without debug info (release).
    func strip(profile: String) -> String {
        switch setting("strip", profile: profile) {
        case .bool(let b): return b ? "symbols" : "none"
        case .string(let s) where ["none", "debuginfo", "symbols"].contains(s): return s
        case .string(let s) where s == "true" || s == "false": return s == "true" ? "symbols" : "none"
        default: break
        }
        let hasDebug: Bool
        switch setting("debug", profile: profile) {
        case .bool(let b): hasDebug = b
        case .integer(let i): hasDebug = i > 0
        case .string(let s): hasDebug = !["0", "false", "none"].contains(s)
        default: hasDebug = root(of: profile) == "dev"
        }
        return hasDebug ? "none" : "debuginfo"
    }

    /// Whether `profile` builds with panic = "abort": then the program never needs an
    /// unwinder. cargo builds tests and benchmarks with unwind whatever the profile says.
    func panicAbortOnly(profile: String) -> Bool {
        profile != "test" && profile != "bench" && setting("panic", profile: profile)?.string == "abort"
    }

    /// The profile's `lto` as written, when it asks for LTO across crates (true, "fat",
    /// "thin"): then every rlib linked, std's too, must carry LLVM bitcode. nil when it does
    /// not (`false` is LTO within each crate, "off" none). A value cargo would reject counts
    /// as cross-crate: a std with bitcode serves either way.
    func crossCrateLTO(profile: String) -> String? {
        switch setting("lto", profile: profile) {
        case nil: return nil
        case .bool(let on)?: return on ? "true" : nil
        case .string(let s)? where ["false", "off", "no", "n"].contains(s.lowercased()): return nil
        case let value?: return value.text
        }
    }

    /// dev or release: the built-in profile `profile` descends from.
    private func root(of profile: String) -> String {
        var name = profile
        var seen = Set<String>()
        while seen.insert(name).inserted, name != "dev", name != "release" {
            let inherits = profileLayers.reversed().lazy.compactMap { $0[name]?["inherits"]?.string }.first
            guard let parent = inherits ?? Self.builtInParent(name) else { break }
            name = parent
        }
        return name
    }
}
