import CargoStaticCore
import Foundation
import XCTest

/// Each fixture crate: built for x86_64 musl, found fully static by the ELF check,
/// run inside an empty root filesystem, its output asserted.
final class FixtureTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    /// Builds `name` with `--release --json`, checks the verdict, and returns the executable path.
    private func buildStatic(_ name: String, extra: [String] = []) throws -> (dir: String, exe: String, result: TargetResult) {
        let dir = try Harness.fixture(name)
        let out = try Harness.run(["build", "--release", "--json"] + extra, in: dir)
        XCTAssertEqual(out.status, 0, out.all)
        let exe = try Harness.onlyExecutable(out)
        XCTAssertEqual(exe.audit.linkage, .staticPie, out.all)
        XCTAssertTrue(exe.audit.kernelOnly, out.all)
        XCTAssertNil(exe.audit.interpreter)
        XCTAssertEqual(exe.audit.needed, [])
        XCTAssertEqual(exe.audit.relro, .full)
        XCTAssertTrue(exe.audit.nx)
        XCTAssertEqual(exe.audit.libc, .musl, "\(exe.audit)")
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: exe.path))
        return (dir, exe.path, try Harness.onlyResult(out))
    }

    private func runInEmptyRoot(_ dir: String, _ programArgs: [String] = [], env: [String: String] = [:]) throws -> Harness.Output {
        let out = try Harness.run(["run", "--release", "--empty-root"] + Harness.passed(env) + ["--"] + programArgs, in: dir, environment: env)
        XCTAssertEqual(out.status, 0, out.all)
        XCTAssertTrue(out.stderr.contains("in an empty root"), out.stderr)
        return out
    }

    func testHello() throws {
        let (dir, exe, _) = try buildStatic("hello")
        let verify = try Harness.run(["verify", "--require", "static-pie,relro=full,nx", exe], in: dir)
        XCTAssertEqual(verify.status, 0, verify.all)
        XCTAssertTrue(verify.stdout.contains("kernel-only"), verify.stdout)
        let out = try runInEmptyRoot(dir, ["one", "two words"])
        XCTAssertTrue(out.stdout.contains(#"Hello from a static executable! args=["one", "two words"]"#), out.all)
    }

    /// `--split-debug`: the executable ships without debug info and names `<exe>.debug`,
    /// which holds it (the plan's debugFiles step, after cargo).
    func testSplitDebugPutsTheDebugInfoBesideTheExecutable() throws {
        let (_, exe, _) = try buildStatic("hello", extra: ["--split-debug"])
        let shipped = try ELFFile.read(path: exe).sections.map(\.name)
        XCTAssertTrue(shipped.contains(".gnu_debuglink"), "\(shipped)")
        XCTAssertFalse(shipped.contains(".debug_info"), "\(shipped)")
        // A debug-only file keeps the program headers of the executable over empty sections,
        // which the audit's strict reader refuses: its section names are looked for as bytes.
        let debug = try Data(contentsOf: URL(fileURLWithPath: exe + ".debug"))
        XCTAssertNotNil(debug.range(of: Data(".debug_info\0".utf8)), "the .debug file holds no debug info")
        let link = try Data(contentsOf: URL(fileURLWithPath: exe))
        XCTAssertNotNil(link.range(of: Data(((exe as NSString).lastPathComponent + ".debug\0").utf8)), "the debug link names another file")
    }

    func testPanicUnwindAndBacktrace() throws {
        let (dir, exe, _) = try buildStatic("panic-unwind")
        let out = try runInEmptyRoot(dir)
        XCTAssertTrue(out.stdout.contains("caught panic: intentional panic at the bottom"), out.all)
        XCTAssertTrue(out.stdout.contains("guard dropped during unwind"), out.all)
        XCTAssertTrue(out.stdout.contains("second caught: true"), out.all)
        XCTAssertTrue(out.stdout.contains("backtrace status: captured"), out.all)
        XCTAssertTrue(out.stderr.contains("hook saw:"), out.all)
        // Outside the empty root, /proc/self/exe lets the backtrace resolve names.
        let direct = try Self.runDirect(exe)
        XCTAssertTrue(direct.contains("backtrace names main: true"), direct)
        XCTAssertTrue(direct.contains("backtrace has source lines: true"), direct)
        let frames = direct.split(separator: "\n").first { $0.hasPrefix("backtrace frames: ") }
            .flatMap { Int($0.dropFirst("backtrace frames: ".count)) } ?? 0
        XCTAssertGreaterThan(frames, 2, direct)
    }

    func testThreadsAndThreadLocals() throws {
        let (dir, _, _) = try buildStatic("threads")
        let out = try runInEmptyRoot(dir)
        XCTAssertTrue(out.stdout.contains("threads: 8"), out.all)
        XCTAssertTrue(out.stdout.contains("total: 8000"), out.all)
        XCTAssertTrue(out.stdout.contains("main thread-local untouched: 0"), out.all)
    }

    func testTcpEchoOverLoopback() throws {
        let (dir, _, _) = try buildStatic("tcp-echo")
        let out = try runInEmptyRoot(dir)
        XCTAssertTrue(out.stdout.contains("echo: static hello"), out.all)
        XCTAssertTrue(out.stdout.contains("parsed: [::1]:8080"), out.all)
    }

    func testFilesAndEnvironment() throws {
        let (dir, _, _) = try buildStatic("files-env")
        let out = try runInEmptyRoot(dir, env: ["FIXTURE_GREETING": "from-the-test"])
        XCTAssertTrue(out.stdout.contains("env FIXTURE_GREETING=from-the-test"), out.all)
        XCTAssertTrue(out.stdout.contains("lines read back: 2"), out.all)
        XCTAssertTrue(out.stdout.contains("file removed: true"), out.all)
    }

    /// Debian's musl-gcc turns -static-pie into a dynamic executable; ours must not, and
    /// unwinding must work with the libunwind cargo-static builds for it.
    func testMuslGccBackendGivesStaticPieWithUnwinding() throws {
        let (dir, _, result) = try buildStatic("panic-unwind", extra: ["--cc", "musl-gcc"])
        XCTAssertTrue(result.cToolchain.hasPrefix("musl-gcc"), result.cToolchain)
        let out = try Harness.run(["run", "--release", "--cc", "musl-gcc", "--empty-root"], in: dir)
        XCTAssertEqual(out.status, 0, out.all)
        XCTAssertTrue(out.stdout.contains("caught panic: intentional panic at the bottom"), out.all)
        XCTAssertTrue(out.stdout.contains("guard dropped during unwind"), out.all)
    }

    /// Like cargo: a relative --manifest-path is taken from the directory the user is in.
    func testRelativeManifestPathFromAnotherDirectory() throws {
        let dir = try Harness.fixture("hello")
        let parent = (dir as NSString).deletingLastPathComponent
        let out = try Harness.run(["build", "--json", "--manifest-path", "hello/Cargo.toml"], in: parent)
        XCTAssertEqual(out.status, 0, out.all)
        let exe = try Harness.onlyExecutable(out).path
        XCTAssertTrue(exe.hasPrefix(dir + "/target/"), exe)
    }

    func testNoPieGivesPlainStaticExecutable() throws {
        let dir = try Harness.fixture("hello")
        let out = try Harness.run(["build", "--no-pie", "--json"], in: dir)
        XCTAssertEqual(out.status, 0, out.all)
        let audit = try Harness.onlyExecutable(out).audit
        XCTAssertEqual(audit.linkage, .staticExecutable, out.all)
        XCTAssertFalse(audit.pie, "\(audit)")
        XCTAssertTrue(audit.kernelOnly, "\(audit)")
    }

    func testUnitTestsRunAsStaticExecutables() throws {
        let dir = try Harness.fixture("unit-tests")
        let out = try Harness.run(["test", "--json"], in: dir)
        XCTAssertEqual(out.status, 0, out.all)
        XCTAssertTrue(out.all.contains("test result: ok. 3 passed"), out.all)
        let tests = try Harness.onlyResult(out).executables.filter(\.isTest)
        XCTAssertEqual(tests.count, 1, out.stdout)
        XCTAssertEqual(tests.first?.audit.kernelOnly, true)
    }

    func testSecondProjectReusesCachedStd() throws {
        _ = try buildStatic("hello")   // makes sure std is in the shared cache
        let (_, _, result) = try buildStatic("second-project")
        XCTAssertEqual(result.std, .hit)
        XCTAssertNotNil(result.stdCacheEntry)
    }

    func testPlanShowsEveryCommandAndVariable() throws {
        let dir = try Harness.fixture("hello")
        let out = try Harness.run(["plan", "--release", "--json"], in: dir)
        XCTAssertEqual(out.status, 0, out.all)
        let plan = try Harness.plan(out)
        XCTAssertEqual(plan.targets.count, 1, out.stdout)
        let cargo = try XCTUnwrap(plan.targets.first).cargo
        let env = cargo.environment
        XCTAssertNotNil(env["CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER"])
        XCTAssertNotNil(env["CC_x86_64_unknown_linux_musl"])
        // CARGO_ENCODED_RUSTFLAGS: 0x1F-separated, so a cache path with spaces stays one argument.
        let rustflags = try XCTUnwrap(env["CARGO_ENCODED_RUSTFLAGS"], "\(env)")
        XCTAssertTrue(rustflags.contains("\u{1F}--remap-path-prefix="), rustflags)
        // No --sysroot (sccache refuses it): cargo runs a rustc with the std in its own sysroot.
        XCTAssertFalse(rustflags.contains("--sysroot"), rustflags)
        let rustc = try XCTUnwrap(env["RUSTC"], "\(env)")
        XCTAssertTrue(rustc.contains("/toolchains/x86_64-unknown-linux-musl/") && rustc.hasSuffix("/bin/rustc"), rustc)
        XCTAssertNil(env["RUSTC_BOOTSTRAP"], "the user's crates must not be built with RUSTC_BOOTSTRAP")
        XCTAssertTrue(cargo.unset.contains("RUSTC_BOOTSTRAP"), "\(cargo.unset)")
        XCTAssertTrue(cargo.arguments.contains("--release"), "\(cargo.arguments)")
        // The human view is a pasteable shell line.
        let human = try Harness.run(["build", "--dry-run", "--release"], in: dir)
        XCTAssertEqual(human.status, 0, human.all)
        XCTAssertTrue(human.stdout.contains("--target x86_64-unknown-linux-musl"), human.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/target"), "a dry run must build nothing")
        // As a cargo subcommand, cargo runs `cargo-static static plan …`.
        let viaCargo = try Harness.run(["static", "plan", "--release"], in: dir)
        XCTAssertEqual(viaCargo.status, 0, viaCargo.all)
        XCTAssertEqual(viaCargo.stdout, human.stdout)
    }

    static func runDirect(_ exe: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
