import Foundation

/// A C library made available for a target: from the cache, or built now.
public struct ProvidedLibrary: Codable, Equatable {
    public typealias Outcome = CacheStore.Outcome
    public let name: LibraryID
    public let version: String
    public let outcome: Outcome
    public let prefix: String
    public let entry: String
}

/// Fetching a library's source from Debian: which package and version.
public struct SourceFetch: Codable, Equatable {
    public let package: String
    /// The newest version apt knows (others are tried when the mirror lacks its files).
    public let version: String?
    public let command: Command
}

/// One C library (or allocator) for a target, as a plan step. While its source is not
/// fetched, the entry and the commands are not known yet (they depend on the version and
/// on the source tree): the step says so (`build == nil`), and the executor completes it
/// with `LibraryPlanner.resolve` once the source is there.
public struct LibraryStep: Codable, Equatable {
    public let library: LibraryID
    public let target: Target
    public let build: CachedBuild?
    public let source: LibrarySource?
    public let fetch: SourceFetch?
    public let commands: [Command]
    /// Libraries of this plan it is built against.
    public let dependencies: [LibraryID]
    public let prefix: String?

    /// Every external command: the fetch, then the recipe (whose first command copies the
    /// source into the work directory).
    public var allCommands: [Command] { (fetch.map { [$0.command] } ?? []) + commands }
    public var cached: Bool { build?.cached ?? false }
    public var pending: Bool { build == nil }
}

/// Everything that decides a library build, computed once: the cache key is the recipe's
/// own commands (with placeholder paths), so any change to a flag is a new entry, and the
/// cache's location is not part of it (a copied cache still matches).
struct LibraryBuildSpec {
    let library: NativeLibrary
    let source: LibrarySource
    let target: Target
    let toolchain: CToolchain
    let dependencies: [ProvidedLibrary]
    /// The tree's build system, Debian's flags and patches (read from the fetched source).
    let layout: SourceLayout?

    /// `layout`: as found by discovery; by default read from the source tree now.
    init(library: NativeLibrary, source: LibrarySource, target: Target, toolchain: CToolchain, dependencies: [ProvidedLibrary],
         layout: SourceLayout?? = nil) {
        self.library = library
        self.source = source
        self.target = target
        self.toolchain = toolchain
        self.dependencies = dependencies
        self.layout = layout ?? Self.detect(source, library)
    }

    static func detect(_ source: LibrarySource, _ library: NativeLibrary) -> SourceLayout? {
        let only = library.sourcePart.flatMap { $0.directory(in: source.path) }
        return SourceLayoutMemo.layout(source, prefer: library.preferredBuildSystems, only: only) {
            SourceLayout.detect(source.path, prefer: library.preferredBuildSystems, only: only)
        }
    }

    var keyText: String {
        var placeholder = LibraryBuildContext(source: "$SRC", prefix: "$PREFIX", destdir: "$DESTDIR", version: source.upstreamVersion,
                                              target: target, toolchain: toolchain, jobs: 1,
                                              dependencyPrefixes: dependencies.map { "$DEP/\($0.entry)" })
        placeholder.layout = layout
        let steps = library.steps(placeholder).map { $0.shellLine.replacingEvery(toolchain.directory, with: "$CC_DIR") }
            .joined(separator: "\n")
        let written = library.extraPkgConfig.keys.sorted().map { "\($0).pc:\n" + library.extraPkgConfig[$0]!(placeholder) }
            + library.fileAliases.keys.sorted().map { "\($0) -> \(library.fileAliases[$0]!)" }
            + (library.isGeneric ? [PkgConfigFixup.keyText, StaticArchiveNames.keyText, StrayArchives.keyText] : [])
            + (library.binaryPackage != nil ? [HeaderPackages.keyText] : [])
        return """
        library: \(library.name)
        source: \(source.package) \(source.version) (\(source.origin))
        target: \(target.triple)
        c toolchain: \(toolchain.driver.identity)
        dependencies: \(dependencies.map(\.entry).joined(separator: " "))
        installed .pc files: \(PkgConfigFiles.keyText)
        steps:
        \(steps)
        written by cargo-static:
        \(written.joined(separator: "\n"))
        """
    }

    var entry: EntryID { EntryID(area: .deps, group: target.triple, prefix: "\(library.name)-\(source.upstreamVersion)", key: keyText) }
}

/// Turns library names into plan steps: the closure of their dependencies, in order, each
/// with its cache entry and commands (or marked as waiting for its source).
public struct LibraryPlanner {
    public let store: CacheStore
    public let sources: SourceStore
    public let runner: Runner
    /// Maps names (recipes, link names, pkg-config modules, Debian packages) to libraries.
    public let resolver: LibraryResolver

    /// `resolver`: nil for the process-wide one (this machine's apt and dpkg).
    public init(store: CacheStore, runner: Runner, reporter: Reporter, resolver: LibraryResolver? = nil) {
        self.store = store
        self.runner = runner
        sources = SourceStore(layout: store.layout, runner: runner, reporter: reporter)
        self.resolver = resolver ?? LibraryResolver.shared
    }

    /// What planning `names` needs to know (names are anything the resolver understands: a
    /// recipe `zlib`, a link name `git2`, a pkg-config module `libgit2`, a Debian source package): the closure (the resolver: recipes, apt, dpkg),
    /// the selected sources, apt's versions where no source is selected, the trees' layouts.
    func find(_ names: [String]) -> LibraryFacts {
        var facts = LibraryFacts(sourcesRoot: sources.root, jobs: runner.context.processorCount)
        facts.requested = names
        // Dependencies configure steps reported missing, for the version this plan builds:
        // they may add libraries (and theirs), so the closure is found again, a few times at most.
        let learned = LearnedLibraryDependencies.load(store.layout)
        var extra: [String: [String]] = [:]
        for _ in 0..<4 {
            facts.closure = Result { try resolver.closure(names, extra: extra) }
            findSources(&facts)
            let more = Self.learnedExtra((try? facts.closure.get()) ?? [], facts: facts, learned: learned)
            if more == extra { break }
            extra = more
        }
        return facts
    }

    /// Learned dependencies of each library, for the version selected or the newest apt knows.
    static func learnedExtra(_ libraries: [NativeLibrary], facts: LibraryFacts, learned: LearnedLibraryDependencies) -> [String: [String]] {
        var extra: [String: [String]] = [:]
        for library in libraries {
            let version = facts.selected[library.name]?.version ?? (try? facts.versions[library.debianSource]?.get())?.first?.text
            let deps = learned.dependencies(source: library.debianSource, version: version)
            if !deps.isEmpty { extra[library.name] = deps }
        }
        return extra
    }

    /// The selected sources, apt's versions and the trees' layouts of the closure's libraries.
    private func findSources(_ facts: inout LibraryFacts) {
        let libraries = (try? facts.closure.get()) ?? []
        for library in libraries where facts.selected[library.name] == nil {
            // A binary package's .deb, when downloaded already (its version is apt's, from the resolver).
            if let deb = library.binaryPackage {
                let expected = SourceStore.expectedDeb(deb, root: sources.root)
                if FileManager.default.fileExists(atPath: expected.path) { facts.selected[library.name] = expected }
                continue
            }
            if let source = sources.selected(library) {
                facts.selected[library.name] = source
                if let layout = LibraryBuildSpec.detect(source, library) { facts.layouts[source.path] = layout }
            }
        }
        // apt is asked only about libraries with no source yet: their plan steps fetch.
        for library in libraries {
            guard library.binaryPackage == nil, facts.selected[library.name] == nil, facts.versions[library.debianSource] == nil else { continue }
            facts.versions[library.debianSource] = Result { try sources.availableVersions(library.debianSource) }
            // The tree a not yet fetched version would have (absent: no layout, as when planned before).
            if let version = try? facts.versions[library.debianSource]?.get().first {
                let expected = sources.expected(library, version)
                if let layout = LibraryBuildSpec.detect(expected, library) { facts.layouts[expected.path] = layout }
            }
        }
    }

    /// A library's source: the plan's own fetch command (or its .deb's download), else the
    /// source already selected. SourceStore fetches under a lock: two builds never download it twice.
    func fetchSource(_ library: NativeLibrary, planned: SourceFetch?) throws -> LibrarySource {
        if library.binaryPackage != nil { return try sources.download(library, planned: planned) }
        guard let planned else { return try sources.current(library) }
        return try sources.fetch(planned, for: library)
    }

    /// The steps from facts found beforehand: pure.
    static func plan(target: Target, toolchain: CToolchain, facts: LibraryFacts, cache: CacheView) throws -> [LibraryStep] {
        var steps: [LibraryStep] = []
        let libraries = try facts.closure.get()
        for library in libraries {
            let closure = Self.dependencyClosure(library, in: libraries)
            let deps = closure.compactMap { id in steps.first { $0.library == id } }
            if let deb = library.binaryPackage {
                steps.append(binaryStep(library, deb, target: target, toolchain: toolchain, deps: deps, closure: closure, facts: facts, cache: cache))
                continue
            }
            if let source = facts.selected[library.name], deps.allSatisfy({ !$0.pending }) {
                steps.append(resolve(library, source: source, target: target, toolchain: toolchain, dependencies: deps.map(Self.provided),
                                     layout: facts.layouts[source.path], jobs: facts.jobs, cache: cache))
                continue
            }
            // Its source is there, a dependency's is not: nothing to fetch for it.
            if facts.selected[library.name] != nil {
                steps.append(LibraryStep(library: library.id, target: target, build: nil, source: nil, fetch: nil,
                                         commands: [], dependencies: closure, prefix: nil))
                continue
            }
            let staging = facts.sourcesRoot + "/.staging-\(library.debianSource)"
            // A generic recipe reads the fetched tree (its build system, Debian's flags), and a
            // library built on one that is not planned yet is not known either: pending.
            if library.isGeneric || deps.contains(where: \.pending) {
                let version = try facts.availableVersions(library.debianSource).first
                steps.append(LibraryStep(library: library.id, target: target, build: nil, source: nil,
                                         fetch: SourceFetch(package: library.debianSource, version: version?.text,
                                                            command: SourceStore.fetchCommand(library.debianSource, version?.text, into: staging)),
                                         commands: [], dependencies: closure, prefix: nil))
                continue
            }
            // Not fetched yet: the newest version apt knows decides the entry (an error now,
            // before any long build, when apt knows no such source package).
            let version = try facts.availableVersions(library.debianSource).first!
            let expected = SourceStore.expected(library, version, root: facts.sourcesRoot)
            let step = resolve(library, source: expected, target: target, toolchain: toolchain, dependencies: deps.map(Self.provided),
                               layout: facts.layouts[expected.path], jobs: facts.jobs, cache: cache)
            let fetch = SourceFetch(package: library.debianSource, version: version.text,
                                    command: SourceStore.fetchCommand(library.debianSource, version.text, into: staging))
            steps.append(LibraryStep(library: step.library, target: target, build: step.build, source: expected, fetch: fetch,
                                     commands: step.commands, dependencies: step.dependencies, prefix: step.prefix))
        }
        return steps
    }

    /// A library taken from a binary package: its version is apt's, its commands do not
    /// depend on a source tree, so the step is complete before the download (the fetch is
    /// `apt-get download`, none when the .deb is there); pending only behind a pending dependency.
    static func binaryStep(_ library: NativeLibrary, _ deb: BinaryPackage, target: Target, toolchain: CToolchain, deps: [LibraryStep],
                           closure: [LibraryID], facts: LibraryFacts, cache: CacheView) -> LibraryStep {
        let source = facts.selected[library.name] ?? SourceStore.expectedDeb(deb, root: facts.sourcesRoot)
        let fetch = facts.selected[library.name] != nil ? nil
            : SourceFetch(package: deb.name, version: deb.version,
                          command: SourceStore.downloadCommand(deb.name, deb.version, into: facts.sourcesRoot + "/.staging-\(deb.name).deb"))
        if deps.contains(where: \.pending) {
            return LibraryStep(library: library.id, target: target, build: nil, source: nil, fetch: fetch, commands: [], dependencies: closure, prefix: nil)
        }
        let step = resolve(library, source: source, target: target, toolchain: toolchain, dependencies: deps.map(Self.provided),
                           layout: nil, jobs: facts.jobs, cache: cache)
        return LibraryStep(library: step.library, target: target, build: step.build, source: source, fetch: step.cached ? nil : fetch,
                           commands: step.commands, dependencies: step.dependencies, prefix: step.prefix)
    }

    /// The step once the source (and every dependency) is known, reading the tree and the cache now.
    public func resolve(_ library: NativeLibrary, source: LibrarySource, target: Target, toolchain: CToolchain,
                        dependencies: [ProvidedLibrary]) -> LibraryStep {
        let layout = LibraryBuildSpec.detect(source, library)
        func step(_ cache: CacheView) -> LibraryStep {
            Self.resolve(library, source: source, target: target, toolchain: toolchain, dependencies: dependencies,
                         layout: layout, jobs: runner.context.processorCount, cache: cache)
        }
        // The entry is known only once resolved: then its state is looked up, that entry alone.
        var cache = CacheView(layout: store.layout)
        let uncached = step(cache)
        guard let id = uncached.build?.entry, store.state(id) == .published else { return uncached }
        cache.add(id)
        return step(cache)
    }

    /// The step from the tree's layout and the cache's state: pure.
    static func resolve(_ library: NativeLibrary, source: LibrarySource, target: Target, toolchain: CToolchain,
                        dependencies: [ProvidedLibrary], layout: SourceLayout?, jobs: Int, cache: CacheView) -> LibraryStep {
        let spec = LibraryBuildSpec(library: library, source: source, target: target, toolchain: toolchain, dependencies: dependencies, layout: layout)
        let id = spec.entry
        let context = LibraryBuilder.context(spec, layout: cache.layout, id: id, jobs: jobs)
        let cached = cache.isPublished(id)
        return LibraryStep(library: library.id, target: target,
                           build: CachedBuild(entry: id, cached: cached, label: "\(library.name) \(source.upstreamVersion) for \(target)"),
                           source: source, fetch: nil, commands: cached ? [] : LibraryBuilder.copyCommands(source, context) + library.steps(context),
                           dependencies: dependencies.map(\.name), prefix: cache.layout.prefix(id))
    }

    /// A library's dependencies and theirs, in build order: a static library's build (its
    /// configure tests, its .pc file's Requires.private) needs every one of them.
    static func dependencyClosure(_ library: NativeLibrary, in all: [NativeLibrary]) -> [LibraryID] {
        var names: [String] = []
        var visiting: Set<String> = []
        func visit(_ name: String) {
            guard let lib = all.first(where: { $0.name == name }), visiting.insert(name).inserted else { return }
            for dep in lib.dependencies where !names.contains(dep) { visit(dep) }
            if !names.contains(name) { names.append(name) }
        }
        for dep in library.dependencies { visit(dep) }
        return all.filter { names.contains($0.name) }.map(\.id)
    }

    static func provided(_ step: LibraryStep) -> ProvidedLibrary {
        ProvidedLibrary(name: step.library, version: step.source?.upstreamVersion ?? "?", outcome: step.cached ? .hit : .built,
                        prefix: step.prefix ?? "", entry: step.build?.entry.name ?? step.library.name)
    }
}

/// What a C library entry records about itself (`deps list` shows it).
public struct LibraryEntry: Codable {
    public let name: String
    public let library: String
    public let version: String
    public let origin: String
    public let target: String
    public let key: String
    public let cToolchain: String
    /// Entry names of the libraries it was built against.
    public let dependencies: [String]
    public let created: Date
    public let buildSeconds: Double
    public var prefix: String
    public var sizeBytes: UInt64?
    /// Debian's patches applied to the source (debian/patches/series), for SBOMs.
    public var patches: [String]? = nil
    /// The build system the generic builder drove (nil: a hand-written recipe's own steps).
    public var buildSystem: String? = nil
}

/// Runs library steps in order: fetches what is pending, completes those steps, builds
/// what is not cached (in a private copy of the source), publishes each entry.
struct LibraryBuilder {
    let planner: LibraryPlanner
    let runner: Runner
    let reporter: Reporter
    var store: CacheStore { planner.store }

    static func context(_ spec: LibraryBuildSpec, layout: CacheLayout, id: EntryID, jobs: Int) -> LibraryBuildContext {
        let work = layout.work(id)
        var context = LibraryBuildContext(source: work + "/src", prefix: LibraryBuildContext.logicalPrefix, destdir: layout.staging(id) + "/destdir",
                                          version: spec.source.upstreamVersion, target: spec.target, toolchain: spec.toolchain,
                                          jobs: jobs, dependencyPrefixes: spec.dependencies.map(\.prefix))
        context.layout = spec.layout
        return context
    }

    /// Runs the steps; returns every library with its prefix, dependencies first, and
    /// whether any came out as a different entry than planned (then the plan is redone).
    /// Independent libraries build at the same time (`LibrarySchedule`); the result keeps the
    /// plan's order. A failure stops the builds still running, and is the error reported.
    func run(_ steps: [LibraryStep], toolchain: CToolchain) throws
        -> (libraries: [ProvidedLibrary], diverged: Bool) {
        let prerequisites = LibrarySchedule.prerequisites(steps)
        let limit = LibrarySchedule.limit(cores: runner.context.processorCount)
        var results: [Int: (library: ProvidedLibrary, diverged: Bool)] = [:]
        var running: [Int: BackgroundStep<(library: ProvidedLibrary, diverged: Bool)>] = [:]
        let ended = DispatchSemaphore(value: 0)
        while results.count < steps.count {
            let started = Set(results.keys).union(running.keys)
            for index in LibrarySchedule.ready(prerequisites, started: started, finished: Set(results.keys), limit: limit) {
                let dependencies = prerequisites[index].compactMap { results[$0]?.library }
                running[index] = BackgroundStep("library \(steps[index].library)", onEnd: { ended.signal() }) {
                    try self.runOne(steps[index], toolchain: toolchain, dependencies: dependencies)
                }
            }
            guard !running.isEmpty else {
                throw CargoStaticError(.libraryBuildFailed, "the library steps wait for each other: "
                                       + steps.map { "\($0.library) needs \($0.dependencies.map(\.name).joined(separator: ", "))" }.joined(separator: "; "))
            }
            ended.wait()
            for (index, job) in running where job.finished {
                running[index] = nil
                do {
                    results[index] = try job.wait()
                } catch {
                    BackgroundStep.stop(Array(running.values))
                    throw error
                }
            }
        }
        let ordered = steps.indices.map { results[$0]! }
        return (ordered.map(\.library), ordered.contains { $0.diverged })
    }

    /// One library: fetched and completed when the plan could not know its commands, then built.
    private func runOne(_ planned: LibraryStep, toolchain: CToolchain, dependencies: [ProvidedLibrary]) throws
        -> (library: ProvidedLibrary, diverged: Bool) {
        var step = planned
        var diverged = false
        if step.fetch != nil || step.pending {
            let library = try NativeLibrary.library(step.library)
            let source = try planner.fetchSource(library, planned: step.fetch)
            // The mirror may lack the planned version's files (an older one was fetched),
            // or a dependency came out differently: the step is completed again.
            let resolved = planner.resolve(library, source: source, target: step.target, toolchain: toolchain, dependencies: dependencies)
            diverged = resolved.build?.entry != step.build?.entry
            step = resolved
        }
        return (try build(step, toolchain: toolchain, dependencies: dependencies), diverged)
    }

    /// The source: the plan's own fetch command when the step carries one (SourceStore fetches
    /// under a lock, so two builds never download it twice), else the selected source.
    private func build(_ step: LibraryStep, toolchain: CToolchain, dependencies: [ProvidedLibrary]) throws -> ProvidedLibrary {
        guard let planned = step.build, let source = step.source, let prefix = step.prefix else {
            throw CargoStaticError(.libraryBuildFailed, "the plan for \(step.library) is incomplete")
        }
        let library = try NativeLibrary.library(step.library)
        let spec = LibraryBuildSpec(library: library, source: source, target: step.target, toolchain: toolchain, dependencies: dependencies)
        let id = planned.entry
        let outcome = try store.ensure(id, reporter: reporter,
                                       waitMessage: "waiting for another cargo-static that is building \(library.name) for \(step.target)") { staging in
            try buildEntry(spec, id: id, staging: staging, planned: step.commands)
        }
        try? FileManager.default.removeItem(atPath: store.layout.work(id))
        return ProvidedLibrary(name: library.id, version: source.upstreamVersion, outcome: outcome, prefix: prefix, entry: id.name)
    }

    private func buildEntry(_ spec: LibraryBuildSpec, id: EntryID, staging: String, planned: [Command]) throws -> LibraryEntry {
        let fm = FileManager.default
        let work = store.layout.work(id)
        let context = Self.context(spec, layout: store.layout, id: id, jobs: runner.context.processorCount)
        let started = Date()
        try? fm.removeItem(atPath: work)
        try FileSystem.makeDirectory(work)
        let from = spec.library.binaryPackage.map { "from Debian's \($0.name) (headers and data, nothing compiled)" } ?? "from source"
        reporter.status("Building", "\(spec.library.name) \(spec.source.upstreamVersion) for \(spec.target) \(from) (once; cached in \(store.layout.shown))")
        // The planned commands: copy the source (keeping its timestamps), then the recipe.
        let copy = Self.copyCommands(spec.source, context)
        for command in copy {
            try runner.check(command, what: "copying the source of \(spec.source.package)",
                             fix: "pass a .tar.gz, .tar.xz or .tar.bz2 file or a directory with --source")
        }
        try Self.settleUnpacked(spec.source, into: context.source, work: work)
        try AutotoolsTimestamps.settle(context.source)
        if !context.dependencyPrefixes.isEmpty {
            try TargetLibraryView.write(TargetLibraryView.directory(source: context.source), dependencyPrefixes: context.dependencyPrefixes)
        }
        let steps = planned.isEmpty ? spec.library.steps(context) : Array(planned.dropFirst(copy.count))
        for (index, step) in steps.enumerated() { try run(step, index: index, of: steps.count, spec) }
        // A generic recipe whose tree showed no build system ran placeholders only: say so,
        // rather than that the install step put nothing in place.
        if spec.library.isGeneric, context.layout == nil, !fm.fileExists(atPath: context.installRoot) {
            throw SourceLayout.noBuildSystem(library: spec.library.name, tree: spec.source.path)
        }
        try assemble(context, spec.library, staging: staging)
        reporter.info(String(format: "%@ for %@ built in %.0f s", spec.library.name, spec.target.triple, Date().timeIntervalSince(started)))
        return LibraryEntry(name: id.name, library: spec.library.name, version: spec.source.version, origin: spec.source.origin,
                            target: spec.target.triple, key: id.key, cToolchain: spec.toolchain.version,
                            dependencies: spec.dependencies.map(\.entry), created: Date(),
                            buildSeconds: Date().timeIntervalSince(started), prefix: context.prefix,
                            patches: context.layout?.patches,
                            buildSystem: spec.library.binaryPackage != nil ? "binary package" : context.layout?.buildSystem.rawValue)
    }

    /// A writable copy of the source (these libraries build inside their tree), timestamps
    /// kept: autotools' sanity checks compare them with the time of the build.
    static func copyCommands(_ source: LibrarySource, _ context: LibraryBuildContext) -> [Command] {
        // A binary package (`HeaderPackages`): its files, unpacked into the work directory.
        if source.path.hasSuffix(".deb") { return [Command("dpkg-deb", ["-x", source.path, context.source], environment: ["LC_ALL": "C"])] }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: source.path, isDirectory: &isDir) && isDir.boolValue || !source.path.contains(".tar") && !source.path.hasSuffix(".tgz") {
            return [Command("cp", ["-a", source.path, context.source])]
        }
        let unpack = (context.source as NSString).deletingLastPathComponent + "/unpack"
        return [Command("mkdir", ["-p", unpack]), Command("tar", ["-xf", source.path, "-C", unpack])]
    }

    /// A tarball unpacks into one directory, which becomes the source copy.
    static func settleUnpacked(_ source: LibrarySource, into destination: String, work: String) throws {
        let unpack = work + "/unpack"
        guard FileManager.default.fileExists(atPath: unpack) else { return }
        let top = try FileManager.default.contentsOfDirectory(atPath: unpack)
        guard top.count == 1 else {
            throw CargoStaticError(.badInput, "\(source.path) does not unpack into a single directory", fix: "pass the source directory itself with --source")
        }
        try FileManager.default.moveItem(atPath: unpack + "/" + top[0], toPath: destination)
    }

    /// One recipe step, with progress (compiler runs seen) and the full failure report.
    private func run(_ step: Command, index: Int, of total: Int, _ spec: LibraryBuildSpec) throws {
        let label = "building \(spec.library.name) for \(spec.target): step \(index + 1)/\(total) (\(([(step.executable as NSString).lastPathComponent] + step.arguments.prefix(2)).joined(separator: " ")))"
        var compiled = 0
        let progress = reporter.task(label, total: 0, unit: "compiler runs", estimate: nil)
        let result = try runner.capture(step) { line in
            guard line.contains(" -c ") || line.hasPrefix("  CC") || line.contains("Building C object") else { return }
            compiled += 1
            progress.update(done: compiled)
        }
        progress.finish()
        guard result.succeeded else {
            if DiskSpace.isFull(result.output) { throw DiskSpace.error(at: store.layout.shown, output: result.output) }
            let tools = missingTools(result.output, spec)
            let fixAll = "the command, its environment and its output are above; `cargo-static deps build \(spec.library.name) --dry-run` prints every step to rerun by hand"
            let packages = tools.compactMap(\.package)
            let error = CargoStaticError(.libraryBuildFailed, "building \(spec.library.name) \(spec.source.upstreamVersion) for \(spec.target) failed at step \(index + 1) of \(total)"
                                            + tools.map { "; " + $0.explanation }.joined(),
                                         fix: packages.isEmpty ? fixAll : "install the build tools (`apt-get install \(packages.joined(separator: " "))`; scripts/setup installs the common ones) and build again; " + fixAll,
                                         detail: Runner.failureReport(result, lines: 30))
            // configure named libraries it did not find: the executor may build them first.
            let missing = ConfigureFailure.isSetupStep(step) ? ConfigureFailure.missing(inOutput: result.output) : []
            guard missing.isEmpty else {
                throw LibraryConfigureFailed(library: spec.library.id, source: spec.source, dependencies: spec.dependencies.map(\.name),
                                             missing: missing, error: error)
            }
            throw error
        }
    }

    /// Programs the failed step could not run (an assembler, a generator), with the Debian
    /// package the source's debian/control names for each.
    private func missingTools(_ output: String, _ spec: LibraryBuildSpec) -> [MissingBuildTool] {
        let control = (try? String(contentsOfFile: spec.source.path + "/debian/control", encoding: .utf8)) ?? ""
        let arch = BuildTools.debianArchitecture(spec.target)
        let depends = BuildTools.buildDepends(control: control).filter { BuildTools.applies($0, to: arch) }
        let path = runner.context["PATH"] ?? "/usr/bin:/bin"
        return BuildTools.missing(inOutput: output, buildDepends: depends, installed: { BuildTools.dpkgInstalled($0) },
                                  onPath: { BuildTools.onPath($0, path: path) })
    }

    /// A plain Makefile that installs under DESTDIR/usr whatever PREFIX says (Debian's patched
    /// jbigkit Makefile: `$(DESTDIR)/usr/lib/$(DEB_HOST_MULTIARCH)`): that tree, with a
    /// multiarch lib directory flattened into lib/, is the install; nil when there is none.
    static func hardCodedUsrInstall(destdir: String) -> String? {
        let fm = FileManager.default
        let usr = destdir + "/usr"
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: usr, isDirectory: &isDir), isDir.boolValue else { return nil }
        for sub in (try? fm.contentsOfDirectory(atPath: usr + "/lib")) ?? [] where sub.hasSuffix("-linux-gnu") || sub.hasSuffix("-linux-musl") {
            let multiarch = usr + "/lib/" + sub
            for file in (try? fm.contentsOfDirectory(atPath: multiarch)) ?? [] where !fm.fileExists(atPath: usr + "/lib/" + file) {
                try? fm.moveItem(atPath: multiarch + "/" + file, toPath: usr + "/lib/" + file)
            }
            try? fm.removeItem(atPath: multiarch)
        }
        return usr
    }

    /// Moves the installed files into the entry, drops what static linking does not need,
    /// adds missing .pc files and second names, and checks that the archives exist.
    private func assemble(_ c: LibraryBuildContext, _ library: NativeLibrary, staging: String) throws {
        let fm = FileManager.default
        let prefix = staging + "/prefix"
        if library.isGeneric, c.layout?.buildSystem == .make, !fm.fileExists(atPath: c.installRoot),
           let usr = Self.hardCodedUsrInstall(destdir: c.destdir) {
            try fm.createDirectory(atPath: (c.installRoot as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try fm.moveItem(atPath: usr, toPath: c.installRoot)
        }
        guard fm.fileExists(atPath: c.installRoot) else {
            throw CargoStaticError(.libraryBuildFailed, "\(library.name)'s install step put nothing in \(c.installRoot)")
        }
        try fm.moveItem(atPath: c.installRoot, toPath: prefix)
        if library.isGeneric { try StrayArchives.adopt(destdir: c.destdir, lib: prefix + "/lib") }
        try? fm.removeItem(atPath: staging + "/destdir")
        for dir in ["share/man", "share/doc", "share/info", "bin"] { try? fm.removeItem(atPath: prefix + "/" + dir) }
        // libtool archives, and shared objects a build makes whatever it is told (brotli's
        // CMake always adds SHARED libraries): a static link must never find a .so here.
        for file in (try? fm.contentsOfDirectory(atPath: prefix + "/lib")) ?? [] where file.hasSuffix(".la") || StaticArchiveNames.isSharedObject(file) {
            try fm.removeItem(atPath: prefix + "/lib/" + file)
        }
        for (module, text) in library.extraPkgConfig {
            try fm.createDirectory(atPath: prefix + "/lib/pkgconfig", withIntermediateDirectories: true)
            try text(c).write(toFile: "\(prefix)/lib/pkgconfig/\(module).pc", atomically: false, encoding: .utf8)
        }
        // Before the .pc files are checked: their -l names must find these.
        let installed = (try? fm.contentsOfDirectory(atPath: prefix + "/lib")) ?? []
        for (name, original) in StaticArchiveNames.secondNames(expected: library.archives, installed: installed) {
            try fm.createSymbolicLink(atPath: "\(prefix)/lib/\(name)", withDestinationPath: original)
        }
        if library.isGeneric {
            // A .pc file Debian writes from a template of its own (lmdb's debian/lmdb.pc.in),
            // since upstream's build installs none.
            for module in library.pkgConfigModules where !fm.fileExists(atPath: "\(prefix)/lib/pkgconfig/\(module).pc") {
                guard let template = try? String(contentsOfFile: "\(c.source)/debian/\(module).pc.in", encoding: .utf8) else { continue }
                try fm.createDirectory(atPath: prefix + "/lib/pkgconfig", withIntermediateDirectories: true)
                try FileSystem.write(DebianPkgConfigTemplate.fill(template, prefix: c.prefix, version: c.version), to: "\(prefix)/lib/pkgconfig/\(module).pc")
            }
            try PkgConfigFixup.apply(pkgconfigDir: prefix + "/lib/pkgconfig", ownLib: prefix + "/lib",
                                     dependencyLibs: c.dependencyPrefixes.map { $0 + "/lib" })
        }
        for (alias, original) in library.fileAliases where !fm.fileExists(atPath: prefix + "/" + alias) {
            try fm.createSymbolicLink(atPath: prefix + "/" + alias, withDestinationPath: original)
        }
        if library.binaryPackage != nil { try HeaderPackages.rebasePkgConfig(prefix + "/lib/pkgconfig", logicalPrefix: c.prefix) }
        try PkgConfigFiles.relocate(prefix + "/lib/pkgconfig", logicalPrefix: c.prefix, siblings: store.layout.parent(.deps, c.target.triple))
        let missing = library.archives.filter { !fm.fileExists(atPath: "\(prefix)/lib/\($0)") }
        // A generated recipe expects what Debian's -dev package ships; a build that makes some
        // of them (Debian's flavours, C++ bindings) is still the library.
        let enough = missing.isEmpty || library.isGeneric && missing.count < library.archives.count
        if library.isGeneric, !missing.isEmpty, enough {
            reporter.detail("\(library.name) for \(c.target): no \(missing.joined(separator: ", ")) (Debian ships them; this build does not make them)")
        }
        guard enough else {
            throw CargoStaticError(.libraryBuildFailed, "building \(library.name) for \(c.target) produced no \(missing.joined(separator: ", "))",
                                   fix: "rerun with CARGO_STATIC_VERBOSE=1 to see every command")
        }
    }
}

/// Static archives some build systems name apart from the shared library they stand for
/// (brotli's CMake installs libbrotlicommon-static.a next to libbrotlicommon.so; libuv's is
/// libuv_a.a): the expected name (what `-lbrotlicommon` and the .pc files ask for) becomes a
/// second name for it.
enum StaticArchiveNames {
    /// In generic libraries' keys: entries assembled before the second names came before the
    /// .pc check (brotli's .pc files lost their -l names) are rebuilt.
    static let keyText = "archives under -static/_static/_a names linked as the expected name, before the .pc check"
    static let suffixes = ["-static", "_static", "static", "_a", "-s"]

    /// `libz.so`, `libz.so.1`, `libz.so.1.2.13` (not `libfoo.socket.a`).
    static func isSharedObject(_ file: String) -> Bool {
        guard file.hasPrefix("lib"), let range = file.range(of: ".so") else { return false }
        let rest = file[range.upperBound...]
        return rest.isEmpty || rest.hasPrefix(".") && rest.dropFirst().allSatisfy { $0.isNumber || $0 == "." }
    }

    /// (missing expected name, installed archive it stands for), for each expected archive
    /// not installed under its own name when exactly one such variant is.
    static func secondNames(expected: [String], installed: [String]) -> [(name: String, original: String)] {
        let present = Set(installed)
        return expected.compactMap { archive in
            guard archive.hasSuffix(".a"), !present.contains(archive) else { return nil }
            let stem = archive.dropLast(2)
            let variants = suffixes.map { "\(stem)\($0).a" }.filter(present.contains)
            return variants.count == 1 ? (archive, variants[0]) : nil
        }
    }
}

/// Static archives an install put under DESTDIR but outside the prefix: Debian's postgresql
/// installs libpgcommon.a and libpgport.a, which libpq.a needs (its libpq.pc names them), in a
/// fixed pkglibdir (`/usr/lib/postgresql/15/lib`) whatever the prefix. They join the entry's
/// lib/ before the .pc files are checked, so the .pc files keep their -l names; an archive
/// whose name is already in lib/, or found twice elsewhere, is left out.
enum StrayArchives {
    static let keyText = "static archives installed under DESTDIR outside the prefix moved into lib/, before the .pc check"

    /// (path relative to DESTDIR, name in lib/) for each archive to adopt. `found`: the
    /// regular files left under DESTDIR once the prefix was moved out; `present`: lib/'s names.
    static func moves(found: [String], present: Set<String>) -> [(from: String, name: String)] {
        let archives = found.filter { path in
            let name = (path as NSString).lastPathComponent
            return name.hasPrefix("lib") && name.hasSuffix(".a") && name.count > 5
        }
        var byName: [String: [String]] = [:]
        for path in archives { byName[(path as NSString).lastPathComponent, default: []].append(path) }
        return archives.compactMap { path in
            let name = (path as NSString).lastPathComponent
            guard !present.contains(name), byName[name]?.count == 1 else { return nil }
            return (path, name)
        }
    }

    /// Moves them (files only: a link under DESTDIR is not followed).
    static func adopt(destdir: String, lib: String) throws {
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: destdir) else { return }
        var found: [String] = []
        while let item = walker.nextObject() as? String {
            if (walker.fileAttributes?[.type] as? FileAttributeType) == .typeRegular { found.append(item) }
        }
        let present = Set((try? fm.contentsOfDirectory(atPath: lib)) ?? [])
        let moves = self.moves(found: found, present: present)
        guard !moves.isEmpty else { return }
        try fm.createDirectory(atPath: lib, withIntermediateDirectories: true)
        for move in moves { try fm.moveItem(atPath: destdir + "/" + move.from, toPath: lib + "/" + move.name) }
    }
}

/// .pc files name their prefix as `${pcfiledir}/../..`: pkg-config then answers with
/// wherever the entry is, and the entry can move (another cache path, another machine).
enum PkgConfigFiles {
    /// In every library's key: entries written before a change here are rebuilt.
    static let keyText = "prefix relocated to ${pcfiledir}, quoted values too (2)"

    static func relocate(_ directory: String, logicalPrefix: String, siblings: String) throws {
        let fm = FileManager.default
        for file in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] where file.hasSuffix(".pc") {
            let path = directory + "/" + file
            if (try? fm.destinationOfSymbolicLink(atPath: path)) != nil { continue }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            try FileSystem.write(relocated(text, logicalPrefix: logicalPrefix, siblings: siblings), to: path)
        }
    }

    /// Variable lines whose value starts with the logical prefix, and `-I`/`-L` flags that
    /// name it, are rewritten relative to the .pc file (which lives in `<prefix>/lib/pkgconfig`);
    /// `-L` flags naming other entries of the same target (`siblings`) too.
    static func relocated(_ text: String, logicalPrefix: String, siblings: String = "") -> String {
        let root = "${pcfiledir}/../.."
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var line = String(line)
            if let eq = line.firstIndex(of: "="), !line[..<eq].contains(":"), !line[..<eq].contains(" ") {
                // CMake writes the values quoted (`libdir="/opt/cargo-static/lib"`).
                let value = line[line.index(after: eq)...]
                let quote = value.hasPrefix("\"") ? "\"" : ""
                let bare = value.dropFirst(quote.count)
                if bare == logicalPrefix || bare.hasPrefix(logicalPrefix + "/") || bare.hasPrefix(logicalPrefix + quote) && !quote.isEmpty {
                    line = String(line[...eq]) + quote + root + bare.dropFirst(logicalPrefix.count)
                } else if line[..<eq] == "prefix", bare.hasPrefix("/"), !bare.contains("$") {
                    // A Debian patch may write the host's prefix into the .pc template
                    // (xxhash's `prefix=/usr`): this file is in the entry, so is its prefix.
                    line = "prefix=" + quote + root + quote
                }
            }
            for flag in ["-I", "-L"] {
                line = line.replacingEvery(" \(flag)\(logicalPrefix)/", with: " \(flag)\(root)/")
                if !siblings.isEmpty { line = line.replacingEvery(" \(flag)\(siblings)/", with: " \(flag)${pcfiledir}/../../../../") }
            }
            return line
        }.joined(separator: "\n")
    }
}

/// Debian's patches touch configure.ac and Makefile.am after the shipped configure and
/// Makefile.in were generated, so make would try to rerun autoconf and automake (which
/// need not be installed, and whose output would differ from upstream's). Marking the
/// generated files newer than every other file keeps the shipped build system.
enum AutotoolsTimestamps {
    static let generated: Set<String> = ["aclocal.m4", "configure", "config.h.in", "Makefile.in"]

    static func settle(_ tree: String) throws {
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: tree) else { return }
        var newest = Date.distantPast
        var outputs: [String] = []
        while let item = walker.nextObject() as? String {
            let path = tree + "/" + item
            guard let attrs = try? fm.attributesOfItem(atPath: path), (attrs[.type] as? FileAttributeType) == .typeRegular,
                  let date = attrs[.modificationDate] as? Date else { continue }
            newest = max(newest, date)
            if generated.contains((item as NSString).lastPathComponent) { outputs.append(path) }
        }
        guard !outputs.isEmpty else { return }
        // Whole seconds: every file system and make compare these the same way.
        let stamp = Date(timeIntervalSince1970: newest.timeIntervalSince1970.rounded(.down) + 1)
        for path in outputs { try fm.setAttributes([.modificationDate: stamp], ofItemAtPath: path) }
        // dpkg-source stamps the files its patches change with the time it applied them, so
        // the stamp can lie a second in the future; configure refuses a tree newer than the
        // files it creates ("newly created file is older than distributed files").
        let ahead = stamp.timeIntervalSinceNow
        if ahead > -0.05 { Thread.sleep(forTimeInterval: ahead + 0.1) }
    }
}

/// Makes installed .pc files self-contained in the cache: a `-lfoo` in Libs or Libs.private
/// that upstream wrote without its directory (libgit2's `-lhttp_parser`) gets the `-L` of
/// the dependency prefix that holds libfoo.a, so the crate's pkg-config probe links it. A
/// `-lfoo` that no library of the build provides, and that is not part of the libc, is
/// dropped: a Debian patch may name what Debian's own configuration links (libssh2's
/// `-lgpg-error`, for its libgcrypt backend) while this build uses another.
enum PkgConfigFixup {
    static let keyText = ".pc files: -L added for -l names found in dependency prefixes, -l names found nowhere dropped, bare libX.a as -lX"
    /// Parts of musl's libc.a that keep their traditional names (zig and musl-gcc provide them).
    static let libcParts: Set<String> = ["c", "m", "rt", "dl", "pthread", "util", "resolv", "crypt", "xnet"]
    /// The C++ runtime comes with the C toolchain too (zig links its libc++ for `-lstdc++` and
    /// `-lc++`): a C++ library's `Libs.private: -lstdc++` (libzmq.pc) is kept, not dropped as
    /// found nowhere, or the final link misses operator new and the exception runtime.
    static let cxxRuntime: Set<String> = ["stdc++", "c++", "c++abi"]

    static func apply(pkgconfigDir: String, ownLib: String, dependencyLibs: [String]) throws {
        let fm = FileManager.default
        for file in (try? fm.contentsOfDirectory(atPath: pkgconfigDir)) ?? [] where file.hasSuffix(".pc") {
            let path = pkgconfigDir + "/" + file
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            let fixed = self.fixed(text, ownLib: ownLib, dependencyLibs: dependencyLibs)
            if fixed != text { try fixed.write(toFile: path, atomically: true, encoding: .utf8) }
        }
    }

    static func fixed(_ text: String, ownLib: String, dependencyLibs: [String],
                      exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { raw -> String in
            let line = String(raw)
            guard line.hasPrefix("Libs:") || line.hasPrefix("Libs.private:") else { return line }
            // A bare archive name (norm's CMake writes `Libs.private: libprotokit.a`) names no
            // directory: pkg-config passes it as it is, and libtool then looks for it in the
            // consumer's build directory. It is the `-l` of the archive beside the library.
            let bare = { (w: String) -> Bool in w.hasPrefix("lib") && w.hasSuffix(".a") && w.count > 5 && !w.contains("/") }
            let words = line.split(separator: " ").map(String.init).map { bare($0) ? "-l" + $0.dropFirst(3).dropLast(2) : $0 }
            let searched = Set(words.filter { $0.hasPrefix("-L") }.map { String($0.dropFirst(2)) })
            var added: [String] = []
            var dropped: Set<String> = []
            for word in words where word.hasPrefix("-l") {
                let name = String(word.dropFirst(2))
                let archive = "/lib\(name).a"
                if libcParts.contains(name) || cxxRuntime.contains(name) || exists(ownLib + archive) || searched.contains(where: { exists($0 + archive) }) { continue }
                if let dir = dependencyLibs.first(where: { exists($0 + archive) }) {
                    if !added.contains(dir) { added.append(dir) }
                } else {
                    dropped.insert(word)
                }
            }
            let renamed = line.split(separator: " ").contains { bare(String($0)) }
            guard !added.isEmpty || !dropped.isEmpty || renamed, let colon = line.firstIndex(of: ":") else { return line }
            let rest = line[line.index(after: colon)...].split(separator: " ").map(String.init)
                .map { bare($0) ? "-l" + $0.dropFirst(3).dropLast(2) : $0 }.filter { !dropped.contains($0) }
            return String(line[...colon]) + (added.map { "-L" + $0 } + rest).map { " " + $0 }.joined()
        }.joined(separator: "\n")
    }
}

/// Debian's own .pc templates (`debian/<module>.pc.in`, filled by debian/rules with sed):
/// the usual autoconf names, with the library's prefix.
enum DebianPkgConfigTemplate {
    static func fill(_ template: String, prefix: String, version: String) -> String {
        let values = ["@prefix@": prefix, "@exec_prefix@": "${prefix}", "@libdir@": "${prefix}/lib", "@includedir@": "${prefix}/include",
                      "@PACKAGE_VERSION@": version, "@VERSION@": version]
        return values.reduce(template) { $0.replacingEvery($1.key, with: $1.value) }
    }
}
