import Foundation

/// Runs the plan's cargo step: cargo's own messages reach the user, its JSON is read for
/// the executables and for what build scripts linked; then every executable is audited
/// against what the plan expects.
struct CargoBuild {
    let runner: Runner
    let reporter: Reporter
    let request: BuildRequest
    var memos = AuditMemos()

    /// `dlopenKnown`: the plan already warned about crates that call dlopen.
    func run(_ step: CargoStep, provided: [ProvidedLibrary], dlopenKnown: Bool = false) throws -> [BuiltExecutable] {
        var messages = CargoMessages()
        var scripts = BuildScriptTracker()
        let passJSON = request.cargo.wantsJSONMessages
        step.rustcInfo?.restore()
        let (result, stderr) = try runner.captureStdoutTeeingStderr(Self.terminalLike(step.command, color: reporter.color, env: runner.context)) { line in
            messages.consume(line)
            scripts.consume(line)
            // `--message-format=json…` asked for cargo's messages: they are the output then.
            if passJSON { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
        }
        try checkHostLibraries(messages, target: step.target, provided: provided)
        guard result.succeeded else {
            let verb = request.mode == .test ? "test" : "build"
            // A build script asked pkg-config for a module nobody built: build it, or say in one line why not.
            let requests = PkgConfigFailure.requests(inCargoStderr: stderr, failedCrates: scripts.failed.map(\.crate))
            if !requests.isEmpty {
                let resolutions = PkgConfigResolution.resolve(requests, alreadyBuilt: provided.map(\.name.name)) {
                    try LibraryResolver.shared.library(for: .pkgConfig($0))
                }
                var builds: [(PkgConfigRequest, String)] = []
                for resolution in resolutions {
                    switch resolution {
                    case .build(let r, let library): builds.append((r, library))
                    case .refused(_, let line):
                        throw CargoStaticError(.notStatic, "cargo \(verb) failed for \(step.target): \(line)", exitCode: 101)
                    case .unknown(_, let line):
                        throw CargoStaticError(.cargoFailed, "cargo \(verb) failed for \(step.target): \(line)", exitCode: 101)
                    }
                }
                throw LibrariesAskedFor(requests: builds)
            }
            // A build script that failed while looking for a C library gets one line of ours,
            // naming the crate, the library and whether cargo-static can build it.
            let diagnosis = LibraryDiagnosis.line(failed: scripts.failed, linked: messages.linkedLibraries.map { ($0.package, $0.libs) },
                                                  provided: provided.map(\.name.name)) { LibraryDiagnosis.verdict($0, resolver: .shared) }
            throw CargoStaticError(.cargoFailed, "cargo \(verb) failed for \(step.target) (its own messages are above)",
                                   fix: diagnosis ?? missingLibraryHint(messages, provided: provided),
                                   exitCode: 101)
        }
        step.rustcInfo?.keep()
        let (executables, callingDlopen) = try audit(messages.artifacts, step)
        if !dlopenKnown {
            for exe in executables where !exe.isTest && callingDlopen.contains(exe.path) {
                reporter.warn(DlopenUse.executableWarning(exe.name))
            }
        }
        return executables
    }

    /// cargo sees a pipe for stderr (kept for its build-script failures, and copied to the
    /// user's stderr): it keeps its colours and progress bar when the user's stderr is a terminal.
    static func terminalLike(_ command: Command, color: Bool, env: Context) -> Command {
        var command = command
        if env["CARGO_TERM_COLOR"] == nil, command.environment["CARGO_TERM_COLOR"] == nil, color {
            command.environment["CARGO_TERM_COLOR"] = "always"
        }
        var size = winsize()
        if isatty(STDERR_FILENO) == 1, ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0,
           env["CARGO_TERM_PROGRESS_WHEN"] == nil {
            command.environment["CARGO_TERM_PROGRESS_WHEN"] = "always"
            command.environment["CARGO_TERM_PROGRESS_WIDTH"] = String(size.ws_col)
        }
        return command
    }

    /// After a failed build: a build script asked for a library cargo-static can build but was not told to.
    private func missingLibraryHint(_ messages: CargoMessages, provided: [ProvidedLibrary]) -> String? {
        for entry in messages.linkedLibraries {
            for lib in entry.libs {
                let name = String(lib.split(separator: "=").last ?? Substring(lib))
                if let recipe = NativeLibrary.providing(link: name), !provided.contains(where: { $0.name == recipe.id }) {
                    return "crate \(entry.package) links `\(name)`, which cargo-static can build for musl: pass --deps \(recipe.name), or add `deps = [\"\(recipe.name)\"]` under [package.metadata.cargo-static] in Cargo.toml"
                }
            }
        }
        return nil
    }

    private func checkHostLibraries(_ messages: CargoMessages, target: Target, provided: [ProvidedLibrary]) throws {
        let bad = messages.hostLinkedLibraries(providedDirectories: provided.map { $0.prefix + "/lib" })
        guard let first = bad.first else { return }
        let list = bad.map { "  crate \($0.package) links `\($0.library)` from \($0.directory)" }.joined(separator: "\n")
        let buildable = NativeLibrary.providing(link: first.library)
        let fix = buildable.map { "cargo-static can build \($0.name) for \(target): pass --deps \($0.name) (or add `deps = [\"\($0.name)\"]` under [package.metadata.cargo-static]) and make the crate find it through pkg-config; or enable the crate's vendored/bundled/static feature" }
            ?? "enable the crate's vendored/bundled/static feature so it compiles the library from source for \(target), or build the library for musl and point the crate at it (e.g. its *_DIR / *_STATIC variables)"
        throw CargoStaticError(.notStatic, "crate \(first.package) links the host library `\(first.library)` (from \(first.directory)), which is built for glibc and cannot be part of a static musl executable",
                               fix: fix, detail: list)
    }

    /// Every executable read by the ELF audit: kernel-only, the right machine, the linkage
    /// and the allocator the plan asked for. Anything else fails the build with the reason.
    private func audit(_ artifacts: [Artifact], _ step: CargoStep) throws -> ([BuiltExecutable], callingDlopen: Set<String>) {
        var out: [BuiltExecutable] = []
        var callingDlopen = Set<String>()
        var failures: [String] = []
        let expect = step.expectations
        defer { memos.save() }
        for artifact in artifacts {
            let (audit, machine, dlopen) = try audited(artifact.path, memos)
            if dlopen { callingDlopen.insert(artifact.path) }
            var problems = audit.problems
            if machine != expect.machine || audit.bits != expect.bits {
                problems.append("built for \(audit.machine) (\(audit.bits)-bit), expected \(step.target.arch)")
            }
            if expect.staticPie && audit.linkage != .staticPie {
                problems.append("expected static-pie, got \(audit.linkage.rawValue)")
            }
            if !expect.allocator.isDetected(in: audit) {
                problems.append("expected the \(expect.allocator.rawValue) allocator, found \(audit.allocator.rawValue) (\(audit.allocatorEvidence))")
            }
            if !problems.isEmpty { failures.append("\(artifact.path): " + problems.joined(separator: "; ")) }
            var built = BuiltExecutable(target: step.target, path: artifact.path, package: artifact.package, packageID: artifact.packageID,
                                        name: artifact.name, isTest: artifact.isTest, audit: audit)
            built.kinds = artifact.kinds
            out.append(built)
        }
        if !failures.isEmpty {
            throw CargoStaticError(.notStatic, "an executable built for \(step.target) failed its checks",
                                   fix: "see the reasons above; `cargo-static verify FILE` shows the full audit",
                                   detail: failures.joined(separator: "\n"))
        }
        return (out, callingDlopen)
    }

    /// The executable's audit: remembered when the file is the one audited before (cargo
    /// changed nothing), else read from it.
    private func audited(_ path: String, _ memos: AuditMemos) throws -> (Audit, UInt16, callsDlopen: Bool) {
        if let known = memos.record(path), let dlopen = known.callsDlopen { return (known.audit, known.machine, dlopen) }
        let identity = AuditMemo.identity(path)
        let elf: ELFFile
        do { elf = try ELFFile.read(path: path) } catch {
            throw CargoStaticError(.notStatic, "cannot read the produced executable \(path): \(error)")
        }
        let audit = Audit(elf)
        let dlopen = DlopenUse.calls(elf)
        if let identity { memos.update(path) { $0 = AuditMemo.Record(identity: identity, machine: elf.machine, audit: audit, callsDlopen: dlopen) } }
        return (audit, elf.machine, dlopen)
    }
}

/// Thrown by the cargo step when build scripts asked pkg-config for modules cargo-static can
/// build: the executor builds them and runs cargo again.
struct LibrariesAskedFor: Error {
    let requests: [(request: PkgConfigRequest, library: String)]
}
