import XCTest
@testable import CargoStaticCore

/// Exit statuses as cargo's and docker's, and the OCI distribution spec's name limits.
final class ExitCodeLimitsTests: XCTestCase {
    func testInvalidTagIsACommandLineError() {
        for text in ["Hello:1", "hello:-x", "hello:.x", "hello:", "hello@sha256:00", "hello:" + String(repeating: "a", count: 129)] {
            XCTAssertThrowsError(try ImageReference(text), text) { error in
                XCTAssertEqual((error as? CargoStaticError)?.exitCode, 2, "\(text): \(error)")
            }
        }
        XCTAssertEqual(try ImageReference("hello:_x").tag, "_x")
        XCTAssertEqual(try ImageReference("hello:" + String(repeating: "a", count: 128)).tag.count, 128)
    }

    func testNamesLongerThanTheOCILimitsAreRefused() throws {
        let component = String(repeating: "a", count: 60)
        let ok = (0..<4).map { _ in component }.joined(separator: "/") + "/abcdefghijk"   // 255
        XCTAssertEqual(ok.count, 255)
        XCTAssertEqual(try ImageReference(ok + ":1").repository, ok)
        XCTAssertThrowsError(try ImageReference(ok + "x:1")) { error in
            XCTAssertTrue("\(error)".contains("at most 255"), "\(error)")
            XCTAssertEqual((error as? CargoStaticError)?.exitCode, 2)
        }
        XCTAssertThrowsError(try ImageReference("registry.example.com/" + String(repeating: "b", count: 240)))
    }

    func testPathComponentsFollowTheDistributionGrammar() {
        for good in ["a__b", "a_b", "a.b", "a---b", "ghcr.io/acme/x", "localhost:5000/x", "r-1.example.com:443/a/b"] {
            XCTAssertNoThrow(try ImageReference(good), good)
        }
        for bad in ["a___b", "a..b", "a-", "_a", "a._b", "ghcr.io:/x", "-r.io/x", "a//b"] {
            XCTAssertThrowsError(try ImageReference(bad), bad)
        }
    }

    func testManifestThatIsNotTOMLIsExit101WithOneMessage() throws {
        let dir = NSTemporaryDirectory() + "cs-not-toml-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "[package\nname = \"x\"\n".write(toFile: dir + "/Cargo.toml", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Settings.packageTable(dir + "/Cargo.toml")) { error in
            let e = error as? CargoStaticError
            XCTAssertEqual(e?.exitCode, 101)
            XCTAssertEqual(e?.description.components(separatedBy: "error:").count, 2, "one message: \(error)")
            XCTAssertTrue(e?.message.contains("is not valid TOML (line 1") ?? false, "\(error)")
        }
    }
}
