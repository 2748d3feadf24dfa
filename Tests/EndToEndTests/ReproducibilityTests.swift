import Foundation
import XCTest

/// `build --check-reproducible`: a second build from a copy elsewhere (another directory,
/// target directory, umask, time zone and locale) must give the same bytes. (ripgrep does
/// not yet: its .debug_line differs; README says so.)
final class ReproducibilityTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    private func check(_ dir: String, _ extra: [String] = []) throws -> Harness.Output {
        try Harness.run(["build", "--release", "--json", "--check-reproducible"] + extra, in: dir)
    }

    /// hello, and a crate whose C library (zlib) cargo-static builds: same executable,
    /// same SBOM, and the JSON says so.
    func testHelloAndZlibCrateAreReproducible() throws {
        for fixture in ["hello", "zlib-flate2"] {
            let out = try check(try Harness.fixture(fixture))
            XCTAssertEqual(out.status, 0, out.all)
            let exe = try XCTUnwrap(Harness.executables(try Harness.results(out).first ?? [:]).first, out.all)
            XCTAssertEqual(exe["reproducible"] as? Bool, true, out.stderr)
            let path = try XCTUnwrap(exe["path"] as? String)
            for file in [path, path + ".cdx.json"] {
                XCTAssertTrue(out.stderr.contains("Reproduced \(file) (same bytes"), "\(fixture): \(file) not compared\n\(out.stderr)")
            }
            XCTAssertFalse(out.stderr.contains("not reproducible"), out.stderr)
        }
    }

    /// A build script that embeds its build directory: the check fails (exit 1), names the
    /// section that changed and the SBOM line that changed, and leaves no copy behind.
    func testEmbeddedBuildPathIsFoundAndNamed() throws {
        let dir = try Harness.temporaryDirectory("stamped")
        try FileManager.default.createDirectory(atPath: dir + "/src", withIntermediateDirectories: true)
        try "[package]\nname = \"stamped\"\nversion = \"0.1.0\"\nedition = \"2021\"\n".write(toFile: dir + "/Cargo.toml", atomically: true, encoding: .utf8)
        try "fn main() { println!(\"cargo:rustc-env=BUILT_IN={}\", std::env::var(\"OUT_DIR\").unwrap()); }\n"
            .write(toFile: dir + "/build.rs", atomically: true, encoding: .utf8)
        try "fn main() { println!(\"built in {}\", env!(\"BUILT_IN\")); }\n".write(toFile: dir + "/src/main.rs", atomically: true, encoding: .utf8)
        let before = try FileManager.default.contentsOfDirectory(atPath: "/tmp").filter { $0.hasPrefix("cargo-static-reproducible-") }
        let out = try check(dir)
        XCTAssertEqual(out.status, 1, out.all)
        XCTAssertTrue(out.stderr.contains("error: the build is not reproducible"), out.stderr)
        // The two build directories may have names of the same length: then only the bytes differ.
        XCTAssertTrue(out.stderr.contains("release/stamped: section .rodata differs"), out.stderr)
        XCTAssertTrue(out.stderr.contains("release/stamped.cdx.json: line "), out.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(json?["kind"] as? String, "not-reproducible", out.stdout)
        let after = try FileManager.default.contentsOfDirectory(atPath: "/tmp").filter { $0.hasPrefix("cargo-static-reproducible-") }
        XCTAssertEqual(Set(after), Set(before), "the second build's copy was left behind")
        // The shared wrappers still work (the second build must not leave them pointing elsewhere).
        XCTAssertEqual(try Harness.run(["build", "--release"], in: try Harness.fixture("hello")).status, 0)
    }
}
