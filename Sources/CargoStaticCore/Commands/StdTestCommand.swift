import Foundation

/// `cargo-static std test`: what was asked.
public struct StdTestRequest {
    public var targets: [Target]
    public var suites: [StdTestSuite]
    /// Test name filters for the harness (after `--`).
    public var filters: [String]
    public var toolchain: ToolchainRequest?
    public var cToolchain: CToolchain.Kind?
    /// nil: the empty root where this machine allows one, else a direct run (with a note).
    public var emptyRoot: Bool?
    /// How long one test executable may run before it is killed (a hang under qemu).
    public var timeoutSeconds: Int
    public var context: Context

    public init(targets: [Target], suites: [StdTestSuite], filters: [String] = [], toolchain: ToolchainRequest? = nil,
                cToolchain: CToolchain.Kind? = nil, emptyRoot: Bool? = nil, timeoutSeconds: Int = 1800, context: Context) {
        self.targets = targets
        self.suites = suites
        self.filters = filters
        self.toolchain = toolchain
        self.cToolchain = cToolchain
        self.emptyRoot = emptyRoot
        self.timeoutSeconds = timeoutSeconds
        self.context = context
    }
}

/// One suite's result on one target.
public struct SuiteResult: Codable {
    public struct Known: Codable, Equatable {
        public let test: String
        public let reason: String
        public let link: String
    }
    public let target: String
    public let suite: StdTestSuite
    public var executables: [String] = []
    public var passed = 0
    public var ignored = 0
    public var filteredOut = 0
    /// Failures not in the known list: each fails the command.
    public var failed: [String] = []
    public var known: [Known] = []
    /// Known failures that passed this time (a stale entry, or a fixed emulator).
    public var knownPassed: [String] = []
    /// Running the suite's executables.
    public var seconds = 0.0
    /// Planning and building the target's test executables (std included when it was not cached).
    public var buildSeconds = 0.0
    public var emptyRoot = false

    public init(target: String, suite: StdTestSuite) {
        self.target = target
        self.suite = suite
    }
}

/// The generated test workspace for one toolchain, and the build plan for its tests.
public struct StdTestPlan {
    public let target: Target
    public let workspace: [FileWrite]
    public let build: BuildPlan
    public let request: BuildRequest
}

public enum StdTestCommand {
    static let harnessFormat = ["-Z", "unstable-options", "--format", "json"]

    /// Plans one target: the rustc and its rust-src, the generated workspace, and the build
    /// of the suites' test executables through the same planner as `cargo-static test`
    /// (std entry, zig, wrappers, allocator, static-pie). The workspace files are written
    /// before planning: the planner reads the project's metadata from them.
    public static func plan(_ request: StdTestRequest, target: Target, _ session: Session) throws -> StdTestPlan {
        let probes = ProbeCache(file: session.layout.probes)
        let choice = try ToolchainDiscovery(runner: session.runner, probes: probes).choose(for: target, requested: request.toolchain)
        guard case .fromSource(let library) = choice.std else {
            throw CargoStaticError(.usage, "std test builds std's test suites from rust-src, and the chosen rustc (\(choice.toolchain.release) at \(choice.toolchain.rustc)) has a prebuilt std for \(target) instead",
                                   fix: "use a toolchain whose std cargo-static builds from source: --toolchain /usr/bin/rustc (Debian's rustc-web with rust-web-src)")
        }
        let directory = session.layout.root + "/work/std-tests-\(choice.toolchain.release)"
        let workspace = try StdTestWorkspace(library: library, suites: request.suites, directory: directory).files()
        for file in workspace { try file.apply() }
        let cargo = try CargoArguments.parse(["--manifest-path", directory + "/Cargo.toml", "--workspace", "--offline",
                                              "--target-dir", directory + "/target"], mode: .test, own: [])
        var build = BuildRequest(mode: .test, targets: [target], toolchain: request.toolchain, cToolchain: request.cToolchain,
                                 cargo: cargo, context: request.context)
        build.sbom = false
        let plan = try session.planner().plan(build)
        return StdTestPlan(target: target, workspace: workspace, build: allowingUnstable(plan), request: build)
    }

    /// The suites use unstable library features (`#![feature(…)]`): their crates, and only
    /// theirs, are compiled with RUSTC_BOOTSTRAP=1, as std itself is.
    static func allowingUnstable(_ plan: BuildPlan) -> BuildPlan {
        func patched(_ command: Command) -> Command {
            var command = command
            command.environment["RUSTC_BOOTSTRAP"] = "1"
            command.unset.removeAll { $0 == "RUSTC_BOOTSTRAP" }
            return command
        }
        let targets = plan.targets.map { t in
            TargetPlan(target: t.target, toolchain: t.toolchain, toolchainReason: t.toolchainReason, defaultToolchain: t.defaultToolchain,
                       std: t.std, sysroot: t.sysroot, stdCacheEntry: t.stdCacheEntry, cToolchain: t.cToolchain,
                       requirements: t.requirements, libraries: t.libraries, allocator: t.allocator, allocatorNote: t.allocatorNote,
                       unwinderStub: t.unwinderStub, inventory: t.inventory, link: t.link, linker: t.linker, cargo: patched(t.cargo),
                       steps: t.steps.map { step in
                           guard case .cargo(let c) = step else { return step }
                           return .cargo(CargoStep(command: patched(c.command), target: c.target, link: c.link, expectations: c.expectations))
                       })
        }
        return BuildPlan(manifest: plan.manifest, mode: plan.mode, pie: plan.pie, targets: targets)
    }

    /// The harness's arguments: JSON events, then the user's filters.
    static func harnessArguments(_ filters: [String]) -> [String] { harnessFormat + filters }

    /// Whether the empty root can be used here (bubblewrap and a user namespace).
    static func sandboxWorks(_ runner: Runner) -> Bool {
        Sandbox.bwrap(runner) != nil && UserNamespaceProbe.shared.result(runner: runner).current
    }

    /// Builds and runs every target in turn; returns the results per suite and target.
    public static func run(_ request: StdTestRequest, _ session: Session) throws -> [SuiteResult] {
        let reporter = session.reporter
        let emptyRoot = request.emptyRoot ?? sandboxWorks(session.runner)
        if request.emptyRoot == nil && !emptyRoot {
            reporter.note("the empty-root sandbox is not available here (bubblewrap or user namespaces missing): the suites run directly")
        }
        let lock = try FileLock(path: session.layout.locks + "/std-tests.lock")
        defer { withExtendedLifetime(lock) {} }
        var results: [SuiteResult] = []
        for target in request.targets {
            let started = Date()
            let plan = try plan(request, target: target, session)
            reporter.status("Building", "std's \(request.suites.map(\.rawValue).joined(separator: ", ")) tests for \(target)")
            let built = try Executor(planner: session.planner()).run(plan.build, request: plan.request).targets
            let buildSeconds = Date().timeIntervalSince(started)
            reporter.detail(String(format: "tests for %@ built in %.0f s", target.triple, buildSeconds))
            for suite in request.suites {
                var result = SuiteResult(target: target.triple, suite: suite)
                result.emptyRoot = emptyRoot
                result.buildSeconds = buildSeconds
                let suiteStarted = Date()
                let executables = built.flatMap(\.executables).filter { $0.isTest && $0.package.split(separator: " ").first.map(String.init) == suite.package }.sorted { $0.name < $1.name }
                guard !executables.isEmpty else {
                    throw CargoStaticError(.cargoFailed, "cargo built no test executable for the \(suite.rawValue) suite on \(target)")
                }
                for exe in executables {
                    try runOne(exe, suite: suite, target: target, request: request, emptyRoot: emptyRoot, session: session, into: &result)
                }
                result.seconds = Date().timeIntervalSince(suiteStarted)
                reporter.status(result.failed.isEmpty ? "Tested" : "Failed", summaryLine(result))
                results.append(result)
            }
        }
        return results
    }

    private static func runOne(_ exe: BuiltExecutable, suite: StdTestSuite, target: Target, request: StdTestRequest,
                               emptyRoot: Bool, session: Session, into result: inout SuiteResult) throws {
        let reporter = session.reporter
        reporter.status("Running", "\(suite.rawValue)/\(exe.name) (\(target))" + (emptyRoot ? " in an empty root" : ""))
        // libtest accepts -Z unstable-options (the JSON format) only under RUSTC_BOOTSTRAP, read
        // when the harness runs: the program's own environment (the sandbox's is only what it is given).
        let (command, cleanup) = try ProgramRunner(runner: session.runner)
            .command(executable: exe.path, arguments: harnessArguments(request.filters), target: target, emptyRoot: emptyRoot,
                     environment: ["RUSTC_BOOTSTRAP": "1"])
        defer { if let cleanup { try? FileManager.default.removeItem(atPath: cleanup) } }
        var report = LibtestReport()
        var done = 0
        let progress = reporter.task("\(suite.rawValue)/\(exe.name) on \(target)", total: 0, unit: "tests", estimate: nil)
        let outcome = try session.runner.captureStdout(timed(command, seconds: request.timeoutSeconds, runner: session.runner)) { line in
            report.read(line)
            let count = report.passed.count + report.failed.count + report.ignored.count
            if count != done { done = count; progress.update(done: done, item: nil) }
        }
        progress.finish()
        result.executables.append(exe.name)
        result.passed += report.passed.count
        result.ignored += report.ignored.count
        result.filteredOut += report.filteredOut
        var failures = report.failed
        if !report.completed {
            // Killed or crashed: the tests in flight failed; with none, the executable did.
            let how = outcome.status == 124 ? "timed out after \(request.timeoutSeconds) s" : "died (exit status \(outcome.status))"
            reporter.warn("\(suite.rawValue)/\(exe.name) on \(target) \(how) before finishing")
            failures += report.unfinished.isEmpty ? ["<crash>"] : report.unfinished
        } else if !report.consistent {
            reporter.warn("\(suite.rawValue)/\(exe.name): libtest's totals disagree with its events; counted as a failure (not proven)")
            failures.append("<inconsistent report>")
        }
        for name in failures {
            if let known = KnownFailures.match(target: target, emptyRoot: emptyRoot, suite: suite, executable: exe.name, test: name) {
                result.known.append(.init(test: "\(exe.name)::\(name)", reason: known.reason, link: known.link))
            } else {
                result.failed.append("\(exe.name)::\(name)")
                if let out = report.failureOutput[name] { reporter.detail("\(exe.name)::\(name):\n\(out)") }
            }
        }
        for name in report.passed where KnownFailures.match(target: target, emptyRoot: emptyRoot, suite: suite, executable: exe.name, test: name) != nil {
            result.knownPassed.append("\(exe.name)::\(name)")
        }
    }

    /// The run under coreutils' timeout (a test that hangs under an emulator must not hold
    /// the table forever); exit status 124 when it fires.
    static func timed(_ command: Command, seconds: Int, runner: Runner) -> Command {
        guard let timeout = runner.which("timeout") else { return command }
        var wrapped = command
        wrapped.executable = timeout
        wrapped.arguments = ["--kill-after=10", String(seconds), command.executable] + command.arguments
        return wrapped
    }

    public static func summaryLine(_ r: SuiteResult) -> String {
        var parts = ["\(r.passed) passed", "\(r.failed.count) failed", "\(r.known.count) known", "\(r.ignored) ignored"]
        if r.filteredOut > 0 { parts.append("\(r.filteredOut) filtered out") }
        return "\(r.suite.rawValue) on \(r.target): " + parts.joined(separator: ", ") + String(format: " (%.0f s)", r.seconds)
    }

    /// The table printed at the end (stderr), one row per suite and target.
    public static func table(_ results: [SuiteResult]) -> String {
        var rows = [["target", "suite", "passed", "failed", "known", "ignored", "time"]]
        for r in results {
            rows.append([r.target, r.suite.rawValue, String(r.passed), String(r.failed.count), String(r.known.count), String(r.ignored),
                         String(format: "%.0f s", r.seconds)])
        }
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { row in row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") }
            .joined(separator: "\n")
    }

    /// Prints the results; throws (exit 101) when a failure is not a known one.
    public static func report(_ results: [SuiteResult], _ session: Session, json: Bool) throws {
        let reporter = session.reporter
        for r in results {
            for k in r.known { reporter.note("known failure on \(r.target): \(r.suite.rawValue)/\(k.test): \(k.reason) (\(k.link))") }
            for name in r.knownPassed { reporter.note("\(r.suite.rawValue)/\(name) on \(r.target) is listed as a known failure but passed") }
        }
        if json { print(try encodeJSON(results)) } else { reporter.info("\n" + table(results)) }
        let failed = results.flatMap { r in r.failed.map { "\(r.suite.rawValue)/\($0) (\(r.target))" } }
        if !failed.isEmpty {
            throw CargoStaticError(.cargoFailed, "\(failed.count) test(s) of std's suites failed: " + failed.prefix(20).joined(separator: ", ")
                                   + (failed.count > 20 ? ", …" : ""),
                                   fix: "a failure not in the known list (Sources/CargoStaticCore/Std/KnownFailures.swift) is a bug in this std build, its toolchain or the emulator; run with -v for each failure's output",
                                   exitCode: 101)
        }
    }
}
