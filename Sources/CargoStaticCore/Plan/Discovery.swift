import Foundation

/// Everything the planner needs to know, found once per plan: which rustc and C toolchain,
/// cargo's config and metadata, the probes (rustc's cfg, objcopy), apt's and dpkg's answers
/// for the C libraries, the cache's entries and the target directory's dependency objects.
/// It only reads and asks (results of slow probes are remembered in probes.json): deciding
/// is `Planner.plan(_:facts:)`'s.
struct Discovery {
    let runner: Runner
    let reporter: Reporter
    let store: CacheStore
    let probes: ProbeCache

    var layout: CacheLayout { store.layout }
    var context: Context { runner.context }

    func facts(for request: BuildRequest) throws -> PlanFacts {
        let manifest = try request.manifestPath()
        // Read once: the files the request's settings came from, when they are this manifest's.
        let files = request.projectFiles.flatMap { $0.manifest == manifest ? $0 : nil }
        let config = try files?.config ?? CargoConfig.load(context: context, cargo: request.cargo)
        let project = ProjectManifest.read(manifest, package: files?.package, config: config, context: context)
        let targets = try request.targets.map { try facts(for: $0, request) }
        return PlanFacts(manifest: manifest, context: context, config: config, project: project, targets: targets,
                         image: try request.image.map { try imageFacts($0, manifest: manifest) })
    }

    /// The image's date and git revision; the SBOM documents to attach are read and checked
    /// now, so that a wrong path fails before anything is built.
    private func imageFacts(_ image: ImageRequest, manifest: String) throws -> ImageFacts {
        let given = try context.sourceDateEpoch().map(Int64.init)
        for sbom in image.sboms {
            guard let document = FileManager.default.contents(atPath: context.absolute(sbom)) else {
                throw CargoStaticError(.badInput, "the SBOM \(sbom) cannot be read", fix: "check the --attach-sbom path")
            }
            _ = try OCIImageWriter.sbomMediaType(document, path: sbom)
        }
        let (created, origin) = ImageDate.resolve(given: given, manifest: manifest, runner: runner)
        return ImageFacts(created: created, createdOrigin: origin, revision: ImageDate.revision(manifest: manifest, runner: runner))
    }

    private func facts(for target: Target, _ request: BuildRequest) throws -> TargetFacts {
        let choice = try ToolchainDiscovery(runner: runner, probes: probes).choose(for: target, requested: request.toolchain)
        let cc = try CToolchainDiscovery(runner: runner, layout: layout, probes: probes).find(target, preferred: request.cToolchain)
        let metadata = try ProjectMetadata.load(toolchain: choice.toolchain, target: target, request: request, runner: runner, layout: layout)
        let scan = ScanFacts.find(extra: request.extraLibraries, metadata: metadata, resolver: LibraryResolver.shared)
        let allocatorUnavailable = try defaultAllocatorUnavailable(request)
        // The libraries the plan will need (a refused crate stops the plan later, with its reason).
        let requirements = (try? NativeDependencyScan.requirements(extra: request.extraLibraries, metadata: metadata, facts: scan)) ?? []
        let allocator = allocatorUnavailable == nil ? request.chosenAllocator : .musl
        let libraryPlanner = LibraryPlanner(store: store, runner: runner, reporter: reporter)
        let libraries = libraryPlanner.find(requirements.map(\.library.name) + [allocator.library?.name].compactMap { $0 })
        let inventory = InventoryPlanner(runner: runner, probes: probes).find(metadata: metadata, target: target, std: choice.std, cc: cc, context: context,
                                                                                       keptObjects: layout.depInfoObjects)
        return TargetFacts(
            target: target, choice: choice, selfContainedCrt: choice.toolchain.hasSelfContainedCrt(for: target),
            targetCfg: targetCfg(choice.toolchain, target), cc: cc, objcopy: objcopy(cc, target),
            unwinderSource: UnwinderBuild.findSource(cc, context: context), metadata: metadata, scan: scan,
            allocatorUnavailable: allocatorUnavailable, libraries: libraries, inventory: inventory,
            cache: CacheView.snapshot(store, target: target, libraries: libraries.closureNames), runtimes: RuntimeRecord.load(layout),
            lastStdBuildSeconds: lastStdBuildSeconds())
    }

    /// After sources were fetched: the same facts, each target's library facts and cache view
    /// found again (a fetched tree changes nothing else: not the toolchains, not cargo's metadata).
    func refreshingLibraries(_ facts: PlanFacts) -> PlanFacts {
        var facts = facts
        let libraries = LibraryPlanner(store: store, runner: runner, reporter: reporter)
        for i in facts.targets.indices {
            let found = libraries.find(facts.targets[i].libraries.requested)
            facts.targets[i].libraries = found
            facts.targets[i].cache = CacheView.snapshot(store, target: facts.targets[i].target, libraries: found.closureNames)
        }
        return facts
    }

    /// For `deps build`: the target's C toolchain, what planning `libraries` needs (apt, the
    /// selected sources, their trees) and the cache's entries for them.
    func libraryFacts(_ libraries: [LibraryID], for target: Target, preferred: CToolchain.Kind?) throws -> LibraryTargetFacts {
        let cc = try CToolchainDiscovery(runner: runner, layout: layout, probes: probes).find(target, preferred: preferred)
        let facts = LibraryPlanner(store: store, runner: runner, reporter: reporter).find(libraries.map(\.name))
        return LibraryTargetFacts(target: target, cc: cc, libraries: facts, cache: CacheView.snapshot(store, target: target, libraries: facts.closureNames))
    }

    /// Why the profile's default allocator cannot be had (its source is neither fetched nor
    /// known to apt); nil when it can, or when `--allocator` chose one (never replaced).
    private func defaultAllocatorUnavailable(_ request: BuildRequest) throws -> CargoStaticError? {
        guard let id = request.chosenAllocator.library, request.allocator == nil else { return nil }
        let sources = SourceStore(layout: layout, runner: runner, reporter: reporter)
        let library = try NativeLibrary.library(id)
        if sources.selected(library) != nil { return nil }
        do {
            _ = try sources.availableVersions(library.debianSource)
            return nil
        } catch let error as CargoStaticError {
            return error
        }
    }

    /// How long the last std build took (any target: they take about the same), for progress.
    private func lastStdBuildSeconds() -> Double? {
        // The newest entry by its entry.json's time: one small file decoded, not every entry's.
        let written = store.entries(.std).map { ($0, FileSystem.status($0.directory + "/entry.json")?.modified ?? .distantPast) }
        return written.max { $0.1 < $1.1 }.flatMap { store.metadata(EntryID(area: .std, group: nil, name: $0.0.name, key: ""), as: StdTiming.self) }?.buildSeconds
    }

    /// Of a std entry's metadata, only what the estimate needs (ISO 8601 dates in UTC sort
    /// as text): decoding every entry's whole metadata showed in a no-op build's profile.
    private struct StdTiming: Decodable { let created: String; let buildSeconds: Double }

    /// An objcopy that handles the target's executables: a cross gcc's own, else binutils'
    /// (Debian's binutils-multiarch knows every architecture; plain binutils only x86).
    /// Empty when there is none: then zig's strip stays, and symbol names go with it.
    func objcopy(_ cc: CToolchain, _ target: Target) -> [String] {
        if cc.kind == .crossGcc {
            let own = cc.driver.c[0].replacingEvery("-gcc", with: "-objcopy")
            if FileManager.default.isExecutableFile(atPath: own) { return [own] }
        }
        guard let objcopy = runner.which("objcopy") else { return [] }
        // The answer for this format is remembered, not `--info`'s whole table (tens of KiB,
        // split on every build when it was).
        let format = target.info.bfdFormat
        let handles = probes.values("objcopy-handles:\(objcopy):\(format)", stampedBy: objcopy) {
            (try? self.runner.capture(Command(objcopy, ["--info"]))).flatMap { r in
                r.succeeded ? ["handles": Self.objcopyInfo(r.output, lists: format) ? "yes" : "no"] : nil
            }
        }?["handles"]
        return handles == "yes" ? [objcopy] : []
    }

    /// Whether `objcopy --info` names the BFD format among its words.
    static func objcopyInfo(_ info: String, lists format: String) -> Bool {
        info.split(whereSeparator: { $0 == " " || $0 == "\n" }).contains { $0 == format }
    }

    /// `rustc --print cfg` for the target, for `[target.'cfg(…)']` tables (remembered per rustc).
    /// (The cfg does not depend on the target's std, so no sysroot is needed.)
    func targetCfg(_ toolchain: Toolchain, _ target: Target) -> [String] {
        let probe = { () -> [String: String]? in
            let args = ["--print", "cfg", "--target", target.triple, "-Ctarget-feature=+crt-static"]
            guard let r = try? self.runner.capture(Command(toolchain.rustc, args)), r.succeeded else { return nil }
            return ["cfg": r.output]
        }
        let found = probes.values("cfg:\(toolchain.rustc):\(target.triple)", stampedBy: [toolchain.rustc], context: "", compute: probe)
        return (found?["cfg"] ?? "").split(separator: "\n").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
    }
}
