import Foundation

/// How the standard library is compiled. Part of the cache key: a different setting
/// is a different cache entry.
public struct StdSettings: Codable, Equatable {
    public var name: String
    public var profile: String
    public var features: [String]
    public var crates: [String]
    public var rustflags: [String]
    /// Extra `[profile.<profile>]` keys, as TOML values (`opt-level = "\"z\""`).
    /// (Optionals, so settings without them keep the cache keys they always had.)
    public var profileKeys: [String: String]? = nil
    /// The same profile keys for the user's crates, as `CARGO_PROFILE_<NAME>_<KEY>` values:
    /// a crate built against a panic=abort std must itself be panic=abort.
    public var userProfile: [String: String]? = nil
    /// Extra flags for the program's crates (`-Clink-arg=-Os`: zig then builds the libc for size).
    public var userRustflags: [String]? = nil
    /// The program's crates need unstable flags too (`-Cpanic=immediate-abort`): the one
    /// profile that sets RUSTC_BOOTSTRAP for them, on the user's explicit request.
    public var userBootstrap: Bool? = nil

    /// panic=unwind std (with backtraces), plus panic_abort so `panic = "abort"` profiles work too,
    /// and libtest so `cargo-static test` can build test harnesses.
    /// Bitcode is embedded so user crates may use LTO against this std. crt-static is on even
    /// where the target's default is off (riscv64, powerpc64): then no std dylib is attempted,
    /// which would need a host linker for the target.
    public static let standard = StdSettings(
        name: "default", profile: "release",
        features: ["panic-unwind", "backtrace"],
        crates: ["std", "panic_unwind", "panic_abort", "test"],
        rustflags: ["-Zforce-unstable-if-unmarked", "-Cembed-bitcode=yes", "-Ctarget-feature=+crt-static"])

    /// `--std-profile size`: std compiled for size (opt-level z, one codegen unit,
    /// size-optimised algorithms), panic=abort without the unwinder and without the
    /// backtrace symbolizer, and without file:line strings for std's own panics (a panic in
    /// std says `<redacted>`; the program's panics keep their locations). The program
    /// follows: opt-level z, panic=abort, one codegen unit and fat LTO against std's embedded
    /// bitcode, linked without an unwinder. No test harness (tests unwind).
    public static let size = StdSettings(
        name: "size", profile: "release",
        features: ["optimize_for_size"],
        crates: ["std", "panic_abort"],
        rustflags: ["-Zforce-unstable-if-unmarked", "-Cembed-bitcode=yes", "-Ctarget-feature=+crt-static", "-Cforce-unwind-tables=no",
                    "-Zlocation-detail=none"],
        profileKeys: ["opt-level": "\"z\"", "codegen-units": "1", "panic": "\"abort\""],
        userProfile: ["OPT_LEVEL": "z", "PANIC": "abort", "CODEGEN_UNITS": "1", "LTO": "fat"],
        userRustflags: ["-Cforce-unwind-tables=no", "-Clink-arg=-Os"])

    /// `--std-profile min`: `size`, and panics abort on the spot (panic=immediate-abort:
    /// no message, no formatting or unwinding code at all). That strategy is unstable, so
    /// the program's crates are compiled with RUSTC_BOOTSTRAP=1 and -Zunstable-options.
    public static let min = StdSettings(
        name: "min", profile: "release",
        features: ["optimize_for_size"],
        crates: ["std", "panic_abort"],
        rustflags: ["-Zforce-unstable-if-unmarked", "-Cembed-bitcode=yes", "-Ctarget-feature=+crt-static", "-Cforce-unwind-tables=no",
                    "-Zunstable-options", "-Cpanic=immediate-abort"],
        profileKeys: ["opt-level": "\"z\"", "codegen-units": "1"],
        userProfile: ["OPT_LEVEL": "z", "PANIC": "abort", "CODEGEN_UNITS": "1", "LTO": "fat"],
        userRustflags: ["-Cforce-unwind-tables=no", "-Zunstable-options", "-Cpanic=immediate-abort", "-Clink-arg=-Os"],
        userBootstrap: true)

    public static let profiles: [StdSettings] = [.standard, .size, .min]

    /// `--std-profile NAME`.
    public static func named(_ name: String?) throws -> StdSettings {
        if let found = profiles.first(where: { $0.name == (name ?? "default") }) { return found }
        throw CargoStaticError(.badInput, "unknown std profile `\(name ?? "")`",
                               fix: "use --std-profile default (speed, unwinding, backtraces), size (small, panic=abort) or min (smallest, panics abort without a message)")
    }

    /// The allocator without --allocator: the size profiles keep the libc's malloc, which
    /// is far smaller than mimalloc (docs/benchmarks.md has both sizes).
    public var defaultAllocator: Allocator { userProfile?["OPT_LEVEL"] == "z" ? .musl : .default }

    /// Whether std itself is compiled with a panic strategy in its flags (then panic_abort follows it).
    var setsPanicStrategy: Bool { rustflags.contains { $0.hasPrefix("-Cpanic=") } }

    /// Whether programs built against this std need a real unwinder: for unwinding panics or
    /// for backtraces. The size profiles need neither (`UnwinderStub` stands in).
    public var needsUnwinder: Bool { features.contains("panic-unwind") || features.contains("backtrace") }

    /// Whether `cargo-static test` can use this std (the test harness needs unwinding and libtest).
    public var supportsTests: Bool { crates.contains("test") }
}

/// The cargo invocation that compiles std from a rust-src tree, offline, using the
/// tree's vendored dependencies. A tiny generated workspace depends on std by path, so
/// std's own dev-dependencies (not vendored) never enter the resolution.
public struct StdBuildPlan {
    public let toolchain: Toolchain
    public let target: Target
    public let library: String
    public let settings: StdSettings
    public let workDir: String
    public let cargoHome: String

    public var workspaceDir: String { workDir + "/workspace" }
    public var targetDir: String { workDir + "/target" }
    public var outputDir: String { "\(targetDir)/\(target.triple)/\(settings.profile)/deps" }

    public var manifest: String {
        func dep(_ name: String, _ extra: String = "") -> String { "\(name) = { path = \"\(library)/\(name)\"\(extra) }" }
        let features = settings.features.map { "\"\($0)\"" }.joined(separator: ", ")
        return """
        # Generated by cargo-static: builds the standard library for \(target) from \(library).
        cargo-features = ["profile-rustflags"]

        [package]
        name = "cargo-static-std"
        version = "0.0.0"
        edition = "2021"

        [lib]
        path = "lib.rs"

        [dependencies]
        \(settings.crates.map { dep($0, $0 == "std" ? ", features = [\(features)]" : "") }.joined(separator: "\n"))

        [patch.crates-io]
        \(dep("rustc-std-workspace-core"))
        \(dep("rustc-std-workspace-alloc"))
        \(dep("rustc-std-workspace-std"))

        [profile.\(settings.profile)]
        debug = 0
        \((settings.profileKeys ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: "\n"))

        # As in the library's own workspace: one object per intrinsic avoids clashes with libgcc.
        [profile.\(settings.profile).package.compiler_builtins]
        codegen-units = 10000

        \(settings.setsPanicStrategy ? "" : """
        # panic_abort is always compiled with panic=abort.
        [profile.\(settings.profile).package.panic_abort]
        rustflags = ["-Cpanic=abort"]
        """)

        """
    }

    /// Environment for the std build. RUSTC_BOOTSTRAP is allowed here, and only here.
    public var environment: [String: String] {
        [
            "RUSTC": toolchain.rustc,
            "RUSTC_BOOTSTRAP": "1",
            "CARGO_HOME": cargoHome,
            "RUSTFLAGS": settings.rustflags.joined(separator: " "),
        ]
    }

    /// Variables from the user's shell that would change how std is compiled.
    public static let unsetVariables = ["CARGO_ENCODED_RUSTFLAGS", "CARGO_BUILD_RUSTFLAGS", "RUSTC_WRAPPER",
                                        "RUSTC_WORKSPACE_WRAPPER", "CARGO_TARGET_DIR", "CARGO_BUILD_TARGET"]

    private var commonArguments: [String] {
        ["build", "--offline", "--profile", settings.profile, "--target", target.triple,
         "--target-dir", targetDir,
         "--config", "source.crates-io.replace-with=\"cargo-static-vendored\"",
         "--config", "source.cargo-static-vendored.directory=\"\(library)/vendor\""]
            + settings.crates.flatMap { ["-p", $0] }
    }

    public var buildCommand: Command {
        Command(toolchain.cargo, commonArguments + ["--message-format=json-render-diagnostics"],
                environment: environment, unset: Self.unsetVariables, directory: workspaceDir)
    }

    /// The same build asked only for its unit graph, to know the total for progress.
    var unitGraphCommand: Command {
        Command(toolchain.cargo, commonArguments + ["--unit-graph", "-Zunstable-options"],
                environment: environment, unset: Self.unsetVariables, directory: workspaceDir)
    }

    /// Writes the generated workspace (idempotent).
    func writeWorkspace() throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: workspaceDir, withIntermediateDirectories: true)
        try manifest.write(toFile: workspaceDir + "/Cargo.toml", atomically: true, encoding: .utf8)
        try "#![no_std]\n".write(toFile: workspaceDir + "/lib.rs", atomically: true, encoding: .utf8)
        // The library's lock file pins the vendored versions.
        let lock = workspaceDir + "/Cargo.lock"
        if !fm.fileExists(atPath: lock) { try fm.copyItem(atPath: library + "/Cargo.lock", toPath: lock) }
    }
}

/// Runs a `StdBuildPlan`, reporting progress as units done / total.
struct StdBuilder {
    let runner: Runner
    let reporter: Reporter

    func build(_ plan: StdBuildPlan) throws -> [String] {
        try plan.writeWorkspace()
        let total = unitCount(plan)
        var done = 0
        let label = "building std for \(plan.target)"
        reporter.progress(label, done: 0, total: total)
        let result = try runner.capture(plan.buildCommand) { line in
            guard line.hasPrefix("{"), line.contains("\"reason\":\"compiler-artifact\"") else { return }
            done += 1
            reporter.progress(label, done: done, total: max(total, done), item: StdBuilder.crateName(line))
        }
        reporter.endProgress()
        guard result.succeeded else {
            if DiskSpace.isFull(result.output) { throw DiskSpace.error(at: plan.workDir, output: result.output) }
            throw CargoStaticError(.stdBuildFailed, "building the standard library for \(plan.target) from \(plan.library) failed",
                                   fix: "check that the rust-src tree matches the rustc (\(plan.toolchain.release)); `cargo-static plan` shows the command to run by hand",
                                   detail: Runner.failureReport(CommandResult(command: result.command, status: result.status,
                                                                              output: StdBuilder.humanLines(result.output))))
        }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: plan.outputDir)) ?? []
        let rlibs = files.filter { $0.hasSuffix(".rlib") }.sorted()
        guard rlibs.contains(where: { $0.hasPrefix("libstd") }) else {
            throw CargoStaticError(.stdBuildFailed, "the std build finished but produced no libstd in \(plan.outputDir)")
        }
        return rlibs.map { plan.outputDir + "/" + $0 }
    }

    private func unitCount(_ plan: StdBuildPlan) -> Int {
        guard let r = try? runner.capture(plan.unitGraphCommand), r.succeeded,
              let start = r.output.firstIndex(of: "{"),
              let json = try? JSONSerialization.jsonObject(with: Data(r.output[start...].utf8)) as? [String: Any],
              let units = json["units"] as? [Any] else { return 0 }
        // Build-script runs produce no compiler-artifact message.
        return units.filter { (($0 as? [String: Any])?["mode"] as? String) == "build" }.count
    }

    static func crateName(_ line: String) -> String? {
        guard let data = line.data(using: .utf8),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let target = obj["target"] as? [String: Any] else { return nil }
        return target["name"] as? String
    }

    /// Drops JSON message lines so a failure report shows what a person reads.
    static func humanLines(_ output: String) -> String {
        output.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("{") }.joined(separator: "\n")
    }
}
