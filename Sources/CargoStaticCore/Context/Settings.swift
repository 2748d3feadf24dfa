import Foundation

/// One source of cargo-static's build settings: the command line, the root package's
/// `[package.metadata.cargo-static]`, or a `[cargo-static]` table in one of cargo's config
/// files. Nil means "not set here".
public struct SettingsLayer: Equatable {
    /// Where the values come from, as error messages name it.
    public var origin: String
    public var targets: [Target]?
    public var allocator: Allocator?
    public var stdProfile: StdSettings?
    /// C libraries to build, as named (resolved by the library scan).
    public var deps: [String]?
    public var cc: CToolchain.Kind?

    /// Every key a settings table may hold.
    public static let keys = ["target", "allocator", "std-profile", "deps", "cc"]

    public init(origin: String, targets: [Target]? = nil, allocator: Allocator? = nil, stdProfile: StdSettings? = nil,
                deps: [String]? = nil, cc: CToolchain.Kind? = nil) {
        self.origin = origin
        self.targets = targets
        self.allocator = allocator
        self.stdProfile = stdProfile
        self.deps = deps
        self.cc = cc
    }

    /// `--deps a,b` or `deps = "a,b"`: names split on commas.
    public static func names(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
    }

    /// Reads a settings table. Unknown keys and values of the wrong kind are errors that name
    /// the key and the table: a misspelt setting must not be silently ignored.
    public static func parse(_ table: [String: TOMLValue], origin: String) throws -> SettingsLayer {
        var layer = SettingsLayer(origin: origin)
        for key in table.keys.sorted() {
            let value = table[key]!
            switch key {
            case "target":
                let spec = try value.string ?? value.strings?.joined(separator: ",") ?? wrongKind(key, value, origin, "a triple or a list of triples")
                layer.targets = try checked(key, value, origin) { try Target.list(spec) }
            case "allocator":
                let name = try value.string ?? wrongKind(key, value, origin, "a string")
                layer.allocator = try checked(key, value, origin) { try Allocator.parse(name) }
            case "std-profile":
                let name = try value.string ?? wrongKind(key, value, origin, "a string")
                layer.stdProfile = try checked(key, value, origin) { try StdSettings.named(name) }
            case "cc":
                let name = try value.string ?? wrongKind(key, value, origin, "a string")
                layer.cc = try checked(key, value, origin) { try CToolchain.Kind.parse(name) }
            case "deps":
                layer.deps = try value.strings ?? wrongKind(key, value, origin, "a list of library names, e.g. [\"ncurses\", \"libedit\"]")
            default:
                let suggestion = Suggest.closest(key, in: keys).map { "did you mean `\($0)`? " } ?? ""
                throw CargoStaticError(.usage, "unknown key `\(key)` in \(origin)",
                                       fix: suggestion + "known keys: \(keys.joined(separator: ", "))")
            }
        }
        return layer
    }

    private static func wrongKind<T>(_ key: String, _ value: TOMLValue, _ origin: String, _ expected: String) throws -> T {
        throw CargoStaticError(.usage, "`\(key) = \(value.text)` in \(origin) is not \(expected)",
                               fix: "write it as: \(example(key))")
    }

    /// A value the option's own parser refuses: the same reason, placed in the file.
    private static func checked<T>(_ key: String, _ value: TOMLValue, _ origin: String, _ parse: () throws -> T) throws -> T {
        do { return try parse() } catch let error as CargoStaticError {
            throw CargoStaticError(.usage, "`\(key) = \(value.text)` in \(origin): \(error.message)",
                                   fix: "write it as: \(example(key))")
        }
    }

    static func example(_ key: String) -> String {
        switch key {
        case "target": return "target = \"\(Target.defaultTriple)\" or target = [\"\(Target.defaultTriple)\", \"aarch64-unknown-linux-musl\"]"
        case "allocator": return Allocator.allCases.map { "allocator = \"\($0.rawValue)\"" }.joined(separator: ", ")
        case "std-profile": return StdSettings.profiles.map { "std-profile = \"\($0.name)\"" }.joined(separator: ", ")
        case "cc": return CToolchain.Kind.allCases.map { "cc = \"\($0.rawValue)\"" }.joined(separator: ", ")
        default: return "deps = [\"ncurses\", \"libedit\"]"
        }
    }
}

/// cargo-static's settings for one build, merged from its layers: the command line, then
/// the root package's `[package.metadata.cargo-static]`, then the `[cargo-static]` tables
/// of cargo's config files (deeper directories and `--config` first), then the defaults.
/// `deps` add up instead: every layer's libraries are built. (The package tables' `deps`
/// are read by the library scan, for every workspace member, not here.)
public struct Settings: Equatable {
    public var targets: [Target]
    public var allocator: Allocator?
    public var stdSettings: StdSettings
    public var cc: CToolchain.Kind?
    /// Libraries from the command line and the config files, with where each was named.
    public var deps: [LibraryRequest]

    /// `layers`: highest precedence first.
    public static func merge(_ layers: [SettingsLayer]) throws -> Settings {
        let defaultTarget = try Target(Target.defaultTriple)
        var deps: [LibraryRequest] = []
        for layer in layers {
            for name in layer.deps ?? [] where !deps.contains(where: { $0.name == name }) {
                deps.append(LibraryRequest(name: name, reason: layer.origin))
            }
        }
        return Settings(targets: layers.lazy.compactMap(\.targets).first ?? [defaultTarget],
                        allocator: layers.lazy.compactMap(\.allocator).first,
                        stdSettings: layers.lazy.compactMap(\.stdProfile).first ?? .standard,
                        cc: layers.lazy.compactMap(\.cc).first,
                        deps: deps)
    }

    /// The layers in the files: the package's table (nil manifest: none), then cargo's
    /// config files, highest precedence first.
    public static func fileLayers(manifest: String?, config: CargoConfig) throws -> [SettingsLayer] {
        try fileLayers(manifest: manifest, package: try manifest.map(readManifest), config: config)
    }

    /// The same, from a manifest already read (`package`: its parsed text).
    static func fileLayers(manifest: String?, package: [String: TOMLValue]?, config: CargoConfig) throws -> [SettingsLayer] {
        var layers: [SettingsLayer] = []
        if let manifest, let package, let table = try packageTable(package, manifest: manifest) {
            var layer = try SettingsLayer.parse(table, origin: "[package.metadata.cargo-static] of \(manifest)")
            layer.deps = nil
            layers.append(layer)
        }
        for found in config.values(["cargo-static"]).reversed() {
            let origin = "[cargo-static] of " + (found.origin.hasPrefix("/") ? found.origin : "--config \(found.origin)")
            guard let table = found.value.table else {
                throw CargoStaticError(.usage, "`cargo-static` in \(found.origin) is not a table",
                                       fix: "write the settings under a [cargo-static] header, e.g. allocator = \"musl\"")
            }
            layers.append(try SettingsLayer.parse(table, origin: origin))
        }
        return layers
    }

    /// `[package.metadata.cargo-static]` of a manifest, if it has one.
    static func packageTable(_ manifest: String) throws -> [String: TOMLValue]? {
        try packageTable(try readManifest(manifest), manifest: manifest)
    }

    /// Cargo.toml, parsed. As cargo: a manifest that cannot be parsed is exit 101, with one message.
    static func readManifest(_ manifest: String) throws -> [String: TOMLValue] {
        do { return try TOML.parse(file: manifest) } catch let error as CargoStaticError {
            throw CargoStaticError(.cargoFailed, error.message, fix: "fix the manifest; cargo reads it too", exitCode: 101)
        }
    }

    static func packageTable(_ parsed: [String: TOMLValue], manifest: String) throws -> [String: TOMLValue]? {
        guard let value = parsed["package"]?["metadata"]?["cargo-static"] else { return nil }
        guard let table = value.table else {
            throw CargoStaticError(.usage, "`package.metadata.cargo-static` in \(manifest) is not a table",
                                   fix: "write the settings under a [package.metadata.cargo-static] header, e.g. allocator = \"musl\"")
        }
        return table
    }
}

extension SettingsLayer {
    /// A table cargo metadata gave as JSON (a workspace member's `metadata.cargo-static`).
    static func parse(json: JSONValue, origin: String) throws -> SettingsLayer {
        guard let table = TOMLValue(json: json)?.table else {
            throw CargoStaticError(.usage, "\(origin) is not a table", fix: "write it as: [package.metadata.cargo-static] followed by KEY = VALUE lines")
        }
        return try parse(table, origin: origin)
    }
}

extension TOMLValue {
    /// JSON as cargo metadata prints a manifest's `metadata`.
    init?(json: JSONValue) {
        switch json {
        case let .string(s): self = .string(s)
        case let .bool(b): self = .bool(b)
        case let .int(i): self = .integer(Int64(i))
        case let .double(d): self = .float(d)
        case let .array(a):
            let items = a.compactMap(TOMLValue.init(json:))
            guard items.count == a.count else { return nil }
            self = .array(items)
        case let .object(d):
            var table: [String: TOMLValue] = [:]
            for (k, v) in d {
                guard let value = TOMLValue(json: v) else { return nil }
                table[k] = value
            }
            self = .table(table)
        case .null: return nil
        }
    }
}
