import XCTest
@testable import CargoStaticCore

final class SysrootCacheTests: XCTestCase {
    private var root = ""
    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "cs-cache-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: root) }

    private func toolchain(_ version: String) -> Toolchain {
        Toolchain(rustc: "/usr/bin/rustc", cargo: "/usr/bin/cargo", origin: .system, name: "system",
                  versionInfo: "rustc \(version)\nhost: x86_64-unknown-linux-gnu", release: version,
                  host: "x86_64-unknown-linux-gnu", sysroot: "/usr")
    }

    func testKeyDependsOnRustcTargetAndSettings() throws {
        let t = try Target("x86_64-unknown-linux-musl"), a = try Target("aarch64-unknown-linux-musl")
        var small = StdSettings.standard
        small.name = "size"
        let base = SysrootCache.entryName(toolchain("1.96.0"), t, .standard, library: "/lib")
        XCTAssertEqual(base, SysrootCache.entryName(toolchain("1.96.0"), t, .standard, library: "/lib"))
        XCTAssertNotEqual(base, SysrootCache.entryName(toolchain("1.96.1"), t, .standard, library: "/lib"))
        XCTAssertNotEqual(base, SysrootCache.entryName(toolchain("1.96.0"), a, .standard, library: "/lib"))
        XCTAssertNotEqual(base, SysrootCache.entryName(toolchain("1.96.0"), t, small, library: "/lib"))
        XCTAssertTrue(base.hasPrefix("x86_64-unknown-linux-musl-1.96.0-default-"))
    }

    func testPublishIsAtomicAndLookupChecksTheFullKey() throws {
        let cache = SysrootCache(root: root)
        let t = try Target("x86_64-unknown-linux-musl")
        let rlib = root + "/libstd-abc.rlib"
        XCTAssertTrue(FileManager.default.createFile(atPath: rlib, contents: Data(repeating: 7, count: 1000)))
        let entry = CacheEntry(name: "e1", key: "the key", target: t.triple, rustc: "r", release: "1", settings: "default",
                               created: Date(), buildSeconds: 1)
        // A leftover from an interrupted run is invisible and cleaned.
        try FileManager.default.createDirectory(atPath: cache.stdDir + "/.staging-e1-99999", withIntermediateDirectories: true)
        XCTAssertNil(cache.lookup("e1", key: "the key"))
        XCTAssertTrue(cache.list().isEmpty)
        cache.removeStaleStaging("e1")
        try cache.publish(name: "e1", entry: entry, target: t, rlibs: [rlib])
        XCTAssertNotNil(cache.lookup("e1", key: "the key"))
        XCTAssertNil(cache.lookup("e1", key: "another key"), "a fingerprint collision must not be a hit")
        XCTAssertTrue(FileManager.default.fileExists(atPath: cache.sysrootPath("e1") + "/lib/rustlib/x86_64-unknown-linux-musl/lib/libstd-abc.rlib"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache.stdDir), ["e1"])
        XCTAssertEqual(cache.list().first?.sizeBytes.map { $0 >= 1000 }, true)
        XCTAssertEqual(try cache.clean(), ["e1"])
        XCTAssertTrue(cache.list().isEmpty)
    }

    func testLockMakesSecondHolderWait() throws {
        let path = root + "/locks/x.lock"
        var first: FileLock? = try FileLock(path: path)
        XCTAssertNotNil(first)
        let taken = expectation(description: "second lock taken")
        final class Seen: @unchecked Sendable { var waited = false; var takenAt = Date.distantPast }
        let seen = Seen()
        DispatchQueue.global().async {
            let second = try? FileLock(path: path) { seen.waited = true }
            seen.takenAt = Date()
            XCTAssertNotNil(second)
            taken.fulfill()
        }
        usleep(300_000)
        let releasedAt = Date()
        first = nil
        wait(for: [taken], timeout: 10)
        XCTAssertTrue(seen.waited, "the second holder must be told it waits")
        XCTAssertGreaterThanOrEqual(seen.takenAt, releasedAt, "the second lock was taken before the first was released")
    }

    func testCacheRootFollowsEnvironment() {
        XCTAssertEqual(SysrootCache(environment: ["CARGO_STATIC_CACHE": "/x"]).root, "/x")
        XCTAssertEqual(SysrootCache(environment: ["XDG_CACHE_HOME": "/y"]).root, "/y/cargo-static")
    }

    func testStdPlanUsesBootstrapOnlyForStdAndVendoredSourcesOffline() throws {
        let t = try Target("x86_64-unknown-linux-musl")
        let plan = StdProvider(cache: SysrootCache(root: root), runner: Runner(), reporter: Reporter(quiet: true))
            .plan(toolchain("1.96.0"), t, library: "/usr/lib/rustlib/src/rust/library")
        XCTAssertEqual(plan.buildCommand.environment["RUSTC_BOOTSTRAP"], "1")
        XCTAssertTrue(plan.buildCommand.arguments.contains("--offline"))
        XCTAssertTrue(plan.buildCommand.arguments.contains("source.cargo-static-vendored.directory=\"/usr/lib/rustlib/src/rust/library/vendor\""))
        XCTAssertTrue(plan.manifest.contains(#"std = { path = "/usr/lib/rustlib/src/rust/library/std", features = ["panic-unwind", "backtrace"] }"#))
        XCTAssertTrue(plan.manifest.contains("rustflags = [\"-Cpanic=abort\"]"))
    }
}
