import Foundation

/// `build`, `test`, `run` and `plan`: plan the request, run the plan, report.
public enum BuildCommands {
    public static func plan(_ request: BuildRequest, _ session: Session) throws -> BuildPlan {
        try session.planner().plan(request)
    }

    public static func printPlan(_ plan: BuildPlan, json: Bool) throws {
        print(json ? try encodeJSON(plan) : PlanView.render(plan))
    }

    /// Plans and runs the build (then copies the executables to `--artifact-dir`); returns the results.
    public static func build(_ request: BuildRequest, _ session: Session) throws -> [TargetResult] {
        try execute(request, session).targets
    }

    /// `image`: the build with its image step (`request.image`); returns the image written.
    public static func image(_ request: BuildRequest, _ session: Session) throws -> OCIImageResult {
        guard request.image != nil, let image = try execute(request, session).image else {
            throw CargoStaticError(.usage, "the request asks for no image", fix: "this is a bug in cargo-static")
        }
        return image
    }

    private static func execute(_ request: BuildRequest, _ session: Session) throws -> PlanResults {
        let planner = session.planner()
        let plan = try planner.plan(request)
        var results = try Executor(planner: planner).run(plan, request: request)
        if request.checkReproducible {
            _ = try Reproducibility.check(results.targets, request: request, session: session, build: build)
            results.targets = results.targets.map { $0.markedReproducible() }
        }
        if let directory = request.artifactDirectory { try ArtifactDirectory.copy(results.targets, to: directory, reporter: session.reporter) }
        return results
    }

    /// stdout carries only paths (or JSON, or cargo's own JSON messages when asked);
    /// the verdicts and the summary go to stderr.
    public static func printResults(_ results: [TargetResult], _ request: BuildRequest, _ session: Session, json: Bool) {
        if json {
            if let text = try? encodeJSON(results) { print(text) }
            return
        }
        let paths = !request.cargo.wantsJSONMessages
        for result in results {
            for exe in result.executables {
                if paths { StandardOutput.line(exe.path) }
                session.reporter.status(exe.audit.kernelOnly ? "Checked" : "Rejected", "\(Verdict.summary(exe)): \(exe.verdict)")
            }
            if result.executables.isEmpty {
                session.reporter.note("no executable was built for \(result.target) (a library crate?): there was nothing to check")
            }
        }
        if results.count > 1 { session.reporter.info("\n" + SummaryTable.render(results)) }
    }

    /// `test`: build the test executables, then run each (under qemu for foreign targets).
    /// Test names given to `test` filter as they do for cargo.
    public static func test(_ request: BuildRequest, _ session: Session, emptyRoot: Bool, network: NetworkMode = .loopback, json: Bool,
                            environment: [String: String] = [:], timeout: Double? = nil) throws {
        let results = try build(request, session)
        let harnessArguments = request.cargo.positional + request.programArguments
        var failed: [String] = []
        for result in results where !request.cargo.noRun {
            for exe in result.executables where exe.isTest {
                session.reporter.status("Running", runningLine(exe.path, harnessArguments) + " (\(result.target))")
                let status = try ProgramRunner(runner: session.runner)
                    .run(executable: exe.path, arguments: harnessArguments, target: result.target, emptyRoot: emptyRoot,
                         stdoutToStderr: json, network: network, environment: exe.runEnvironment.merging(environment) { _, given in given },
                         directory: RunEnvironment.directory(isTest: true, package: exe.runPackage, userDirectory: session.context.directory),
                         timeout: timeout)
                if status != 0 { failed.append("\(exe.name) (\(result.target), exit status \(status))") }
            }
        }
        printResults(results, request, session, json: json)
        if !failed.isEmpty {
            throw CargoStaticError(.cargoFailed, "test failed: \(failed.joined(separator: ", "))", exitCode: 101)
        }
    }

    /// `` `target/…/hello 'two words'` ``: the command as a shell would take it back.
    static func runningLine(_ path: String, _ arguments: [String]) -> String {
        "`" + ([path] + arguments).map(Shell.quote).joined(separator: " ") + "`"
    }

    /// `run`: build, then run the one executable (`--bin` chooses, or `default-run`).
    public static func run(_ request: BuildRequest, _ session: Session, emptyRoot: Bool, network: NetworkMode = .loopback,
                           environment: [String: String] = [:], timeout: Double? = nil) throws -> Int32 {
        guard request.targets.count == 1 else {
            throw CargoStaticError(.usage, "run takes one target", fix: "pass a single --target")
        }
        let built = try execute(request, session)
        let results = built.targets
        var programs = results[0].executables.filter { !$0.isTest }
        if programs.count > 1, let chosen = built.defaultRun {
            programs = programs.filter { $0.name == chosen }
        }
        guard programs.count == 1, let program = programs.first else {
            let names = programs.map(\.name).sorted().joined(separator: ", ")
            throw CargoStaticError(.cargoFailed, programs.isEmpty ? "the build produced no executable to run"
                                   : "`cargo-static run` could not determine which binary to run; available binaries: \(names)",
                                   fix: "choose one with --bin NAME, or set `default-run` in [package] of Cargo.toml", exitCode: 101)
        }
        session.reporter.status("Running", runningLine(program.path, request.cargo.positional + request.programArguments) + (emptyRoot ? " in an empty root" : ""))
        return try ProgramRunner(runner: session.runner)
            .run(executable: program.path, arguments: request.cargo.positional + request.programArguments, target: program.target,
                 emptyRoot: emptyRoot, stdoutToStderr: false, network: network,
                 environment: program.runEnvironment.merging(environment) { _, given in given },
                 directory: RunEnvironment.directory(isTest: false, package: program.runPackage, userDirectory: session.context.directory),
                 timeout: timeout)
    }
}
