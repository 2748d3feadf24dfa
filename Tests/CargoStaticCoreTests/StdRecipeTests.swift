import XCTest
@testable import CargoStaticCore

final class StdRecipeTests: XCTestCase {
    private func toolchain(_ version: String) -> Toolchain {
        Toolchain(rustc: "/usr/bin/rustc", cargo: "/usr/bin/cargo", origin: .system, name: "system",
                  versionInfo: "rustc \(version)\ncommit-hash: abc123\nhost: x86_64-unknown-linux-gnu", release: version,
                  host: "x86_64-unknown-linux-gnu", sysroot: "/usr")
    }

    private func recipe(_ version: String = "1.96.0", target: String = "x86_64-unknown-linux-musl", settings: StdSettings = .standard,
                        cache: String = "/c") throws -> StdRecipe {
        StdRecipe(toolchain: toolchain(version), target: try Target(target), library: "/usr/lib/rustlib/src/rust/library",
                  settings: settings, layout: CacheLayout(root: cache))
    }

    func testKeyDependsOnRustcTargetAndSettingsButNotTheCachePath() throws {
        let base = try recipe().entry
        XCTAssertEqual(base, try recipe().entry)
        XCTAssertEqual(base, try recipe(cache: "/elsewhere").entry, "a copied cache must still match")
        XCTAssertNotEqual(base.name, try recipe("1.96.1").entry.name)
        XCTAssertNotEqual(base.name, try recipe(target: "aarch64-unknown-linux-musl").entry.name)
        XCTAssertNotEqual(base.name, try recipe(settings: .size).entry.name)
        XCTAssertTrue(base.name.hasPrefix("x86_64-unknown-linux-musl-1.96.0-default-"))
    }

    /// The user's environment cannot reach the std build: an allowlist, cargo run from `/`
    /// (no parent .cargo/config.toml), and std's paths remapped.
    func testStdBuildIsIsolatedFromTheUsersEnvironment() throws {
        let command = try recipe().buildCommand(work: "/w")
        XCTAssertEqual(command.environment["RUSTC_BOOTSTRAP"], "1")
        XCTAssertEqual(command.directory, "/")
        XCTAssertNotNil(command.inherit)
        XCTAssertFalse(command.inherit!.contains { $0.hasPrefix("CARGO") || $0.contains("RUSTFLAGS") || $0.hasPrefix("RUSTC") })
        let env = command.effectiveEnvironment(from: ["PATH": "/bin", "CARGO_PROFILE_RELEASE_DEBUG": "1", "RUSTFLAGS": "-g",
                                                      "RUSTC_WRAPPER": "sccache", "CARGO_BUILD_RUSTFLAGS": "-g"])
        XCTAssertEqual(Set(env.keys), ["PATH", "RUSTC", "RUSTC_BOOTSTRAP", "CARGO_HOME", "CARGO_ENCODED_RUSTFLAGS"])
        XCTAssertTrue(env["CARGO_ENCODED_RUSTFLAGS"]!.contains("--remap-path-prefix=/usr/lib/rustlib/src/rust/library=/rustc/abc123/library"))
        XCTAssertTrue(command.arguments.contains("--offline"))
        XCTAssertTrue(command.arguments.contains("source.cargo-static-vendored.directory=\"/usr/lib/rustlib/src/rust/library/vendor\""))
    }

    /// What rustup ships for a target: everything the rust-src tree's `sysroot` crate
    /// depends on (std, test, proc_macro), plus both panic runtimes.
    func testDefaultStdHasWhatTheSysrootCrateShips() throws {
        let manifest = "/usr/lib/rustlib/src/rust/library/sysroot/Cargo.toml"
        guard FileManager.default.fileExists(atPath: manifest) else { throw XCTSkip("no rust-src tree here") }
        let sysroot = try TOML.parse(file: manifest)
        let shipped = try XCTUnwrap(sysroot["dependencies"]?.table, manifest).filter { $0.value["optional"]?.bool != true }.keys
        XCTAssertFalse(shipped.isEmpty)
        for crate in shipped { XCTAssertTrue(StdSettings.standard.crates.contains(crate), "the default std lacks \(crate)") }
        XCTAssertTrue(StdSettings.standard.crates.contains("panic_abort"))
        for profile in StdSettings.profiles { XCTAssertTrue(profile.crates.contains("proc_macro"), profile.name) }
        XCTAssertTrue(try recipe().manifest.contains(#"std = { path = "/usr/lib/rustlib/src/rust/library/std", features = ["panic-unwind", "backtrace"] }"#))
    }
}
