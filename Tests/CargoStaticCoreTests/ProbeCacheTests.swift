import XCTest
@testable import CargoStaticCore

final class ProbeCacheTests: XCTestCase {
    func testRemembersUntilTheProbedFileChanges() throws {
        let root = NSTemporaryDirectory() + "cs-probes-\(getpid())-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let tool = root + "/tool"
        XCTAssertTrue(FileManager.default.createFile(atPath: tool, contents: Data("v1".utf8)))
        var calls = 0
        let probe = { () -> [String: String]? in calls += 1; return ["version": "\(calls)"] }

        XCTAssertEqual(ProbeCache(root: root).values("k", stampedBy: tool, compute: probe)?["version"], "1")
        // A new process (a new ProbeCache) reads the remembered value without probing.
        XCTAssertEqual(ProbeCache(root: root).values("k", stampedBy: tool, compute: probe)?["version"], "1")
        XCTAssertEqual(calls, 1)
        // The file changes (size differs): probed again.
        XCTAssertTrue(FileManager.default.createFile(atPath: tool, contents: Data("version 2".utf8)))
        XCTAssertEqual(ProbeCache(root: root).values("k", stampedBy: tool, compute: probe)?["version"], "2")
        XCTAssertEqual(calls, 2)
        // A failed probe is not remembered.
        XCTAssertNil(ProbeCache(root: root).values("other", stampedBy: tool) { nil })
    }

    func testRustupProxyIsRecognisedByItsNeighbour() throws {
        let dir = NSTemporaryDirectory() + "cs-proxy-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/toolchains/stable/bin", withIntermediateDirectories: true)
        for path in [dir + "/rustup", dir + "/rustc", dir + "/toolchains/stable/bin/rustc"] {
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(), attributes: [.posixPermissions: 0o755]))
        }
        XCTAssertTrue(ToolchainDiscovery.isRustupProxy(dir + "/rustc"))
        XCTAssertFalse(ToolchainDiscovery.isRustupProxy(dir + "/toolchains/stable/bin/rustc"))
        XCTAssertFalse(ToolchainDiscovery.isRustupProxy("/usr/bin/rustc"))
    }
}
