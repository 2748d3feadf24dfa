import Foundation

/// `cargo metadata --format-version 1`, decoded once into types: the one representation
/// of cargo's metadata (the C library scan, the embedded dependency lists, the path
/// remaps, the run environment, the image and `install` all read this value).
public struct CargoMetadata: Decodable, Equatable {
    public struct Package: Decodable, Equatable {
        public let id: String
        public let name: String
        public let version: String
        /// nil for path packages.
        public let source: String?
        public let manifestPath: String
        public let targets: [Target]
        /// The manifest's dependencies (as declared, with their kind).
        public let dependencies: [Dependency]
        /// The `links` key.
        public let links: String?
        /// `[package.metadata]`: arbitrary JSON.
        public let metadata: JSONValue?
        public let authors: [String]
        public let description: String?
        public let homepage: String?
        public let documentation: String?
        public let repository: String?
        public let license: String?
        public let licenseFile: String?
        public let rustVersion: String?
        public let readme: String?

        public var isProcMacro: Bool { targets.contains { $0.kind.contains("proc-macro") } }
        /// Binary targets (`[[bin]]` names), for telling executables apart.
        public var binaries: [String] { targets.filter { $0.kind.contains("bin") }.map(\.name).sorted() }
        /// A workspace member or a path dependency (no registry or git source).
        public var isLocal: Bool { source == nil }
        public var directory: String { (manifestPath as NSString).deletingLastPathComponent }

        enum CodingKeys: String, CodingKey {
            case id, name, version, source, targets, dependencies, links, metadata, authors, description, homepage, documentation, repository, license, readme
            case manifestPath = "manifest_path", licenseFile = "license_file", rustVersion = "rust_version"
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            name = try c.decode(String.self, forKey: .name)
            version = try c.decode(String.self, forKey: .version)
            source = try c.decodeIfPresent(String.self, forKey: .source)
            manifestPath = try c.decode(String.self, forKey: .manifestPath)
            targets = try c.decodeIfPresent([Target].self, forKey: .targets) ?? []
            dependencies = try c.decodeIfPresent([Dependency].self, forKey: .dependencies) ?? []
            links = try c.decodeIfPresent(String.self, forKey: .links)
            let metadata = try c.decodeIfPresent(JSONValue.self, forKey: .metadata)
            self.metadata = metadata == .null ? nil : metadata
            authors = try c.decodeIfPresent([String].self, forKey: .authors) ?? []
            description = try c.decodeIfPresent(String.self, forKey: .description)
            homepage = try c.decodeIfPresent(String.self, forKey: .homepage)
            documentation = try c.decodeIfPresent(String.self, forKey: .documentation)
            repository = try c.decodeIfPresent(String.self, forKey: .repository)
            license = try c.decodeIfPresent(String.self, forKey: .license)
            licenseFile = try c.decodeIfPresent(String.self, forKey: .licenseFile)
            rustVersion = try c.decodeIfPresent(String.self, forKey: .rustVersion)
            readme = try c.decodeIfPresent(String.self, forKey: .readme)
        }
    }

    public struct Target: Decodable, Equatable {
        public let name: String
        public let kind: [String]
    }

    /// A dependency as the manifest declares it.
    public struct Dependency: Decodable, Equatable {
        public let name: String
        /// nil for a normal dependency, "dev" or "build".
        public let kind: String?
    }

    public struct Resolve: Decodable, Equatable {
        public let nodes: [Node]
        /// The package of the current directory (nil in a virtual workspace).
        public let root: String?
    }

    public struct Node: Decodable, Equatable {
        public let id: String
        /// Package ids (every cargo).
        public let dependencies: [String]?
        /// Edges with their kinds (cargo 1.41 and later).
        public let deps: [NodeDep]?
        /// The features enabled on this package.
        public let features: [String]?
    }

    public struct NodeDep: Decodable, Equatable {
        public let pkg: String
        public let depKinds: [DepKind]?

        enum CodingKeys: String, CodingKey { case pkg, depKinds = "dep_kinds" }
    }

    public struct DepKind: Decodable, Equatable {
        /// nil for a normal dependency, "dev" or "build".
        public let kind: String?
    }

    /// A dependency kind as cargo reports it per edge, weakest first.
    public enum EdgeKind: Int, Comparable {
        case dev, build, normal
        public static func < (a: EdgeKind, b: EdgeKind) -> Bool { a.rawValue < b.rawValue }
    }

    public struct Edge: Equatable {
        public let package: String
        /// The strongest of the edge's kinds (a crate can be both a normal and a build dependency).
        public let strongest: EdgeKind
    }

    /// The packages in cargo's order.
    public let packageList: [Package]
    public let resolve: Resolve?
    public let workspaceMembers: [String]
    public let workspaceRoot: String?
    public let targetDirectory: String?

    /// Package id -> package.
    public let packages: [String: Package]
    /// Package id -> its dependencies, nil when cargo ran with --no-deps.
    public let nodes: [String: [Edge]]?

    /// `resolve.root`: the package of the current directory (nil in a virtual workspace).
    public var resolveRoot: String? { resolve?.root }
    /// The workspace's own packages and path dependencies.
    public var localPackages: [Package] { packageList.filter(\.isLocal) }

    enum CodingKeys: String, CodingKey {
        case packages, resolve
        case workspaceMembers = "workspace_members", workspaceRoot = "workspace_root", targetDirectory = "target_directory"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(packages: try c.decode([Package].self, forKey: .packages),
                  resolve: try c.decodeIfPresent(Resolve.self, forKey: .resolve),
                  workspaceMembers: try c.decodeIfPresent([String].self, forKey: .workspaceMembers) ?? [],
                  workspaceRoot: try c.decodeIfPresent(String.self, forKey: .workspaceRoot),
                  targetDirectory: try c.decodeIfPresent(String.self, forKey: .targetDirectory))
    }

    public init(packages: [Package], resolve: Resolve?, workspaceMembers: [String], workspaceRoot: String?, targetDirectory: String?) {
        packageList = packages
        self.resolve = resolve
        self.workspaceMembers = workspaceMembers
        self.workspaceRoot = workspaceRoot
        self.targetDirectory = targetDirectory
        self.packages = Dictionary(packages.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        nodes = resolve.map { resolve in
            Dictionary(resolve.nodes.map { node in
                (node.id, (node.deps ?? node.dependencies?.map { NodeDep(pkg: $0, depKinds: nil) } ?? []).map { dep in
                    // No dep_kinds: cargo older than 1.41, where every edge counted as normal.
                    let kinds = dep.depKinds?.map { EdgeKind(cargo: $0.kind) } ?? [.normal]
                    return Edge(package: dep.pkg, strongest: kinds.max() ?? .normal)
                })
            }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// Decodes cargo's output; a clear error when it is not cargo metadata.
    public init(json: Data) throws {
        do { self = try JSONDecoder().decode(CargoMetadata.self, from: json) } catch {
            throw CargoStaticError(.badInput, "cannot read cargo metadata's output: \(DepInfo.describe(error))",
                                   fix: "run `cargo metadata --format-version 1` and check that it prints JSON")
        }
    }

    /// The package whose Cargo.toml is in `directory` (cargo gives rustc and the linker
    /// `CARGO_MANIFEST_DIR`), preferring workspace members.
    public func packageID(manifestDirectory directory: String) -> String? {
        let want = URL(fileURLWithPath: directory).standardizedFileURL.path
        let matches = packageList.filter {
            URL(fileURLWithPath: $0.manifestPath).deletingLastPathComponent().standardizedFileURL.path == want
        }
        return (matches.first { workspaceMembers.contains($0.id) } ?? matches.first)?.id
    }

    /// The packages compiled for the target: reachable from the workspace members through
    /// normal (and dev) dependencies. Build-dependencies and proc macros run on the build
    /// machine (bindgen's clang-sys links the host's libclang), so their C libraries are the
    /// host's business. nil when cargo gave no dependency kinds (every node counts then).
    public func targetPackages() -> Set<String>? {
        let nodes = resolve?.nodes ?? []
        guard nodes.contains(where: { $0.deps != nil }) else { return nil }
        let nodeByID = Dictionary(nodes.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var seen = Set<String>()
        var queue = workspaceMembers
        while let id = queue.popLast() {
            guard !seen.contains(id), let node = nodeByID[id] else { continue }
            if packages[id]?.isProcMacro == true { continue }
            seen.insert(id)
            for dep in node.deps ?? [] {
                let kinds = (dep.depKinds ?? []).map(\.kind)
                if kinds.isEmpty || kinds.contains(where: { $0 == nil || $0 == "dev" }) { queue.append(dep.pkg) }
            }
        }
        return seen
    }

    /// `name version` of a package (`? ?` style fallbacks for ids cargo did not describe).
    public func label(_ id: String) -> String? { packages[id].map { "\($0.name) \($0.version)" } }
}

extension CargoMetadata.EdgeKind {
    /// cargo writes null for a normal dependency, "dev" and "build" for the others.
    init(cargo: String?) {
        switch cargo {
        case "dev": self = .dev
        case "build": self = .build
        default: self = .normal
        }
    }
}
