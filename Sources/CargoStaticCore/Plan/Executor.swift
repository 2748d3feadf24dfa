import Foundation

/// Runs a `BuildPlan`'s steps, in the plan's order, and nothing else; `StepSchedule` says
/// which may run at the same time (std's build beside the C side's steps). The only decision
/// it takes is when reality departs from the plan (a mirror without the planned source
/// version): then that target is planned again and its steps rerun (each is idempotent).
public struct Executor {
    public let planner: Planner
    var runner: Runner { planner.runner }
    var reporter: Reporter { planner.reporter }
    var store: CacheStore { planner.store }

    public init(planner: Planner) { self.planner = planner }

    public func run(_ plan: BuildPlan, request: BuildRequest) throws -> PlanResults {
        try CacheSafety.requireWritable(store.layout)
        runner.recording = true
        defer { runner.recording = false }
        var results: [TargetResult] = []
        for target in plan.targets {
            results.append(try run(target, request: request, attempt: 1))
        }
        // The image step: once every target is built, from all of them.
        let image = try plan.image.map { try ImageBuilder(reporter: reporter).run($0, results: results) }
        return PlanResults(targets: results, image: image, defaultRun: plan.defaultRun)
    }

    /// How many times a target's cargo step is rerun after building libraries its build scripts asked for.
    static let maxLibraryRounds = 8

    private func run(_ plan: TargetPlan, request: BuildRequest, attempt: Int, rounds: Int = 0) throws -> TargetResult {
        let started = Date()
        announce(plan)
        var std: StdOutcome = .prebuilt
        var libraries: [ProvidedLibrary] = []
        var executables: [BuiltExecutable] = []
        var librariesDone = false
        // What is known of the executables (audits, SBOM inputs), read once for both steps that use it.
        let memos = AuditMemos()
        // Steps the schedule starts in the background (std), by their index in the plan.
        var background: [Int: BackgroundStep<StdOutcome>] = [:]
        func awaitSteps(_ indices: [Int]) throws {
            for index in indices.sorted() {
                guard let job = background.removeValue(forKey: index) else { continue }
                std = try job.wait()
            }
        }
        do {
            for slot in StepSchedule.slots(plan.steps) {
                try awaitSteps(slot.awaits)
                // A background step that failed stops the build at the next step, not only at cargo.
                try awaitSteps(background.filter { $0.value.failed }.map(\.key))
                let step = plan.steps[slot.index]
                switch step {
                case .write(let file):
                    try file.apply()
                case .archive(let archive):
                    try ArchiveBuilder(store: store, runner: runner, reporter: reporter).run(archive)
                case .runtime(let runtime):
                    try RuntimeWarmup(runner: runner, reporter: reporter, layout: store.layout).run(runtime)
                case .std(let step):
                    if slot.background {
                        background[slot.index] = BackgroundStep("std for \(plan.target)") { try self.buildStd(step, plan) }
                    } else {
                        std = try buildStd(step, plan)
                    }
                case .library:
                    guard !librariesDone else { continue }
                    librariesDone = true
                    let steps = plan.steps.compactMap { if case .library(let l) = $0 { return l } else { return nil } }
                    let provided: [ProvidedLibrary], diverged: Bool
                    do {
                        (provided, diverged) = try runLibraries(steps, toolchain: plan.cToolchain, requirements: plan.requirements)
                    } catch let failure as LibraryConfigureFailed {
                        // A configure step named a library it did not find: learned as that
                        // library's dependency, the target is planned again (each library once).
                        guard rounds < Self.maxLibraryRounds else { throw failure.reported(ConfigureDecision()) }
                        try learnDependencies(from: failure)
                        try awaitSteps(Array(background.keys))
                        let again = try planner.plan(request).targets.first { $0.target == plan.target }!
                        return try run(again, request: request, attempt: attempt, rounds: rounds + 1)
                    }
                    if diverged {
                        guard attempt == 1 else { throw CargoStaticError(.libraryBuildFailed, "the C libraries for \(plan.target) did not come out as planned twice") }
                        reporter.note("a library's source came out different from the plan (another version was fetched); planning \(plan.target) again")
                        // The new plan must see std as it is: built, not building.
                        try awaitSteps(Array(background.keys))
                        let again = try planner.plan(request).targets.first { $0.target == plan.target }!
                        return try run(again, request: request, attempt: attempt + 1, rounds: rounds)
                    }
                    libraries = provided
                    report(libraries, plan)
                case .depInfo(let step):
                    try step.run(runner)
                case .cargo(let cargo):
                    do {
                        executables = try CargoBuild(runner: runner, reporter: reporter, request: request, memos: memos)
                            .run(cargo, provided: libraries.filter { $0.name != plan.allocator.library }, dlopenKnown: plan.dlopenWarning != nil)
                        executables = executables.map { RunEnvironment.attach($0, plan: plan) }
                    } catch let asked as LibrariesAskedFor {
                        // Build scripts asked pkg-config for libraries nobody built: plan them (with
                        // their own dependencies) and run cargo again; each library once, a bounded loop.
                        guard rounds < Self.maxLibraryRounds else {
                            throw CargoStaticError(.cargoFailed, "build scripts kept asking pkg-config for more C libraries after \(rounds) rounds (last: \(asked.requests.map { "`\($0.request.module)` for crate \($0.request.crate)" }.joined(separator: ", ")))",
                                                   fix: "name the libraries with --deps, or enable the crates' vendored/bundled features")
                        }
                        LearnedPkgConfigNeeds.remember(asked.requests, file: plan.learnedNeedsFile)
                        var more = request
                        for (r, library) in asked.requests where !more.extraLibraries.contains(where: { $0.name == library }) {
                            reporter.note("crate \(r.crate) asked pkg-config for `\(r.module)`; building \(library) for \(plan.target), then building again")
                            more.extraLibraries.append(LibraryRequest(name: library, reason: "crate \(r.crate) asked pkg-config for `\(r.module)`"))
                        }
                        let again = try planner.plan(more).targets.first { $0.target == plan.target }!
                        return try run(again, request: more, attempt: attempt, rounds: rounds + 1)
                    }
                case .debugFiles(let step):
                    try DebugFiles(runner: runner, step: step).place(executables)
                case .sbom:
                    try SBOMWriter(plan: plan.inventory, reporter: reporter, memos: memos)
                        .write(executables, libraries: libraries, sources: SourceStore(layout: store.layout, runner: runner, reporter: reporter),
                               allocator: plan.allocator)
                }
            }
            try awaitSteps(Array(background.keys))
        } catch {
            BackgroundStep.stop(Array(background.values))
            throw error
        }
        var result = TargetResult(target: plan.target, toolchain: plan.toolchain.name, rustcRelease: plan.toolchain.release,
                                  std: std, stdCacheEntry: plan.stdCacheEntry, cToolchain: plan.cToolchain.version,
                                  nativeLibraries: libraries.filter { $0.name != plan.allocator.library }, allocator: plan.allocator,
                                  executables: executables, seconds: Date().timeIntervalSince(started))
        result.rustcVersionInfo = plan.toolchain.versionInfo
        return result
    }

    private func buildStd(_ step: StdStep, _ plan: TargetPlan) throws -> StdOutcome {
        let std = StdOutcome(try StdBuilder(store: store, runner: runner, reporter: reporter).run(step))
        if std == .built { reporter.status("Built", "std for \(plan.target) (\(step.build.entry.name))") } else { reporter.detail("std for \(plan.target): \(std.rawValue) (\(step.build.entry.name))") }
        return std
    }

    private func announce(_ plan: TargetPlan) {
        let tc = plan.toolchain
        reporter.detail("toolchain: rustc \(tc.release) at \(tc.rustc) — \(plan.toolchainReason)")
        if let def = plan.defaultToolchain, ToolchainNotice.changed(plan, layout: store.layout) {
            reporter.note("building with rustc \(tc.release) at \(tc.rustc) (\(plan.toolchainReason)); your default rustc (\(def.release) at \(def.rustc)) cannot build for \(plan.target)")
        }
        if let note = plan.allocatorNote { reporter.warn(note) }
        if let warning = plan.dlopenWarning { reporter.warn(warning) }
        if plan.link.profileRustflags.contains("-Cpanic=immediate-abort") {
            reporter.note("--std-profile min compiles your crates with RUSTC_BOOTSTRAP=1 and -Cpanic=immediate-abort (unstable); a crate that behaves differently under RUSTC_BOOTSTRAP may fail: use --std-profile size then")
        }
        reporter.detail("C toolchain: \(plan.cToolchain.version)")
    }

    /// The library steps (a build's, or `deps build`'s): fetched, completed and built in
    /// order; failures explained with who asked for the library.
    public func runLibraries(_ steps: [LibraryStep], toolchain: CToolchain, requirements: [LibraryRequirement]) throws -> (libraries: [ProvidedLibrary], diverged: Bool) {
        let builder = LibraryBuilder(planner: LibraryPlanner(store: store, runner: runner, reporter: reporter), runner: runner, reporter: reporter)
        do {
            return try builder.run(steps, toolchain: toolchain)
        } catch let error as CargoStaticError where SourceRequest.isUnavailable(error) {
            throw SourceRequest.explained(error, steps: steps, requirements: requirements)
        } catch let error as CargoStaticError {
            throw SourceRequest.missingModules(error)
        }
    }

    /// The libraries a failed configure step reported missing that cargo-static can build:
    /// remembered as the library's dependencies (for its source and version), so the next plan
    /// builds them first. Nothing to learn: the original error, naming what was missing.
    public func learnDependencies(from failure: LibraryConfigureFailed) throws {
        let resolver = LibraryResolver.shared
        let failing = failure.library.name
        let decision = ConfigureDecision.decide(failure.missing, library: failing, dependencies: Set(failure.dependencies.map(\.name)),
                                                resolve: { try resolver.library(for: $0) },
                                                reachesBack: { lib in ((try? resolver.closure([lib.name])) ?? []).contains { $0.name == failing } })
        guard !decision.learned.isEmpty else { throw failure.reported(decision) }
        try LearnedLibraryDependencies.remember(decision.learned.map(\.library), source: failure.source.package,
                                                version: failure.source.version, layout: store.layout)
        for learned in decision.learned {
            reporter.note("\(failing)'s configure step reported `\(learned.said)`: building \(learned.library) first (remembered for \(failure.source.package) \(failure.source.version)), then \(failing) again")
        }
    }

    private func report(_ libraries: [ProvidedLibrary], _ plan: TargetPlan) {
        for r in plan.requirements { reporter.detail("C library \(r.library): needed by \(r.reason)") }
        let own = libraries.filter { $0.name != plan.allocator.library }
        if !own.isEmpty {
            reporter.event("C libraries for \(plan.target): " + own.map { "\($0.name) \($0.version) (\($0.outcome.rawValue))" }.joined(separator: ", "))
        }
        if let heap = libraries.first(where: { $0.name == plan.allocator.library }) {
            reporter.detail("allocator for \(plan.target): \(plan.allocator.rawValue) \(heap.version) (\(heap.outcome.rawValue))")
        }
    }
}

/// The "not your default rustc" note is printed when the choice changed since the last
/// build for this target (remembered in the cache), not on every build.
enum ToolchainNotice {
    static func changed(_ plan: TargetPlan, layout: CacheLayout) -> Bool {
        let file = layout.root + "/notices.json"
        var seen = FileManager.default.contents(atPath: file).flatMap { try? JSONDecoder().decode([String: String].self, from: $0) } ?? [:]
        let key = "\(plan.target.triple) default \(plan.defaultToolchain?.rustc ?? "")"
        let value = "\(plan.toolchain.rustc) \(plan.toolchain.release)"
        guard seen[key] != value else { return false }
        seen[key] = value
        try? FileSystem.write(JSONEncoder.sorted.encode(seen), to: file)
        return true
    }
}

/// The first zig link for a target, with a clock and an estimate.
struct RuntimeWarmup {
    let runner: Runner
    let reporter: Reporter
    let layout: CacheLayout

    func run(_ step: RuntimeStep) throws {
        guard !step.done else { return }
        // One first link per target at a time: two builds sharing the cache would otherwise
        // write, restamp and remove the same output under each other. The one that waited
        // finds the record written and has nothing left to do.
        let lock = try FileLock(path: layout.locks + "/runtime-\(step.target.triple).lock")
        defer { withExtendedLifetime(lock) {} }
        guard RuntimeRecord.load(layout).done[step.key] == nil else { return }
        try step.source.apply()
        let progress = reporter.task("preparing zig's libc for \(step.target) (first link for this target)", total: 0, unit: "steps",
                                     estimate: step.estimateSeconds)
        let started = Date()
        let result = try runner.capture(step.command)
        // About a second: zig's libc was already in zig's cache, nothing was prepared.
        progress.finish(unlessFasterThan: 3)
        guard result.succeeded else {
            if DiskSpace.isFull(result.output) { throw DiskSpace.error(at: layout.shown, output: result.output) }
            throw CargoStaticError(.noCToolchain, "zig could not link a first program for \(step.target)",
                                   fix: "check the zig installation (`cargo-static doctor`)", detail: Runner.failureReport(result))
        }
        // A memo (the next plan would only link once more): failing to write it fails nothing.
        try? RuntimeRecord.mark(step.key, seconds: Date().timeIntervalSince(started), layout)
        try? FileManager.default.removeItem(atPath: (step.source.path as NSString).deletingLastPathComponent + "/first-link")
    }
}

/// `--split-debug`: the linker wrapper wrote `deps/<name>-<hash>.debug` beside the file
/// cargo then copies to `<profile>/<name>`; each executable gets `<exe>.debug` and its
/// `.gnu_debuglink` is pointed at that name (its CRC stays: the same file).
struct DebugFiles {
    let runner: Runner
    let step: DebugFilesStep

    func place(_ executables: [BuiltExecutable]) throws {
        for exe in executables where !exe.isTest {
            guard let (_, data) = (try? DepSectionReader.read(path: exe.path, section: ".gnu_debuglink")).flatMap({ $0 }),
                  let end = data.firstIndex(of: 0) else { continue }
            let link = String(decoding: data[..<end], as: UTF8.self)
            let dir = (exe.path as NSString).deletingLastPathComponent
            let candidates = [dir + "/deps/" + link, dir + "/" + link]
            guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else { continue }
            let target = exe.path + ".debug"
            if found != target {
                try? FileManager.default.removeItem(atPath: target)
                try FileManager.default.copyItem(atPath: found, toPath: target)
            }
            guard link != (target as NSString).lastPathComponent else { continue }
            try runner.check(step.command(executable: exe.path, debug: target), what: "pointing \(exe.name) at \((target as NSString).lastPathComponent)")
        }
    }
}

/// A source package that could not be downloaded: which one, which version was planned, and
/// which crate (or setting) asked for the library.
enum SourceRequest {
    /// How `SourcePackages` begins the error for a source no version of which could be downloaded.
    static let unavailable = "could not download the Debian source package"

    static func isUnavailable(_ error: CargoStaticError) -> Bool { error.message.hasPrefix(unavailable) }

    static func explained(_ error: CargoStaticError, steps: [LibraryStep], requirements: [LibraryRequirement]) -> CargoStaticError {
        let step = steps.first { step in step.fetch.map { error.message.contains("source package \($0.package) ") } ?? false }
        let version = step?.fetch?.version.map { " (version \($0))" } ?? ""
        let library = step?.library
        let asked = requirements.filter { $0.library == library }.map(\.reason)
        let why = asked.isEmpty ? (library.map { " (\($0) is a dependency of another library of this build)" } ?? "")
                                : " (asked for by \(asked.joined(separator: "; ")))"
        return CargoStaticError(error.kind, error.message + version + why, fix: error.fix, detail: error.detail, exitCode: error.exitCode)
    }

    /// A library's configure (or Meson, CMake) that stopped because pkg-config had no module
    /// for one of its own dependencies: the module is named, not only the output's tail.
    static func missingModules(_ error: CargoStaticError) -> CargoStaticError {
        let modules = PkgConfigFailure.modules(in: error.detail ?? "")
        guard !modules.isEmpty else { return error }
        let named = modules.map { "`\($0)`" }.joined(separator: ", ")
        return CargoStaticError(error.kind, error.message + ": its build asked pkg-config for \(named), which is not among the libraries built for it",
                                fix: "a library's dependencies come from its -dev package's Depends (and GenericRecipes); this one is not among them: the library needs an entry in GenericRecipes (the dependency, or a configure flag that turns the feature off). " + (error.fix ?? ""),
                                detail: error.detail, exitCode: error.exitCode)
    }
}
