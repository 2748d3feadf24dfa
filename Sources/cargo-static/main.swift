import ArgumentParser
import CargoStaticCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

// The command-line interface: declarations only. What each command does lives in
// CargoStaticCore (Commands/).

struct CargoStatic: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cargo-static",
        abstract: "Build any Cargo project into a fully static Linux executable that needs nothing but the kernel.",
        discussion: """
        cargo-static links against musl, builds the Rust standard library from source when no prebuilt musl std is installed (offline, cached once per toolchain and target), links with zig (or musl-gcc) and a static unwinder, and checks every executable it produces.

        Examples:
          cargo-static build --release        static-pie for x86_64 musl
          cargo static build --release        the same, as a cargo subcommand
          cargo static +nightly build         with rustup's nightly (as cargo +nightly)
          cargo-static run --empty-root       run it alone in an empty root
          cargo-static install ripgrep        static ripgrep into ~/.cargo/bin
          cargo-static test                   build the tests statically, run them
          cargo-static plan --release         every command and variable
          cargo-static verify FILE            audit any ELF file
          cargo-static exec --empty-root FILE run any static executable in the sandbox
          cargo-static deps build openssl     a C library built for musl, cached
          cargo-static doctor                 what was found, what is missing

        Exit status: 0 success; 101 the build or a test failed, or no Cargo project (as cargo); 2 the command line (or a settings table) is wrong; 1 anything else (an executable that is not static, a missing toolchain, …); `run` exits with the program's status (128 + signal when killed).
        Human messages go to stderr; stdout carries only paths or JSON.

        Settings: --target, --allocator, --std-profile, --deps and --cc may also be set in Cargo.toml under [package.metadata.cargo-static] and in .cargo/config.toml under [cargo-static] (keys target, allocator, std-profile, deps, cc). The command line wins, then Cargo.toml, then cargo's config; deps from all of them are built. An unknown key is an error.

        Shell completions: cargo-static --generate-completion-script bash|zsh|fish, e.g. `cargo-static --generate-completion-script bash > /etc/bash_completion.d/cargo-static`.
        """,
        version: CargoStaticVersion.current,
        subcommands: [Build.self, Test.self, Run.self, Install.self, Exec.self, Plan.self, Verify.self, ImageCommand.self, Doctor.self, Cache.self, Deps.self, Std.self]
    )
}

/// Which targets, and with which rustc and C toolchain: build, test, run, plan, install and `std test`.
struct TargetOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The musl target(s), comma-separated, or `all-tested` (default: x86_64-unknown-linux-musl).", valueName: "triple[,triple…]"),
            transform: { try Target.list($0) })
    var target: [Target]?

    @Option(help: ArgumentHelp("A rustup toolchain name, a rustc path or a sysroot directory (also `+name` before the command, as with cargo).", valueName: "name|path"))
    var toolchain: String?

    @Option(name: .customLong("cc"), help: ArgumentHelp("The C toolchain: zig (default), musl-gcc or cross-gcc.", valueName: "kind"),
            transform: { try CToolchain.Kind.parse($0)! })
    var cc: CToolchain.Kind?

    /// --toolchain, else `+name` or the RUSTUP_TOOLCHAIN rustup's proxy set.
    var toolchainRequest: ToolchainRequest? { toolchain.map { ToolchainRequest($0, origin: "--toolchain") } ?? Invocation.toolchainOverride }
}

/// Options shared by build, test, run and plan. Anything else is cargo's.
struct BuildOptions: ParsableArguments {
    @OptionGroup var chosen: TargetOptions

    @Option(name: .customLong("deps"), help: ArgumentHelp("C libraries to build for the target and expose through pkg-config, on top of those the project's -sys crates need (see `deps`).", valueName: "lib[,lib…]"))
    var deps: String?

    @Option(help: ArgumentHelp("The malloc for Rust and C code: mimalloc (default), jemalloc, or musl (the libc's own). Built from Debian's source for the target, linked in place of the libc's; no code change.", valueName: "name"),
            transform: { try Allocator.parse($0) })
    var allocator: Allocator?

    @Option(name: .customLong("std-profile"), help: ArgumentHelp("How std is compiled: default (speed, unwinding, backtraces); size (opt-level z, panic=abort, no backtrace symbolizer; the program gets opt-level z, panic=abort, fat LTO, stripped); min (size, and panics abort without a message: needs RUSTC_BOOTSTRAP=1 for your crates, which cargo-static then sets). Each is its own cache entry.", valueName: "name"),
            transform: { try StdSettings.named($0) })
    var stdProfile: StdSettings?

    @Flag(help: "Strip the symbol table from the executables (smaller; backtraces lose function names).")
    var strip = false

    @Flag(name: .customLong("no-pie"), help: "Produce a plain static ET_EXEC instead of a static-pie.")
    var noPie = false

    @Flag(name: .customLong("builtin-pie"), help: "Static-pie only where rustc's own target specification has it (x86_64, s390x); plain static elsewhere. The default is static-pie on every target in the table.")
    var builtinPie = false

    @Flag(name: .customLong("split-debug"), help: "Write debug info and symbols to <exe>.debug (with line tables) and ship a stripped executable that points at it (.gnu_debuglink).")
    var splitDebug = false

    @Option(help: ArgumentHelp("The SBOM written beside each executable as <exe>.cdx.json: cyclonedx (default) or none.", valueName: "format"),
            transform: { try SBOMFormat.parse($0) })
    var sbom: SBOMFormat = .cyclonedx

    @Option(name: .customLong("artifact-dir"), help: ArgumentHelp("Also copy the checked executables (with <exe>.cdx.json and <exe>.debug) into DIR; DIR/<triple>/ for each target when there are several.", valueName: "dir"))
    var artifactDir: String?

    @Flag(name: .customLong("check-reproducible"), help: "Build a second time from a copy of the workspace in another directory (another target directory, umask, time zone and locale) and fail unless every executable, SBOM and debug file is byte for byte the same; a difference names the first ELF section that differs (and shows diffoscope's report when it is installed).")
    var checkReproducible = false

    @Flag(help: "Print the result as JSON on stdout.")
    var json = false

    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("cargo's own arguments (--release, -p, --bin, --features, --manifest-path, -q, -v, --message-format, …).", valueName: "cargo-args"))
    var cargoArguments: [String] = []

    /// Our own long options, for "did you mean" on a misspelled one.
    static let ownOptions = ["--target", "--toolchain", "--cc", "--deps", "--allocator", "--std-profile", "--strip", "--no-pie", "--json",
                             "--dry-run", "--empty-root", "--split-debug", "--builtin-pie", "--sbom", "--network", "--check-reproducible",
                             "--artifact-dir", "--path", "--root", "--force", "--attach-sbom"]

    /// The options as given; settings in Cargo.toml and cargo's config fill in the rest (`BuildFlags.request`).
    var flags: BuildFlags {
        var flags = BuildFlags(settings: SettingsLayer(origin: "the command line", targets: chosen.target, allocator: allocator, stdProfile: stdProfile,
                                                       deps: deps.map(SettingsLayer.names), cc: chosen.cc),
                               toolchain: chosen.toolchainRequest, cargoArguments: cargoArguments, ownOptions: Self.ownOptions,
                               programArguments: Invocation.programArguments, context: Invocation.context)
        flags.pie = !noPie
        if builtinPie { flags.pieRequest = .builtinSpec }
        flags.strip = strip
        flags.sbom = sbom == .cyclonedx
        flags.splitDebug = splitDebug
        flags.artifactDirectory = artifactDir
        flags.checkReproducible = checkReproducible
        return flags
    }

    func request(_ mode: BuildRequest.Mode) throws -> BuildRequest { try flags.request(mode) }

    func session(_ request: BuildRequest) -> Session { session(request.cargo) }

    func session(_ cargo: CargoArguments) -> Session {
        Session(context: Invocation.context, quiet: Invocation.quiet || cargo.quiet, verbose: cargo.verbosity > 0,
                color: Reporter.colorChoice(cargo.color, context: Invocation.context))
    }
}

/// Runs a command body in a session and turns its status into the process's.
func execute(_ session: Session, json: Bool, _ body: (Session) throws -> Void) throws {
    let status = try Session.run(session, json: json, body)
    if status != 0 { throw ExitCode(status) }
}

struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "build",
        abstract: "Build static executables and check each one.",
        discussion: "Prints the path of each executable on stdout and its verdict on stderr. Fails when any executable is not fully static.")
    @OptionGroup var options: BuildOptions
    @Flag(help: "Print what would run (like `plan`) and build nothing.")
    var dryRun = false

    func run() throws {
        let request = try options.request(.build)
        try execute(options.session(request), json: options.json) { session in
            if dryRun { return try BuildCommands.printPlan(try BuildCommands.plan(request, session), json: options.json) }
            let results = try BuildCommands.build(request, session)
            BuildCommands.printResults(results, request, session, json: options.json)
        }
    }
}

struct Test: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "test",
        abstract: "Build the crate's tests statically, check them, and run them (under qemu for foreign targets).",
        discussion: "Test name filters (`cargo-static test NAME`) and arguments after `--` go to the test harness, as with cargo test.")
    @OptionGroup var options: BuildOptions
    @Flag(help: "Run each test executable alone in the empty-root sandbox (see docs/security.md).")
    var emptyRoot = false
    @OptionGroup var sandbox: SandboxOptions
    @Flag(help: "Print what would run (like `plan`) and build nothing.")
    var dryRun = false

    func run() throws {
        let request = try options.request(.test)
        try execute(options.session(request), json: options.json) { session in
            if dryRun { return try BuildCommands.printPlan(try BuildCommands.plan(request, session), json: options.json) }
            try BuildCommands.test(request, session, emptyRoot: emptyRoot, network: try sandbox.mode(), json: options.json,
                                   environment: try sandbox.environment(session.context), timeout: try sandbox.seconds())
        }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run",
        abstract: "Build, then run the executable (under qemu for foreign targets).",
        discussion: "Arguments after `--` go to the program. With --empty-root the program runs in a directory that holds only itself: proof that it needs nothing but the kernel. The program's output is the output: use `build --json` for results as JSON.")
    @OptionGroup var options: BuildOptions
    @Flag(help: "Run alone in the empty-root sandbox: namespaces, a read-only root holding only the executable, no capabilities (see docs/security.md).")
    var emptyRoot = false
    @OptionGroup var sandbox: SandboxOptions
    @Flag(help: "Print what would run (like `plan`) and build nothing.")
    var dryRun = false

    func run() throws {
        let request = try options.request(.run)
        var status: Int32 = 0
        try execute(options.session(request), json: false) { session in
            if options.json {
                throw CargoStaticError(.usage, "run prints the program's own output, not JSON",
                                       fix: "use `cargo-static build --json` for the results as JSON, then run the executable")
            }
            if dryRun { return try BuildCommands.printPlan(try BuildCommands.plan(request, session), json: false) }
            status = try BuildCommands.run(request, session, emptyRoot: emptyRoot, network: try sandbox.mode(),
                                           environment: try sandbox.environment(session.context), timeout: try sandbox.seconds())
        }
        if status != 0 { throw ExitCode(status) }
    }
}

struct Install: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "install",
        abstract: "Build a crate's executables static, check them, and install them into ~/.cargo/bin (as `cargo install`).",
        discussion: """
        CRATE (or CRATE@VERSION) comes from the registry cargo is configured to use: crates.io, or its source replacement in .cargo/config.toml or $CARGO_HOME/config.toml (a vendor directory, Debian's /usr/share/cargo/registry). --path DIR installs the package in DIR. Builds in release mode; --bin, --features, --locked and the other build options work as for `build`. The executables go to <root>/bin: --root, else $CARGO_INSTALL_ROOT, else cargo's install.root, else $CARGO_HOME, else ~/.cargo. An existing file is replaced only with --force. Prints each installed path on stdout.

        Examples:
          cargo-static install ripgrep
          cargo-static install xml-rs@0.8.3 --root /opt/static --allocator musl
          cargo-static install --path . --bin mytool --force
        """)
    @OptionGroup var options: BuildOptions
    @Option(help: ArgumentHelp("Install the package in this directory instead of a crate from the registry.", valueName: "dir"))
    var path: String?
    @Option(name: .customLong("version"), help: ArgumentHelp("The crate's version: an exact version, or a requirement such as ^1.2 (also CRATE@VERSION).", valueName: "version"))
    var crateVersion: String?
    @Option(help: ArgumentHelp("Install into DIR/bin.", valueName: "dir"))
    var root: String?
    @Flag(help: "Replace executables that are already installed.")
    var force = false
    @Flag(help: "Build with the dev profile instead of release.")
    var debug = false

    func run() throws {
        let flags = options.flags
        let cargo = try flags.cargo(.build)
        try execute(options.session(cargo), json: options.json) { session in
            let installed = try Installer(session: session).install(
                InstallRequest(flags: flags, version: crateVersion, path: path, root: root, force: force, debug: debug))
            print(options.json ? try encodeJSON(installed) : installed.map(\.path).joined(separator: "\n"))
        }
    }
}

/// The sandbox's network, shared by run, test and exec.
struct SandboxOptions: ParsableArguments {
    @Option(help: ArgumentHelp("With --empty-root: `loopback` (default: a network of its own with only 127.0.0.1) or `host` (the host's network).", valueName: "mode"))
    var network: String?

    @Option(name: .customLong("env"), help: ArgumentHelp("Pass a variable to the program, as `docker run -e`: NAME=VALUE sets it, NAME alone passes yours (repeatable). In the empty root the program gets only these, and TMPDIR=/tmp.", valueName: "NAME[=VALUE]"))
    var env: [String] = []
    @Option(help: ArgumentHelp("Kill the program (and its sandbox) after this many seconds; the exit status is then 124, as timeout(1).", valueName: "seconds"))
    var timeout: String?

    func mode() throws -> NetworkMode { try NetworkMode.parse(network) }
    func environment(_ context: Context) throws -> [String: String] { try Sandbox.environment(env, caller: context.variables) }
    func seconds() throws -> Double? { try Sandbox.timeout(timeout) }
}

struct Exec: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "exec",
        abstract: "Run an existing executable, alone in the empty-root sandbox or directly (under qemu for foreign targets).",
        discussion: "Arguments after `--` go to the program. The target is read from the ELF header unless --target is given. Example: cargo-static exec --empty-root ./rg -- --version")
    @Argument(help: "The executable.") var file: String
    @Flag(help: "Run alone in the empty-root sandbox (see docs/security.md).") var emptyRoot = false
    @OptionGroup var sandbox: SandboxOptions
    @Option(help: ArgumentHelp("The musl target the file was built for (default: from its ELF header).", valueName: "triple"),
            transform: { try Target($0) })
    var target: Target?

    func run() throws {
        var status: Int32 = 0
        try execute(Session(context: Invocation.context, quiet: Invocation.quiet), json: false) { session in
            var request = ExecRequest(file: session.context.absolute(file), target: target, emptyRoot: emptyRoot,
                                      network: try sandbox.mode(), arguments: Invocation.programArguments)
            request.environment = try sandbox.environment(session.context)
            request.timeout = try sandbox.seconds()
            status = try request.run(runner: session.runner, reporter: session.reporter)
        }
        if status != 0 { throw ExitCode(status) }
    }
}

struct Std: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "std",
        abstract: "The Rust standard library cargo-static builds: its own test suites.",
        subcommands: [StdTest.self])
}

struct StdTest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Build std's own test suites (core, alloc, std) as cargo-static builds std, and run them on each target.",
        discussion: """
        The suites come from the rust-src tree std is built from (library/coretests, library/alloctests, library/std/tests), compiled offline with the same std entry, C toolchain (zig by default), allocator and static-pie link as `cargo-static test`, cached in the cache's work directory (a second run only runs them). They run natively on x86_64, under qemu for other targets, in the empty-root sandbox when this machine allows one. Prints passed, failed, known and ignored counts per suite and target; exits 101 when a test fails that is not a known failure (Sources/CargoStaticCore/Std/KnownFailures.swift: each with its reason and an upstream link; known failures still run and are reported). std's own unit tests are not run: they need std built twice (bootstrap's realstd). Arguments after `--` are test name filters for the harness.

        Examples:
          cargo-static std test            x86_64, all three suites
          cargo-static std test --json     the results as JSON
          cargo-static std test --target aarch64-unknown-linux-musl --suite core -- num::
        """)
    @OptionGroup var chosen: TargetOptions
    @Option(help: ArgumentHelp("The suites: core, alloc and/or std, comma-separated (default: all three).", valueName: "suite[,suite…]"),
            transform: { try StdTestSuite.list($0) })
    var suite: [StdTestSuite]?
    @Flag(inversion: .prefixedNo, help: "Run in the empty-root sandbox (default: where bubblewrap and user namespaces work).")
    var emptyRoot: Bool?
    @Option(help: ArgumentHelp("Kill a test executable after this many seconds (a hang under an emulator).", valueName: "seconds"))
    var timeout: Int = 1800
    @Flag(help: "Print the plan for each target (like `plan`) and run nothing.")
    var dryRun = false
    @Flag(help: "Print the results as JSON on stdout.")
    var json = false
    @Flag(name: .shortAndLong, help: "Show each failure's output and every command.")
    var verbose = false

    func run() throws {
        let session = Session(context: Invocation.context, quiet: Invocation.quiet, verbose: verbose)
        try execute(session, json: json) { session in
            guard timeout > 0 else { throw CargoStaticError(.usage, "--timeout must be a positive number of seconds", fix: "e.g. --timeout 1800") }
            let targets = try chosen.target ?? [Target(Target.defaultTriple)]
            let request = StdTestRequest(targets: targets, suites: suite ?? StdTestSuite.allCases,
                                         filters: Invocation.programArguments, toolchain: chosen.toolchainRequest,
                                         cToolchain: chosen.cc, emptyRoot: emptyRoot, timeoutSeconds: timeout, context: Invocation.context)
            if dryRun {
                for t in request.targets {
                    let plan = try StdTestCommand.plan(request, target: t, session)
                    try BuildCommands.printPlan(plan.build, json: json)
                }
                return
            }
            let results = try StdTestCommand.run(request, session)
            try StdTestCommand.report(results, session, json: json)
        }
    }
}

struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plan",
        abstract: "Show every step of a build: commands, environment variables and generated files, as pasteable shell lines (--json: the plan itself).",
        discussion: """
        Nothing is built. The sources of C libraries built by the generic builder are fetched \
        first when they are not yet in the cache (their build system and Debian's flags are \
        read from the source tree), so every command shown is the one the build runs.
        """)
    @OptionGroup var options: BuildOptions

    func run() throws {
        let request = try options.request(.build)
        try execute(options.session(request), json: options.json) { session in
            try BuildCommands.printPlan(try BuildCommands.plan(request, session), json: options.json)
        }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify",
        abstract: "Audit ELF files without running them: linkage, libc, hardening, verdict.",
        discussion: """
        Exit status: 0 = every file is fully static and kernel-only (and meets --require); \
        1 = some file is not (the reasons are listed); 2 = a file is not ELF, unreadable or malformed.
        Policy items for --require: \(AuditPolicy.knownItems.joined(separator: ", ")).
        The embedded dependency list (.dep-v0) is shown when present; a broken one is exit status 1.
        --sbom FILE checks that the CycloneDX SBOM records this file's SHA-256 (exit status 1 if not).
        """)
    @Argument(help: "ELF files to audit.") var files: [String]
    @Flag(help: "Print the audit as JSON.") var json = false
    @Option(help: ArgumentHelp("Extra requirements, e.g. static-pie,relro=full,nx.", valueName: "policy")) var require: String?
    @Option(help: ArgumentHelp("A CycloneDX SBOM that must describe the (single) file given.", valueName: "file")) var sbom: String?

    func run() throws {
        let policy: AuditPolicy?
        do { policy = try require.map(AuditPolicy.parse) } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if sbom != nil, files.count != 1 {
            FileHandle.standardError.write(Data("error: --sbom checks one executable; pass exactly one file with it\n".utf8))
            throw ExitCode(2)
        }
        var entries: [VerifyEntry] = []
        var worst: Int32 = 0
        var violations: [String] = []
        for file in files {
            do {
                let audit = try Audit.audit(path: file)
                let entry = VerifyEntry.read(audit, sbom: try sbom.map { try SBOMCheck.check(sbom: $0, executable: file) })
                entries.append(entry)
                let extra = policy?.violations(audit) ?? []
                if !audit.kernelOnly || !extra.isEmpty { worst = max(worst, 1) }
                violations += extra.map { "\(file): does not meet --require: \($0)" }
                if let broken = entry.dependenciesError { violations.append("\(file): unreadable .dep-v0 section: \(broken)"); worst = max(worst, 1) }
                if let check = entry.sbom, !check.matches { violations.append(check.mismatch(executable: file)); worst = max(worst, 1) }
            } catch {
                FileHandle.standardError.write(Data("error: \(file): \(error)\n".utf8))
                worst = 2
            }
        }
        print(json ? try VerifyEntry.json(entries) : VerifyEntry.human(entries))
        for v in violations { FileHandle.standardError.write(Data("\(v)\n".utf8)) }
        if worst != 0 { throw ExitCode(worst) }
    }
}

struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "doctor",
        abstract: "List every piece cargo-static found or misses, with the command that installs it, and which rustc `cargo static build` would use in this directory (with its +toolchain, RUSTUP_TOOLCHAIN, override or rust-toolchain file) and whether it would succeed.")
    @Option(help: "The target(s) to check for.", transform: { try Target.list($0) }) var target: [Target] = [try! Target(Target.defaultTriple)]
    @Option(help: "A rustup toolchain name, a rustc path or a sysroot directory.") var toolchain: String?
    @Flag(help: "Print the report as JSON.") var json = false

    func run() throws {
        try execute(Session(context: Invocation.context, quiet: Invocation.quiet), json: json) { session in
            for target in target {
                let report = DoctorReport.collect(target: target, runner: session.runner, store: session.store,
                                                  requested: toolchain.map { ToolchainRequest($0, origin: "--toolchain") } ?? Invocation.toolchainOverride)
                print(json ? try encodeJSON(report) : report.human)
            }
        }
    }
}

struct Cache: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cache",
        abstract: "The cache of standard libraries and generated archives ($CARGO_STATIC_CACHE, else $XDG_CACHE_HOME/cargo-static).",
        subcommands: [List.self, Clean.self, VerifyCache.self, Export.self, Import.self, Push.self, Pull.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List everything in the cache: standard libraries, C libraries, generated archives and zig's cache, with sizes and a total.")
        @Flag(help: "Print as JSON ({cache, entries: [{kind, name, target, detail, sizeBytes, path}], totalBytes}).") var json = false
        func run() throws {
            let session = Session(context: Invocation.context)
            let listing = CacheCommands.listing(session.store)
            print(json ? try encodeJSON(listing) : listing.human)
        }
    }

    struct Clean: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "clean",
            abstract: "Remove cached standard libraries, generated archives and toolchain directories (all, or those whose name contains PATTERN), with their build directories. C libraries: `deps clean`.")
        @Argument(help: "Only entries whose name contains this text.") var pattern: String?
        func run() throws {
            try execute(Session(context: Invocation.context), json: false) { session in
                let removed = try session.store.clean(.std, matching: pattern) + session.store.clean(.archives, matching: pattern)
                    + session.store.clean(.toolchains, matching: pattern)
                print(removed.isEmpty ? "nothing to remove" : removed.map { "removed \($0)" }.joined(separator: "\n"))
            }
        }
    }

    struct VerifyCache: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check every cache entry against its manifest: sizes and SHA-256 digests (builds check sizes on every use).")
        @Flag(help: "Print as JSON.") var json = false
        func run() throws {
            let session = Session(context: Invocation.context)
            let (checked, problems) = CacheCommands.verify(session.store, full: true)
            if json {
                print(try encodeJSON(problems))
            } else {
                print("checked \(checked) entries in \(session.layout.shown): " + (problems.isEmpty ? "all intact" : "\(problems.count) damaged"))
                for p in problems {
                    print("  \(p.entry):\n" + p.problems.map { "    \($0)" }.joined(separator: "\n") + "\n    fix: \(p.clean) (the next build rebuilds it)")
                }
            }
            if !problems.isEmpty { throw ExitCode(1) }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "export",
            abstract: "Write cached standard libraries, C libraries and generated archives to a tar file, to import into another machine's cache.",
            discussion: "Each entry is checked against its manifest first (a damaged one is refused). Example: cargo-static cache export runner.tar x86_64-unknown-linux-musl")
        @Argument(help: "The archive to write.") var file: String
        @Argument(help: "Only entries whose name or target contains one of these texts.") var patterns: [String] = []
        @Flag(help: "Print what was exported as JSON.") var json = false
        func run() throws {
            try execute(Session(context: Invocation.context, quiet: Invocation.quiet), json: json) { session in
                let path = session.context.absolute(file)
                let moved = try CacheTransfer.export(session.store, to: path, matching: patterns, reporter: session.reporter)
                if json { print(try encodeJSON(moved)); return }
                for m in moved { session.reporter.status("Exported", "\(m.entry) (\(humanSize(m.bytes)))") }
                print(path)
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "import",
            abstract: "Add the entries of an archive written by `cache export` to this cache, after checking every file's size and SHA-256 against its entry's manifest.",
            discussion: "A tampered or incomplete archive is refused and nothing is added. Entries the cache already has are kept.")
        @Argument(help: "An archive written by `cargo-static cache export`.") var file: String
        @Flag(help: "Print what was imported as JSON.") var json = false
        func run() throws {
            try execute(Session(context: Invocation.context, quiet: Invocation.quiet), json: json) { session in
                let moved = try CacheTransfer.importArchive(session.context.absolute(file), into: session.store, reporter: session.reporter)
                if json { print(try encodeJSON(moved)); return }
                for m in moved { print("\(m.outcome ?? "")  \(m.entry)  \(humanSize(m.bytes))") }
            }
        }
    }

    struct Push: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "push",
            abstract: "Push cached standard libraries, C libraries and generated archives to an OCI registry (one artifact per entry, tagged as REF).",
            discussion: """
            REF is HOST[:PORT]/REPO[:TAG] (TAG defaults to latest). Each entry is checked against its manifest first, \
            then stored as an OCI artifact whose one blob is the tar `cache export` writes for it; the tag names an image \
            index of them. Plain HTTP is used only for 127.0.0.0/8 and ::1, HTTPS otherwise. Credentials come from \
            REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json or ~/.docker/config.json (`podman login`, `docker login`). \
            Example: cargo-static cache push registry.example.com/ci/cargo-static:x86_64 x86_64-unknown-linux-musl
            """)
        @Argument(help: "HOST[:PORT]/REPO[:TAG]") var reference: String
        @Argument(help: "Only entries whose name or target contains one of these texts.") var patterns: [String] = []
        @Flag(help: "Print what was pushed as JSON.") var json = false
        func run() throws {
            try execute(Session(context: Invocation.context, quiet: Invocation.quiet), json: json) { session in
                let ref = try RegistryReference.parse(reference)
                let moved = try RegistryTransfer.push(session.store, to: ref, matching: patterns, context: session.context, reporter: session.reporter)
                if json { print(try encodeJSON(moved)); return }
                for m in moved { session.reporter.status("Pushed", "\(m.entry) (\(humanSize(UInt64(m.bytes))))") }
                print(ref.description)
            }
        }
    }

    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "pull",
            abstract: "Add the entries pushed to an OCI registry with `cache push` to this cache, with every check of `cache import`.",
            discussion: "REF is HOST[:PORT]/REPO[:TAG]. Every blob's digest is checked on download, and each entry goes through `cache import`'s checks before it is added; entries the cache already has are kept.")
        @Argument(help: "HOST[:PORT]/REPO[:TAG]") var reference: String
        @Flag(help: "Print what was pulled as JSON.") var json = false
        func run() throws {
            try execute(Session(context: Invocation.context, quiet: Invocation.quiet), json: json) { session in
                let ref = try RegistryReference.parse(reference)
                let moved = try RegistryTransfer.pull(session.store, from: ref, context: session.context, reporter: session.reporter)
                if json { print(try encodeJSON(moved)); return }
                for m in moved { print("\(m.outcome)  \(m.entry)  \(humanSize(UInt64(m.bytes)))") }
            }
        }
    }
}

struct Deps: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deps",
        abstract: "C libraries compiled from source for musl targets, cached like the standard library.",
        discussion: """
        `build` needs them automatically: any crate in the project's resolved graph with a `links` \
        key or a -sys name (libgit2-sys, openssl-sys, curl-sys, …), libraries named in Cargo.toml \
        (`[package.metadata.cargo-static] deps = ["ncurses"]`) and --deps. A name is a link name \
        (`git2`), a pkg-config module (`libgit2`), a Debian source package or one of the hand-written \
        recipes (\(NativeLibrary.all.map(\.name).joined(separator: ", "))); cargo-static finds the Debian \
        source package, detects its build system (autotools, CMake, Meson, make) and builds it static \
        for the target, with its dependencies. Sources come from `apt-get source` (needs a deb-src \
        entry) or from --source. Libraries that can never be static (PAM, NSS, GL, Wayland, GTK, libpulse, …) are \
        refused before anything is built, with what to do instead.
        """,
        subcommands: [Build.self, List.self, Clean.self], defaultSubcommand: List.self)

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "build",
            abstract: "Build C libraries (and what they depend on) for the target(s), unless cached.",
            discussion: "Example: cargo-static deps build zlib openssl --target x86_64-unknown-linux-musl,aarch64-unknown-linux-musl")
        @Argument(help: "Library names: a recipe (\(NativeLibrary.all.map(\.name).joined(separator: ", "))), a link name (git2), a pkg-config module (libgit2) or a Debian source package.") var names: [String]
        @Option(help: ArgumentHelp("The musl target(s), comma-separated, or `all-tested`.", valueName: "triple[,triple…]"),
                transform: { try Target.list($0) })
        var target: [Target] = [try! Target(Target.defaultTriple)]
        @Option(name: .customLong("cc"), help: ArgumentHelp("The C toolchain: zig (default), musl-gcc or cross-gcc.", valueName: "kind"),
                transform: { try CToolchain.Kind.parse($0)! })
        var cc: CToolchain.Kind?
        @Option(help: ArgumentHelp("Build the (single) named library from this source directory or tarball instead of Debian's source package, now and in later builds.", valueName: "path"))
        var source: String?
        @Flag(help: "Print the result as JSON on stdout.") var json = false
        @Flag(help: "Print the commands that would run and build nothing (sources whose build system is read from their tree are fetched first).") var dryRun = false

        func run() throws {
            try execute(Session(context: Invocation.context, quiet: Invocation.quiet), json: json) { session in
                try CacheCommands.buildLibraries(names, targets: target, cc: cc, source: source, dryRun: dryRun, json: json, session: session)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the built C libraries with their targets, versions, sizes and prefixes.")
        @Flag(help: "Print as JSON (times in RFC 3339).") var json = false
        func run() throws {
            let session = Session(context: Invocation.context)
            let entries = CacheCommands.libraryEntries(session.store)
            if json { print(try encodeJSON(entries)); return }
            print("C libraries in \(session.layout.area(.deps))")
            if entries.isEmpty { print("  (none built yet: cargo-static deps build NAME)") }
            for e in entries {
                print("  \(e.target)  \(e.library) \(e.version)  \(humanSize(e.sizeBytes))  \(e.origin), built in \(Int(e.buildSeconds)) s  \(e.prefix)")
            }
        }
    }

    struct Clean: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "clean", abstract: "Remove built C libraries (all, or those whose name or target contains PATTERN), with their build directories.")
        @Argument(help: "Only entries whose name or target contains this text.") var pattern: String?
        @Flag(help: "Also remove the downloaded sources (they are fetched again when needed).") var sources = false
        func run() throws {
            try execute(Session(context: Invocation.context), json: false) { session in
                var removed = try session.store.clean(.deps, matching: pattern)
                if sources {
                    removed += try SourceStore(layout: session.layout, runner: session.runner, reporter: session.reporter)
                        .clean(matching: pattern).map { "source \($0)" }
                }
                print(removed.isEmpty ? "nothing to remove" : removed.map { "removed \($0)" }.joined(separator: "\n"))
            }
        }
    }
}

// MARK: - start-up

/// What `main` learnt from the raw command line before ArgumentParser saw it.
enum Invocation {
    static var context = Context.process
    /// Arguments after `--` (for the program or the test harness).
    nonisolated(unsafe) static var programArguments: [String] = []
    /// `+toolchain`, or the RUSTUP_TOOLCHAIN that `cargo +toolchain static …` (or rustup's default) sets.
    nonisolated(unsafe) static var toolchainOverride: ToolchainRequest?
    /// `-q` before the subcommand.
    nonisolated(unsafe) static var quiet = false
}

/// ArgumentParser checks every command line for `--generate-completion-script` by parsing it
/// twice more, as two other commands: a fifth of a no-op build's instructions. A subcommand's
/// line that cannot be asking for a completion script is parsed under a second root that
/// skips that check (a "super-command" root, which only the check and the help text read),
/// and any failure is parsed again under `CargoStatic`, whose errors and help are shown.
enum StartUpParser {
    struct Root: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cargo-static", _superCommandName: "cargo",
                                                        subcommands: CargoStatic.configuration.subcommands)
    }

    static func parse(_ arguments: [String]) throws -> ParsableCommand {
        if let first = arguments.first, first != "help", StartUp.subcommands.contains(first),
           !arguments.contains(where: { $0.hasPrefix("--generate-completion-script") }),
           let command = try? Root.parseAsRoot(arguments), !(command is Root) {
            return command
        }
        return try CargoStatic.parseAsRoot(arguments)
    }
}

var arguments = Array(CommandLine.arguments.dropFirst())
// The generated compiler and linker wrappers call back here: the fast path, no parsing.
if arguments.first == WrapperMode.command { WrapperMode.main(Array(arguments.dropFirst())) }
let start = StartUp.parse(arguments, context: Invocation.context)
Invocation.programArguments = start.programArguments
Invocation.toolchainOverride = start.toolchain
Invocation.quiet = start.quiet
if let message = start.versionText { print(message); exit(0) }
if let error = start.error {
    FileHandle.standardError.write(Data("error: \(error.message)\n\(error.fix.map { "fix: \($0)\n" } ?? "")".utf8))
    exit(error.exitCode)
}
do {
    var command = try StartUpParser.parse(start.arguments)
    try command.run()
} catch let code as ExitCode {
    exit(code.rawValue)
} catch let error as CargoStaticError {
    // Raised while reading the options (cargo's arguments, settings files), before a session.
    FileHandle.standardError.write(Data("\(error.description)\n".utf8))
    exit(error.exitCode)
} catch {
    let code = CargoStatic.exitCode(for: error)
    let message = CargoStatic.fullMessage(for: error)
    if code == .success { print(message); exit(0) }
    FileHandle.standardError.write(Data("error: \(message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message)\n".utf8))
    // ArgumentParser's usage errors (64) become 2, as documented in --help.
    exit(code.rawValue == 64 ? 2 : code.rawValue)
}
