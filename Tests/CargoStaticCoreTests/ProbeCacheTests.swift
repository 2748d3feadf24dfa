import XCTest
@testable import CargoStaticCore

final class ProbeCacheTests: XCTestCase {
    private var root = ""
    override func setUpWithError() throws {
        root = try scratchDirectory("probes")
    }

    func testRemembersUntilTheProbedFileChanges() throws {
        let tool = root + "/tool"
        XCTAssertTrue(FileManager.default.createFile(atPath: tool, contents: Data("v1".utf8)))
        var calls = 0
        let probe = { () -> [String: String]? in calls += 1; return ["version": "\(calls)"] }
        let file = root + "/probes.json"
        XCTAssertEqual(ProbeCache(file: file).values("k", stampedBy: tool, compute: probe)?["version"], "1")
        // A new process (a new ProbeCache) reads the remembered value without probing.
        XCTAssertEqual(ProbeCache(file: file).values("k", stampedBy: tool, compute: probe)?["version"], "1")
        XCTAssertEqual(calls, 1)
        // The file changes (size differs): probed again.
        XCTAssertTrue(FileManager.default.createFile(atPath: tool, contents: Data("version 2".utf8)))
        XCTAssertEqual(ProbeCache(file: file).values("k", stampedBy: tool, compute: probe)?["version"], "2")
        XCTAssertEqual(calls, 2)
        // A failed probe is not remembered.
        XCTAssertNil(ProbeCache(file: file).values("other", stampedBy: tool) { nil })
    }

    /// The stamp comes from lstat now; it must read exactly as the one recorded through
    /// FileManager before (caches written by earlier versions stay valid), follow no link,
    /// and change when a same-size edit changes only the modification time.
    func testStampMatchesFoundationAndSeesTimeOnlyChanges() throws {
        let tool = root + "/tool", link = root + "/link"
        XCTAssertTrue(FileManager.default.createFile(atPath: tool, contents: Data("v1".utf8)))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: tool)
        for path in [tool, link, "/usr/bin/env"] {
            let attrs = try FileManager.default.attributesOfItem(atPath: path)
            let expected = "\(attrs[.size] as! UInt64)-\((attrs[.modificationDate] as! Date).timeIntervalSince1970)"
            XCTAssertEqual(ProbeCache.stamp(path), expected, path)
        }
        XCTAssertNil(ProbeCache.stamp(root + "/missing"))
        let before = ProbeCache.stamp(tool)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000_000.25)], ofItemAtPath: tool)
        XCTAssertNotEqual(ProbeCache.stamp(tool), before)
        XCTAssertEqual(FileSystem.status(tool)?.size, 2)
        XCTAssertEqual(FileSystem.status(link)?.size, UInt64(tool.utf8.count), "the link itself, not its target")
    }

    /// A rustup proxy's answer depends on settings, toolchain files and RUSTUP_TOOLCHAIN too.
    func testProbeStampedByEverythingItDependsOn() throws {
        let proxy = root + "/rustc", settings = root + "/settings.toml"
        XCTAssertTrue(FileManager.default.createFile(atPath: proxy, contents: Data("p".utf8)))
        XCTAssertTrue(FileManager.default.createFile(atPath: settings, contents: Data("a".utf8)))
        var calls = 0
        let probe = { () -> [String: String]? in calls += 1; return ["sysroot": "/s\(calls)"] }
        let cache = ProbeCache(file: root + "/probes.json")
        _ = cache.values("p", stampedBy: [proxy, settings], context: "RUSTUP_TOOLCHAIN=", compute: probe)
        _ = cache.values("p", stampedBy: [proxy, settings], context: "RUSTUP_TOOLCHAIN=", compute: probe)
        XCTAssertEqual(calls, 1)
        _ = cache.values("p", stampedBy: [proxy, settings], context: "RUSTUP_TOOLCHAIN=nightly", compute: probe)
        XCTAssertEqual(calls, 2)
        XCTAssertTrue(FileManager.default.createFile(atPath: settings, contents: Data("default = nightly".utf8)))
        _ = cache.values("p", stampedBy: [proxy, settings], context: "RUSTUP_TOOLCHAIN=nightly", compute: probe)
        XCTAssertEqual(calls, 3)
    }

    func testRustupProxyIsRecognisedByItsNeighbour() throws {
        try FileManager.default.createDirectory(atPath: root + "/toolchains/stable/bin", withIntermediateDirectories: true)
        for path in [root + "/rustup", root + "/rustc", root + "/toolchains/stable/bin/rustc"] {
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(), attributes: [.posixPermissions: 0o755]))
        }
        XCTAssertTrue(ToolchainDiscovery.isRustupProxy(root + "/rustc"))
        XCTAssertFalse(ToolchainDiscovery.isRustupProxy(root + "/toolchains/stable/bin/rustc"))
        XCTAssertFalse(ToolchainDiscovery.isRustupProxy("/usr/bin/rustc"))
    }

    func testRetiredProbesAreDroppedFromTheFile() throws {
        let file = root + "/probes.json"
        try JSONEncoder().encode(["objcopy-info:/usr/bin/objcopy": ["info": String(repeating: "x", count: 1000), "stamp": "1"],
                                  "zig-version:/z": ["version": "0.17", "stamp": "2"]]).write(to: URL(fileURLWithPath: file))
        _ = ProbeCache(file: file)
        let kept = try JSONDecoder().decode([String: [String: String]].self, from: Data(contentsOf: URL(fileURLWithPath: file)))
        XCTAssertEqual(Array(kept.keys), ["zig-version:/z"])
    }
}
