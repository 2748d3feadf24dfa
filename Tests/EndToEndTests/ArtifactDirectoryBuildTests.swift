import Foundation
import XCTest
@testable import CargoStaticCore

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

        let sbomFile = cargoPath + ".cdx.json"
        let written = try XCTUnwrap(AuditMemo.identity(sbomFile))
        let again = try Harness.run(["build", "--release", "--allocator", "musl", "--artifact-dir", out], in: dir)
        XCTAssertEqual(again.status, 0, again.all)
        // Nothing changed: the audit is remembered beside the executable, the SBOM not rewritten.
        XCTAssertEqual(AuditMemo.identity(sbomFile), written, "an SBOM that already says the same is left as it is")

        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).sorted(), ["hello", "hello.cdx.json"])
        let ran = try Harness.runTool(out + "/hello", [])
        XCTAssertTrue(ran.stdout.hasPrefix("Hello from a static executable!"), ran.all)
        let sbom = try Harness.run(["verify", "--sbom", out + "/hello.cdx.json", out + "/hello"], in: dir)
        XCTAssertEqual(sbom.status, 0, "the copied SBOM describes the copied file: \(sbom.all)")

        // An SBOM edited by hand is written again, and an executable touched is audited again.
        try FileSystem.write("{}", to: sbomFile)
        _ = try Harness.runTool("/usr/bin/touch", [cargoPath])
        let third = try Harness.run(["build", "--release", "--allocator", "musl"], in: dir)
        XCTAssertEqual(third.status, 0, third.all)
        let check = try Harness.run(["verify", "--sbom", sbomFile, cargoPath], in: dir)
        XCTAssertEqual(check.status, 0, "the SBOM was written again: \(check.all)")
        let memoData = try XCTUnwrap(FileManager.default.contents(atPath: (cargoPath as NSString).deletingLastPathComponent + "/" + AuditMemo.fileName))
        XCTAssertTrue(String(decoding: memoData, as: UTF8.self).contains(try XCTUnwrap(AuditMemo.identity(cargoPath))),
                      "the memo records the touched file's identity")
    }
}
