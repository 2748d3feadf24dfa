import CargoStaticCore
import Foundation
import XCTest

/// `--std-profile size|min` and `--strip`: a std compiled for size (its own cache entry),
/// the program compiled to match, and what each does with a panic.
final class SizeProfileTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    private func build(_ dir: String, _ args: [String]) throws -> Audit {
        let out = try Harness.run(["build", "--release", "--json"] + args, in: dir)
        XCTAssertEqual(out.status, 0, out.all)
        let audit = try Harness.onlyExecutable(out).audit
        XCTAssertTrue(audit.kernelOnly, "\(audit)")
        XCTAssertEqual(audit.linkage, .staticPie, "\(audit)")
        return audit
    }

    private func run(_ dir: String, _ args: [String], programArgs: [String] = []) throws -> Harness.Output {
        try Harness.run(["run", "--release", "--empty-root"] + args + ["--"] + programArgs, in: dir)
    }

    func testSizeProfileIsSmallerAndAbortsOnPanic() throws {
        let dir = try Harness.fixture("size-probe")
        let normal = try build(dir, ["--allocator", "musl"])
        let small = try build(dir, ["--std-profile", "size", "--strip"])
        let normalSize = normal.size, smallSize = small.size
        XCTAssertLessThan(smallSize, normalSize * 3 / 10, "size profile: \(smallSize) bytes, default: \(normalSize)")
        XCTAssertTrue(small.stripped)
        // Linked without an unwinder (stand-ins instead): the real one and the printf it
        // brings would add ~35 KB.
        XCTAssertLessThan(smallSize, 64_000, "size profile: \(smallSize) bytes")
        let hello = try run(dir, ["--std-profile", "size"])
        XCTAssertEqual(hello.status, 0, hello.all)
        XCTAssertTrue(hello.stdout.contains("Hello, world!"), hello.all)
        // panic=abort: the message is printed, then the process dies of SIGABRT (128 + 6).
        let panic = try run(dir, ["--std-profile", "size"], programArgs: ["panic"])
        XCTAssertEqual(panic.status, 134, panic.all)
        XCTAssertTrue(panic.stderr.contains("asked to panic"), panic.all)
    }

    /// panic=immediate-abort: no panic machinery at all, under 50 KB.
    func testMinProfileUnder50KB() throws {
        let dir = try Harness.fixture("size-probe")
        let tiny = try build(dir, ["--std-profile", "min"])
        XCTAssertLessThanOrEqual(tiny.size, 50_000, "\(tiny)")
        let hello = try run(dir, ["--std-profile", "min"])
        XCTAssertEqual(hello.status, 0, hello.all)
        XCTAssertTrue(hello.stdout.contains("Hello, world!"), hello.all)
        XCTAssertTrue(hello.stderr.contains("RUSTC_BOOTSTRAP=1"), "the build must say it uses RUSTC_BOOTSTRAP: \(hello.stderr)")
        // The panic ends the process at once (an illegal-instruction trap), without a message.
        let panic = try run(dir, ["--std-profile", "min"], programArgs: ["panic"])
        XCTAssertNotEqual(panic.status, 0, panic.all)
        XCTAssertFalse(panic.stderr.contains("asked to panic"), panic.all)
    }

    /// The size profiles link the unwinder stand-ins through a linker wrapper; the default keeps the real one.
    func testSizeProfileLinksUnwinderStandIns() throws {
        let dir = try Harness.fixture("size-probe")
        func plan(_ args: [String]) throws -> TargetPlan {
            let out = try Harness.run(["plan", "--release", "--json"] + args, in: dir)
            XCTAssertEqual(out.status, 0, out.all)
            return try XCTUnwrap(Harness.plan(out).targets.first)
        }
        let size = try plan(["--std-profile", "size"])
        let stub = try XCTUnwrap(size.unwinderStub, "the size profile links the unwinder stand-ins")
        XCTAssertTrue(stub.hasSuffix("/libcargo_static_nounwind.a"), stub)
        // `plan` writes nothing: an archive step of this plan makes the stand-ins, and a step
        // the planner saw cached names a file that is there (whichever tests ran first).
        let step = size.steps.compactMap { if case .archive(let a) = $0, a.archive == stub { return a } else { return nil } }.first
        let archive = try XCTUnwrap(step, "no step of the plan makes \(stub)")
        XCTAssertTrue(!archive.build.cached || FileManager.default.fileExists(atPath: stub), "planned as cached, but \(stub) is missing")
        XCTAssertTrue(archive.build.cached || !archive.commands.isEmpty, "an uncached stand-in archive with no commands")
        let linker = try XCTUnwrap(size.cargo.environment["CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER"])
        // The link spec names the stand-ins (ArgumentRewriter puts them in place of rustc's
        // -lunwind; `plan` writes no files); the default profile links through another wrapper.
        XCTAssertTrue(linker.contains("/static-link-"), linker)
        let standard = try plan([])
        XCTAssertNil(standard.unwinderStub, "the default profile unwinds: it keeps the real unwinder")
        XCTAssertNotEqual(standard.cargo.environment["CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER"], linker)
    }

    func testTestsNeedTheDefaultProfile() throws {
        let dir = try Harness.fixture("unit-tests")
        let out = try Harness.run(["test", "--std-profile", "size"], in: dir)
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("the size std profile has no test harness"), out.stderr)
        let unknown = try Harness.run(["build", "--std-profile", "tiny"], in: dir)
        XCTAssertTrue(unknown.stderr.contains("unknown std profile `tiny`"), unknown.stderr)
    }
}
