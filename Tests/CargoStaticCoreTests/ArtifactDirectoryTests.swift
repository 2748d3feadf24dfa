import XCTest
@testable import CargoStaticCore

/// `--artifact-dir`: the checked executables and their companions, laid out per target
/// when there are several.
final class ArtifactDirectoryTests: XCTestCase {
    private var root = ""
    override func setUpWithError() throws {
        root = try scratchDirectory("artifacts")
        try FileManager.default.createDirectory(atPath: root + "/target", withIntermediateDirectories: true)
    }

    /// A built executable at `dir/name` (a real static ELF file, so its audit is real).
    private func executable(_ name: String, in dir: String, target: String, isTest: Bool = false) throws -> BuiltExecutable {
        let path = root + "/target/" + dir + "/" + name
        try FileManager.default.createDirectory(atPath: root + "/target/" + dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: try ELFFixtures.shared.path("musl-static"), toPath: path)
        let audit = Audit(try ELFFile.read(path: path))
        XCTAssertTrue(audit.kernelOnly)
        return BuiltExecutable(target: try Target(target), path: path, package: "p", packageID: "p 0.1.0", name: name, isTest: isTest, audit: audit)
    }

    private func result(_ target: String, _ executables: [BuiltExecutable]) throws -> TargetResult {
        TargetResult(target: try Target(target), toolchain: "t", rustcRelease: "1", std: .prebuilt, stdCacheEntry: nil, cToolchain: "zig",
                     nativeLibraries: [], allocator: .musl, executables: executables, seconds: 0)
    }

    func testOneTargetGoesToTheDirectoryItself() throws {
        let tool = try executable("tool", in: "release", target: "x86_64-unknown-linux-musl")
        let test = try executable("tool-0123", in: "release/deps", target: "x86_64-unknown-linux-musl", isTest: true)
        try "{}".write(toFile: tool.path + SBOM.fileSuffix, atomically: true, encoding: .utf8)
        let out = root + "/out"
        // A .debug left by an earlier --split-debug build would describe another file.
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try "stale".write(toFile: out + "/tool.debug", atomically: true, encoding: .utf8)

        let copied = try ArtifactDirectory.copy([try result("x86_64-unknown-linux-musl", [tool, test])], to: out, reporter: Reporter(quiet: true))
        XCTAssertEqual(copied, [out + "/tool"])
        XCTAssertEqual(FileManager.default.contents(atPath: out + "/tool"), FileManager.default.contents(atPath: tool.path))
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: out + "/tool"))
        XCTAssertEqual(try String(contentsOfFile: out + "/tool" + SBOM.fileSuffix, encoding: .utf8), "{}")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/tool.debug"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).sorted(), ["tool", "tool.cdx.json"], "no test, no temporary file")
    }

    func testSeveralTargetsGetADirectoryEach() throws {
        let results = [
            try result("x86_64-unknown-linux-musl", [try executable("tool", in: "x86_64-unknown-linux-musl/release", target: "x86_64-unknown-linux-musl")]),
            try result("aarch64-unknown-linux-musl", [try executable("tool", in: "aarch64-unknown-linux-musl/release", target: "aarch64-unknown-linux-musl")]),
        ]
        let out = root + "/out"
        XCTAssertEqual(ArtifactDirectory.destinations(results, directory: out).map(\.destination),
                       [out + "/x86_64-unknown-linux-musl/tool", out + "/aarch64-unknown-linux-musl/tool"])
        try ArtifactDirectory.copy(results, to: out, reporter: Reporter(quiet: true))
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: out + "/aarch64-unknown-linux-musl/tool"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/tool"))
    }
}
