import CargoStaticCore
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The std cache under stress: a build killed midway, then two builds at once.
/// Uses its own cache directory, so it pays for one extra std build: the size profile's,
/// the quickest to build (the cache treats every profile alike).
final class CacheTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    func testKilledStdBuildLeavesCacheUsableAndConcurrentBuildsShareOneStdBuild() throws {
        let cache = try Harness.temporaryDirectory("cache")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let first = try Harness.fixture("hello")
        let second = try Harness.fixture("second-project")

        // 1. Start a cold build and stop it once the std build is under way: Ctrl-C (SIGINT,
        //    which cargo-static answers), then kill -9 (which nothing can answer).
        for signal in [SIGINT, SIGKILL] {
            let doomed = try Harness.start(["build", "--std-profile", "size"], in: first, environment: Harness.sharedZigCache, cache: cache)
            let deadline = Date().addingTimeInterval(300)
            while Self.stdUnitsDone(cache: cache) < 1, Date() < deadline, doomed.process.isRunning {
                usleep(200_000)
            }
            XCTAssertTrue(doomed.process.isRunning, "the std build ended before it could be stopped:\n\(doomed.stderrSoFar)")
            kill(doomed.process.processIdentifier, signal)
            let out = doomed.wait()
            if signal == SIGINT {
                XCTAssertEqual(out.status, 130, out.all)
                XCTAssertTrue(out.stderr.contains("interrupted: nothing half-built was published"), out.stderr)
            }
            let after = (try? FileManager.default.contentsOfDirectory(atPath: cache + "/std")) ?? []
            XCTAssertTrue(after.filter { !$0.hasPrefix(".") }.isEmpty, "a stopped build must publish nothing: \(after)")
        }

        // 2. Two builds at once: both succeed, exactly one builds std, the other waits and reuses it.
        let a = try Harness.start(["build", "--json", "--std-profile", "size"], in: first, environment: Harness.sharedZigCache, cache: cache)
        let b = try Harness.start(["build", "--json", "--std-profile", "size"], in: second, environment: Harness.sharedZigCache, cache: cache)
        let outA = a.wait(), outB = b.wait()
        XCTAssertEqual(outA.status, 0, outA.all)
        XCTAssertEqual(outB.status, 0, outB.all)
        let stds = [try Harness.onlyResult(outA).std, try Harness.onlyResult(outB).std].map(\.rawValue).sorted()
        XCTAssertEqual(stds, ["built", "cache hit after waiting"], "\(outA.stderr)\n\(outB.stderr)")
        XCTAssertTrue((outA.stderr + outB.stderr).contains("waiting for another cargo-static"))

        // 3. The cache lists one complete entry; staging leftovers are gone.
        let list = try Harness.run(["cache", "list", "--json"], in: first, cache: cache)
        let entries = try Harness.decode(CacheCommands.CacheListing.self, list).entries.filter { $0.kind == "std" }
        XCTAssertEqual(entries.count, 1, list.all)
        XCTAssertGreaterThan(try XCTUnwrap(entries.first, list.all).sizeBytes, 10_000_000)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: cache + "/std").filter { $0.hasPrefix(".staging") }
        XCTAssertEqual(leftovers, [])

        // 4. clean removes it.
        let clean = try Harness.run(["cache", "clean"], in: first, cache: cache)
        XCTAssertTrue(clean.stdout.contains("removed x86_64-unknown-linux-musl-"), clean.all)
        let empty = try Harness.run(["cache", "list", "--json"], in: first, cache: cache)
        let remaining = try Harness.decode(CacheCommands.CacheListing.self, empty).entries.filter { ["std", "archive"].contains($0.kind) }
        XCTAssertEqual(remaining.count, 0, empty.all)
    }

    /// The std units compiled so far: the .rlib files in the std build's work directory (a
    /// log gets the progress line only when the step is over).
    static func stdUnitsDone(cache: String) -> Int {
        let work = cache + "/work"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: work) else { return 0 }
        return names.filter { $0.hasPrefix("std-") }.reduce(0) { count, name in
            let walker = FileManager.default.enumerator(atPath: work + "/" + name)
            var rlibs = 0
            while let item = walker?.nextObject() as? String { if item.hasSuffix(".rlib") { rlibs += 1 } }
            return count + rlibs
        }
    }
}
