import XCTest
@testable import CargoStaticCore

final class CargoConfigTests: XCTestCase {
    private var root = ""
    override func setUpWithError() throws {
        root = try scratchDirectory("config")
        try FileManager.default.createDirectory(atPath: root + "/home/.cargo", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/proj/sub/.cargo", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/proj/.cargo", withIntermediateDirectories: true)
    }

    private func context(_ vars: [String: String] = [:]) -> Context {
        Context(variables: vars.merging(["CARGO_HOME": root + "/home/.cargo"]) { a, _ in a }, directory: root + "/proj/sub", home: root + "/home")
    }

    func testUserRustflagsFollowCargosOrder() throws {
        try "[build]\nrustflags = [\"-Chome\"]\n".write(toFile: root + "/home/.cargo/config.toml", atomically: true, encoding: .utf8)
        try "[target.x86_64-unknown-linux-musl]\nrustflags = \"-Cproj -Cmore\"\n".write(toFile: root + "/proj/.cargo/config.toml", atomically: true, encoding: .utf8)
        try "[target.'cfg(target_env = \"musl\")']\nrustflags = [\"-Csub\"]\n[target.'cfg(windows)']\nrustflags = [\"-Cnever\"]\n"
            .write(toFile: root + "/proj/sub/.cargo/config.toml", atomically: true, encoding: .utf8)
        let target = try Target("x86_64-unknown-linux-musl")
        let cfg = ["unix", "target_env=\"musl\"", "target_os=\"linux\""]
        let config = try CargoConfig.load(context: context(), cargo: CargoArguments())
        XCTAssertEqual(config.layers.count, 3)
        // target tables win over build.rustflags, and every matching one counts (deeper files later).
        XCTAssertEqual(config.userRustflags(context: context(), target: target, cfg: cfg), ["-Cproj", "-Cmore", "-Csub"])
        // The environment wins over every file.
        XCTAssertEqual(config.userRustflags(context: context(["RUSTFLAGS": "-Cenv  -Cx"]), target: target, cfg: cfg), ["-Cenv", "-Cx"])
        XCTAssertEqual(config.userRustflags(context: context(["CARGO_ENCODED_RUSTFLAGS": "-Ca b\u{1F}-Cc", "RUSTFLAGS": "-Cno"]),
                                            target: target, cfg: cfg), ["-Ca b", "-Cc"])
        // With no target table, build.rustflags.
        let aarch = try Target("aarch64-unknown-linux-musl")
        XCTAssertEqual(config.userRustflags(context: context(), target: aarch, cfg: []), ["-Chome"])
    }

    func testConfigArgumentsAreTheHighestLayer() throws {
        let cargo = try CargoArguments.parse(["--config", "build.rustflags=[\"-Ccli\"]"], mode: .build)
        let config = try CargoConfig.load(context: context(), cargo: cargo)
        XCTAssertEqual(config.userRustflags(context: context(), target: try Target("aarch64-unknown-linux-musl"), cfg: []), ["-Ccli"])
    }

    func testCfgExpressions() {
        let cfg = ["unix", "target_os=\"linux\"", "target_arch=\"x86_64\"", "target_feature=\"crt-static\""]
        XCTAssertTrue(CfgExpression.matches("cfg(unix)", cfg: cfg))
        XCTAssertTrue(CfgExpression.matches("cfg(all(target_os = \"linux\", not(windows)))", cfg: cfg))
        XCTAssertTrue(CfgExpression.matches("cfg(any(windows, target_feature = \"crt-static\"))", cfg: cfg))
        XCTAssertFalse(CfgExpression.matches("cfg(target_arch = \"aarch64\")", cfg: cfg))
        XCTAssertFalse(CfgExpression.matches("cfg(all(unix, windows))", cfg: cfg))
        XCTAssertFalse(CfgExpression.matches("not a cfg", cfg: cfg))
    }
}
