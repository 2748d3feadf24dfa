import Foundation

/// cargo's configuration as cargo would read it for this invocation: `$CARGO_HOME/config.toml`,
/// then `.cargo/config.toml` in every directory from `/` down to the working directory
/// (deeper files win), then `--config` arguments. cargo-static reads from it the user's
/// rustflags (which cargo ignores once CARGO_ENCODED_RUSTFLAGS is set, so they must be
/// carried over) and its own `[cargo-static]` table.
public struct CargoConfig {
    /// Parsed files and `--config` values, lowest precedence first.
    public let layers: [(origin: String, table: [String: TOMLValue])]

    public static func load(context: Context, cargo: CargoArguments) throws -> CargoConfig {
        var layers: [(String, [String: TOMLValue])] = []
        let cargoHome = context.nonEmpty("CARGO_HOME") ?? context.home + "/.cargo"
        var files: [String] = []
        for name in ["config.toml", "config"] where FileManager.default.fileExists(atPath: "\(cargoHome)/\(name)") {
            files.append("\(cargoHome)/\(name)")
            break
        }
        for dir in PathText.ancestors(of: context.directory).reversed() {
            for name in ["config.toml", "config"] {
                let path = "\(dir)/.cargo/\(name)"
                if FileManager.default.fileExists(atPath: path), !files.contains(path) { files.append(path); break }
            }
        }
        for file in files { layers.append((file, try TOML.parse(file: file))) }
        for value in cargo.configs {
            if value.contains("=") {
                do { layers.append(("--config \(value)", try TOML.parse(value))) } catch {
                    throw CargoStaticError(.usage, "--config \(value) is not a KEY=VALUE in TOML (\(error))", fix: "for example: --config 'build.jobs=2'")
                }
            } else {
                layers.append((value, try TOML.parse(file: context.absolute(value))))
            }
        }
        return CargoConfig(layers: layers)
    }

    /// Values found at `path` in every layer, lowest precedence first, with their origin.
    public func values(_ path: [String]) -> [(origin: String, value: TOMLValue)] {
        layers.compactMap { layer in
            var value: TOMLValue? = .table(layer.table)
            for key in path { value = value?[key] }
            return value.map { (layer.origin, $0) }
        }
    }

    /// A string-or-array setting as a list (cargo accepts `"-a -b"` and `["-a", "-b"]`).
    static func flagList(_ value: TOMLValue) -> [String] {
        if let s = value.string { return s.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) }
        return value.strings ?? []
    }

    /// The flags cargo itself would give the target's crates, following cargo's order:
    /// CARGO_ENCODED_RUSTFLAGS, else RUSTFLAGS, else every matching `target.<triple>` and
    /// `target.'cfg(…)'` rustflags, else `build.rustflags`.
    public func userRustflags(context: Context, target: Target, cfg: [String]) -> [String] {
        if let encoded = context["CARGO_ENCODED_RUSTFLAGS"] {
            return encoded.isEmpty ? [] : encoded.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
        }
        if let plain = context["RUSTFLAGS"] {
            return plain.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
        }
        var targetFlags: [String] = []
        for layer in layers {
            guard let targets = layer.table["target"]?.table else { continue }
            for key in targets.keys.sorted() {
                let matches = key == target.triple || (key.hasPrefix("cfg(") && CfgExpression.matches(key, cfg: cfg))
                if matches, let flags = targets[key]?["rustflags"] { targetFlags += Self.flagList(flags) }
            }
        }
        if let env = context.nonEmpty("\(target.cargoEnvPrefix)_RUSTFLAGS") { targetFlags += Self.flagList(.string(env)) }
        if !targetFlags.isEmpty { return targetFlags }
        var build = values(["build", "rustflags"]).flatMap { Self.flagList($0.value) }
        if let env = context.nonEmpty("CARGO_BUILD_RUSTFLAGS") { build += Self.flagList(.string(env)) }
        return build
    }
}

/// `cfg(...)` predicates as cargo's `[target.'cfg(…)']` tables use them, evaluated against
/// `rustc --print cfg` for the target.
public enum CfgExpression {
    public static func matches(_ text: String, cfg: [String]) -> Bool {
        var parser = Parser(tokens: tokenize(text))
        guard parser.take("cfg"), parser.take("("), let result = parser.predicate(cfg: Set(cfg)), parser.take(")") else { return false }
        return result
    }

    static func tokenize(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var inString = false
        for c in text {
            if inString {
                current.append(c)
                if c == "\"" { tokens.append(current); current = ""; inString = false }
            } else if c == "\"" {
                if !current.isEmpty { tokens.append(current); current = "" }
                current = "\""
                inString = true
            } else if "(),=".contains(c) {
                if !current.isEmpty { tokens.append(current); current = "" }
                tokens.append(String(c))
            } else if c == " " || c == "\t" {
                if !current.isEmpty { tokens.append(current); current = "" }
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    struct Parser {
        let tokens: [String]
        var i = 0

        mutating func take(_ token: String) -> Bool {
            guard i < tokens.count, tokens[i] == token else { return false }
            i += 1
            return true
        }

        mutating func predicate(cfg: Set<String>) -> Bool? {
            guard i < tokens.count else { return nil }
            let name = tokens[i]
            i += 1
            if ["all", "any", "not"].contains(name), take("(") {
                var results: [Bool] = []
                while !take(")") {
                    guard let r = predicate(cfg: cfg) else { return nil }
                    results.append(r)
                    _ = take(",")
                }
                switch name {
                case "all": return results.allSatisfy { $0 }
                case "any": return results.contains(true)
                default: return results.count == 1 ? !results[0] : nil
                }
            }
            if take("=") {
                guard i < tokens.count else { return nil }
                let value = tokens[i]
                i += 1
                return cfg.contains("\(name)=\(value)")
            }
            return cfg.contains(name)
        }
    }
}
