import Foundation

/// A -sys crate cargo-static knows: which C library it needs and which variables its
/// build script reads to find a static copy of it. The table is the documentation too
/// (README, "C libraries"): keep them in step.
public struct SysCrateBinding {
    public let crate: String
    public let library: String
    /// Features with which the crate compiles its own copy of the library: nothing to provide then.
    public let selfBuildingFeatures: [String]
    /// What the build script reads, given the library's prefix.
    let variables: (_ prefix: String, _ target: Target) -> [String: String]

    public func environment(prefix: String, target: Target) -> [String: String] { variables(prefix, target) }
}

public enum SysCrateTable {
    public static let bindings: [SysCrateBinding] = [
        // Upstream's `static` feature compiles a bundled zlib; otherwise pkg-config (Debian's copy: only pkg-config).
        SysCrateBinding(crate: "libz-sys", library: "zlib", selfBuildingFeatures: ["static"]) { _, _ in
            ["LIBZ_SYS_STATIC": "1"]
        },
        // openssl-sys reads <TARGET>_OPENSSL_* before OPENSSL_*: scoped to this target.
        SysCrateBinding(crate: "openssl-sys", library: "openssl", selfBuildingFeatures: ["vendored"]) { prefix, target in
            let t = target.envSuffix.uppercased()
            return ["\(t)_OPENSSL_DIR": prefix, "\(t)_OPENSSL_LIB_DIR": prefix + "/lib",
                    "\(t)_OPENSSL_INCLUDE_DIR": prefix + "/include", "\(t)_OPENSSL_STATIC": "1"]
        },
        SysCrateBinding(crate: "libsqlite3-sys", library: "sqlite3",
                        selfBuildingFeatures: ["bundled", "bundled-windows", "bundled-sqlcipher", "bundled-sqlcipher-vendored-openssl"]) { prefix, _ in
            ["SQLITE3_STATIC": "1", "SQLITE3_LIB_DIR": prefix + "/lib", "SQLITE3_INCLUDE_DIR": prefix + "/include"]
        },
        // Upstream compiles its bundled zstd unless told to use pkg-config; Debian's always uses pkg-config.
        SysCrateBinding(crate: "zstd-sys", library: "zstd", selfBuildingFeatures: []) { _, _ in
            ["ZSTD_SYS_USE_PKG_CONFIG": "1"]
        },
        // lzma-sys and bzip2-sys use pkg-config unless their `static` feature compiles a bundled copy.
        SysCrateBinding(crate: "lzma-sys", library: "xz", selfBuildingFeatures: ["static"]) { _, _ in [:] },
        SysCrateBinding(crate: "bzip2-sys", library: "bzip2", selfBuildingFeatures: ["static"]) { _, _ in [:] },
        SysCrateBinding(crate: "ncurses", library: "ncurses", selfBuildingFeatures: []) { _, _ in [:] },
        // Libraries of the generic builder (named by their Debian source package). Upstream's
        // libgit2-sys builds its vendored copy unless told not to; Debian's only uses pkg-config.
        SysCrateBinding(crate: "libgit2-sys", library: "libgit2", selfBuildingFeatures: ["vendored", "zlib-ng-compat"]) { _, _ in
            ["LIBGIT2_NO_VENDOR": "1"]
        },
        SysCrateBinding(crate: "libssh2-sys", library: "libssh2", selfBuildingFeatures: ["zlib-ng-compat"]) { _, _ in
            ["LIBSSH2_SYS_USE_PKG_CONFIG": "1"]
        },
        // onig_sys carries a copy of Oniguruma; Debian's policy (and ours) is the system library.
        SysCrateBinding(crate: "onig_sys", library: "libonig", selfBuildingFeatures: []) { _, _ in
            ["RUSTONIG_SYSTEM_LIBONIG": "1", "RUSTONIG_STATIC_LIBONIG": "1"]
        },
        // nettle-sys links dylibs unless NETTLE_STATIC is set.
        SysCrateBinding(crate: "nettle-sys", library: "nettle", selfBuildingFeatures: []) { _, _ in ["NETTLE_STATIC": "1"] },
        // seccomp-sys asks no pkg-config: it prints -lseccomp with the kind and path it is given.
        SysCrateBinding(crate: "seccomp-sys", library: "libseccomp", selfBuildingFeatures: []) { prefix, _ in
            ["LIBSECCOMP_LIB_TYPE": "static", "LIBSECCOMP_LIB_PATH": prefix + "/lib"]
        },
        // pcre2-sys compiles a bundled copy for musl targets unless PCRE2_SYS_STATIC=0 lets it
        // ask pkg-config (which then gives the static library: PKG_CONFIG_ALL_STATIC).
        SysCrateBinding(crate: "pcre2-sys", library: "pcre2", selfBuildingFeatures: []) { _, _ in ["PCRE2_SYS_STATIC": "0"] },
    ]

    public static func binding(for crate: String) -> SysCrateBinding? { bindings.first { $0.crate == crate } }

    /// Variables every build gets, so pkg-config never answers with the host's glibc
    /// libraries: its search path for the target is the cache's prefixes (or nothing).
    public static func pkgConfigEnvironment(prefixes: [String], target: Target) -> [String: String] {
        let dirs = prefixes.map { $0 + "/lib/pkgconfig" }.joined(separator: ":")
        let t = target.envSuffix
        return [
            "PKG_CONFIG_LIBDIR_\(t)": dirs,
            "PKG_CONFIG_PATH_\(t)": "",
            "PKG_CONFIG_ALLOW_CROSS_\(t)": "1",
            "PKG_CONFIG_ALL_STATIC": "1",
            // system-deps (glib, cairo, gtk-rs's -sys crates) reads its own switch, not the
            // pkg-config crate's: without it cairo-sys-rs prints -lcairo and not pixman's -l.
            "SYSTEM_DEPS_LINK": "static",
        ]
    }
}

/// Why a C library is needed by a build: the library resolved, and who asked.
public struct LibraryRequirement: Codable, Equatable {
    public let library: LibraryID
    public let reason: String
}

/// A C library asked for by a name not resolved yet (`--deps`, `deps` in the settings, a
/// build script's pkg-config module once matched), with where it was named; the scan
/// resolves it into a `LibraryRequirement`.
public struct LibraryRequest: Codable, Equatable {
    public let name: String
    public let reason: String

    public init(name: String, reason: String) {
        self.name = name
        self.reason = reason
    }
}

/// Finds the C libraries a project needs: its -sys crates (from cargo's resolved graph,
/// features included), `[package.metadata.cargo-static] deps = [...]`, `[cargo-static] deps`
/// in cargo's config, and `--deps`. In two parts: `ScanFacts.find` asks this machine (the
/// resolver's apt and dpkg, the crates' source trees, the memo of earlier builds) and
/// `requirements(extra:metadata:facts:)` decides, without any of them.
public struct NativeDependencyScan {
    /// `resolver`: nil for the process-wide one (apt and dpkg of this machine).
    /// `extra`: libraries named on the command line or in cargo's config, with where.
    public static func requirements(extra: [LibraryRequest], metadata: CargoMetadata, resolver: LibraryResolver? = nil) throws -> [LibraryRequirement] {
        try requirements(extra: extra, metadata: metadata, facts: ScanFacts.find(extra: extra, metadata: metadata, resolver: resolver ?? LibraryResolver.shared))
    }

    /// The same from facts found beforehand: pure.
    public static func requirements(extra: [LibraryRequest], metadata: CargoMetadata, facts: ScanFacts) throws -> [LibraryRequirement] {
        var found = try extra.map { LibraryRequirement(library: try facts.named($0.name), reason: $0.reason) }
        found += try requirements(inMetadata: metadata, facts: facts)
        var unique: [LibraryRequirement] = []
        for r in found where !unique.contains(where: { $0.library == r.library }) { unique.append(r) }
        return unique
    }

    static func requirements(inMetadata metadata: CargoMetadata, resolver: LibraryResolver,
                             learned: LearnedPkgConfigNeeds? = nil) throws -> [LibraryRequirement] {
        try requirements(inMetadata: metadata, facts: ScanFacts.find(extra: [], metadata: metadata, resolver: resolver, learned: learned))
    }

    /// The C libraries of the resolved graph: -sys crates cargo-static has bindings for, any
    /// other crate with a `links` key or a -sys name (resolved through Debian's packages),
    /// minus those whose self-building feature is on or that ship their own C sources; plus
    /// what workspace members declare. A crate that needs a library that can never be static
    /// stops the build here, before anything is built.
    static func requirements(inMetadata metadata: CargoMetadata, facts: ScanFacts) throws -> [LibraryRequirement] {
        var found: [LibraryRequirement] = []
        for candidate in candidates(metadata) {
            let (package, features) = (candidate.package, candidate.features)
            let (name, version) = (package.name, package.version)
            if let refusal = refusal(package) {
                let users = dependents(of: package.id, in: metadata)
                throw refusal.error(crate: "\(name) \(version)" + (users.isEmpty ? "" : " (used by \(users.joined(separator: ", ")))"))
            }
            // Libraries this crate's build script asked pkg-config for in an earlier build.
            found += facts.learned.requirements(crate: "\(name) \(version)")
            if let binding = SysCrateTable.binding(for: name) {
                // With one of these features the crate compiles its own copy: nothing to provide.
                if binding.selfBuildingFeatures.contains(where: features.contains) && !fromDebianRegistry(package.manifestPath) { continue }
                // The binding table names recipes by their canonical names.
                found.append(LibraryRequirement(library: LibraryID(resolvedName: binding.library), reason: "crate \(name) \(version)"))
                continue
            }
            guard let linkName = lookedUpLinkName(package, features: features),
                  !facts.shipsOwnCSources.contains(package.manifestPath) else { continue }
            guard let library = try facts.library(linkName: linkName) else { continue }
            found.append(LibraryRequirement(library: library, reason: "crate \(name) \(version) (links \(linkName))"))
        }
        for (package, ours) in memberSettings(metadata) {
            let origin = "[package.metadata.cargo-static] of \(package.name)"
            for lib in try SettingsLayer.parse(json: ours, origin: origin).deps ?? [] {
                found.append(LibraryRequirement(library: try facts.named(lib), reason: origin))
            }
        }
        return found
    }

    /// The target-side packages of the graph, in cargo's node order, with their features.
    static func candidates(_ metadata: CargoMetadata) -> [(package: CargoMetadata.Package, features: [String])] {
        let targetSide = metadata.targetPackages()
        return (metadata.resolve?.nodes ?? []).compactMap { node in
            guard targetSide?.contains(node.id) ?? true, let package = metadata.packages[node.id] else { return nil }
            return (package, node.features ?? [])
        }
    }

    /// The link name a package without a binding is looked up by (nil: nothing to look up).
    /// A part of the libc (`links = "c"`, fts-sys; `m`, `pthread`) is the target's C library,
    /// which the C toolchain brings: there is nothing to build (Debian's answer would be glibc).
    static func lookedUpLinkName(_ package: CargoMetadata.Package, features: [String]) -> String? {
        guard SysCrateTable.binding(for: package.name) == nil, let linkName = linkName(name: package.name, links: package.links),
              !PkgConfigFixup.libcParts.contains(linkName),
              !features.contains(where: { $0.contains("vendored") || $0.contains("bundled") }) else { return nil }
        return linkName
    }

    /// Workspace members' `[package.metadata.cargo-static]` tables, members sorted by id.
    static func memberSettings(_ metadata: CargoMetadata) -> [(CargoMetadata.Package, JSONValue)] {
        metadata.workspaceMembers.sorted().compactMap { id in
            guard let package = metadata.packages[id], let ours = package.metadata?["cargo-static"], ours != .null else { return nil }
            return (package, ours)
        }
    }

    /// The library names `[package.metadata.cargo-static] deps` of the members give (for lookups).
    static func memberDeps(_ metadata: CargoMetadata) -> [String] {
        memberSettings(metadata).flatMap { package, ours in
            (try? SettingsLayer.parse(json: ours, origin: package.name).deps) ?? []
        }
    }
}

/// What the dependency scan needs to know about this machine, found before deciding: which
/// library each name and link name resolves to (apt's and dpkg's answers, or the error),
/// which crates carry their own C sources, and what earlier builds' scripts asked for.
public struct ScanFacts {
    public var learned = LearnedPkgConfigNeeds()
    /// name -> library (or why it cannot be).
    public var names: [String: Result<LibraryID, Error>] = [:]
    /// link name -> library (nil: no library of this machine provides it).
    public var links: [String: Result<LibraryID?, Error>] = [:]
    /// Manifests of crates that ship a C library of their own.
    public var shipsOwnCSources: Set<String> = []

    /// Facts as tests write them: `names` and `links` give the libraries' resolved names.
    public init(learned: LearnedPkgConfigNeeds = LearnedPkgConfigNeeds(), names: [String: String] = [:], links: [String: String?] = [:],
                shipsOwnCSources: Set<String> = []) {
        self.learned = learned
        self.names = names.mapValues { .success(LibraryID(resolvedName: $0)) }
        self.links = links.mapValues { .success($0.map(LibraryID.init(resolvedName:))) }
        self.shipsOwnCSources = shipsOwnCSources
    }

    func named(_ name: String) throws -> LibraryID {
        guard let found = names[name] else {
            throw CargoStaticError(.usage, "no C library named \(name) was looked up", fix: "this is a bug in cargo-static's planner")
        }
        return try found.get()
    }

    func library(linkName: String) throws -> LibraryID? { try links[linkName]?.get() ?? nil }

    /// Asks the resolver (apt, dpkg) and the crates' source trees what the scan will need.
    public static func find(extra: [LibraryRequest], metadata: CargoMetadata, resolver: LibraryResolver,
                            learned: LearnedPkgConfigNeeds? = nil) -> ScanFacts {
        var facts = ScanFacts(learned: learned ?? .load(file: LearnedPkgConfigNeeds.file(metadata: metadata)))
        for name in extra.map(\.name) + NativeDependencyScan.memberDeps(metadata) where facts.names[name] == nil {
            facts.names[name] = Result { try resolver.named(name).id }
        }
        for (package, features) in NativeDependencyScan.candidates(metadata) {
            guard let linkName = NativeDependencyScan.lookedUpLinkName(package, features: features) else { continue }
            if NativeDependencyScan.shipsOwnCSources(package.manifestPath) {
                facts.shipsOwnCSources.insert(package.manifestPath)
                continue
            }
            if facts.links[linkName] == nil { facts.links[linkName] = Result { try resolver.library(for: .link(linkName))?.id } }
        }
        return facts
    }
}

extension NativeDependencyScan {
    /// A library that can never be static, when this crate is the one that links it: by its
    /// `links` key, as a -sys binding, or by its name when its build script asks pkg-config
    /// (a build-dependency on pkg-config or system-deps). Never by a plain crate's name: a
    /// crate called `pam` or `x11` with none of these links nothing.
    static func refusal(_ package: CargoMetadata.Package) -> RefusedLibrary? {
        let name = package.name
        if let links = package.links, !links.isEmpty, let refused = RefusalTable.refusal(for: links) { return refused }
        let isBinding = ["-sys", "_sys"].contains { name.hasSuffix($0) && name.count > $0.count }
        if isBinding { return RefusalTable.refusal(for: name) ?? linkName(name: name, links: nil).flatMap(RefusalTable.refusal(for:)) }
        let buildDependencies = package.dependencies.filter { $0.kind == "build" }.map(\.name)
        if buildDependencies.contains(where: { ["pkg-config", "system-deps", "metadeps", "pkg_config"].contains($0) }) {
            return RefusalTable.refusal(for: name)
        }
        return nil
    }

    /// The C library a crate links: its `links` key, else its name without `-sys`.
    static func linkName(name: String, links: String?) -> String? {
        if let links, !links.isEmpty { return links }
        for suffix in ["-sys", "_sys"] where name.hasSuffix(suffix) && name.count > suffix.count {
            return String(name.dropLast(suffix.count))
        }
        return nil
    }

    /// Debian's crates never carry the bundled C sources their `static`/`vendored` features
    /// would compile (Debian's policy removes them; bzip2-sys's build script then only prints
    /// `rustc-link-lib=bz2`), so those features do not make a Debian crate self-building.
    static func fromDebianRegistry(_ manifestPath: String?) -> Bool {
        manifestPath?.hasPrefix(debianRegistry + "/") ?? false
    }

    static let debianRegistry = "/usr/share/cargo/registry"

    /// Whether the crate carries a C library of its own (ring's crypto, onig_sys's copy of
    /// Oniguruma): five or more C or assembly files, outside tests and examples. A shim of one
    /// or two files next to a pkg-config probe does not count.
    static func shipsOwnCSources(_ manifestPath: String?) -> Bool {
        guard let manifestPath else { return false }
        let dir = (manifestPath as NSString).deletingLastPathComponent
        guard let walker = FileManager.default.enumerator(atPath: dir) else { return false }
        var count = 0, seen = 0
        while let item = walker.nextObject() as? String, seen < 5000 {
            seen += 1
            let parts = item.split(separator: "/")
            if parts.contains(where: { ["tests", "examples", "benches", "target", ".git"].contains($0) }) { continue }
            let ext = (item as NSString).pathExtension
            if ["c", "cc", "cpp", "S", "s", "asm"].contains(ext) { count += 1 }
            if count >= 5 { return true }
        }
        return false
    }

    /// `name version` of the crates that depend on `id` (to say who pulled a crate in).
    static func dependents(of id: String, in metadata: CargoMetadata) -> [String] {
        (metadata.resolve?.nodes ?? []).compactMap { node -> String? in
            guard let deps = node.dependencies, deps.contains(id) else { return nil }
            return metadata.label(node.id)
        }.sorted()
    }
}
