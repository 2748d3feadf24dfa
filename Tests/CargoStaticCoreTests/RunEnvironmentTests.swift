import XCTest
@testable import CargoStaticCore

final class RunEnvironmentTests: XCTestCase {
    private let package: [String: JSONValue] = [
        "id": "path+file:///w/app#1.2.3-beta.2+build.5", "name": "my-app", "version": "1.2.3-beta.2+build.5",
        "authors": ["A <a@x>", "B"], "description": "d", "homepage": .null, "repository": "https://r",
        "license": "MIT", "license_file": .null, "rust_version": "1.70", "readme": "README.md",
        "manifest_path": "/w/app/Cargo.toml", "source": .null,
    ]

    static func decoded(_ package: [String: JSONValue]) -> CargoMetadata.Package {
        CargoMetadata.testing(["packages": [.object(package)]]).packageList[0]
    }

    func testVariablesFromMetadata() throws {
        let info = try XCTUnwrap(PackageInfo.from(metadata: Self.decoded(package)))
        let bin = RunEnvironment.variables(package: info, targetName: "my-app", kinds: ["bin"], cargo: "/usr/bin/cargo", targetDirectory: "/w/target")
        XCTAssertEqual(bin["CARGO"], "/usr/bin/cargo")
        XCTAssertEqual(bin["CARGO_MANIFEST_DIR"], "/w/app")
        XCTAssertEqual(bin["CARGO_MANIFEST_PATH"], "/w/app/Cargo.toml")
        XCTAssertEqual(bin["CARGO_PKG_NAME"], "my-app")
        XCTAssertEqual(bin["CARGO_PKG_VERSION"], "1.2.3-beta.2+build.5")
        XCTAssertEqual([bin["CARGO_PKG_VERSION_MAJOR"], bin["CARGO_PKG_VERSION_MINOR"], bin["CARGO_PKG_VERSION_PATCH"], bin["CARGO_PKG_VERSION_PRE"]],
                       ["1", "2", "3", "beta.2"])
        XCTAssertEqual(bin["CARGO_PKG_AUTHORS"], "A <a@x>:B")
        XCTAssertEqual(bin["CARGO_PKG_HOMEPAGE"], "", "unset fields are empty, as cargo sets them")
        XCTAssertEqual(bin["CARGO_PKG_LICENSE_FILE"], "")
        XCTAssertEqual(bin["CARGO_PKG_RUST_VERSION"], "1.70")
        XCTAssertEqual(bin["CARGO_PKG_README"], "README.md")
        XCTAssertEqual(bin["CARGO_BIN_NAME"], "my-app")
        XCTAssertEqual(bin["CARGO_CRATE_NAME"], "my_app")
        XCTAssertNil(bin["CARGO_TARGET_TMPDIR"])
        let integration = RunEnvironment.variables(package: info, targetName: "api", kinds: ["test"], cargo: "cargo", targetDirectory: "/w/target")
        XCTAssertEqual(integration["CARGO_TARGET_TMPDIR"], "/w/target/tmp")
        XCTAssertNil(integration["CARGO_BIN_NAME"])
        XCTAssertEqual(RunEnvironment.versionParts("0.1.0").3, "")
    }

    func testWorkingDirectoryIsCargos() throws {
        let info = try XCTUnwrap(PackageInfo.from(metadata: Self.decoded(package)))
        XCTAssertEqual(RunEnvironment.directory(isTest: true, package: info, userDirectory: "/w/app/src"), "/w/app")
        XCTAssertEqual(RunEnvironment.directory(isTest: false, package: info, userDirectory: "/w/app/src"), "/w/app/src")
    }

    func testLocalPackagesOnly() {
        var registry = package
        registry["source"] = "registry+https://github.com/rust-lang/crates.io-index"
        XCTAssertEqual(PackageInfo.local(.testing(["packages": [.object(package), .object(registry)]])).map(\.name), ["my-app"])
    }

    /// The sandbox receives the variables as --setenv pairs.
    func testSandboxSetsTheGivenVariables() throws {
        guard Sandbox.bwrap(Runner()) != nil else { throw XCTSkip("no bwrap") }
        let (command, cleanup) = try Sandbox(runner: Runner(), environment: ["CARGO_PKG_NAME": "x", "A": "1"])
            .command(executable: "/bin/true", qemu: nil, arguments: [])
        for file in cleanup { try? FileManager.default.removeItem(atPath: file) }
        let args = command.arguments.joined(separator: "\u{0}")
        XCTAssertTrue(args.contains(["--setenv", "A", "1", "--setenv", "CARGO_PKG_NAME", "x"].joined(separator: "\u{0}")), command.arguments.joined(separator: " "))
    }
}
