import Foundation

/// What cargo remembers of an install, in its own two files under the install root:
/// `.crates.toml` (v1: package id → binaries; `cargo install --list` and `cargo uninstall`
/// read it) and `.crates2.json` (v2: the same with the settings of the build, which
/// `cargo install` compares before reinstalling). Written as cargo writes them, so cargo
/// lists, replaces (`--force`) and uninstalls what cargo-static installed.
public struct InstallRecord: Equatable {
    /// cargo's package id: `name version (path+file:///dir)` or `(registry+https://…)`.
    public var packageID: String
    public var versionRequirement: String?
    public var bins: [String]
    public var features: [String] = []
    public var allFeatures = false
    public var noDefaultFeatures = false
    public var profile: String
    public var target: String
    /// `rustc -vV`, as cargo records it (with its final newline).
    public var rustc: String

    public static func packageID(name: String, version: String, source: String) -> String { "\(name) \(version) (\(source))" }

    /// `--features a,b` / `-F a` / `--features=a b`, `--all-features`, `--no-default-features` from cargo's arguments.
    public static func featureFlags(_ arguments: [String]) -> (features: [String], all: Bool, noDefault: Bool) {
        var features: [String] = []
        var i = 0
        func split(_ s: String) -> [String] { s.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init) }
        while i < arguments.count {
            let a = arguments[i]
            if (a == "--features" || a == "-F"), i + 1 < arguments.count { features += split(arguments[i + 1]); i += 1 }
            else if a.hasPrefix("--features=") { features += split(String(a.dropFirst("--features=".count))) }
            else if a.hasPrefix("-F"), a.count > 2 { features += split(String(a.dropFirst(2))) }
            i += 1
        }
        return (Array(Set(features)).sorted(), arguments.contains("--all-features"), arguments.contains("--no-default-features"))
    }
}

public enum InstallRecords {
    public static func v1Path(_ root: String) -> String { root + "/.crates.toml" }
    public static func v2Path(_ root: String) -> String { root + "/.crates2.json" }

    /// Adds `record` to both files in `root` (each written atomically).
    public static func add(_ record: InstallRecord, root: String) throws {
        let v1 = try updatedV1(FileManager.default.contents(atPath: v1Path(root)).map { String(decoding: $0, as: UTF8.self) }, adding: record)
        let v2 = try updatedV2(FileManager.default.contents(atPath: v2Path(root)), adding: record)
        try FileSystem.write(v1, to: v1Path(root))
        try FileSystem.write(v2, to: v2Path(root))
    }

    /// As cargo: the new binaries leave any other package that listed them (a package left
    /// with none is dropped), and join this package's entry.
    public static func updatedV1(_ existing: String?, adding record: InstallRecord) throws -> String {
        var listing: [String: [String]] = [:]
        if let existing, !existing.trimmed().isEmpty {
            let table = try parse { try TOML.parse(existing) }
            // A file without `[v1]` lists none; an entry that cannot be read is refused, not dropped.
            if let v1 = table["v1"] {
                guard let ids = v1.table else { throw malformed(".crates.toml", "`v1` is not a table") }
                for (id, bins) in ids {
                    guard let names = bins.array, case let strings = names.compactMap(\.string), strings.count == names.count else {
                        throw malformed(".crates.toml", "the entry of \(id) is not a list of names")
                    }
                    listing[id] = strings
                }
            }
        }
        listing = merged(listing, id: record.packageID, bins: record.bins)
        var text = "[v1]\n"
        for id in listing.keys.sorted() {
            text += TOML.quoted(id) + " = [\n" + listing[id]!.sorted().map { "    " + TOML.quoted($0) + ",\n" }.joined() + "]\n"
        }
        return text
    }

    /// cargo's fields are rewritten; any other field (one a newer cargo added) is kept as it
    /// was. An entry whose `bins` cannot be read is refused, not dropped: dropping it would
    /// make cargo forget an install.
    public static func updatedV2(_ existing: Data?, adding record: InstallRecord) throws -> Data {
        var top: [String: JSONValue] = [:]
        if let existing, !existing.isEmpty {
            guard let object = (try? JSONDecoder().decode(JSONValue.self, from: existing))?.objectValue else {
                throw CargoStaticError(.badInput, "cargo's install record .crates2.json is not valid JSON",
                                       fix: "repair or remove it (cargo rebuilds it from .crates.toml)")
            }
            top = object
        }
        // A file without `installs` lists none.
        var installs: [String: [String: JSONValue]] = [:]
        if let listed = top.removeValue(forKey: "installs") { installs = try installEntries(listed) }
        let bins = try installs.mapValues { entry in
            guard let names = entry["bins"]?.arrayValue, case let strings = names.compactMap(\.stringValue), strings.count == names.count else {
                throw malformed(".crates2.json", "an entry's `bins` is not a list of names")
            }
            return strings
        }
        let kept = merged(bins, id: record.packageID, bins: record.bins)
        installs = installs.filter { kept[$0.key] != nil }
        for (id, names) in kept where id != record.packageID { installs[id]?["bins"] = .strings(names) }
        // The package's earlier entry, when it had one: the fields cargo-static does not write survive.
        var info = installs[record.packageID, default: [:]]
        info["version_req"] = record.versionRequirement.map(JSONValue.string) ?? .null
        info["bins"] = .strings(kept[record.packageID] ?? record.bins)
        info["features"] = .strings(record.features)
        info["all_features"] = .bool(record.allFeatures)
        info["no_default_features"] = .bool(record.noDefaultFeatures)
        info["profile"] = .string(record.profile)
        info["target"] = .string(record.target)
        info["rustc"] = .string(record.rustc)
        installs[record.packageID] = info
        // cargo's field order inside each entry, the other keys after them.
        let order = ["version_req", "bins", "features", "all_features", "no_default_features", "profile", "target", "rustc"]
        func object(_ fields: [String: JSONValue], order: [String]) -> String {
            let keys = order.filter { fields[$0] != nil } + fields.keys.filter { !order.contains($0) }.sorted()
            return "{" + keys.map { JSONValue.quote($0) + ":" + fields[$0]!.serialized }.joined(separator: ",") + "}"
        }
        let entries = installs.keys.sorted().map { JSONValue.quote($0) + ":" + object(installs[$0]!, order: order) }.joined(separator: ",")
        let others = top.keys.sorted().map { "," + JSONValue.quote($0) + ":" + top[$0]!.serialized }.joined()
        return Data(("{\"installs\":{" + entries + "}" + others + "}").utf8)
    }

    /// `installs`: package id → that install's fields.
    private static func installEntries(_ installs: JSONValue) throws -> [String: [String: JSONValue]] {
        guard let ids = installs.objectValue else { throw malformed(".crates2.json", "`installs` is not an object") }
        return try ids.mapValues { entry in
            guard let fields = entry.objectValue else { throw malformed(".crates2.json", "an entry of `installs` is not an object") }
            return fields
        }
    }

    private static func malformed(_ file: String, _ what: String) -> CargoStaticError {
        CargoStaticError(.badInput, "cargo's install record \(file) is not in cargo's format: \(what)",
                         fix: file == ".crates2.json" ? "repair or remove it (cargo rebuilds it from .crates.toml)"
                             : "repair or remove it (it lists what `cargo install` put in this root)")
    }

    static func merged(_ listing: [String: [String]], id: String, bins: [String]) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for (other, names) in listing where other != id {
            let left = names.filter { !bins.contains($0) }
            if !left.isEmpty { out[other] = left }
        }
        out[id] = Array(Set((listing[id] ?? []) + bins)).sorted()
        return out
    }

    private static func parse(_ body: () throws -> [String: TOMLValue]) throws -> [String: TOMLValue] {
        do { return try body() } catch {
            throw CargoStaticError(.badInput, "cargo's install record .crates.toml cannot be read: \(error)",
                                   fix: "repair or remove it (it lists what `cargo install` put in this root)")
        }
    }
}
