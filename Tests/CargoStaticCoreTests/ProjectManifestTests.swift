import XCTest
@testable import CargoStaticCore

/// Profiles resolved one way for debug, strip and panic: environment over config over the
/// workspace root's manifest, then what the profile inherits.
final class ProjectManifestTests: XCTestCase {
    /// The manifest the request's settings were read from is not read again: what was
    /// parsed then is what the plan uses (here, a path with no file behind it).
    func testManifestReadOnceIsNotReadAgain() throws {
        let package = try TOML.parse("[package]\nname = \"app\"\ndefault-run = \"server\"\n[profile.release]\nlto = true\n")
        let read = ProjectManifest.read("/nonexistent/app/Cargo.toml", package: package, config: nil, context: Context(variables: [:], directory: "/"))
        XCTAssertEqual(read.defaultRun, "server")
        XCTAssertEqual(read.setting("lto", profile: "release"), .bool(true), "the profile resolution works on the text read once")
        XCTAssertNil(ProjectManifest.read("/nonexistent/app/Cargo.toml", config: nil, context: Context(variables: [:], directory: "/")).defaultRun,
                     "without it the disk is read (nothing there)")
    }

    private func manifest(_ root: String, config: [String] = [], env: [String: String] = [:]) throws -> ProjectManifest {
        let doc = try TOML.parse(root)
        let layers = try ([doc] + config.map { try TOML.parse($0) }).compactMap { $0["profile"]?.table }
        return ProjectManifest(package: doc, profileLayers: layers, environment: env)
    }

    func testStripDefaultsFollowCargo() throws {
        let m = try manifest("[package]\nname = \"x\"\n")
        XCTAssertEqual(m.strip(profile: "release"), "debuginfo")
        XCTAssertEqual(m.strip(profile: "dev"), "none")
        XCTAssertEqual(m.strip(profile: "bench"), "debuginfo")
        XCTAssertEqual(m.strip(profile: "test"), "none")
    }

    func testCustomProfileInheritsItsSettings() throws {
        let m = try manifest("""
            [profile.release]
            strip = true
            panic = "abort"
            [profile.dist]
            inherits = "release"
            [profile.small]
            inherits = "dist"
            debug = 1
            """)
        XCTAssertEqual(m.strip(profile: "small"), "symbols")
        XCTAssertEqual(m.debug(profile: "small"), "1")
        XCTAssertNil(m.debug(profile: "dist"))
        XCTAssertTrue(m.panicAbortOnly(profile: "dist"))
        XCTAssertFalse(m.panicAbortOnly(profile: "dev"))
    }

    /// cargo builds tests and benchmarks with unwind whatever the profile says.
    func testTestsAndBenchesAlwaysUnwind() throws {
        let m = try manifest("[profile.dev]\npanic = \"abort\"\n[profile.release]\npanic = \"abort\"\n")
        XCTAssertTrue(m.panicAbortOnly(profile: "dev"))
        XCTAssertFalse(m.panicAbortOnly(profile: "test"))
        XCTAssertFalse(m.panicAbortOnly(profile: "bench"))
    }

    func testEnvironmentOverridesConfigOverridesManifest() throws {
        let root = "[profile.release]\npanic = \"unwind\"\nstrip = \"none\"\n"
        let config = "[profile.release]\npanic = \"abort\"\n"
        XCTAssertTrue(try manifest(root, config: [config]).panicAbortOnly(profile: "release"))
        XCTAssertFalse(try manifest(root, config: [config], env: ["CARGO_PROFILE_RELEASE_PANIC": "unwind"]).panicAbortOnly(profile: "release"))
        XCTAssertTrue(try manifest(root, env: ["CARGO_PROFILE_RELEASE_PANIC": "abort"]).panicAbortOnly(profile: "release"))
        XCTAssertEqual(try manifest(root, env: ["CARGO_PROFILE_RELEASE_STRIP": "symbols"]).strip(profile: "release"), "symbols")
        // A custom profile sees the variable of the profile it inherits.
        let custom = try manifest("[profile.dist]\ninherits = \"release\"\n", env: ["CARGO_PROFILE_RELEASE_DEBUG": "2"])
        XCTAssertEqual(custom.strip(profile: "dist"), "none")
    }

    func testInheritanceLoopEnds() throws {
        let m = try manifest("[profile.a]\ninherits = \"b\"\n[profile.b]\ninherits = \"a\"\n")
        XCTAssertNil(m.setting("panic", profile: "a"))
        XCTAssertFalse(m.panicAbortOnly(profile: "a"))
    }

    /// Profiles come from the workspace root; default-run from the package.
    func testProfilesFromWorkspaceRoot() throws {
        let dir = NSTemporaryDirectory() + "manifest-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/member", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "[workspace]\nmembers = [\"member\"]\n[profile.release]\npanic = \"abort\"\n".write(toFile: dir + "/Cargo.toml", atomically: true, encoding: .utf8)
        try "[package]\nname = \"m\"\ndefault-run = \"tool\"\n[profile.release]\npanic = \"unwind\"\n".write(toFile: dir + "/member/Cargo.toml", atomically: true, encoding: .utf8)
        let m = ProjectManifest.read(dir + "/member/Cargo.toml", config: nil, context: Context(variables: [:], directory: dir))
        XCTAssertEqual(m.defaultRun, "tool")
        XCTAssertTrue(m.panicAbortOnly(profile: "release"))
    }
}
