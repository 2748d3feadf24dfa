import CargoStaticCore
import Foundation
import XCTest

/// `[package.metadata.cargo-static]` and `[cargo-static]` in .cargo/config.toml steer the
/// build; the command line wins; a misspelt key stops it.
final class ProjectSettingsTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    /// hello, with settings in its Cargo.toml and in its .cargo/config.toml.
    private func project(metadata: String, config: String) throws -> String {
        let dir = try Harness.fixture("hello")
        let manifest = try String(contentsOfFile: dir + "/Cargo.toml", encoding: .utf8)
        try (manifest + "\n[package.metadata.cargo-static]\n" + metadata + "\n").write(toFile: dir + "/Cargo.toml", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir + "/.cargo", withIntermediateDirectories: true)
        try ("[cargo-static]\n" + config + "\n").write(toFile: dir + "/.cargo/config.toml", atomically: true, encoding: .utf8)
        return dir
    }

    func testMetadataSettingsBuildAccordingly() throws {
        let dir = try project(metadata: "allocator = \"musl\"\ntarget = [\"x86_64-unknown-linux-musl\", \"aarch64-unknown-linux-musl\"]",
                              config: "allocator = \"jemalloc\"\nstd-profile = \"size\"")
        // Planned only: Cargo.toml's targets and allocator (over the config's), the config's std profile.
        let planned = try Harness.run(["plan", "--json", "--release"], in: dir)
        XCTAssertEqual(planned.status, 0, planned.all)
        let targets = try Harness.plan(planned).targets
        XCTAssertEqual(targets.map(\.target.triple), ["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl"])
        XCTAssertEqual(targets.map(\.allocator), [.musl, .musl])
        let entry = try XCTUnwrap(targets.first?.stdCacheEntry, planned.stdout)
        XCTAssertTrue(entry.contains("-size-"), entry)

        // Built: the command line's target and std profile win; the allocator still comes from Cargo.toml.
        let built = try Harness.run(["build", "--release", "--json", "--target", "x86_64-unknown-linux-musl", "--std-profile", "default"], in: dir)
        XCTAssertEqual(built.status, 0, built.all)
        let results = try Harness.decodedResults(built)
        XCTAssertEqual(results.map(\.target.triple), ["x86_64-unknown-linux-musl"])
        XCTAssertEqual(results.first?.allocator, .musl)
        let audit = try Harness.onlyExecutable(built).audit
        XCTAssertTrue(audit.kernelOnly, "\(audit)")
        XCTAssertFalse([.mimalloc, .jemalloc].contains(audit.allocator), "\(audit)")
    }

    func testUnknownKeyIsAnErrorNamingIt() throws {
        let dir = try project(metadata: "alocator = \"musl\"", config: "")
        let out = try Harness.run(["build"], in: dir)
        XCTAssertEqual(out.status, 2, out.all)
        XCTAssertTrue(out.stderr.contains("error: unknown key `alocator` in [package.metadata.cargo-static] of \(dir)/Cargo.toml"), out.stderr)
        XCTAssertTrue(out.stderr.contains("fix: did you mean `allocator`?"), out.stderr)
        let config = try project(metadata: "", config: "std-profil = \"size\"")
        let fromConfig = try Harness.run(["plan"], in: config)
        XCTAssertEqual(fromConfig.status, 2, fromConfig.all)
        XCTAssertTrue(fromConfig.stderr.contains("unknown key `std-profil` in [cargo-static] of \(config)/.cargo/config.toml"), fromConfig.stderr)
    }
}
