import Foundation

/// Resolves a request into a `BuildPlan`: which rustc and C toolchain, which std entry,
/// which libraries (with their versions and commands), which allocator and unwinder, the
/// wrappers' contents and the cargo command. Nothing is written or compiled here:
/// `Discovery` finds (probes, cargo metadata, apt, the cache's state) and returns
/// `PlanFacts`; `plan(_:facts:)` decides from them alone. The one thing fetched before the
/// plan is final is the source of a generic library (its commands are read from its tree).
public struct Planner {
    public let runner: Runner
    public let reporter: Reporter
    public let store: CacheStore
    public let probes: ProbeCache

    public init(runner: Runner, reporter: Reporter, store: CacheStore) {
        self.runner = runner
        self.reporter = reporter
        self.store = store
        probes = ProbeCache(file: store.layout.probes)
    }

    /// `deps build`: finds, then decides, the steps of `libraries` (and their dependencies)
    /// alone for one target, with the C toolchain they are built with.
    public func planLibraries(_ libraries: [LibraryID], for target: Target, cc: CToolchain.Kind?) throws -> (cc: CToolchain, steps: [LibraryStep]) {
        let discovery = Discovery(runner: runner, reporter: reporter, store: store, probes: probes)
        var facts = try discovery.libraryFacts(libraries, for: target, preferred: cc)
        var steps = try Self.planLibraries(facts)
        for _ in 0..<Self.fetchRounds where try fetchPendingSources(steps, requirements: []) {
            facts = try discovery.libraryFacts(libraries, for: target, preferred: cc)
            steps = try Self.planLibraries(facts)
        }
        return (facts.cc, steps)
    }

    /// How many times sources are fetched and the plan made again: a library whose dependency
    /// was pending becomes fetchable only once that dependency's tree is read.
    static let fetchRounds = 8

    /// The library steps whose commands are not known yet: a generic library's build system is
    /// read from its tree. Their sources are fetched (as `cargo fetch` before an offline build)
    /// so the plan made next shows every command. Hand-written recipes are complete without
    /// their source and are fetched by the executor, while std compiles. Whether any was fetched.
    func fetchPendingSources(_ steps: [LibraryStep], requirements: [LibraryRequirement]) throws -> Bool {
        let pending = steps.filter { $0.pending && $0.fetch != nil }
        guard !pending.isEmpty else { return false }
        let libraries = LibraryPlanner(store: store, runner: runner, reporter: reporter)
        for step in pending {
            do {
                _ = try libraries.fetchSource(try NativeLibrary.library(step.library), planned: step.fetch)
            } catch let error as CargoStaticError where SourceRequest.isUnavailable(error) {
                throw SourceRequest.explained(error, steps: steps, requirements: requirements)
            }
        }
        return true
    }

    /// The library steps from facts alone: the same decision as a build's library steps.
    static func planLibraries(_ facts: LibraryTargetFacts) throws -> [LibraryStep] {
        try LibraryPlanner.plan(target: facts.target, toolchain: facts.cc, facts: facts.libraries, cache: facts.cache)
    }

    /// Finds, then decides. The sources of generic libraries not fetched yet are fetched
    /// first (`fetchPendingSources`), and the plan made again: it then shows every command.
    public func plan(_ request: BuildRequest) throws -> BuildPlan {
        try Self.checkProfile(request)
        let discovery = Discovery(runner: runner, reporter: reporter, store: store, probes: probes)
        var facts = try discovery.facts(for: request)
        var plan = try Self.plan(request, facts: facts)
        for _ in 0..<Self.fetchRounds
        where try fetchPendingSources(plan.targets.flatMap(\.libraries), requirements: plan.targets.flatMap(\.requirements)) {
            facts = discovery.refreshingLibraries(facts)
            plan = try Self.plan(request, facts: facts)
        }
        return plan
    }

    static func checkProfile(_ request: BuildRequest) throws {
        if request.mode == .test && !request.stdSettings.supportsTests {
            throw CargoStaticError(.usage, "the \(request.stdSettings.name) std profile has no test harness (it is built panic=abort, without libtest)",
                                   fix: "run the tests with the default std profile: cargo-static test --std-profile default")
        }
    }

    /// The plan from the facts: reads no file and runs no command.
    static func plan(_ request: BuildRequest, facts: PlanFacts) throws -> BuildPlan {
        try checkProfile(request)
        let targets = try facts.targets.map { try plan($0, request, facts: facts) }
        var whole = BuildPlan(manifest: facts.manifest, mode: request.mode, pie: request.pie, targets: targets)
        whole.defaultRun = facts.project.defaultRun
        if let image = request.image {
            guard let found = facts.image else {
                throw CargoStaticError(.commandFailed, "the image's facts were not discovered", fix: "this is a bug in cargo-static's planner")
            }
            whole.image = try ImagePlanner.plan(image, facts: found, targets: zip(targets, facts.targets).map { (plan: $0, metadata: $1.metadata) }, context: facts.context)
        }
        return whole
    }

    private static func plan(_ found: TargetFacts, _ request: BuildRequest, facts: PlanFacts) throws -> TargetPlan {
        let (target, choice, cc, cache, metadata) = (found.target, found.choice, found.cc, found.cache, found.metadata)
        let (context, project, config, layout) = (facts.context, facts.project, facts.config, found.cache.layout)
        var steps: [Step] = cc.files.map(Step.write)
        var archives: [ArchiveStep] = []

        // The unwinder: zig builds one; gcc toolchains get LLVM's libunwind compiled for musl.
        var searchDirectories: [String] = []
        if request.stdSettings.needsUnwinder && !cc.bringsUnwinder {
            if let unwinder = UnwinderBuild.step(cc, source: found.unwinderSource, cache: cache) {
                archives.append(unwinder)
                searchDirectories.append((unwinder.archive as NSString).deletingLastPathComponent)
            } else if !project.panicAbortOnly(profile: request.cargo.profileName(request.mode)) {
                throw CargoStaticError(.noCToolchain, "\(cc.kind.rawValue) has no static unwinder built for musl, which panic=unwind needs",
                                       fix: "use zig (the default: `python3 -m pip install ziglang`, then drop --cc), or set panic = \"abort\" in the profile")
            }
        }
        let stub = request.stdSettings.needsUnwinder ? nil : UnwinderStub.step(cc, cache: cache)
        if let stub { archives.append(stub) }
        // zig's musl is newer than 1.2.4: old `libc` crates need the LFS64 names back.
        let compat = cc.kind == .zig ? LargeFileCompat.step(cc, cache: cache) : nil
        if let compat { archives.append(compat) }

        let userRustflags = config.userRustflags(context: context, target: target, cfg: found.targetCfg)
        let std = stdStep(choice, target, request.stdSettings, needs: stdNeeds(request, project: project, userRustflags: userRustflags),
                          layout: layout, cache: cache, estimate: found.lastStdBuildSeconds)
        let requirements = try NativeDependencyScan.requirements(extra: request.extraLibraries, metadata: metadata, facts: found.scan)
        let (allocator, allocatorNote) = chooseAllocator(request, target, unavailable: found.allocatorUnavailable)
        let libraries = try LibraryPlanner.plan(target: target, toolchain: cc, facts: found.libraries, cache: cache)
        let heap = allocator.library.flatMap { id in libraries.first { $0.library == id } }

        let (inventory, depInfo) = try InventoryPlanner.plan(
            metadata: metadata, target: target, toolchain: choice.toolchain, std: choice.std,
            stdRecipe: std.map { "sha256:" + SHA256.hex(Data($0.build.entry.key.utf8)) }, settings: request.stdSettings, cc: cc, sbom: request.sbom,
            facts: found.inventory, context: context, memoDirectory: layout.depInfoObjects)
        // A build script that prints only `rustc-link-lib=NAME` (Debian's bzip2-sys) finds the
        // library cargo-static built for it too.
        searchDirectories += libraries.filter { $0.library != allocator.library }.compactMap { $0.prefix.map { $0 + "/lib" } }
        var link = LinkSpec(
            target: target, kind: cc.kind, driver: cc.driver, wrapperDirectory: cc.directory,
            selfContainedCrt: found.selfContainedCrt, pie: request.pie,
            wholeArchives: [heap.flatMap { step in step.prefix.flatMap { prefix in allocator.archive.map { prefix + "/" + $0 } } }].compactMap { $0 },
            unwinderStub: stub?.archive, searchDirectories: searchDirectories,
            trailing: [compat?.archive].compactMap { $0 } + (heap != nil && cc.kind != .zig ? ["-lgcc"] : []),
            objects: [], profileRustflags: (request.stdSettings.userRustflags ?? []) + (request.capLints ? ["--cap-lints=warn"] : []),
            tool: context.executable)
        link.packageObjects = inventory.objects
        link.pieRequest = request.pieRequest
        link.objcopy = found.objcopy
        if request.splitDebug {
            guard !link.objcopy.isEmpty else {
                throw CargoStaticError(.noCToolchain, "--split-debug needs an objcopy that knows \(target.arch) executables, and none was found",
                                       fix: "apt-get install binutils-multiarch (Debian's objcopy for every architecture)")
            }
            link.debug = .split
        } else if request.stdSettings.needsUnwinder && !request.strip && !link.objcopy.isEmpty {
            link.debug = .keepSymbols
        }
        let targetDir = request.cargo.targetDir.map(context.absolute)
        link.pathRemaps = Self.pathRemaps(metadata: metadata, targetDir: targetDir,
                                          context: context, layout: layout)
        steps += link.wrapperFiles.map(Step.write)
        steps += archives.map(Step.archive)
        if let std { steps.append(.std(std)) }
        steps += libraries.map(Step.library)
        steps += depInfo.map(Step.depInfo)
        if let runtime = runtimeStep(cc, link: link, request: request, project: project, layout: layout, record: found.runtimes) {
            steps.append(.runtime(runtime))
        }

        let provided = libraries.filter { $0.library != allocator.library }.map(LibraryPlanner.provided)
        let cargo = CargoInvocation.command(
            mode: request.mode, toolchain: choice.toolchain, rustc: std?.toolchainDirectory.rustc, link: link, cargo: request.cargo, libraries: provided,
            settings: request.stdSettings, strip: request.strip,
            userRustflags: userRustflags,
            directory: request.directory,
            userEnvironment: Dictionary(uniqueKeysWithValues: BuildScriptEnvironment.userKeys(target: target).compactMap { k in context[k].map { (k, $0) } }),
            userDebug: project.debug(profile: request.cargo.profileName(request.mode)))
        var cargoStep = CargoStep(command: cargo, target: target, link: link, expectations: .init(
            machine: target.info.elfMachine, bits: target.info.bits, staticPie: link.linkage == .staticPie, allocator: allocator))
        let targetDirectory = targetDir ?? metadata.targetDirectory ?? ""
        cargoStep.rustcInfo = RustcInfoCache.plan(targetDirectory: targetDirectory, command: cargo, layout: layout)
        steps.append(.cargo(cargoStep))
        if link.debug == .split { steps.append(.debugFiles(DebugFilesStep(objcopy: link.objcopy))) }
        if inventory.writeSBOM && inventory.libc != nil { steps.append(.sbom(SBOMStep(target: target, suffix: SBOM.fileSuffix))) }

        var plan = TargetPlan(target: target, toolchain: choice.toolchain, toolchainReason: choice.reason,
                          defaultToolchain: choice.differsFromDefault, std: choice.std, sysroot: std?.sysroot,
                          stdCacheEntry: std?.build.entry.name, cToolchain: cc, requirements: requirements, libraries: libraries,
                          allocator: allocator, allocatorNote: allocatorNote, unwinderStub: stub?.archive, inventory: inventory, link: link,
                          linker: link.linker, cargo: cargo, steps: steps)
        plan.packages = PackageInfo.local(metadata)
        plan.targetDirectory = targetDirectory
        plan.dlopenWarning = DlopenUse.warning(inMetadata: metadata)
        plan.learnedNeedsFile = LearnedPkgConfigNeeds.file(metadata: metadata)
        return plan
    }

    /// The std profile's variant this build uses: a published one that has at least what the
    /// build needs (a machine with the full std never builds a leaner one), else exactly what
    /// it needs. Its reason is shown by `plan`.
    static func stdStep(_ choice: ToolchainChoice, _ target: Target, _ settings: StdSettings, needs: StdNeeds,
                        layout: CacheLayout, cache: CacheView, estimate: Double?) -> StdStep? {
        guard case .fromSource(let library) = choice.std else { return nil }
        let recipes = settings.variants(serving: needs.components).lazy.map {
            let recipe = StdRecipe(toolchain: choice.toolchain, target: target, library: library, settings: $0, layout: layout)
            return (recipe: recipe, entry: recipe.entry)
        }
        let published = recipes.first { cache.isPublished($0.entry) }
        let (recipe, entry) = published ?? recipes.first!
        var step = recipe.step(cache: cache, estimate: estimate, entry: entry)
        let has = recipe.settings.components
        step.variant = has == needs.components || published == nil
            ? "\(has.described): \(needs.reasons)"
            : "\(has.described), already built (more than this build needs: \(needs.reasons))"
        return step
    }

    /// What the build needs of std beyond what every program links, and why: libtest for a
    /// test build, bitcode when the program's crates are linked with LTO across crates (the
    /// std profile's own, the cargo profile's `lto`, or -Clto in RUSTFLAGS). A test build
    /// takes the full std (libtest and bitcode): the one that serves every other build too.
    static func stdNeeds(_ request: BuildRequest, project: ProjectManifest, userRustflags: [String]) -> StdNeeds {
        if request.mode == .test {
            return StdNeeds(components: StdComponents(libtest: true, bitcode: true),
                            reasons: "a test build (tests take the full std, which also serves every other build)")
        }
        let profile = request.cargo.profileName(request.mode)
        let lto: String?
        if let own = request.stdSettings.userProfile?["LTO"], !["false", "off"].contains(own) {
            lto = "the \(request.stdSettings.name) std profile links with lto = \"\(own)\""
        } else if let value = project.crossCrateLTO(profile: profile) {
            lto = "profile `\(profile)` sets lto = \(value)"
        } else if let flag = ltoFlag(userRustflags) {
            lto = "RUSTFLAGS has \(flag)"
        } else {
            lto = nil
        }
        return StdNeeds(components: StdComponents(libtest: false, bitcode: lto != nil),
                        reasons: "not a test build; " + (lto ?? "no cross-crate LTO in profile `\(profile)`"))
    }

    /// `-Clto…` or `-C lto…` among the program's rustflags.
    private static func ltoFlag(_ flags: [String]) -> String? {
        for (index, flag) in flags.enumerated() {
            if flag.hasPrefix("-Clto"), !["-Clto=no", "-Clto=off"].contains(flag) { return flag }
            if flag == "-C", index + 1 < flags.count, flags[index + 1].hasPrefix("lto"),
               !["lto=no", "lto=off"].contains(flags[index + 1]) { return "-C " + flags[index + 1] }
        }
        return nil
    }

    /// `--allocator`, else the profile's default. The default falls back to the libc's malloc,
    /// with a note, when its source cannot be had (no deb-src entry on an offline machine);
    /// an explicit `--allocator` is never silently replaced.
    private static func chooseAllocator(_ request: BuildRequest, _ target: Target, unavailable: CargoStaticError?) -> (Allocator, String?) {
        let allocator = request.chosenAllocator
        guard allocator.library != nil, request.allocator == nil, let error = unavailable else { return (allocator, nil) }
        return (.musl, "the default allocator, \(allocator.rawValue), is not available for \(target): \(error.message); "
                + "linking the libc's own malloc instead (pass --allocator musl to silence this, or fix: \(error.fix ?? "see above"))")
    }

    /// zig builds its libc for a target on the first link (about half a minute, silently):
    /// done as a step of its own, with progress, and remembered in runtimes.json. It links
    /// through the same linker wrapper with the flags rustc's links of this profile carry,
    /// since zig keeps one libc per optimisation and strip mode.
    private static func runtimeStep(_ cc: CToolchain, link: LinkSpec, request: BuildRequest, project: ProjectManifest,
                                    layout: CacheLayout, record: RuntimeRecord) -> RuntimeStep? {
        guard cc.kind == .zig else { return nil }
        let profile = request.cargo.profileName(request.mode)
        let strip = request.strip ? "symbols" : request.splitDebug ? "none"
            : project.strip(profile: profile)
        // As rustc would link for this target, so the wrapper rewrites it the same way.
        let flags = (link.pie && cc.target.info.rustcStaticPie ? ["-static-pie"] : ["-static", "-no-pie"])
            + (request.stdSettings.userRustflags ?? []).filter { $0.hasPrefix("-Clink-arg=") }.map { String($0.dropFirst("-Clink-arg=".count)) }
            + (strip == "symbols" ? ["-Wl,--strip-all"] : strip == "debuginfo" ? ["-Wl,--strip-debug"] : [])
            + ["-lunwind"]
        // Paths and library directories are not part of it: zig's libc does not depend on
        // them, and every set of C libraries would otherwise count as another first link.
        let key = "\(cc.driver.identity) | \(((try? ArgumentRewriter.link(flags, spec: link)) ?? flags).filter { !$0.hasPrefix("/") && !$0.hasPrefix("-L") }.joined(separator: " "))"
        let dir = layout.root + "/work/runtime-\(cc.target.triple)"
        return RuntimeStep(target: cc.target, key: key, done: record.done[key] != nil,
                           source: .text(dir + "/first-link.c", "int main(void) { return 0; }\n"),
                           // From `/`: zig records the directory it builds its libc in (DWARF
                           // comp_dir), which must not name the cache, or executables would
                           // differ with the cache's path.
                           command: Command(link.linker, flags + [dir + "/first-link.c", "-o", dir + "/first-link"], directory: "/"),
                           estimateSeconds: record.done[key] ?? record.done.values.max())
    }

    /// Paths as they appear in the executables (panic messages, debug info): the project's
    /// own relative to its root, cargo's home as /cargo and the cache as /cargo-static. Later
    /// mappings win in rustc, so the more specific come last. `--target-dir` wins over the
    /// metadata's target directory (`cargo metadata` takes no such flag), as it does in cargo.
    static func pathRemaps(metadata: CargoMetadata, targetDir: String? = nil, context: Context,
                           layout: CacheLayout) -> [LinkSpec.PathRemap] {
        var remaps = [LinkSpec.PathRemap(from: context.nonEmpty("CARGO_HOME") ?? context.home + "/.cargo", to: "/cargo"),
                      LinkSpec.PathRemap(from: layout.root, to: "/cargo-static")]
        if let root = metadata.workspaceRoot {
            remaps.append(.init(from: root + "/", to: ""))
            if let target = targetDir ?? metadata.targetDirectory, !target.hasPrefix(root + "/") {
                remaps.append(.init(from: target, to: "target"))
            }
            remaps += outsidePathPackages(metadata: metadata, root: root, cargoHome: remaps[0].from)
        }
        return remaps
    }

    /// Path dependencies outside the workspace (`helper = { path = "../helper" }`): each
    /// package directory is named `/path/<name>-<version>`, so that where the checkout lives
    /// does not reach the executable. Nested ones come after the directories holding them
    /// (rustc and the C compilers take the last match).
    static func outsidePathPackages(metadata: CargoMetadata, root: String, cargoHome: String) -> [LinkSpec.PathRemap] {
        let remaps = metadata.localPackages.compactMap { package -> LinkSpec.PathRemap? in
            let directory = package.directory
            guard directory != root, !directory.hasPrefix(root + "/"), !directory.hasPrefix(cargoHome + "/") else { return nil }
            return LinkSpec.PathRemap(from: directory, to: "/path/\(package.name)-\(package.version)")
        }
        return Array(Set(remaps.map(\.from))).sorted { $0.count < $1.count }.compactMap { from in remaps.first { $0.from == from } }
    }

}

/// What a build needs of std (`Planner.stdNeeds`), and why, in words for `plan`.
struct StdNeeds: Equatable {
    var components: StdComponents
    var reasons: String
}

/// Which targets' first zig link was done, and how long it took (`runtimes.json`).
struct RuntimeRecord: Codable {
    var done: [String: Double] = [:]

    static func load(_ layout: CacheLayout) -> RuntimeRecord {
        FileManager.default.contents(atPath: layout.runtimes).flatMap { try? JSONDecoder().decode(RuntimeRecord.self, from: $0) } ?? RuntimeRecord()
    }

    static func mark(_ key: String, seconds: Double, _ layout: CacheLayout) throws {
        let lock = try FileLock(path: layout.locks + "/runtimes.lock")
        defer { withExtendedLifetime(lock) {} }
        var record = load(layout)
        // Keys with library directories came from older versions (one per set of C
        // libraries, for the same libc): dropped, since the file is read at every start.
        record.done = record.done.filter { !$0.key.contains(" -L") }
        record.done[key] = seconds
        try FileSystem.write(JSONEncoder.pretty.encode(record), to: layout.runtimes)
    }
}

