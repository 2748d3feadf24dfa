import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The kinds of entries the cache holds. Every kind follows one protocol (`CacheStore`):
/// looked up by a full key, built under a lock into a staging directory, published with
/// one rename together with a manifest of its files.
public enum CacheArea: String, Codable, CaseIterable {
    /// Standard libraries: `std/<name>/sysroot`.
    case std
    /// C libraries per target: `deps/<target>/<name>/prefix`.
    case deps
    /// Small archives compiled from generated C (compatibility names, unwinder stand-ins,
    /// libunwind for musl-gcc): `archives/<target>/<name>/`.
    case archives
    /// Toolchain directories (`ToolchainDirectory`): a rustc whose own sysroot holds a
    /// std built from source: `toolchains/<target>/<name>/`. They link this machine's
    /// rustc, so they are made on each machine and never exported.
    case toolchains

    /// Whether `cache export` (and a registry push) carries the area's entries.
    public var transferable: Bool { self != .toolchains }

    /// Whether entries keep the symbolic links cargo-static itself made in them (a toolchain
    /// directory points at the host's rustlib and at the std entry). Every other area holds
    /// regular files and directories only, and no area takes a link from an archive.
    public var keepsOwnLinks: Bool { self == .toolchains }
}

/// One cache entry's identity: where it lives and the full text its name fingerprints.
public struct EntryID: Codable, Hashable, CustomStringConvertible {
    public let area: CacheArea
    /// The target triple for per-target areas; nil for std (the triple is in the name).
    public let group: String?
    public let name: String
    /// Everything that decides the entry's contents; stored in it and compared on lookup,
    /// so a fingerprint collision cannot hand out the wrong entry.
    public let key: String

    public init(area: CacheArea, group: String?, name: String, key: String) {
        self.area = area
        self.group = group
        self.name = name
        self.key = key
    }

    /// `<prefix>-<fingerprint of key>` as the entry name.
    public init(area: CacheArea, group: String?, prefix: String, key: String) {
        self.init(area: area, group: group, name: "\(prefix)-\(Fingerprint.hex(key))", key: key)
    }

    public var description: String { ([area.rawValue, group].compactMap { $0 } + [name]).joined(separator: "/") }
}

/// Every path in the cache, in one place:
///
///     std/<name>/                    a standard library (sysroot/, entry.json, manifest.json)
///     deps/<target>/<name>/          a C library (prefix/, entry.json, manifest.json)
///     archives/<target>/<name>/      a generated archive (lib<x>.a, entry.json, manifest.json)
///     toolchains/<target>/<name>/    a rustc with a built std in its own sysroot (bin/rustc, lib/…)
///     <area>/[<target>/].staging-<name>   an entry being assembled by the lock holder (renamed into place)
///     work/<area>-[<target>-]<name>/ a build directory (kept after a failure to resume or read logs)
///     work/dep-v0/<digest>.o         a package's `.dep-v0` object as last assembled (copied back after `cargo clean`)
///     locks/<area>-[<target>-]<name>.lock       one builder per entry
///     sources/<package>_<version>/tree, sources/<library>.selected   fetched C library sources
///     cc/<kind>-<target>/            the C toolchain's wrappers and link specs (rewritten by each build)
///     cargo-home/                    CARGO_HOME of std builds (nothing from the user's)
///     zig/                           zig's own cache (the libc it builds per target)
///     probes.json                    remembered tool probes
///     runtimes.json                  targets whose first link (zig's libc) is done, with its duration
public struct CacheLayout {
    /// The path every file is reached by: the cache itself, or its plain alias (`CacheAlias`).
    public let root: String
    /// The path the user chose, for messages.
    public let shown: String

    /// zig's own cache when the user keeps it elsewhere (`ZIG_GLOBAL_CACHE_DIR`).
    public let sharedZigCache: String?

    public init(root: String, shown: String? = nil, sharedZigCache: String? = nil) {
        self.root = root
        self.shown = shown ?? root
        self.sharedZigCache = sharedZigCache
    }

    /// The cache at `path`, through a plain alias when its path would break C builds.
    public static func using(_ path: String, sharedZigCache: String? = nil) -> CacheLayout {
        CacheLayout(root: CacheAlias.usable(path), shown: path, sharedZigCache: sharedZigCache)
    }

    /// `path` (under `root`) as the user knows it.
    public func shown(_ path: String) -> String {
        root == shown || !path.hasPrefix(root) ? path : shown + path.dropFirst(root.count)
    }

    public func area(_ area: CacheArea) -> String { "\(root)/\(area.rawValue)" }

    /// The directory holding entries of `area` for `group`.
    public func parent(_ area: CacheArea, _ group: String?) -> String {
        group.map { "\(self.area(area))/\($0)" } ?? self.area(area)
    }

    public func entry(_ id: EntryID) -> String { "\(parent(id.area, id.group))/\(id.name)" }
    /// Only the holder of the entry's lock writes here, so the name needs no process id
    /// (and plans printed by one process match what another runs).
    public func staging(_ id: EntryID) -> String { "\(parent(id.area, id.group))/.staging-\(id.name)" }
    public func work(_ id: EntryID) -> String { "\(root)/work/\(flat(id))" }
    public func lock(_ id: EntryID) -> String { "\(root)/locks/\(flat(id)).lock" }
    public func entryFile(_ id: EntryID) -> String { entry(id) + "/entry.json" }
    public func manifestFile(_ id: EntryID) -> String { entry(id) + "/manifest.json" }

    private func flat(_ id: EntryID) -> String { ([id.area.rawValue, id.group].compactMap { $0 } + [id.name]).joined(separator: "-") }

    // Paths that are not entries.
    public var work: String { root + "/work" }
    /// `.dep-v0` objects as assembled, by the digest of everything they depend on (`DepInfoStep`).
    public var depInfoObjects: String { root + "/work/dep-v0" }
    public var locks: String { root + "/locks" }
    public var sources: String { root + "/sources" }
    public var cargoHome: String { root + "/cargo-home" }
    /// Where zig keeps the libc it builds per target: in this cache (one place to clean and
    /// to copy), unless the user's `ZIG_GLOBAL_CACHE_DIR` names a cache zig shares between
    /// several cargo-static caches and other zig users (zig locks its own entries).
    public var zigCache: String { sharedZigCache ?? root + "/zig" }
    public var probes: String { root + "/probes.json" }
    public var runtimes: String { root + "/runtimes.json" }
    /// The compiler and linker wrappers of a C toolchain for a target. They call back the
    /// cargo-static that wrote them, so each installed binary (by its path) has its own: two
    /// versions sharing a cache, building at the same time, never run each other's binary
    /// (nor one that is being replaced).
    public func wrappers(_ kind: CToolchain.Kind, _ target: Target, tool: String) -> String {
        "\(root)/cc/\(kind.rawValue)-\(target.triple)-\(Fingerprint.hex(tool).prefix(8))"
    }
    public func sourceLock(_ package: String) -> String { "\(locks)/source-\(package).lock" }

    /// Std sysroot of an entry (for `--sysroot`).
    public func sysroot(_ id: EntryID) -> String { entry(id) + "/sysroot" }
    /// Install prefix of a C library entry.
    public func prefix(_ id: EntryID) -> String { entry(id) + "/prefix" }

    /// `.staging-<name>` -> `<name>`
    static func stagingBase(_ item: String) -> String {
        item.hasPrefix(".staging-") ? String(item.dropFirst(".staging-".count)) : item
    }
}

/// C libraries build with configure scripts and makefiles, which split `$CC`, `$CFLAGS` and
/// paths on spaces and expand quotes, `$` and backticks: zlib's configure cannot run under
/// `/home/me/My Cache/`. A cache whose path holds anything but plain characters is therefore
/// used through a symbolic link at a plain path, `/tmp/cargo-static-<uid>/cache-<fingerprint>`,
/// in a directory only this user can write. Entries hold no cache path, so nothing depends
/// on the alias; messages show the path the user chose.
public enum CacheAlias {
    static let plainCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./+,@%:=")

    public static func isPlain(_ path: String) -> Bool {
        path.unicodeScalars.allSatisfy { plainCharacters.contains($0) }
    }

    /// `root` itself when it is plain (or when no safe alias can be made: then C builds
    /// report their own failure), else the alias.
    public static func usable(_ root: String, aliases: String = "/tmp/cargo-static-\(geteuid())") -> String {
        guard !isPlain(root), isPlain(aliases), ownDirectory(aliases) else { return root }
        guard (try? FileSystem.makeDirectory(root)) != nil else { return root }
        let alias = aliases + "/cache-" + Fingerprint.hex(root)
        for _ in 0..<2 {
            if (try? FileManager.default.destinationOfSymbolicLink(atPath: alias)) == root || symlink(root, alias) == 0 {
                FileSystem.madeLink(alias, target: root)
                return alias
            }
            unlink(alias)
        }
        return root
    }

    /// A directory that is ours, not a link, and closed to everyone else (made if missing).
    static func ownDirectory(_ path: String) -> Bool {
        var st = stat()
        if lstat(path, &st) != 0 {
            guard mkdir(path, 0o700) == 0 || errno == EEXIST, lstat(path, &st) == 0 else { return false }
        }
        guard st.st_mode & S_IFMT == S_IFDIR, st.st_uid == geteuid() else { return false }
        if st.st_mode & 0o077 != 0 { return chmod(path, 0o700) == 0 }
        return true
    }
}
