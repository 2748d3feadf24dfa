import Foundation
import XCTest

/// `build --artifact-dir DIR` on a real build: the checked executable and its SBOM, copied.
final class ArtifactDirectoryBuildTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    func testExecutableAndSBOMAreCopied() throws {
        let dir = try Harness.fixture("hello")
        let out = try Harness.temporaryDirectory("artifacts") + "/dist"
        let built = try Harness.run(["build", "--release", "--allocator", "musl", "--artifact-dir", "../dist-rel"], in: dir)
        XCTAssertEqual(built.status, 0, built.all)
        let cargoPath = dir + "/target/x86_64-unknown-linux-musl/release/hello"
        XCTAssertEqual(built.stdout.trimmingCharacters(in: .whitespacesAndNewlines), cargoPath, "stdout still names cargo's file")
        let relative = (dir as NSString).deletingLastPathComponent + "/dist-rel/hello"
        XCTAssertEqual(FileManager.default.contents(atPath: relative), FileManager.default.contents(atPath: cargoPath),
                       "a relative DIR is taken from the working directory")

        let again = try Harness.run(["build", "--release", "--allocator", "musl", "--artifact-dir", out], in: dir)
        XCTAssertEqual(again.status, 0, again.all)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).sorted(), ["hello", "hello.cdx.json"])
        let ran = try Harness.runTool(out + "/hello", [])
        XCTAssertTrue(ran.stdout.hasPrefix("Hello from a static executable!"), ran.all)
        let sbom = try Harness.run(["verify", "--sbom", out + "/hello.cdx.json", out + "/hello"], in: dir)
        XCTAssertEqual(sbom.status, 0, "the copied SBOM describes the copied file: \(sbom.all)")
    }
}
