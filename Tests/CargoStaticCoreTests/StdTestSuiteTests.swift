import XCTest
@testable import CargoStaticCore

/// `std test`: libtest's JSON events, the known-failure table and the generated workspace.
final class StdTestSuiteTests: XCTestCase {
    // MARK: libtest's output

    func testCountsPassedFailedAndIgnoredFromEvents() {
        let output = """
        { "type": "suite", "event": "started", "test_count": 4 }
        { "type": "test", "event": "started", "name": "num::add" }
        { "type": "test", "name": "num::add", "event": "ok" }
        { "type": "test", "event": "started", "name": "vec::overaligned" }
        { "type": "test", "name": "vec::overaligned", "event": "failed", "stdout": "thread 'vec::overaligned' panicked at vec.rs:9:9:\\nassertion failed\\n" }
        { "type": "test", "event": "started", "name": "slow" }
        { "type": "test", "name": "slow", "event": "timeout" }
        { "type": "test", "name": "slow", "event": "ok" }
        { "type": "test", "name": "needs_net", "event": "ignored", "message": "network" }
        running 4 tests, and a line a test printed past the capture
        { "type": "suite", "event": "failed", "passed": 2, "failed": 1, "ignored": 1, "measured": 0, "filtered_out": 7, "exec_time": 0.5 }
        """
        let report = LibtestReport.parse(output)
        XCTAssertEqual(report.passed, ["num::add", "slow"])
        XCTAssertEqual(report.failed, ["vec::overaligned"])
        XCTAssertEqual(report.ignored, ["needs_net"])
        XCTAssertEqual(report.filteredOut, 7)
        XCTAssertTrue(report.completed)
        XCTAssertTrue(report.consistent)
        XCTAssertEqual(report.unfinished, [])
        XCTAssertTrue(report.failureOutput["vec::overaligned"]?.contains("assertion failed") == true)
    }

    func testACrashLeavesTheRunningTestsUnfinished() {
        let report = LibtestReport.parse("""
        { "type": "suite", "event": "started", "test_count": 3 }
        { "type": "test", "event": "started", "name": "a" }
        { "type": "test", "event": "started", "name": "b" }
        { "type": "test", "name": "a", "event": "ok" }
        qemu: uncaught target signal 11 (Segmentation fault) - core dumped
        """)
        XCTAssertFalse(report.completed)
        XCTAssertFalse(report.consistent, "a run without its closing event is not proven")
        XCTAssertEqual(report.unfinished, ["b"])
        XCTAssertEqual(report.passed, ["a"])
    }

    func testTotalsThatDisagreeWithTheEventsAreNotProven() {
        let report = LibtestReport.parse("""
        { "type": "test", "name": "a", "event": "ok" }
        { "type": "suite", "event": "ok", "passed": 5, "failed": 0, "ignored": 0, "measured": 0, "filtered_out": 0 }
        """)
        XCTAssertTrue(report.completed)
        XCTAssertFalse(report.consistent)
    }

    func testMalformedLinesAreIgnored() {
        let report = LibtestReport.parse("{ not json\n{\"type\": \"test\"}\n{\"event\": \"ok\", \"name\": \"x\"}\n")
        XCTAssertEqual(report, LibtestReport())
    }

    // MARK: known failures

    private let entry = KnownFailure(targets: ["*"], condition: .emptyRoot, suite: .std, executable: "env", test: "test_self_exe_path",
                                     reason: "no /proc", link: "https://example.org")

    func testKnownFailureMatchesSuiteExecutableTestAndCondition() throws {
        let x86 = try Target("x86_64-unknown-linux-musl")
        XCTAssertTrue(entry.matches(target: x86, emptyRoot: true, suite: .std, executable: "env", test: "test_self_exe_path"))
        XCTAssertFalse(entry.matches(target: x86, emptyRoot: false, suite: .std, executable: "env", test: "test_self_exe_path"),
                       "outside the empty root the test must pass")
        XCTAssertFalse(entry.matches(target: x86, emptyRoot: true, suite: .core, executable: "env", test: "test_self_exe_path"))
        XCTAssertFalse(entry.matches(target: x86, emptyRoot: true, suite: .std, executable: "path", test: "test_self_exe_path"))
        XCTAssertFalse(entry.matches(target: x86, emptyRoot: true, suite: .std, executable: "env", test: "test_self_exe_path_2"),
                       "a name is exact unless it ends in *")
    }

    func testQemuOnlyAndPrefixEntries() throws {
        let qemu = KnownFailure(targets: ["aarch64-unknown-linux-musl", "s390x-unknown-linux-musl"], condition: .qemu, suite: .core,
                                executable: "coretests", test: "num::flt2dec::*", reason: "r", link: "l")
        let arm = try Target("aarch64-unknown-linux-musl")
        XCTAssertTrue(qemu.matches(target: arm, emptyRoot: true, suite: .core, executable: "coretests", test: "num::flt2dec::exact"))
        XCTAssertFalse(qemu.matches(target: arm, emptyRoot: true, suite: .core, executable: "coretests", test: "num::flt3"))
        XCTAssertFalse(qemu.matches(target: try Target("riscv64gc-unknown-linux-musl"), emptyRoot: true, suite: .core,
                                    executable: "coretests", test: "num::flt2dec::exact"), "another target")
        XCTAssertFalse(qemu.matches(target: try Target("x86_64-unknown-linux-musl"), emptyRoot: true, suite: .core,
                                    executable: "coretests", test: "num::flt2dec::exact"))
        XCTAssertEqual(KnownFailures.match([entry, qemu], target: arm, emptyRoot: false, suite: .core, executable: "coretests",
                                           test: "num::flt2dec::x")?.reason, "r")
        XCTAssertNil(KnownFailures.match([entry, qemu], target: arm, emptyRoot: false, suite: .alloc, executable: "coretests", test: "x"))
    }

    func testNativeEmptyRootEntriesSkipQemu() throws {
        let native = KnownFailure(targets: ["*"], condition: .nativeEmptyRoot, suite: .std, executable: "env", test: "t", reason: "r", link: "l")
        XCTAssertTrue(native.matches(target: try Target("x86_64-unknown-linux-musl"), emptyRoot: true, suite: .std, executable: "env", test: "t"))
        XCTAssertFalse(native.matches(target: try Target("aarch64-unknown-linux-musl"), emptyRoot: true, suite: .std, executable: "env", test: "t"),
                       "qemu-user answers /proc/self/exe itself")
        XCTAssertFalse(native.matches(target: try Target("x86_64-unknown-linux-musl"), emptyRoot: false, suite: .std, executable: "env", test: "t"))
    }

    func testEveryKnownFailureSaysWhyAndLinksUpstream() {
        for k in KnownFailures.all {
            XCTAssertFalse(k.reason.isEmpty, "\(k)")
            XCTAssertTrue(k.link.hasPrefix("https://"), "\(k)")
            XCTAssertFalse(k.targets.isEmpty, "\(k)")
            for t in k.targets where t != "*" { XCTAssertNoThrow(try Target(t), "\(k)") }
        }
    }

    // MARK: suites and the generated workspace

    func testSuiteListParsing() throws {
        XCTAssertEqual(try StdTestSuite.list("alloc, core,alloc"), [.core, .alloc])
        XCTAssertThrowsError(try StdTestSuite.list("core,sdt")) { error in
            XCTAssertTrue("\(error)".contains("sdt"), "\(error)")
        }
        XCTAssertThrowsError(try StdTestSuite.list(","))
    }

    private func fakeLibrary() throws -> String {
        let root = NSTemporaryDirectory() + "std-test-suites-\(UUID().uuidString)"
        let files = [
            "coretests/Cargo.toml": """
            [package]
            name = "coretests"
            edition = "2024"
            autotests = false
            [lib]
            path = "lib.rs"
            test = false
            [[test]]
            name = "coretests"
            path = "tests/lib.rs"
            """,
            "coretests/lib.rs": "", "coretests/tests/lib.rs": "",
            "std/Cargo.toml": """
            [package]
            name = "std"
            edition = "2024"
            [[test]]
            name = "pipe-subprocess"
            path = "tests/pipe_subprocess.rs"
            harness = false
            [[test]]
            name = "sync"
            path = "tests/sync/lib.rs"
            """,
            "std/tests/env.rs": "", "std/tests/pipe_subprocess.rs": "", "std/tests/sync/lib.rs": "", "std/tests/README": "",
        ]
        for (path, text) in files {
            try FileSystem.write(Data(text.utf8), to: root + "/" + path)
        }
        return root
    }

    func testWorkspaceTargetsFollowTheSuitesManifests() throws {
        let library = try fakeLibrary()
        defer { try? FileManager.default.removeItem(atPath: library) }
        let core = try StdTestWorkspace.targets(.core, library: library)
        XCTAssertEqual(core.edition, "2024")
        XCTAssertEqual(core.targets, [SuiteTarget(kind: .test, name: "coretests", path: library + "/coretests/tests/lib.rs")],
                       "lib test = false, autotests = false")
        let std = try StdTestWorkspace.targets(.std, library: library)
        XCTAssertEqual(std.targets.map(\.name), ["sync", "env"], "harness = false is left out; autotests add tests/*.rs")
        XCTAssertThrowsError(try StdTestWorkspace.targets(.alloc, library: library)) { error in
            XCTAssertTrue("\(error)".contains("alloctests/Cargo.toml"), "\(error)")
        }

        let files = try StdTestWorkspace(library: library, suites: [.core, .std], directory: "/w").files()
        let text = Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0.text ?? "") })
        XCTAssertTrue(text["/w/Cargo.toml"]?.contains("members = [\"core\", \"std\"]") == true, text["/w/Cargo.toml"] ?? "")
        XCTAssertTrue(text["/w/Cargo.toml"]?.contains("-Zcrate-attr=feature(sync_poison_mod)") == true)
        let coreManifest = text["/w/core/Cargo.toml"] ?? ""
        XCTAssertTrue(coreManifest.contains("path = \"\(library)/coretests/tests/lib.rs\""), coreManifest)
        XCTAssertTrue(coreManifest.contains("rand = { path = \"../shims/rand\""), coreManifest)
        XCTAssertTrue(coreManifest.contains("test = false"), coreManifest)
        XCTAssertNotNil(text["/w/shims/rand_xorshift/lib.rs"])
    }
}
