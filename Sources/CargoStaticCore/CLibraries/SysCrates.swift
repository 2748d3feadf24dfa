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
        ]
    }
}

/// Why a C library is needed by a build.
public struct LibraryRequirement: Codable, Equatable {
    public let library: String
    public let reason: String
}

/// Finds the C libraries a project needs: its -sys crates (from cargo's resolved graph,
/// features included), `[package.metadata.cargo-static] deps = [...]`, and `--deps`.
public struct NativeDependencyScan {
    public static func requirements(extra: [String], metadata: [String: Any]) throws -> [LibraryRequirement] {
        var found = try extra.map { LibraryRequirement(library: try NativeLibrary.named($0).name, reason: "--deps") }
        found += try requirements(inMetadata: metadata)
        var unique: [LibraryRequirement] = []
        for r in found where !unique.contains(where: { $0.library == r.library }) { unique.append(r) }
        return unique
    }

    /// -sys crates in the resolved graph (with their enabled features) and declared deps.
    static func requirements(inMetadata json: [String: Any]) throws -> [LibraryRequirement] {
        let packages = json["packages"] as? [[String: Any]] ?? []
        let byID = Dictionary(packages.compactMap { p in (p["id"] as? String).map { ($0, p) } }, uniquingKeysWith: { a, _ in a })
        let resolve = json["resolve"] as? [String: Any]
        let nodes = resolve?["nodes"] as? [[String: Any]] ?? []
        var found: [LibraryRequirement] = []
        for node in nodes {
            guard let id = node["id"] as? String, let package = byID[id], let name = package["name"] as? String,
                  let binding = SysCrateTable.binding(for: name) else { continue }
            // With one of these features the crate compiles its own copy: nothing to provide.
            let features = node["features"] as? [String] ?? []
            if binding.selfBuildingFeatures.contains(where: features.contains) { continue }
            let version = package["version"] as? String ?? "?"
            found.append(LibraryRequirement(library: binding.library, reason: "crate \(name) \(version)"))
        }
        let members = Set(json["workspace_members"] as? [String] ?? [])
        for id in members {
            guard let package = byID[id],
                  let ours = (package["metadata"] as? [String: Any])?["cargo-static"] as? [String: Any] else { continue }
            guard let declared = ours["deps"] as? [String] else {
                throw CargoStaticError(.badInput, "[package.metadata.cargo-static] in \(package["name"] as? String ?? "a package") has no `deps` list",
                                       fix: "write it as: deps = [\"ncurses\", \"libedit\"]")
            }
            for lib in declared {
                found.append(LibraryRequirement(library: try NativeLibrary.named(lib).name,
                                                reason: "[package.metadata.cargo-static] of \(package["name"] as? String ?? "?")"))
            }
        }
        return found
    }
}
