import Foundation

/// Everything the planner needs to know about this machine, the project and the cache,
/// found beforehand by `Discovery`: with these, `Planner.plan(_:facts:)` decides the plan
/// without reading a file or running a command (unit tests write facts by hand).
struct PlanFacts {
    /// The project's Cargo.toml.
    var manifest: String
    var context: Context
    var config: CargoConfig
    var project: ProjectManifest
    /// One per target of the request, in its order.
    var targets: [TargetFacts]
    /// For an image request: its date and the git revision.
    var image: ImageFacts? = nil
}

/// What was found for one target.
struct TargetFacts {
    var target: Target
    /// The rustc and how its std is supplied, and why it was chosen.
    var choice: ToolchainChoice
    /// The rustc's sysroot ships musl's start files for the target (rustup's musl std).
    var selfContainedCrt: Bool
    /// `rustc --print cfg` for the target, for cargo config's `[target.'cfg(…)']` tables.
    var targetCfg: [String]
    var cc: CToolchain
    /// An objcopy that handles the target's executables (empty: none).
    var objcopy: [String]
    /// LLVM libunwind's sources for gcc toolchains (nil: none found), with the stamp of
    /// libunwind.cpp that is part of the archive's key.
    var unwinderSource: (directory: String, stamp: String)?
    /// The project's dependency graph for this target.
    var metadata: CargoMetadata
    /// The library scan's answers from apt, dpkg and the crates' trees.
    var scan: ScanFacts
    /// Why the profile's default allocator cannot be had here (nil: it can, or one was asked for).
    var allocatorUnavailable: CargoStaticError?
    var libraries: LibraryFacts
    var inventory: InventoryFacts
    /// Which entries the cache holds (std, archives, libraries, toolchain directories).
    var cache: CacheView
    /// zig's first links already done (runtimes.json).
    var runtimes: RuntimeRecord
    /// How long the last std build took, for progress.
    var lastStdBuildSeconds: Double?
}

/// The cache as discovery saw it: each published entry (its files' sizes check out) with the
/// key it holds. The executor looks again under each entry's lock.
struct CacheView {
    let layout: CacheLayout
    /// Entry directory -> the key in its entry.json.
    var published: [String: String]

    init(layout: CacheLayout, published: [String: String] = [:]) {
        self.layout = layout
        self.published = published
    }

    func isPublished(_ id: EntryID) -> Bool { published[layout.entry(id)] == id.key }

    /// Marks an entry published (how tests describe a warm cache).
    mutating func add(_ id: EntryID) { published[layout.entry(id)] = id.key }

    /// The published entries of the target: its std entries (named by its triple, in a
    /// shared area) and its groups of the others; of the C libraries only those of
    /// `libraries` (nil: all). Published here means its entry.json holds the key and its
    /// manifest is in place: the full check (every file of the manifest, by kind and size)
    /// is made once, by `CacheStore.ensure` when a step uses the entry, which builds a
    /// damaged entry again. Checking every entry here too cost a no-op build more than a
    /// tenth of its time, for entries most plans never use.
    static func snapshot(_ store: CacheStore, target: Target, libraries: [String]? = nil) -> CacheView {
        var view = CacheView(layout: store.layout)
        for area in [CacheArea.std, .archives, .deps, .toolchains] {
            let wanted: (String) -> Bool = switch area {
            case .std: { $0.hasPrefix(target.triple + "-") }
            case .deps: { name in libraries.map { $0.contains { name.hasPrefix($0 + "-") } } ?? true }
            default: { _ in true }
            }
            for found in store.entries(area, group: area == .std ? nil : target.triple, named: wanted) {
                let probe = EntryID(area: area, group: found.group, name: found.name, key: "")
                guard let stored = store.metadata(probe, as: CacheStore.StoredKey.self) else { continue }
                let id = EntryID(area: area, group: found.group, name: found.name, key: stored.key)
                if FileSystem.kind(store.layout.manifestFile(id)) == .regular { view.add(id) }
            }
        }
        return view
    }
}

/// What the library planner needs: the libraries (the closure of what the project and the
/// allocator need, dependencies first), their chosen sources, the versions apt knows, the
/// build systems of the fetched trees, the job count of the builds.
struct LibraryFacts {
    /// The names the closure was found from (found again after sources are fetched).
    var requested: [String] = []
    /// nil: nothing to resolve; an error: a name no recipe or Debian package provides.
    var closure: Result<[NativeLibrary], Error> = .success([])
    /// The closure's names (none when it could not be resolved: the plan reports that).
    var closureNames: [String] { ((try? closure.get()) ?? []).map(\.name) }
    /// Library name -> its selected (fetched or local) source.
    var selected: [String: LibrarySource] = [:]
    /// Debian source package -> the versions apt knows, newest first (or why none).
    var versions: [String: Result<[DebianVersion], Error>] = [:]
    /// Source tree -> its build system and Debian's flags.
    var layouts: [String: SourceLayout] = [:]
    /// Where fetched sources go (`sources/` in the cache).
    var sourcesRoot: String
    var jobs: Int

    init(sourcesRoot: String, jobs: Int) {
        self.sourcesRoot = sourcesRoot
        self.jobs = jobs
    }

    func availableVersions(_ package: String) throws -> [DebianVersion] {
        guard let found = versions[package] else {
            throw CargoStaticError(.commandFailed, "apt was not asked for the versions of `\(package)`", fix: "this is a bug in cargo-static's planner")
        }
        return try found.get()
    }
}

/// What the inventory needs: the libc linked, the Debian package of std's sources, and the
/// dependency-list objects already in the target directory.
struct InventoryFacts {
    var libc: LibcIdentity?
    /// The Debian source package (and version) of the rust-src tree std is built from.
    var stdPackage: (source: String?, version: String?) = (nil, nil)
    /// The Debian binary package (and version) owning that tree.
    var stdOwner: (package: String, version: String?)?
    /// `<object>.s` -> its contents, for the objects that exist.
    var existingObjects: [String: Data] = [:]
    /// The names of the `.dep-v0` objects kept in the cache (`work/dep-v0/<digest>.o`).
    var keptObjects: Set<String> = []

    init(libc: LibcIdentity? = nil) { self.libc = libc }
}

/// What `deps build` plans one target's libraries from (no project): the C toolchain, the
/// libraries' facts and the cache's entries for them. Found by `Discovery.libraryFacts`.
struct LibraryTargetFacts {
    let target: Target
    let cc: CToolchain
    let libraries: LibraryFacts
    let cache: CacheView
}
