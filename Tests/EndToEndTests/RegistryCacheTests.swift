import Foundation
import XCTest
import CargoStaticCore

/// The std and C-library cache through an OCI registry (Debian's docker-registry on the loopback).
final class RegistryCacheTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    /// Starts `docker-registry serve` with storage in `dir`; returns it and its port.
    static func startRegistry(in dir: String) throws -> (Harness.Running, UInt16)? {
        guard let registry = Context.process.which("docker-registry") else { return nil }
        let port = try Harness.freeLoopbackPort()
        let config = """
        version: 0.1
        log:
          level: warn
        storage:
          filesystem:
            rootdirectory: \(dir)/storage
        http:
          addr: 127.0.0.1:\(port)
        """
        try config.write(toFile: dir + "/config.yml", atomically: true, encoding: .utf8)
        let running = try Harness.launch(registry, ["serve", dir + "/config.yml"], in: dir, environment: [:])
        let started = Date()
        while !Harness.canConnect(port: port) && Date().timeIntervalSince(started) < 20 { usleep(100_000) }
        return (running, port)
    }

    /// Push from cache A (the shared test cache), pull into an empty cache B, then B builds
    /// hello with no std or C library built. A tampered registry blob is refused.
    func testPushPullThenBuildWithoutBuildingStd() throws {
        let work = try Harness.temporaryDirectory("registry")
        defer { try? FileManager.default.removeItem(atPath: work) }
        guard let (registry, port) = try Self.startRegistry(in: work) else { return XCTFail("docker-registry is not installed (scripts/setup installs it)") }
        defer { registry.process.terminate(); _ = registry.wait(timeout: 30) }
        XCTAssertTrue(Harness.canConnect(port: port), "docker-registry did not start: \(registry.stderrSoFar)")
        let ref = "127.0.0.1:\(port)/cargo-static/cache:x86_64"

        let push = try Harness.run(["cache", "push", "--json", ref, "x86_64-unknown-linux-musl-1", "mimalloc", "lfs64"], in: work)
        XCTAssertEqual(push.status, 0, push.all)
        let pushed = try Harness.decode([RegistryTransfer.Moved].self, push)
        XCTAssertTrue(pushed.contains { $0.entry.hasPrefix("std/x86_64-unknown-linux-musl-") }, push.stdout)
        XCTAssertTrue(pushed.allSatisfy { $0.digest.hasPrefix("sha256:") }, push.stdout)

        let cacheB = work + "/cache-b"
        let pull = try Harness.run(["cache", "pull", ref], in: work, cache: cacheB)
        XCTAssertEqual(pull.status, 0, pull.all)
        XCTAssertEqual(pull.stdout.split(separator: "\n").filter { $0.hasPrefix("imported") }.count, pushed.count, pull.all)
        let verify = try Harness.run(["cache", "verify"], in: work, cache: cacheB)
        XCTAssertEqual(verify.status, 0, verify.all)

        let dir = try Harness.fixture("hello")
        let build = try Harness.run(["build", "--release", "--json"], in: dir, environment: Harness.sharedZigCache, cache: cacheB)
        XCTAssertEqual(build.status, 0, build.all)
        XCTAssertEqual(try Harness.onlyResult(build).std, .hit, build.all)
        XCTAssertFalse(build.stderr.contains("building the Rust standard library"), build.stderr)
        XCTAssertFalse(build.stderr.contains("mimalloc for x86_64-unknown-linux-musl built"), build.stderr)

        // The largest blob (an entry's archive, never a manifest) changed in the registry's
        // storage: its digest no longer matches, nothing is added.
        let blobs = work + "/storage/docker/registry/v2/blobs"
        let datas = (FileManager.default.enumerator(atPath: blobs)?.allObjects as? [String] ?? []).filter { $0.hasSuffix("/data") }
        let largest = datas.map { (blobs + "/" + $0, (try? FileManager.default.attributesOfItem(atPath: blobs + "/" + $0)[.size] as? Int) ?? 0) }.max { $0.1 < $1.1 }
        let target = try XCTUnwrap(largest, "no blob in the registry's storage")
        var bytes = try XCTUnwrap(FileManager.default.contents(atPath: target.0))
        XCTAssertGreaterThan(bytes.count, 65536)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: target.0))
        let cacheD = work + "/cache-d"
        let refused = try Harness.run(["cache", "pull", ref], in: work, cache: cacheD)
        XCTAssertNotEqual(refused.status, 0, refused.all)
        XCTAssertTrue(refused.stderr.contains("digest"), refused.stderr)
        XCTAssertEqual(((try? FileManager.default.contentsOfDirectory(atPath: cacheD + "/std")) ?? []).filter { !$0.hasPrefix(".") }, [])

        // The tag's index changed in storage: refused by the digest the registry recorded for it.
        let index = try XCTUnwrap(datas.map { blobs + "/" + $0 }.first { (FileManager.default.contents(atPath: $0).map { String(decoding: $0, as: UTF8.self) } ?? "").contains(RegistryDocuments.indexType) })
        var indexBytes = try XCTUnwrap(FileManager.default.contents(atPath: index))
        indexBytes.append(contentsOf: Array(" ".utf8))
        try indexBytes.write(to: URL(fileURLWithPath: index))
        let changedIndex = try Harness.run(["cache", "pull", ref], in: work, cache: cacheD)
        XCTAssertNotEqual(changedIndex.status, 0, changedIndex.all)
        XCTAssertTrue(changedIndex.stderr.contains("does not have the digest"), changedIndex.stderr)

        // Plain HTTP is refused for anything but the loopback: an HTTPS attempt at a non-loopback name fails.
        let remote = try Harness.run(["cache", "pull", "registry.invalid:\(port)/cargo-static/cache"], in: work, cache: work + "/cache-c")
        XCTAssertNotEqual(remote.status, 0)
        XCTAssertTrue(remote.stderr.contains("HTTPS"), remote.stderr)
    }
}
