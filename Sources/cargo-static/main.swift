import ArgumentParser
import CargoStaticCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Arguments after `--` belong to the program (run) or the test harness (test).
nonisolated(unsafe) var programArguments: [String] = []

struct CargoStatic: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cargo-static",
        abstract: "Build any Cargo project into a fully static Linux executable that needs nothing but the kernel.",
        discussion: """
        cargo-static links against musl, builds the Rust standard library from source when no prebuilt musl std is installed (offline, cached once per toolchain and target), links with zig (or musl-gcc) and a static unwinder, and checks every executable it produces.

        Examples:
          cargo-static build --release        static-pie for x86_64 musl
          cargo static build --release        the same, as a cargo subcommand
          cargo-static run --empty-root       run it alone in an empty root
          cargo-static test                   build the tests statically, run them
          cargo-static plan --release         every command and variable
          cargo-static verify FILE            audit any ELF file
          cargo-static deps build openssl     a C library built for musl, cached
          cargo-static doctor                 what was found, what is missing
        """,
        subcommands: [Build.self, Test.self, Run.self, Plan.self, Verify.self, Doctor.self, Cache.self, Deps.self, ImageCommand.self]
    )
}

/// Options shared by build, test, run and plan. Anything else is passed to cargo.
struct BuildOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The musl target(s), comma-separated, or `all-tested`.", valueName: "triple[,triple…]"))
    var target: String = Target.defaultTriple

    @Option(help: ArgumentHelp("A rustup toolchain name, a rustc path or a sysroot directory.", valueName: "name|path"))
    var toolchain: String?

    @Option(name: .customLong("cc"), help: ArgumentHelp("The C toolchain: zig (default), musl-gcc or cross-gcc.", valueName: "kind"))
    var cc: String?

    @Option(name: .customLong("deps"), help: ArgumentHelp("C libraries to build for the target and expose through pkg-config, on top of those the project's -sys crates need (see `deps`).", valueName: "lib[,lib…]"))
    var deps: String?

    @Option(help: ArgumentHelp("The malloc for Rust and C code: mimalloc (default), jemalloc, or musl (the libc's own). Built from Debian's source for the target, linked in place of the libc's; no code change.", valueName: "name"))
    var allocator: String?

    @Option(name: .customLong("std-profile"), help: ArgumentHelp("How std is compiled: default (speed, unwinding, backtraces); size (opt-level z, panic=abort, no backtrace symbolizer; the program gets opt-level z, panic=abort, fat LTO, stripped); min (size, and panics abort without a message: needs RUSTC_BOOTSTRAP=1 for your crates, which cargo-static then sets). Each is its own cache entry.", valueName: "name"))
    var stdProfile: String?

    @Flag(help: "Strip the symbol table from the executables (smaller; backtraces lose function names).")
    var strip = false

    @Flag(name: .customLong("no-pie"), help: "Produce a plain static ET_EXEC instead of a static-pie.")
    var noPie = false

    @Flag(help: "Print the result as JSON on stdout.")
    var json = false

    @Flag(help: "Print what would run (like `plan`) and build nothing.")
    var dryRun = false

    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("cargo's own arguments (--release, -p, --bin, --features, --manifest-path, …).", valueName: "cargo-args"))
    var cargoArguments: [String] = []

    func request(_ mode: BuildRequest.Mode) throws -> BuildRequest {
        let kind = try CToolchain.Kind.parse(cc)
        let libraries = try (deps ?? "").split(separator: ",").map { try NativeLibrary.named(String($0).trimmingCharacters(in: .whitespaces)).name }
        return BuildRequest(mode: mode, targets: try Target.list(target), toolchain: toolchain, cToolchain: kind,
                            pie: !noPie, extraLibraries: libraries, allocator: try allocator.map { try Allocator.parse($0) },
                            stdSettings: try StdSettings.named(stdProfile), strip: strip,
                            cargoArguments: cargoArguments, programArguments: programArguments)
    }
}

struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build static executables and check each one.",
        discussion: "Prints the path of each executable and a one-line verdict. Fails when any executable is not fully static.")
    @OptionGroup var options: BuildOptions

    func run() throws {
        try Session.run(json: options.json) { session in
            let request = try options.request(.build)
            if options.dryRun { return try Session.printPlan(request, session, json: options.json) }
            let results = try session.build(request)
            Session.printResults(results, json: options.json)
        }
    }
}

struct Test: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build the crate's tests statically, check them, and run them (under qemu for foreign targets).",
        discussion: "Arguments after `--` go to the test harness, as with cargo test.")
    @OptionGroup var options: BuildOptions
    @Flag(help: "Run each test executable inside an empty root filesystem.")
    var emptyRoot = false

    func run() throws {
        try Session.run(json: options.json) { session in
            let request = try options.request(.test)
            if options.dryRun { return try Session.printPlan(request, session, json: options.json) }
            let results = try session.build(request)
            var failed = 0
            for result in results {
                let target = try Target(result.target)
                for exe in result.executables where exe.isTest {
                    session.reporter.info("running \(exe.path) (\(target))")
                    let status = try ProgramRunner(runner: session.runner)
                        .run(executable: exe.path, arguments: request.programArguments, target: target, emptyRoot: emptyRoot,
                             stdoutToStderr: options.json)
                    if status != 0 { failed += 1 }
                }
            }
            Session.printResults(results, json: options.json)
            if failed > 0 {
                throw CargoStaticError(.runFailed, "\(failed) test executable(s) failed", fix: "see the test output above")
            }
        }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build, then run the executable (under qemu for foreign targets).",
        discussion: "Arguments after `--` go to the program. With --empty-root the program runs in a directory that holds only itself: proof that it needs nothing but the kernel.")
    @OptionGroup var options: BuildOptions
    @Flag(help: "Run inside an empty root filesystem (chroot, or a user namespace when not root).")
    var emptyRoot = false

    func run() throws {
        var status: Int32 = 0
        try Session.run(json: options.json) { session in
            let request = try options.request(.run)
            if options.dryRun { return try Session.printPlan(request, session, json: options.json) }
            guard request.targets.count == 1 else {
                throw CargoStaticError(.badInput, "run takes one target", fix: "pass a single --target")
            }
            let results = try session.build(request)
            let programs = results[0].executables.filter { !$0.isTest }
            guard programs.count == 1, let program = programs.first else {
                let names = programs.map(\.name).joined(separator: ", ")
                throw CargoStaticError(.badInput, programs.isEmpty ? "the build produced no executable to run" : "the build produced several executables (\(names))",
                                       fix: "choose one with --bin NAME")
            }
            session.reporter.info("running \(program.path)" + (emptyRoot ? " in an empty root" : ""))
            status = try ProgramRunner(runner: session.runner)
                .run(executable: program.path, arguments: request.programArguments, target: try Target(program.target),
                     emptyRoot: emptyRoot, stdoutToStderr: options.json)
        }
        if status != 0 { throw ExitCode(status) }
    }
}

struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show every command and environment variable a build would use, to reproduce it by hand.")
    @OptionGroup var options: BuildOptions

    func run() throws {
        try Session.run(json: options.json) { session in
            try Session.printPlan(try options.request(.build), session, json: options.json)
        }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Audit ELF files without running them: linkage, libc, hardening, verdict.",
        discussion: """
        Exit status: 0 = every file is fully static and kernel-only (and meets --require);
        1 = some file is not (the reasons are listed); 2 = a file is not ELF, unreadable or malformed.
        Policy items for --require: static, static-pie, pie, relro=full, relro=partial, nx,
        stack-protector, cet, stripped, kernel-only.
        """)
    @Argument(help: "ELF files to audit.") var files: [String]
    @Flag(help: "Print the audit as JSON.") var json = false
    @Option(help: ArgumentHelp("Extra requirements, e.g. static-pie,relro=full,nx.", valueName: "policy")) var require: String?

    func run() throws {
        let policy: AuditPolicy?
        do { policy = try require.map(AuditPolicy.parse) } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        var audits: [Audit] = []
        var worst: Int32 = 0
        var violations: [String] = []
        for file in files {
            do {
                let audit = try Audit.audit(path: file)
                audits.append(audit)
                let extra = policy?.violations(audit) ?? []
                if !audit.kernelOnly || !extra.isEmpty { worst = max(worst, 1) }
                violations += extra.map { "\(file): does not meet --require: \($0)" }
            } catch {
                FileHandle.standardError.write(Data("error: \(file): \(error)\n".utf8))
                worst = 2
            }
        }
        print(json ? try AuditReport.json(audits) : AuditReport.human(audits))
        for v in violations { FileHandle.standardError.write(Data("\(v)\n".utf8)) }
        if worst != 0 { throw ExitCode(worst) }
    }
}

struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every piece cargo-static found or misses, with the command that installs it.")
    @Option(help: "The target to check for.") var target: String = Target.defaultTriple
    @Option(help: "A rustup toolchain name, a rustc path or a sysroot directory.") var toolchain: String?
    @Flag(help: "Print the report as JSON.") var json = false

    func run() throws {
        try Session.run(json: json) { session in
            for target in try Target.list(target) {
                let report = DoctorReport.collect(target: target, runner: session.runner, cache: session.cache, requested: toolchain)
                print(json ? try encodeJSON(report) : report.human)
            }
        }
    }
}

struct Cache: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The cached standard libraries ($CARGO_STATIC_CACHE, else $XDG_CACHE_HOME/cargo-static).",
        subcommands: [List.self, Clean.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List cached standard libraries with their sizes and keys.")
        @Flag(help: "Print as JSON.") var json = false
        func run() throws {
            let cache = SysrootCache()
            let entries = cache.list()
            if json { print(try encodeJSON(entries)); return }
            print("cache: \(cache.root)")
            if entries.isEmpty { print("  (no cached standard library)") }
            for e in entries {
                print("  \(e.name)  \(humanSize(e.sizeBytes ?? 0))  rustc \(e.release) (\(e.rustc)), settings \(e.settings), built in \(Int(e.buildSeconds)) s")
            }
        }
    }

    struct Clean: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove cached standard libraries (all, or those whose name contains PATTERN).")
        @Argument(help: "Only entries whose name contains this text.") var pattern: String?
        func run() throws {
            try Session.run(json: false) { session in
                let removed = try session.cache.clean(matching: pattern)
                print(removed.isEmpty ? "nothing to remove" : removed.map { "removed \($0)" }.joined(separator: "\n"))
            }
        }
    }
}

struct Deps: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "C libraries compiled from source for musl targets, cached like the standard library.",
        discussion: """
        `build` needs them automatically when the project's dependency graph contains a -sys crate
        cargo-static knows (libz-sys, openssl-sys, libsqlite3-sys, zstd-sys, lzma-sys, bzip2-sys, ncurses),
        or when they are named in Cargo.toml (`[package.metadata.cargo-static] deps = ["ncurses"]`) or
        with --deps. Sources come from the Debian source package of the same name (`apt-get source`,
        needs a deb-src entry) or from --source. Libraries: \(NativeLibrary.all.map(\.name).joined(separator: ", ")).
        """,
        subcommands: [Build.self, List.self, Clean.self], defaultSubcommand: List.self)

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build C libraries (and what they depend on) for the target(s), unless cached.",
            discussion: "Example: cargo-static deps build zlib openssl --target x86_64-unknown-linux-musl,aarch64-unknown-linux-musl")
        @Argument(help: "Library names: zlib, openssl, sqlite3, zstd, xz, bzip2, ncurses, libedit, mimalloc, jemalloc.") var names: [String]
        @Option(help: ArgumentHelp("The musl target(s), comma-separated, or `all-tested`.", valueName: "triple[,triple…]"))
        var target: String = Target.defaultTriple
        @Option(name: .customLong("cc"), help: ArgumentHelp("The C toolchain: zig (default), musl-gcc or cross-gcc.", valueName: "kind"))
        var cc: String?
        @Option(help: ArgumentHelp("Build the (single) named library from this source directory or tarball instead of Debian's source package, now and in later builds.", valueName: "path"))
        var source: String?
        @Flag(help: "Print the result as JSON on stdout.") var json = false
        @Flag(help: "Print the commands that would run and build nothing.") var dryRun = false

        func run() throws {
            try Session.run(json: json) { session in
                let libraries = try names.map(NativeLibrary.named)
                if let source {
                    guard libraries.count == 1 else {
                        throw CargoStaticError(.badInput, "--source names the source of one library, but \(libraries.count) were given",
                                               fix: "build that library alone: cargo-static deps build NAME --source PATH")
                    }
                    if !dryRun {
                        _ = try SourceStore(cacheRoot: session.cache.root, runner: session.runner, reporter: session.reporter)
                            .useLocal(source, for: libraries[0])
                    }
                }
                let provider = LibraryProvider(cacheRoot: session.cache.root, runner: session.runner, reporter: session.reporter)
                var results: [DepsResult] = []
                for target in try Target.list(target) {
                    let toolchain = try CToolchainDiscovery(runner: session.runner, cacheRoot: session.cache.root)
                        .find(target, preferred: try CToolchain.Kind.parse(cc))
                    if dryRun {
                        let plans = try provider.plan(libraries.map(\.name), target: target, toolchain: toolchain)
                        if json { print(try encodeJSON(plans)); continue }
                        for p in plans {
                            print("# \(p.library) for \(target)" + (p.cached ? ": cached (\(p.entry ?? ""))" : ""))
                            if let fetch = p.fetch { print(fetch.shellLine) }
                            for step in p.steps { print(step.shellLine) }
                        }
                        continue
                    }
                    results.append(DepsResult(target: target.triple,
                                              libraries: try provider.ensure(libraries.map(\.name), target: target, toolchain: toolchain)))
                }
                if dryRun { return }
                if json { print(try encodeJSON(results)); return }
                for r in results {
                    for lib in r.libraries { print("\(r.target)  \(lib.name) \(lib.version)  \(lib.outcome.rawValue)  \(lib.prefix)") }
                }
            }
        }
    }

    struct DepsResult: Encodable {
        let target: String
        let libraries: [ProvidedLibrary]
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the built C libraries with their targets, versions, sizes and prefixes.")
        @Flag(help: "Print as JSON.") var json = false
        func run() throws {
            let cache = LibraryCache(root: SysrootCache().root)
            let entries = cache.list()
            if json { print(try encodeJSON(entries)); return }
            print("C libraries in \(cache.depsDir)")
            if entries.isEmpty { print("  (none built yet: cargo-static deps build NAME)") }
            for e in entries {
                print("  \(e.target)  \(e.library) \(e.version)  \(humanSize(e.sizeBytes ?? 0))  \(e.origin), built in \(Int(e.buildSeconds)) s  \(e.prefix)")
            }
        }
    }

    struct Clean: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove built C libraries (all, or those whose name or target contains PATTERN).")
        @Argument(help: "Only entries whose name or target contains this text.") var pattern: String?
        @Flag(help: "Also remove the downloaded sources (they are fetched again when needed).") var sources = false
        func run() throws {
            try Session.run(json: false) { session in
                var removed = try LibraryCache(root: session.cache.root).clean(matching: pattern)
                if sources {
                    removed += try SourceStore(cacheRoot: session.cache.root, runner: session.runner, reporter: session.reporter)
                        .clean(matching: pattern).map { "source \($0)" }
                }
                print(removed.isEmpty ? "nothing to remove" : removed.map { "removed \($0)" }.joined(separator: "\n"))
            }
        }
    }
}

/// One invocation: the runner, reporter and cache, and the error/interrupt handling around it.
struct Session {
    let runner: Runner
    let reporter: Reporter
    let cache: SysrootCache

    static func run(json: Bool, verbose: Bool = ProcessInfo.processInfo.environment["CARGO_STATIC_VERBOSE"] != nil,
                    _ body: (Session) throws -> Void) throws {
        installInterruptHandler()
        let session = Session(runner: Runner(verbose: verbose), reporter: Reporter(verbose: verbose), cache: SysrootCache())
        do {
            try body(session)
        } catch let error as CargoStaticError {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            if json, let text = try? encodeJSON(ErrorReport(error: error)) { print(text) }
            throw ExitCode(error.exitCode)
        }
    }

    func build(_ request: BuildRequest) throws -> [TargetResult] {
        if request.cargoArguments.contains(where: { $0 == "-v" || $0 == "-vv" || $0 == "--verbose" }) {
            runner.verbose = true
            reporter.verbose = true
        }
        return try StaticBuild(request: request, runner: runner, reporter: reporter, cache: cache).run()
    }

    static func printResults(_ results: [TargetResult], json: Bool) {
        if json {
            if let text = try? encodeJSON(results) { print(text) }
            return
        }
        for result in results {
            for exe in result.executables {
                print(exe.path)
                print("    \(exe.verdict)")
            }
        }
        if results.count > 1 {
            print("\n" + SummaryTable.render(results))
        }
    }

    static func printPlan(_ request: BuildRequest, _ session: Session, json: Bool) throws {
        let plan = try StaticBuild(request: request, runner: session.runner, reporter: session.reporter, cache: session.cache).plan()
        print(json ? try encodeJSON(plan) : PlanView.render(plan))
    }

    static func installInterruptHandler() {
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { number in
                ChildProcesses.shared.terminateAll()
                let text = "\ninterrupted: nothing half-built was published to the cache; the next run resumes where this one stopped\n"
                text.withCString { _ = write(STDERR_FILENO, $0, strlen($0)) }
                _exit(128 + number)
            }
        }
    }
}

struct ErrorReport: Encodable {
    let error: String
    let kind: String
    let fix: String?
    init(error: CargoStaticError) {
        self.error = error.message
        self.kind = error.kind.rawValue
        self.fix = error.fix
    }
}

// `cargo static …` runs `cargo-static static …`.
var arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "static" { arguments.removeFirst() }
if let dashes = arguments.firstIndex(of: "--") {
    programArguments = Array(arguments[(dashes + 1)...])
    arguments = Array(arguments[..<dashes])
}
CargoStatic.main(arguments)
