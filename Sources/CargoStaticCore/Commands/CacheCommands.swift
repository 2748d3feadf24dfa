import Foundation

/// `cache list|clean|verify` and `deps build|list|clean`.
public enum CacheCommands {
    /// One std entry as `cache list` shows it.
    public struct StdListing: Codable {
        public let name: String
        public let key: String
        public let target: String
        public let rustc: String
        public let release: String
        public let settings: String
        /// RFC 3339.
        public let created: String
        public let buildSeconds: Double
        public let sizeBytes: UInt64
        public let path: String
    }

    public static func stdEntries(_ store: CacheStore) -> [StdListing] {
        store.entries(.std).compactMap { found in
            guard let data = FileManager.default.contents(atPath: found.directory + "/entry.json"),
                  let e = try? JSONDecoder.cache.decode(StdEntry.self, from: data) else { return nil }
            return StdListing(name: e.name, key: e.key, target: e.target, rustc: e.rustc, release: e.release, settings: e.settings,
                              created: rfc3339(e.created), buildSeconds: e.buildSeconds, sizeBytes: directorySize(found.directory),
                              path: store.layout.shown(found.directory))
        }
    }

    /// Everything in the cache, by kind, with sizes and a total: `cache list`.
    public struct CacheListing: Codable {
        public struct Item: Codable, Equatable {
            /// `std`, `c-library`, `archive` or `zig-cache`.
            public let kind: String
            public let name: String
            public let target: String?
            public let detail: String
            public let sizeBytes: UInt64
            public let path: String
        }
        public let cache: String
        public let entries: [Item]
        public let totalBytes: UInt64

        public var human: String {
            var lines = ["cache: \(cache)"]
            let kinds = [("std", "standard libraries"), ("c-library", "C libraries"), ("archive", "generated archives"), ("zig-cache", "zig's cache")]
            for (kind, title) in kinds {
                let items = entries.filter { $0.kind == kind }
                let size = items.map(\.sizeBytes).reduce(0, +)
                lines.append("\(title): " + (items.isEmpty ? "none" : "\(items.count), \(humanSize(size))"))
                for item in items { lines.append("  " + (item.target.map { $0 + "  " } ?? "") + "\(item.name)  \(humanSize(item.sizeBytes))  \(item.detail)") }
            }
            lines.append("total: \(humanSize(totalBytes))")
            return lines.joined(separator: "\n")
        }
    }

    public static func listing(_ store: CacheStore) -> CacheListing {
        var items: [CacheListing.Item] = stdEntries(store).map {
            .init(kind: "std", name: $0.name, target: $0.target, detail: "rustc \($0.release) (\($0.rustc)), settings \($0.settings), built in \(Int($0.buildSeconds)) s",
                  sizeBytes: $0.sizeBytes, path: $0.path)
        }
        items += libraryEntries(store).map {
            .init(kind: "c-library", name: $0.name, target: $0.target, detail: "\($0.library) \($0.version) (\($0.origin)), built in \(Int($0.buildSeconds)) s",
                  sizeBytes: $0.sizeBytes, path: (($0.prefix as NSString).deletingLastPathComponent))
        }
        items += store.entries(.archives).map {
            .init(kind: "archive", name: $0.name, target: $0.group, detail: "generated archive", sizeBytes: directorySize($0.directory),
                  path: store.layout.shown($0.directory))
        }
        // zig's cache: the libc it built for each target, and its other artefacts.
        let zig = store.layout.zigCache
        if FileManager.default.fileExists(atPath: zig) {
            let shared = store.layout.sharedZigCache != nil
            items.append(.init(kind: "zig-cache", name: "zig", target: nil,
                               detail: shared ? "ZIG_GLOBAL_CACHE_DIR, shared with other caches (not counted in the total)" : "the libc zig built for each target",
                               sizeBytes: directorySize(zig), path: shared ? zig : store.layout.shown(zig)))
        }
        let counted = items.filter { !($0.kind == "zig-cache" && store.layout.sharedZigCache != nil) }
        return CacheListing(cache: store.layout.shown, entries: items, totalBytes: counted.map(\.sizeBytes).reduce(0, +))
    }

    /// One C library entry as `deps list` shows it.
    public struct LibraryListing: Codable {
        public let name: String
        public let library: String
        public let version: String
        public let origin: String
        public let target: String
        public let cToolchain: String
        public let dependencies: [String]
        public let created: String
        public let buildSeconds: Double
        public let sizeBytes: UInt64
        public let prefix: String
    }

    public static func libraryEntries(_ store: CacheStore) -> [LibraryListing] {
        store.entries(.deps).compactMap { found in
            guard let data = FileManager.default.contents(atPath: found.directory + "/entry.json"),
                  let e = try? JSONDecoder.cache.decode(LibraryEntry.self, from: data) else { return nil }
            return LibraryListing(name: e.name, library: e.library, version: e.version, origin: e.origin, target: e.target,
                                  cToolchain: e.cToolchain, dependencies: e.dependencies, created: rfc3339(e.created),
                                  buildSeconds: e.buildSeconds, sizeBytes: directorySize(found.directory), prefix: store.layout.shown(found.directory + "/prefix"))
        }
    }

    static func rfc3339(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    /// `cache verify`: every entry against its manifest; the exact command that removes a bad one.
    public struct Problem: Codable {
        public let entry: String
        public let problems: [String]
        public let clean: String
    }

    public static func verify(_ store: CacheStore, full: Bool) -> (checked: Int, problems: [Problem]) {
        var checked = 0
        var problems: [Problem] = []
        for area in CacheArea.allCases {
            for found in store.entries(area) {
                checked += 1
                let issues = store.verify(found, full: full)
                guard !issues.isEmpty else { continue }
                let command = CacheStore.cleanCommand(area, name: found.name)
                problems.append(Problem(entry: "\(area.rawValue)/\(found.group.map { $0 + "/" } ?? "")\(found.name)", problems: issues, clean: command))
            }
        }
        return (checked, problems)
    }

    // MARK: deps

    public struct DepsResult: Codable {
        public let target: Target
        public let libraries: [ProvidedLibrary]
    }

    /// The library steps, planned again after a configure step named a library that is then
    /// learned as a dependency (as a build does; a bounded number of rounds).
    static func runLearning(_ planner: Planner, libraries: [LibraryID], target: Target, cc: CToolchain.Kind?, toolchain: CToolchain,
                            steps: [LibraryStep], requirements: [LibraryRequirement]) throws -> (libraries: [ProvidedLibrary], diverged: Bool) {
        var steps = steps
        var toolchain = toolchain
        for round in 0... {
            do {
                return try Executor(planner: planner).runLibraries(steps, toolchain: toolchain, requirements: requirements)
            } catch let failure as LibraryConfigureFailed {
                guard round < Executor.maxLibraryRounds else { throw failure.reported(ConfigureDecision()) }
                try Executor(planner: planner).learnDependencies(from: failure)
                (toolchain, steps) = try planner.planLibraries(libraries, for: target, cc: cc)
            }
        }
        fatalError("unreachable")
    }

    /// `deps build NAME… [--source PATH] [--dry-run]`.
    public static func buildLibraries(_ names: [String], targets: [Target], cc: CToolchain.Kind?, source: String?, dryRun: Bool,
                                      json: Bool, session: Session) throws {
        let libraries = try names.map(NativeLibrary.named)
        let sources = SourceStore(layout: session.layout, runner: session.runner, reporter: session.reporter)
        if let source {
            guard libraries.count == 1 else {
                throw CargoStaticError(.usage, "--source names the source of one library, but \(libraries.count) were given",
                                       fix: "build that library alone: cargo-static deps build NAME --source PATH")
            }
            if !dryRun { _ = try sources.useLocal(source, for: libraries[0]) }
        }
        let planner = session.planner()
        let asked = libraries.map { LibraryRequirement(library: $0.id, reason: "cargo-static deps build") }
        var results: [DepsResult] = []
        for target in targets {
            // Discovery, the pure planner and the executor's library step: the same as a build's.
            let (toolchain, steps) = try planner.planLibraries(libraries.map(\.id), for: target, cc: cc)
            let writes = toolchain.files + LinkSpec.compilerOnly(toolchain, tool: session.context.executable).wrapperFiles
            if dryRun {
                if json { print(try encodeJSON(steps)); continue }
                print((writes.map(Step.write) + steps.map(Step.library)).flatMap(PlanView.lines).joined(separator: "\n"))
                continue
            }
            try CacheSafety.requireWritable(session.layout)
            for file in writes { try file.apply() }
            let built = try Self.runLearning(planner, libraries: libraries.map(\.id), target: target, cc: cc,
                                             toolchain: toolchain, steps: steps, requirements: asked)
            results.append(DepsResult(target: target, libraries: built.libraries))
        }
        if dryRun { return }
        if json { print(try encodeJSON(results)); return }
        for r in results {
            for lib in r.libraries { print("\(r.target)  \(lib.name) \(lib.version)  \(lib.outcome.rawValue)  \(lib.prefix)") }
        }
    }
}

extension LinkSpec {
    /// The wrappers of a toolchain alone (for building C libraries outside a project build).
    static func compilerOnly(_ cc: CToolchain, tool: String) -> LinkSpec {
        LinkSpec(target: cc.target, kind: cc.kind, driver: cc.driver, wrapperDirectory: cc.directory,
                 selfContainedCrt: false, pie: true, wholeArchives: [], unwinderStub: nil, searchDirectories: [], trailing: [],
                 objects: [], profileRustflags: [], tool: tool)
    }
}
