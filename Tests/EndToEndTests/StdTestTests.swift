import CargoStaticCore
import Foundation
import XCTest

/// `cargo-static std test`: std's own core and alloc suites, built from rust-src with the
/// std, zig and allocator cargo-static uses, run in the empty root. The floors are below
/// today's counts (core 2445, alloc 1660 with Debian's rustc 1.96) so a new rust-src
/// release may move them a little; a failure outside the known list fails the test.
/// Cost from a warm std: about 5 CPU-minutes compiling the two suites (2 of them on both
/// cores at once), then about 25 s of tests; 595 s of wall time measured on the shared
/// development machine at a load average of 7 to 8.
final class StdTestTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    func testCoreAndAllocSuitesPassOnX86_64() throws {
        let dir = try Harness.temporaryDirectory("std-test")
        let out = try Harness.run(["std", "test", "--suite", "core,alloc", "--json"], in: dir)
        XCTAssertEqual(out.status, 0, out.stderr.suffix(4000).description)
        let results = try Harness.decode([SuiteResult].self, out)
        XCTAssertEqual(results.map(\.suite), [.core, .alloc])
        let floors: [StdTestSuite: Int] = [.core: 2000, .alloc: 1400]
        for suite in results {
            XCTAssertEqual(suite.target, "x86_64-unknown-linux-musl")
            let floor = try XCTUnwrap(floors[suite.suite], "\(suite)")
            XCTAssertGreaterThanOrEqual(suite.passed, floor, "\(suite)")
            XCTAssertEqual(suite.failed, [], "\(suite)")
            if Sandbox.bwrap(Runner()) != nil { XCTAssertTrue(suite.emptyRoot, "\(suite)") }
        }
        // alloctests' own unit tests and its integration tests both ran.
        let alloc = try XCTUnwrap(results.last, out.all)
        XCTAssertEqual(Set(alloc.executables), ["alloctests", "alloctests_lib", "vec_deque_alloc_error"], "\(alloc)")
    }
}
