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

/// Why a C library is needed by a build.
public struct LibraryRequirement: Codable, Equatable {
    public let library: String
    public let reason: String
}

/// Finds the C libraries a project needs: its -sys crates (from cargo's resolved graph,
/// features included), `[package.metadata.cargo-static] deps = [...]`, `[cargo-static] deps`
/// in cargo's config, and `--deps`.
public struct NativeDependencyScan {
    /// `resolver`: nil for the process-wide one (apt and dpkg of this machine).
    /// `extra`: libraries named on the command line or in cargo's config, with where.
    public static func requirements(extra: [LibraryRequirement], metadata: [String: Any], resolver: LibraryResolver? = nil) throws -> [LibraryRequirement] {
        let resolver = resolver ?? LibraryResolver.shared
        var found = try extra.map { LibraryRequirement(library: try resolver.named($0.library).name, reason: $0.reason) }
        found += try requirements(inMetadata: metadata, resolver: resolver)
        var unique: [LibraryRequirement] = []
        for r in found where !unique.contains(where: { $0.library == r.library }) { unique.append(r) }
        return unique
    }

    /// The C libraries of the resolved graph: -sys crates cargo-static has bindings for, any
    /// other crate with a `links` key or a -sys name (resolved through Debian's packages),
    /// minus those whose self-building feature is on or that ship their own C sources; plus
    /// what workspace members declare. A crate that needs a library that can never be static
    /// stops the build here, before anything is built.
    static func requirements(inMetadata json: [String: Any], resolver: LibraryResolver,
                             learned: LearnedPkgConfigNeeds? = nil) throws -> [LibraryRequirement] {
        let learned = learned ?? .load(file: LearnedPkgConfigNeeds.file(metadata: json))
        let packages = json["packages"] as? [[String: Any]] ?? []
        let byID = Dictionary(packages.compactMap { p in (p["id"] as? String).map { ($0, p) } }, uniquingKeysWith: { a, _ in a })
        let resolve = json["resolve"] as? [String: Any]
        let nodes = resolve?["nodes"] as? [[String: Any]] ?? []
        var found: [LibraryRequirement] = []
        let members = json["workspace_members"] as? [String] ?? []
        let targetSide = targetPackages(nodes: nodes, members: members, byID: byID)
        for node in nodes {
            guard let id = node["id"] as? String, targetSide?.contains(id) ?? true,
                  let package = byID[id], let name = package["name"] as? String else { continue }
            let version = package["version"] as? String ?? "?"
            let links = package["links"] as? String
            let features = node["features"] as? [String] ?? []
            if let refusal = refusal(name: name, links: links, package: package) {
                let users = dependents(of: id, nodes: nodes, byID: byID)
                throw refusal.error(crate: "\(name) \(version)" + (users.isEmpty ? "" : " (used by \(users.joined(separator: ", ")))"))
            }
            // Libraries this crate's build script asked pkg-config for in an earlier build.
            found += learned.requirements(crate: "\(name) \(version)")
            if let binding = SysCrateTable.binding(for: name) {
                // With one of these features the crate compiles its own copy: nothing to provide.
                let manifest = package["manifest_path"] as? String
                if binding.selfBuildingFeatures.contains(where: features.contains) && !fromDebianRegistry(manifest) { continue }
                found.append(LibraryRequirement(library: binding.library, reason: "crate \(name) \(version)"))
                continue
            }
            guard let linkName = linkName(name: name, links: links),
                  !features.contains(where: { $0.contains("vendored") || $0.contains("bundled") }),
                  !shipsOwnCSources(package["manifest_path"] as? String) else { continue }
            guard let library = try resolver.library(for: .link(linkName)) else { continue }
            found.append(LibraryRequirement(library: library.name, reason: "crate \(name) \(version) (links \(linkName))"))
        }
        for id in members.sorted() {
            guard let package = byID[id], let ours = (package["metadata"] as? [String: Any])?["cargo-static"] else { continue }
            let origin = "[package.metadata.cargo-static] of \(package["name"] as? String ?? "?")"
            for lib in try SettingsLayer.parse(json: ours, origin: origin).deps ?? [] {
                found.append(LibraryRequirement(library: try resolver.named(lib).name, reason: origin))
            }
        }
        return found
    }
}

extension NativeDependencyScan {
    /// A library that can never be static, when this crate is the one that links it: by its
    /// `links` key, as a -sys binding, or by its name when its build script asks pkg-config
    /// (a build-dependency on pkg-config or system-deps). Never by a plain crate's name: a
    /// crate called `pam` or `x11` with none of these links nothing.
    static func refusal(name: String, links: String?, package: [String: Any]) -> RefusedLibrary? {
        if let links, !links.isEmpty, let refused = RefusalTable.refusal(for: links) { return refused }
        let isBinding = ["-sys", "_sys"].contains { name.hasSuffix($0) && name.count > $0.count }
        if isBinding { return RefusalTable.refusal(for: name) ?? linkName(name: name, links: nil).flatMap(RefusalTable.refusal(for:)) }
        let buildDependencies = (package["dependencies"] as? [[String: Any]] ?? [])
            .filter { ($0["kind"] as? String) == "build" }.compactMap { $0["name"] as? String }
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

    /// The packages compiled for the target: reachable from the workspace members through
    /// normal (and dev) dependencies. Build-dependencies and proc macros run on the build
    /// machine (bindgen's clang-sys links the host's libclang), so their C libraries are the
    /// host's business. nil when cargo gave no dependency kinds (every node counts then).
    static func targetPackages(nodes: [[String: Any]], members: [String], byID: [String: [String: Any]]) -> Set<String>? {
        guard nodes.contains(where: { $0["deps"] != nil }) else { return nil }
        let nodeByID = Dictionary(nodes.compactMap { n in (n["id"] as? String).map { ($0, n) } }, uniquingKeysWith: { a, _ in a })
        var seen = Set<String>()
        var queue = members
        while let id = queue.popLast() {
            guard !seen.contains(id), let node = nodeByID[id] else { continue }
            let targets = byID[id]?["targets"] as? [[String: Any]] ?? []
            if targets.contains(where: { ($0["kind"] as? [String])?.contains("proc-macro") == true }) { continue }
            seen.insert(id)
            for dep in node["deps"] as? [[String: Any]] ?? [] {
                guard let pkg = dep["pkg"] as? String else { continue }
                let kinds = (dep["dep_kinds"] as? [[String: Any]] ?? []).map { $0["kind"] as? String }
                if kinds.isEmpty || kinds.contains(where: { $0 == nil || $0 == "dev" }) { queue.append(pkg) }
            }
        }
        return seen
    }

    /// `name version` of the crates that depend on `id` (to say who pulled a crate in).
    static func dependents(of id: String, nodes: [[String: Any]], byID: [String: [String: Any]]) -> [String] {
        nodes.compactMap { node -> String? in
            guard let deps = node["dependencies"] as? [String], deps.contains(id), let other = node["id"] as? String,
                  let p = byID[other], let n = p["name"] as? String else { return nil }
            return "\(n) \(p["version"] as? String ?? "?")"
        }.sorted()
    }
}
