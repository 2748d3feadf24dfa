import Foundation

/// The result for one produced executable.
public struct BuiltExecutable: Codable {
    public let target: String
    public let path: String
    public let package: String
    public let name: String
    public let isTest: Bool
    public let audit: Audit
    public var verdict: String { Verdict.line(audit) }
}

/// The result for one target.
public struct TargetResult: Codable {
    public let target: String
    public let toolchain: String
    public let rustcRelease: String
    public let std: String          // "prebuilt", "cache hit", "built", ...
    public let stdCacheEntry: String?
    public let cToolchain: String
    /// C libraries built for (or found cached for) this target's -sys crates.
    public let nativeLibraries: [ProvidedLibrary]
    /// The malloc linked into the executables (each one's audit confirms it).
    public let allocator: Allocator
    public let executables: [BuiltExecutable]
    public let seconds: Double
}

/// The whole pipeline: toolchain -> std -> C toolchain -> cargo -> check every output.
public final class StaticBuild {
    public let request: BuildRequest
    public let runner: Runner
    public let reporter: Reporter
    public let cache: SysrootCache

    public init(request: BuildRequest, runner: Runner, reporter: Reporter, cache: SysrootCache = SysrootCache()) {
        self.request = request
        self.runner = runner
        self.reporter = reporter
        self.cache = cache
    }

    /// The plan without side effects beyond probing tools and writing compiler wrappers.
    public func plan() throws -> BuildPlan {
        let manifest = try request.manifestPath()
        let discovery = ToolchainDiscovery(runner: runner, probes: ProbeCache(root: cache.root))
        var plans: [BuildPlan.TargetPlan] = []
        for target in request.targets {
            let choice = try discovery.choose(for: target, requested: request.toolchain)
            let cc = try CToolchainDiscovery(runner: runner, cacheRoot: cache.root).find(target, preferred: request.cToolchain)
            var sysroot: String? = nil, entry: String? = nil, stdBuild: Command? = nil
            if case .fromSource(let library) = choice.std {
                let (name, key) = SysrootCache.entryID(choice.toolchain, target, request.stdSettings, library: library)
                (sysroot, entry) = (cache.sysrootPath(name), name)
                if cache.lookup(name, key: key) == nil {
                    stdBuild = StdProvider(cache: cache, runner: runner, reporter: reporter)
                        .plan(choice.toolchain, target, library: library, settings: request.stdSettings).buildCommand
                }
            }
            let requirements = try NativeDependencyScan(runner: runner, toolchain: choice.toolchain, request: request).requirements(for: target)
            let allocator = request.chosenAllocator
            let provider = LibraryProvider(cacheRoot: cache.root, runner: runner, reporter: reporter)
            let libraryPlans = try provider.plan(requirements.map(\.library) + [allocator.library].compactMap { $0 }, target: target, toolchain: cc)
            let provided = libraryPlans.map { p in
                ProvidedLibrary(name: p.library, version: "", outcome: p.cached ? .hit : .built,
                                prefix: p.entry.map { provider.cache.prefix(target, $0) } ?? "<\(p.library) prefix>", entry: p.entry ?? p.library)
            }
            // The linker wrapper names the allocator's cache entry: known once its source is fetched.
            let heapPlan = libraryPlans.first { $0.library == allocator.library }
            let heap = provided.first { $0.name == allocator.library && heapPlan?.entry != nil }
            let stub = try unwinderStub(cc)
            let linker = heapPlan != nil && heap == nil
                ? "<the \(allocator.rawValue) linker wrapper, written once its source is fetched>"
                : try LinkerWrapper.write(allocator: allocator, library: heap, unwinderStub: stub, toolchain: cc)
            let cargo = CargoInvocation.command(mode: request.mode, target: target, toolchain: choice.toolchain, sysroot: sysroot,
                                                cc: cc, pie: request.pie, cargoArguments: request.cargoArguments, directory: request.directory,
                                                libraries: provided.filter { $0.name != allocator.library }, linker: linker,
                                                settings: request.stdSettings, strip: request.strip)
            plans.append(.init(target: target, toolchain: choice.toolchain, toolchainReason: choice.reason, std: choice.std,
                               sysroot: sysroot, stdCacheEntry: entry, stdBuild: stdBuild, cToolchain: cc,
                               requirements: requirements, libraries: libraryPlans, allocator: allocator, unwinderStub: stub, linker: linker, cargo: cargo))
        }
        return BuildPlan(manifest: manifest, mode: request.mode, pie: request.pie, targets: plans)
    }

    public func run() throws -> [TargetResult] {
        _ = try request.manifestPath()   // fail early, before any std build, outside a project
        if request.mode == .test && !request.stdSettings.supportsTests {
            throw CargoStaticError(.badInput, "the \(request.stdSettings.name) std profile has no test harness (it is built panic=abort, without libtest)",
                                   fix: "run the tests with the default std profile: cargo-static test (without --std-profile)")
        }
        return try request.targets.map { try build(target: $0) }
    }

    private func build(target: Target) throws -> TargetResult {
        let started = Date()
        let choice = try ToolchainDiscovery(runner: runner, probes: ProbeCache(root: cache.root)).choose(for: target, requested: request.toolchain)
        announce(choice, target)
        if request.stdSettings.userBootstrap == true {
            reporter.info("note: --std-profile \(request.stdSettings.name) compiles your crates with RUSTC_BOOTSTRAP=1 and -Cpanic=immediate-abort (unstable); a crate that behaves differently under RUSTC_BOOTSTRAP may fail: use --std-profile size then")
        }
        let cc = try CToolchainDiscovery(runner: runner, cacheRoot: cache.root).find(target, preferred: request.cToolchain)
        reporter.detail("C toolchain: \(cc.version) (\(cc.cc))")
        guard cc.providesUnwinder || !request.stdSettings.needsUnwinder || hasPanicAbortOnly() else {
            throw CargoStaticError(.noCToolchain, "\(cc.kind.rawValue) has no static unwinder built for musl, which panic=unwind needs",
                                   fix: "use zig (the default: `python3 -m pip install ziglang`, then drop --cc), or set panic = \"abort\" in the profile")
        }
        var sysroot: String? = nil, entry: String? = nil
        var stdOutcome = StdProvider.Outcome.prebuilt
        if case .fromSource(let library) = choice.std {
            let got = try StdProvider(cache: cache, runner: runner, reporter: reporter)
                .ensure(choice.toolchain, target, library: library, settings: request.stdSettings)
            (sysroot, stdOutcome, entry) = (got.sysroot, got.outcome, got.name)
        }
        reporter.event("std for \(target): \(stdOutcome.rawValue)" + (entry.map { " (\($0))" } ?? ""))
        let libraries = try provideLibraries(choice.toolchain, target, cc)
        let (allocator, heap) = try provideAllocator(target, cc)
        let linker = try LinkerWrapper.write(allocator: allocator, library: heap, unwinderStub: try unwinderStub(cc), toolchain: cc)

        let command = CargoInvocation.command(mode: request.mode, target: target, toolchain: choice.toolchain, sysroot: sysroot,
                                              cc: cc, pie: request.pie, cargoArguments: request.cargoArguments, directory: request.directory,
                                              libraries: libraries, linker: linker, settings: request.stdSettings, strip: request.strip)
        var messages = CargoMessages()
        var scripts = BuildScriptTracker()
        let result = try runner.captureStdout(command) { messages.consume($0); scripts.consume($0) }
        try checkHostLibraries(messages, target: target)
        guard result.succeeded else {
            let diagnosis = LibraryDiagnosis.line(failed: scripts.failed, linked: messages.linkedLibraries.map { ($0.package, $0.libs) },
                                                  provided: libraries.map(\.name)) { LibraryDiagnosis.verdict($0, resolver: .shared) }
            throw CargoStaticError(.cargoFailed, "cargo \(request.mode == .test ? "test" : "build") failed for \(target) (its own messages are above)",
                                   fix: diagnosis ?? missingLibraryHint(messages, provided: libraries)
                                       ?? "fix the error cargo reported; `cargo-static plan` shows the exact command and environment to reproduce it",
                                   exitCode: result.status == 0 ? 1 : result.status)
        }
        let executables = try verify(messages.artifacts, target: target, allocator: allocator)
        return TargetResult(target: target.triple, toolchain: choice.toolchain.name, rustcRelease: choice.toolchain.release,
                            std: stdOutcome.rawValue, stdCacheEntry: entry, cToolchain: cc.version, nativeLibraries: libraries,
                            allocator: allocator, executables: executables, seconds: Date().timeIntervalSince(started))
    }

    /// The C libraries the project's -sys crates (and `deps` metadata, `--deps`) need, from the cache or built now.
    private func provideLibraries(_ toolchain: Toolchain, _ target: Target, _ cc: CToolchain) throws -> [ProvidedLibrary] {
        let requirements = try NativeDependencyScan(runner: runner, toolchain: toolchain, request: request).requirements(for: target)
        guard !requirements.isEmpty else { return [] }
        for r in requirements { reporter.detail("C library \(r.library): needed by \(r.reason)") }
        let libraries = try LibraryProvider(cacheRoot: cache.root, runner: runner, reporter: reporter)
            .ensure(requirements.map(\.library), target: target, toolchain: cc)
        reporter.event("C libraries for \(target): " + libraries.map { "\($0.name) \($0.version) (\($0.outcome.rawValue))" }.joined(separator: ", "))
        return libraries
    }

    /// The unwinder stand-ins, for std profiles that never unwind (nil: rustc's -lunwind stays).
    private func unwinderStub(_ cc: CToolchain) throws -> String? {
        request.stdSettings.needsUnwinder ? nil : try UnwinderStub.ensure(for: cc, runner: runner)
    }

    /// The allocator and its library (cached or built now; nil for the libc's malloc).
    /// An explicit `--allocator` must be honoured; the default falls back to the libc's malloc,
    /// with a warning, where its source cannot be had (no deb-src entry on an offline machine).
    private func provideAllocator(_ target: Target, _ cc: CToolchain) throws -> (Allocator, ProvidedLibrary?) {
        let allocator = request.chosenAllocator
        guard let name = allocator.library else { return (allocator, nil) }
        do {
            let provided = try LibraryProvider(cacheRoot: cache.root, runner: runner, reporter: reporter)
                .ensure([name], target: target, toolchain: cc)
            guard let library = provided.last else { return (.musl, nil) }
            reporter.event("allocator for \(target): \(allocator.rawValue) \(library.version) (\(library.outcome.rawValue))")
            return (allocator, library)
        } catch let error as CargoStaticError where request.allocator == nil {
            reporter.warn("the default allocator, \(allocator.rawValue), is not available for \(target): \(error.message); "
                          + "linking the libc's own malloc instead (pass --allocator musl to silence this, or fix: \(error.fix ?? "see above"))")
            return (.musl, nil)
        }
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

    private func announce(_ choice: ToolchainChoice, _ target: Target) {
        let tc = choice.toolchain
        reporter.info("toolchain: rustc \(tc.release) at \(tc.rustc) — \(choice.reason)")
        if let def = choice.differsFromDefault {
            reporter.info("note: this is not your default rustc (\(def.release) at \(def.rustc)), which cannot build for \(target)")
        }
    }

    /// Reads the profile setting cheaply: only a crate built with panic = "abort" can do without an unwinder.
    private func hasPanicAbortOnly() -> Bool {
        guard let manifest = try? request.manifestPath(), let text = try? String(contentsOfFile: manifest, encoding: .utf8) else { return false }
        return text.contains("panic = \"abort\"") && !text.contains("panic = \"unwind\"")
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

    private func verify(_ artifacts: [Artifact], target: Target, allocator: Allocator) throws -> [BuiltExecutable] {
        var out: [BuiltExecutable] = []
        var failures: [String] = []
        for artifact in artifacts {
            let elf: ELFFile
            do { elf = try ELFFile.read(path: artifact.path) } catch {
                throw CargoStaticError(.notStatic, "cannot read the produced executable \(artifact.path): \(error)")
            }
            let audit = Audit(elf)
            var problems = audit.problems
            if elf.machine != target.info.elfMachine || audit.bits != target.info.bits {
                problems.append("built for \(audit.machine) (\(audit.bits)-bit), expected \(target.arch)")
            }
            if request.pie && target.info.staticPie && audit.linkage != .staticPIE {
                problems.append("expected static-pie, got \(audit.linkage.rawValue)")
            }
            if !allocator.isDetected(in: audit) {
                problems.append("expected the \(allocator.rawValue) allocator, found \(audit.allocator.rawValue) (\(audit.allocatorEvidence))")
            }
            if !problems.isEmpty { failures.append("\(artifact.path): " + problems.joined(separator: "; ")) }
            out.append(BuiltExecutable(target: target.triple, path: artifact.path, package: artifact.package,
                                       name: artifact.name, isTest: artifact.isTest, audit: audit))
        }
        if !failures.isEmpty {
            throw CargoStaticError(.notStatic, "an executable built for \(target) failed its checks",
                                   fix: "see the reasons above; `cargo-static verify FILE` shows the full audit",
                                   detail: failures.joined(separator: "\n"))
        }
        return out
    }
}

/// One-line verdicts for people.
public enum Verdict {
    public static func line(_ a: Audit) -> String {
        var parts = [a.linkage.rawValue]
        parts.append(a.interpreter == nil ? "no interpreter" : "interpreter \(a.interpreter!)")
        parts.append(a.needed.isEmpty ? "no shared libraries" : "needs \(a.needed.joined(separator: ", "))")
        parts.append("\(a.relro.rawValue) RELRO")
        parts.append(a.nx ? "NX" : "executable stack")
        return parts.joined(separator: ", ")
    }
}
