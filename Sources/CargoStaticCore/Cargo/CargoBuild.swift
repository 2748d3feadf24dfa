import Foundation

/// Runs the plan's cargo step: cargo's own messages reach the user, its JSON is read for
/// the executables and for what build scripts linked; then every executable is audited
/// against what the plan expects.
struct CargoBuild {
    let runner: Runner
    let reporter: Reporter
    let request: BuildRequest

    func run(_ step: CargoStep, provided: [ProvidedLibrary]) throws -> [BuiltExecutable] {
        var messages = CargoMessages()
        var scripts = BuildScriptTracker()
        let passJSON = request.cargo.wantsJSONMessages
        let result = try runner.captureStdout(step.command) { line in
            messages.consume(line)
            scripts.consume(line)
            // `--message-format=json…` asked for cargo's messages: they are the output then.
            if passJSON { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
        }
        try checkHostLibraries(messages, target: step.target)
        guard result.succeeded else {
            let verb = request.mode == .test ? "test" : "build"
            // A build script that failed while looking for a C library gets one line of ours,
            // naming the crate, the library and whether cargo-static can build it.
            let diagnosis = LibraryDiagnosis.line(failed: scripts.failed, linked: messages.linkedLibraries.map { ($0.package, $0.libs) },
                                                  provided: provided.map(\.name)) { LibraryDiagnosis.verdict($0, resolver: .shared) }
            throw CargoStaticError(.cargoFailed, "cargo \(verb) failed for \(step.target) (its own messages are above)",
                                   fix: diagnosis ?? missingLibraryHint(messages, provided: provided),
                                   exitCode: 101)
        }
        return try audit(messages.artifacts, step)
    }

    /// After a failed build: a build script asked for a library cargo-static can build but was not told to.
    private func missingLibraryHint(_ messages: CargoMessages, provided: [ProvidedLibrary]) -> String? {
        for entry in messages.linkedLibraries {
            for lib in entry.libs {
                let name = String(lib.split(separator: "=").last ?? Substring(lib))
                if let recipe = NativeLibrary.providing(link: name), !provided.contains(where: { $0.name == recipe.name }) {
                    return "crate \(entry.package) links `\(name)`, which cargo-static can build for musl: pass --deps \(recipe.name), or add `deps = [\"\(recipe.name)\"]` under [package.metadata.cargo-static] in Cargo.toml"
                }
            }
        }
        return nil
    }

    private func checkHostLibraries(_ messages: CargoMessages, target: Target) throws {
        let bad = messages.hostLinkedLibraries()
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
    private func audit(_ artifacts: [Artifact], _ step: CargoStep) throws -> [BuiltExecutable] {
        var out: [BuiltExecutable] = []
        var failures: [String] = []
        let expect = step.expectations
        for artifact in artifacts {
            let elf: ELFFile
            do { elf = try ELFFile.read(path: artifact.path) } catch {
                throw CargoStaticError(.notStatic, "cannot read the produced executable \(artifact.path): \(error)")
            }
            let audit = Audit(elf)
            var problems = audit.problems
            if elf.machine != expect.machine || audit.bits != expect.bits {
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
        return out
    }
}
