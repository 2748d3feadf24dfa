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
        guard let results = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]] else {
            return XCTFail("no JSON results on stdout: \(out.all.suffix(2000))")
        }
        XCTAssertEqual(results.map { $0["suite"] as? String }, ["core", "alloc"])
        let floors = ["core": 2000, "alloc": 1400]
        for suite in results {
            let name = suite["suite"] as? String ?? "?"
            XCTAssertEqual(suite["target"] as? String, "x86_64-unknown-linux-musl")
            XCTAssertGreaterThanOrEqual(suite["passed"] as? Int ?? 0, floors[name] ?? 1, "\(suite)")
            XCTAssertEqual((suite["failed"] as? [String])?.count, 0, "\(suite)")
            if Sandbox.bwrap(Runner()) != nil { XCTAssertEqual(suite["emptyRoot"] as? Bool, true, "\(suite)") }
        }
        // alloctests' own unit tests and its integration tests both ran.
        let alloc = results.last ?? [:]
        XCTAssertEqual(Set(alloc["executables"] as? [String] ?? []), ["alloctests", "alloctests_lib", "vec_deque_alloc_error"], "\(alloc)")
    }
}
