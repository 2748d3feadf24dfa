import CargoStaticCore
import Foundation
import XCTest

/// `install`: a package directory or a registry crate, built static, checked, and copied
/// into <root>/bin, where it runs.
final class InstallTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    /// `verify` exits 0 only for a fully static, kernel-only executable.
    private func verifyStatic(_ path: String) throws {
        let audit = try Harness.run(["verify", path], in: "/")
        XCTAssertEqual(audit.status, 0, audit.all)
    }

    func testInstallPathRefusesToOverwriteWithoutForce() throws {
        let project = try Harness.fixture("hello")
        let root = try Harness.temporaryDirectory("install-root")
        let work = try Harness.temporaryDirectory("install-cwd")
        let installed = try Harness.run(["install", "--path", project, "--root", root, "--allocator", "musl"], in: work)
        XCTAssertEqual(installed.status, 0, installed.all)
        let exe = root + "/bin/hello"
        XCTAssertEqual(installed.stdout.trimmingCharacters(in: .whitespacesAndNewlines), exe)
        XCTAssertTrue(FileManager.default.fileExists(atPath: project + "/target/x86_64-unknown-linux-musl/release/hello"),
                      "built in release mode, in the package's own target directory")
        let ran = try Harness.runTool(exe, ["x"])
        XCTAssertEqual(ran.stdout, "Hello from a static executable! args=[\"x\"]\n", ran.all)
        try verifyStatic(exe)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root + "/bin"), ["hello"], "no temporary file left")

        let again = try Harness.run(["install", "--path", project, "--root", root, "--allocator", "musl"], in: work)
        XCTAssertEqual(again.status, 2, again.all)
        XCTAssertTrue(again.stderr.contains("\(exe) already exists"), again.stderr)
        XCTAssertTrue(again.stderr.contains("fix: pass --force"), again.stderr)
        XCTAssertFalse(again.stderr.contains("Compiling"), "refused before building: \(again.stderr)")

        let forced = try Harness.run(["install", "--path", project, "--root", root, "--allocator", "musl", "--force"], in: work)
        XCTAssertEqual(forced.status, 0, forced.all)
    }

    /// A crate found the way cargo finds it: through the source replacement in the working
    /// directory's .cargo/config.toml (Debian's directory registry), whose copy is read-only
    /// and lacks the crate's dev-dependencies.
    func testInstallCrateFromTheConfiguredRegistry() throws {
        let manifest = "/usr/share/cargo/registry/xml-rs-0.8.3/Cargo.toml"
        guard FileManager.default.fileExists(atPath: manifest) else {
            throw XCTSkip("librust-xml-rs-dev is not installed (scripts/setup installs it)")
        }
        let work = try Harness.temporaryDirectory("install-registry")
        try FileManager.default.createDirectory(atPath: work + "/.cargo", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Harness.fixtures + "/debian-registry/config.toml", toPath: work + "/.cargo/config.toml")
        let home = try Harness.temporaryDirectory("install-home")

        // CARGO_HOME is the default root.
        let installed = try Harness.run(["install", "xml-rs@0.8.3", "--bin", "xml-analyze"], in: work, environment: ["CARGO_HOME": home])
        XCTAssertEqual(installed.status, 0, installed.all)
        let exe = home + "/bin/xml-analyze"
        XCTAssertEqual(installed.stdout.trimmingCharacters(in: .whitespacesAndNewlines), exe)
        XCTAssertTrue(installed.stderr.contains("Found xml-rs v0.8.3 in /usr/share/cargo/registry/xml-rs-0.8.3"), installed.stderr)
        try verifyStatic(exe)
        let xml = work + "/doc.xml"
        try "<?xml version=\"1.0\"?><a><b>text</b><b/></a>".write(toFile: xml, atomically: true, encoding: .utf8)
        let ran = try Harness.runTool(exe, [xml])
        XCTAssertEqual(ran.status, 0, ran.all)
        XCTAssertTrue(ran.stdout.contains("Elements: 3, maximum depth: 2"), ran.all)

        let missing = try Harness.run(["install", "no-such-crate-anywhere", "--root", home], in: work, environment: ["CARGO_HOME": home])
        XCTAssertEqual(missing.status, 101, missing.all)
        XCTAssertTrue(missing.stderr.contains("cargo could not find crate `no-such-crate-anywhere`"), missing.stderr)
    }

    /// A registry crate as published: `#![deny(warnings)]` code that a newer rustc warns
    /// about, dev-dependencies the registry does not have, its own cargo-static settings.
    /// It installs as with `cargo install` (lints capped, dev-dependencies ignored).
    func testRegistryCrateWithDenyWarningsAndMissingDevDependencies() throws {
        let work = try Harness.temporaryDirectory("install-local-registry")
        let crate = work + "/registry/lintful-0.1.0"
        try FileManager.default.createDirectory(atPath: crate + "/src", withIntermediateDirectories: true)
        try """
            [package]
            name = "lintful"
            version = "0.1.0"
            edition = "2021"

            [package.metadata.cargo-static]
            allocator = "musl"

            [dev-dependencies.not-in-this-registry]
            version = "1"
            """.write(toFile: crate + "/Cargo.toml", atomically: true, encoding: .utf8)
        try "#![deny(warnings)]\nfn main() {\n    let unused = 1;\n    println!(\"lintful ran\");\n}\n"
            .write(toFile: crate + "/src/main.rs", atomically: true, encoding: .utf8)
        try "{\"files\":{},\"package\":\"\(String(repeating: "0", count: 64))\"}".write(toFile: crate + "/.cargo-checksum.json", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: work + "/.cargo", withIntermediateDirectories: true)
        try """
            [source.crates-io]
            replace-with = "local"
            [source.local]
            directory = "\(work)/registry"
            [net]
            offline = true
            """.write(toFile: work + "/.cargo/config.toml", atomically: true, encoding: .utf8)

        let out = try Harness.run(["install", "lintful", "--root", work + "/root", "--json"], in: work)
        XCTAssertEqual(out.status, 0, out.all)
        let installed = try Harness.decode([InstalledExecutable].self, out)
        XCTAssertEqual(installed.map(\.path), [work + "/root/bin/lintful"], out.stdout)
        let audit = try XCTUnwrap(installed.first).audit
        XCTAssertTrue(audit.kernelOnly, "\(audit)")
        XCTAssertFalse([.mimalloc, .jemalloc].contains(audit.allocator), "the crate's own settings apply: \(audit)")
        XCTAssertEqual(try Harness.runTool(work + "/root/bin/lintful", []).stdout, "lintful ran\n")
        XCTAssertTrue(FileManager.default.fileExists(atPath: crate + "/Cargo.toml") && !FileManager.default.fileExists(atPath: crate + "/target"),
                      "the registry's copy is left alone")
    }
}
