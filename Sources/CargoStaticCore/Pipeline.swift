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
                let (name, key) = SysrootCache.entryID(choice.toolchain, target, .standard, library: library)
                (sysroot, entry) = (cache.sysrootPath(name), name)
                if cache.lookup(name, key: key) == nil {
                    stdBuild = StdProvider(cache: cache, runner: runner, reporter: reporter).plan(choice.toolchain, target, library: library).buildCommand
                }
            }
            let cargo = CargoInvocation.command(mode: request.mode, target: target, toolchain: choice.toolchain, sysroot: sysroot,
                                                cc: cc, pie: request.pie, cargoArguments: request.cargoArguments, directory: request.directory)
            plans.append(.init(target: target, toolchain: choice.toolchain, toolchainReason: choice.reason, std: choice.std,
                               sysroot: sysroot, stdCacheEntry: entry, stdBuild: stdBuild, cToolchain: cc, cargo: cargo))
        }
        return BuildPlan(manifest: manifest, mode: request.mode, pie: request.pie, targets: plans)
    }

    public func run() throws -> [TargetResult] {
        _ = try request.manifestPath()   // fail early, before any std build, outside a project
        return try request.targets.map { try build(target: $0) }
    }

    private func build(target: Target) throws -> TargetResult {
        let started = Date()
        let choice = try ToolchainDiscovery(runner: runner, probes: ProbeCache(root: cache.root)).choose(for: target, requested: request.toolchain)
        announce(choice, target)
        let cc = try CToolchainDiscovery(runner: runner, cacheRoot: cache.root).find(target, preferred: request.cToolchain)
        reporter.detail("C toolchain: \(cc.version) (\(cc.cc))")
        guard cc.providesUnwinder || hasPanicAbortOnly() else {
            throw CargoStaticError(.noCToolchain, "\(cc.kind.rawValue) has no static unwinder built for musl, which panic=unwind needs",
                                   fix: "use zig (the default: `python3 -m pip install ziglang`, then drop --cc), or set panic = \"abort\" in the profile")
        }
        var sysroot: String? = nil, entry: String? = nil
        var stdOutcome = StdProvider.Outcome.prebuilt
        if case .fromSource(let library) = choice.std {
            let got = try StdProvider(cache: cache, runner: runner, reporter: reporter).ensure(choice.toolchain, target, library: library)
            (sysroot, stdOutcome, entry) = (got.sysroot, got.outcome, got.name)
        }
        reporter.event("std for \(target): \(stdOutcome.rawValue)" + (entry.map { " (\($0))" } ?? ""))

        let command = CargoInvocation.command(mode: request.mode, target: target, toolchain: choice.toolchain, sysroot: sysroot,
                                              cc: cc, pie: request.pie, cargoArguments: request.cargoArguments, directory: request.directory)
        var messages = CargoMessages()
        let result = try runner.captureStdout(command) { messages.consume($0) }
        try checkHostLibraries(messages, target: target)
        guard result.succeeded else {
            throw CargoStaticError(.cargoFailed, "cargo \(request.mode == .test ? "test" : "build") failed for \(target) (its own messages are above)",
                                   fix: "fix the error cargo reported; `cargo-static plan` shows the exact command and environment to reproduce it",
                                   exitCode: result.status == 0 ? 1 : result.status)
        }
        let executables = try verify(messages.artifacts, target: target)
        return TargetResult(target: target.triple, toolchain: choice.toolchain.name, rustcRelease: choice.toolchain.release,
                            std: stdOutcome.rawValue, stdCacheEntry: entry, cToolchain: cc.version,
                            executables: executables, seconds: Date().timeIntervalSince(started))
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
        throw CargoStaticError(.notStatic, "crate \(first.package) links the host library `\(first.library)` (from \(first.directory)), which is built for glibc and cannot be part of a static musl executable",
                               fix: "enable the crate's vendored/bundled/static feature so it compiles the library from source for \(target), or build the library for musl and point the crate at it (e.g. its *_DIR / *_STATIC variables or PKG_CONFIG_PATH)",
                               detail: list)
    }

    private func verify(_ artifacts: [Artifact], target: Target) throws -> [BuiltExecutable] {
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
            if !problems.isEmpty { failures.append("\(artifact.path): " + problems.joined(separator: "; ")) }
            out.append(BuiltExecutable(target: target.triple, path: artifact.path, package: artifact.package,
                                       name: artifact.name, isTest: artifact.isTest, audit: audit))
        }
        if !failures.isEmpty {
            throw CargoStaticError(.notStatic, "an executable built for \(target) is not fully static",
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
