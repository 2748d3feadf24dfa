import CargoStaticCore
import Foundation
import XCTest

/// `--allocator`: the allocator replaces the libc's malloc for Rust and C code, with no
/// change to the program. The alloc-probe fixture asks the allocator itself (C code with
/// weak references to mimalloc's and jemalloc's own functions).
final class AllocatorTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    private func buildAndRun(_ dir: String, _ args: [String]) throws -> (result: TargetResult, audit: Audit, output: String) {
        let out = try Harness.run(["build", "--release", "--json"] + args, in: dir)
        XCTAssertEqual(out.status, 0, out.all)
        let result = try Harness.onlyResult(out)
        let audit = try Harness.onlyExecutable(out).audit
        XCTAssertTrue(audit.kernelOnly, "\(audit)")
        let run = try Harness.run(["run", "--release", "--empty-root"] + args, in: dir)
        XCTAssertEqual(run.status, 0, run.all)
        // 8 threads × Σ(1 + i mod 700) for i < 2000, allocated and freed across threads.
        XCTAssertTrue(run.stdout.contains("threads allocated: 5368000"), run.all)
        return (result, audit, run.stdout)
    }

    /// Without --allocator: mimalloc (chosen from docs/benchmarks.md), for Rust and C alike.
    func testDefaultAllocatorServesRustAndC() throws {
        XCTAssertEqual(Allocator.default, .mimalloc, "README and docs/benchmarks.md explain the default: update them with it")
        let dir = try Harness.fixture("alloc-probe")
        let (result, audit, output) = try buildAndRun(dir, [])
        XCTAssertEqual(result.allocator, .mimalloc)
        XCTAssertEqual(audit.allocator, .mimalloc, "\(audit)")
        XCTAssertTrue(output.contains("allocator: mimalloc"), output)
        XCTAssertTrue(output.contains("rust heap owned: true"), output)
        XCTAssertTrue(output.contains("c heap owned: true"), output)
        XCTAssertTrue(output.contains("aligned owned: true"), output)
    }

    func testJemallocCountsRustAndCAllocations() throws {
        let dir = try Harness.fixture("alloc-probe")
        let (result, audit, output) = try buildAndRun(dir, ["--allocator", "jemalloc"])
        XCTAssertEqual(result.allocator, .jemalloc)
        XCTAssertEqual(audit.allocator, .jemalloc, "\(audit)")
        XCTAssertTrue(output.contains("allocator: jemalloc"), output)
        XCTAssertTrue(output.contains("rust heap owned: true"), output)
        XCTAssertTrue(output.contains("c heap owned: true"), output)
        XCTAssertTrue(output.contains("aligned owned: true"), output)
        // jemalloc's own statistics, printed at exit when asked for.
        let stats = try Harness.run(["run", "--release", "--allocator", "jemalloc"], in: dir, environment: ["MALLOC_CONF": "stats_print:true"])
        XCTAssertTrue(stats.all.contains("___ Begin jemalloc statistics ___"), stats.all)
    }

    func testLibcAllocatorLeavesMallocAlone() throws {
        let dir = try Harness.fixture("alloc-probe")
        let (result, audit, output) = try buildAndRun(dir, ["--allocator", "musl"])
        XCTAssertEqual(result.allocator, .musl)
        XCTAssertFalse([.mimalloc, .jemalloc].contains(audit.allocator), "\(audit)")
        XCTAssertTrue(output.contains("allocator: libc"), output)
    }

    /// The musl-gcc backend links with GNU ld: the allocator must come first there too.
    func testMimallocWithMuslGcc() throws {
        let dir = try Harness.fixture("alloc-probe")
        let (_, audit, output) = try buildAndRun(dir, ["--cc", "musl-gcc", "--allocator", "mimalloc"])
        XCTAssertEqual(audit.allocator, .mimalloc, "\(audit)")
        XCTAssertTrue(output.contains("c heap owned: true"), output)
        XCTAssertTrue(output.contains("aligned owned: true"), output)
    }

    func testUnknownAllocatorIsRefused() throws {
        let dir = try Harness.fixture("hello")
        let out = try Harness.run(["build", "--allocator", "tcmalloc"], in: dir)
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("unknown allocator `tcmalloc`"), out.stderr)
        XCTAssertTrue(out.stderr.contains("fix: use --allocator mimalloc"), out.stderr)
    }
}
