import Foundation

/// The Rust crates compiled into one executable, in cargo-auditable's `.dep-v0` format:
/// zlib-compressed JSON `{"format":1,"packages":[…]}` where each package has a name,
/// version, source (`crates.io`, `registry`, `git`, `local`, …), kind (`build` or
/// `runtime`, omitted when runtime), the indices of the packages it depends on (omitted
/// when none) and `root` (omitted when false). Trivy, Grype, Syft, osv-scanner and
/// `cargo audit bin` read it from the executable's `.dep-v0` section.
///
/// Only crates go in: readers treat every entry as a crate (C libraries, the libc and
/// std are described by the CycloneDX file instead).
public struct DepInfo: Equatable {
    public enum Kind: String, Codable, Comparable {
        case build, runtime
        public static func < (a: Kind, b: Kind) -> Bool { a == .build && b == .runtime }
    }

    public struct Package: Equatable {
        public var name: String
        public var version: String
        /// `crates.io`, `registry`, `git`, `local`, or the scheme of another kind of source.
        public var source: String
        public var kind: Kind
        /// Indices into `packages`, ascending.
        public var dependencies: [Int]
        public var root: Bool
        /// cargo's full source (`registry+https://…`, `git+https://…?rev=…#sha`), when built
        /// from `cargo metadata`; the section does not carry it (nil after `parse`).
        public var origin: String?

        public init(name: String, version: String, source: String, kind: Kind = .runtime,
                    dependencies: [Int] = [], root: Bool = false, origin: String? = nil) {
            self.name = name
            self.version = version
            self.source = source
            self.kind = kind
            self.dependencies = dependencies
            self.root = root
            self.origin = origin
        }
    }

    /// 1: from `cargo metadata`, proc-macros and their dependencies recorded as build dependencies.
    public var format: Int
    public var packages: [Package]

    public init(format: Int = 1, packages: [Package]) {
        self.format = format
        self.packages = packages
    }

    /// The root package (the executable's own crate), if the list has one.
    public var root: Package? { packages.first { $0.root } }

    /// The same list without what the section cannot carry (for comparing with a parsed one).
    public var sectionView: DepInfo {
        DepInfo(format: format, packages: packages.map { var p = $0; p.origin = nil; return p })
    }
}

// MARK: - From cargo metadata

extension DepInfo {
    /// The dependency list of the executable whose crate is `rootPackageID`, from
    /// `cargo metadata --format-version 1 --filter-platform <triple>` (run with the same
    /// `--features`/`--all-features`/`--no-default-features` as the build).
    public static func from(metadata: CargoMetadata, rootPackageID: String) throws -> DepInfo {
        guard let nodes = metadata.nodes else {
            throw CargoStaticError(.badInput, "cargo metadata has no dependency graph (`resolve` is null)",
                                   fix: "run `cargo metadata` without --no-deps")
        }
        guard nodes[rootPackageID] != nil, metadata.packages[rootPackageID] != nil else {
            throw CargoStaticError(.badInput, "package `\(rootPackageID)` is not in cargo metadata's dependency graph",
                                   fix: "pass the package id of the executable's crate as cargo reports it (`cargo metadata` packages[].id)")
        }
        let kinds = try propagateKinds(nodes: nodes, metadata: metadata, root: rootPackageID)
        let ids = kinds.keys.sorted { a, b in order(metadata.packages[a]!, metadata.packages[b]!) }
        let index = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        let packages = ids.map { id -> Package in
            let p = metadata.packages[id]!
            // Edges that are only dev-dependencies are left out: dev-dependencies may form
            // cycles, and they are not in the executable.
            let deps = Set(nodes[id]!.compactMap { edge in edge.strongest == .dev ? nil : index[edge.package] })
            return Package(name: p.name, version: p.version, source: sourceKind(p.source), kind: kinds[id]! == .normal ? .runtime : .build,
                           dependencies: deps.sorted(), root: id == rootPackageID, origin: p.source)
        }
        return DepInfo(format: 1, packages: packages)
    }

    /// Each reachable package's strongest kind over every path from the root. cargo marks a
    /// normal dependency of a build dependency as normal, so a package reached only through
    /// a build dependency (or a proc-macro, which runs in the compiler) is a build dependency
    /// however its own edges are marked; dev-dependencies of the root are not in the executable.
    static func propagateKinds(nodes: [String: [CargoMetadata.Edge]], metadata: CargoMetadata,
                               root: String) throws -> [String: CargoMetadata.EdgeKind] {
        var kind: [String: CargoMetadata.EdgeKind] = [root: .normal]
        var queue = [root]
        while let parent = queue.popLast() {
            let parentKind = kind[parent]!
            for edge in nodes[parent] ?? [] {
                guard nodes[edge.package] != nil, metadata.packages[edge.package] != nil else {
                    throw CargoStaticError(.badInput, "cargo metadata lists a dependency `\(edge.package)` that it does not describe",
                                           fix: "run `cargo metadata --format-version 1` again; the output was cut or edited")
                }
                var k = min(edge.strongest, parentKind)
                if metadata.packages[edge.package]!.isProcMacro { k = min(k, .build) }
                if let seen = kind[edge.package], seen >= k { continue }
                kind[edge.package] = k
                queue.append(edge.package)
            }
        }
        return kind.filter { $0.value != .dev }
    }

    /// Name, then version (semver precedence), then cargo's id: stable whatever order cargo used.
    static func order(_ a: CargoMetadata.Package, _ b: CargoMetadata.Package) -> Bool {
        if a.name != b.name { return a.name < b.name }
        let c = SemanticVersion.compare(a.version, b.version)
        if c != 0 { return c < 0 }
        return a.id < b.id
    }

    /// cargo's source id -> the format's source kind. crates.io is crates.io however it is
    /// reached (git index, sparse index, or Debian's directory registry replacing it).
    static func sourceKind(_ source: String?) -> String {
        guard let source else { return "local" }
        if source == "registry+https://github.com/rust-lang/crates.io-index" || source == "sparse+https://index.crates.io/" {
            return "crates.io"
        }
        let scheme = source.split(separator: "+", maxSplits: 1).first.map(String.init) ?? source
        switch scheme {
        case "registry", "sparse": return "registry"
        case "path": return "local"
        default: return scheme
        }
    }
}

// MARK: - JSON and the compressed section payload

extension DepInfo {
    /// Compact JSON with sorted keys, defaults omitted as cargo-auditable omits them.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(Wire(self))
    }

    /// The bytes of the `.dep-v0` section.
    public func sectionPayload() throws -> Data { try Zlib.compress(json()) }

    /// Reads a `.dep-v0` section's bytes back (at most 8 MiB once inflated).
    public static func parse(sectionPayload: Data) throws -> DepInfo {
        let json: Data
        do { json = try Zlib.decompress(sectionPayload) } catch {
            throw DepInfoError("the .dep-v0 section is not zlib data: \(error)")
        }
        return try parse(json: json)
    }

    /// Parses and validates the JSON: indices in range, at most one root, no cycles
    /// (what readers need before they walk the graph).
    public static func parse(json: Data) throws -> DepInfo {
        let wire: Wire
        do { wire = try JSONDecoder().decode(Wire.self, from: json) } catch {
            throw DepInfoError("the dependency list is not cargo-auditable JSON: \(Self.describe(error))")
        }
        let info = DepInfo(format: wire.format ?? 0, packages: wire.packages.map(\.package))
        try info.validate()
        return info
    }

    public func validate() throws {
        let count = packages.count
        for (i, p) in packages.enumerated() {
            if let bad = p.dependencies.first(where: { $0 < 0 || $0 >= count }) {
                throw DepInfoError("package \(i) (\(p.name)) depends on index \(bad), but there are \(count) packages")
            }
        }
        let roots = packages.filter(\.root).count
        if roots > 1 { throw DepInfoError("\(roots) packages are marked as root; the format allows one") }
        if hasCycle() { throw DepInfoError("the dependency graph has a cycle") }
    }

    /// Kahn's algorithm: a cycle leaves nodes that never reach in-degree zero.
    func hasCycle() -> Bool {
        var indegree = [Int](repeating: 0, count: packages.count)
        for p in packages { for d in Set(p.dependencies) { indegree[d] += 1 } }
        var ready = indegree.indices.filter { indegree[$0] == 0 }
        var done = 0
        while let i = ready.popLast() {
            done += 1
            for d in Set(packages[i].dependencies) {
                indegree[d] -= 1
                if indegree[d] == 0 { ready.append(d) }
            }
        }
        return done != packages.count
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let ctx):
            return "missing `\(key.stringValue)` at \(ctx.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx), DecodingError.dataCorrupted(let ctx):
            return "\(ctx.debugDescription) at \(ctx.codingPath.map(\.stringValue).joined(separator: "."))"
        default:
            return "\(error)"
        }
    }

    /// The JSON shape: optional fields are written only when they differ from the default.
    struct Wire: Codable {
        var format: Int?
        var packages: [WirePackage]

        init(_ info: DepInfo) {
            format = info.format == 0 ? nil : info.format
            packages = info.packages.map(WirePackage.init)
        }
    }

    struct WirePackage: Codable {
        var name: String
        var version: String
        var source: String
        var kind: Kind?
        var dependencies: [Int]?
        var root: Bool?

        init(_ p: Package) {
            name = p.name
            version = p.version
            source = p.source
            kind = p.kind == .runtime ? nil : p.kind
            dependencies = p.dependencies.isEmpty ? nil : p.dependencies
            root = p.root ? true : nil
        }

        var package: Package {
            Package(name: name, version: version, source: source, kind: kind ?? .runtime,
                    dependencies: dependencies ?? [], root: root ?? false)
        }
    }
}

public struct DepInfoError: Error, CustomStringConvertible, LocalizedError {
    public let description: String
    init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}

/// Semantic-version precedence (semver.org §11), enough to order crate versions.
enum SemanticVersion {
    static func compare(_ a: String, _ b: String) -> Int {
        let (ca, pa) = split(a), (cb, pb) = split(b)
        for (x, y) in zip(ca, cb) where x != y { return x < y ? -1 : 1 }
        if ca.count != cb.count { return ca.count < cb.count ? -1 : 1 }
        switch (pa, pb) {
        case (nil, nil): return 0
        case (nil, _): return 1          // a release ranks above its pre-releases
        case (_, nil): return -1
        case let (x?, y?): return comparePre(x, y)
        }
    }

    private static func split(_ v: String) -> (core: [UInt64], pre: [Substring]?) {
        let noBuild = v.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let parts = noBuild.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        let core = parts[0].split(separator: ".").map { UInt64($0) ?? 0 }
        return (core, parts.count > 1 ? parts[1].split(separator: ".", omittingEmptySubsequences: false) : nil)
    }

    private static func comparePre(_ a: [Substring], _ b: [Substring]) -> Int {
        for (x, y) in zip(a, b) where x != y {
            switch (UInt64(x), UInt64(y)) {
            case let (n?, m?): return n < m ? -1 : 1
            case (_?, nil): return -1    // numeric identifiers rank below alphanumeric ones
            case (nil, _?): return 1
            default: return x < y ? -1 : 1
            }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }
}
