import XCTest
@testable import CargoStaticCore

/// `install`'s decisions that need no build: where to install, which version, what to
/// drop from a registry crate's manifest.
final class InstallerTests: XCTestCase {
    private let context = Context(variables: ["CARGO_HOME": "/h/.cargo"], directory: "/work", home: "/h")

    func testRootFollowsCargosOrder() throws {
        let config = CargoConfig(layers: [("/proj/.cargo/config.toml", try TOML.parse("install.root = \"tools\""))])
        let none = CargoConfig(layers: [])
        XCTAssertEqual(Installer.root("out", context: context.with(["CARGO_INSTALL_ROOT": "/env"]), config: config), "/work/out")
        XCTAssertEqual(Installer.root(nil, context: context.with(["CARGO_INSTALL_ROOT": "/env"]), config: config), "/env")
        // Relative to the directory that holds .cargo/, as cargo reads paths in config files.
        XCTAssertEqual(Installer.root(nil, context: context, config: config), "/proj/tools")
        XCTAssertEqual(Installer.root(nil, context: context, config: none), "/h/.cargo")
        XCTAssertEqual(Installer.root(nil, context: context.with(["CARGO_HOME": nil]), config: none), "/h/.cargo")
        XCTAssertEqual(Installer.root(nil, context: context.with(["CARGO_HOME": "/ch"]), config: none), "/ch")
    }

    func testABareVersionIsExact() {
        XCTAssertEqual(Installer.requirement(nil), "*")
        XCTAssertEqual(Installer.requirement("0.8.3"), "=0.8.3")
        XCTAssertEqual(Installer.requirement("^0.8"), "^0.8")
        XCTAssertEqual(Installer.requirement("0.8"), "0.8")
    }

    func testWhereCargoVendorFoundTheCrate() {
        let output = """
               Vendoring memchr v2.5.0 (/usr/share/cargo/registry/memchr-2.5.0) to /tmp/s/vendor/memchr-2.5.0
               Vendoring my tool v1.0.0 (/srv/reg (copy)/my tool-1.0.0) to /tmp/s (x)/vendor/my tool-1.0.0
            """
        XCTAssertEqual(Installer.vendoredFrom(output, crate: "memchr", version: "2.5.0"), "/usr/share/cargo/registry/memchr-2.5.0")
        XCTAssertEqual(Installer.vendoredFrom(output, crate: "my tool", version: "1.0.0"), "/srv/reg (copy)/my tool-1.0.0")
        XCTAssertNil(Installer.vendoredFrom(output, crate: "memchr", version: "2.6.0"))
    }

    func testDevDependenciesAreDroppedAndNothingElse() throws {
        let manifest = """
            [package]
            name = "tool"
            version = "1.0.0"
            description = \"\"\"
            A tool.
            [dev-dependencies]
            (this line is text, not a table)
            \"\"\"

            [[bin]]
            name = "tool"

            [dependencies.memchr]
            version = "2"

            [dev-dependencies.doc-comment]
            version = "0.3"

            [dev-dependencies]
            tempfile = "3"

            [target."cfg(unix)".dev-dependencies.nix]
            version = "0.26"

            [target."cfg(unix)".dependencies.libc]
            version = "0.2"

            [features]
            default = []
            """
        let stripped = RegistryManifest.withoutDevDependencies(manifest)
        let parsed = try TOML.parse(stripped)
        XCTAssertNil(parsed["dev-dependencies"])
        XCTAssertNil(parsed["target"]?["cfg(unix)"]?["dev-dependencies"])
        XCTAssertEqual(parsed["target"]?["cfg(unix)"]?["dependencies"]?["libc"]?["version"]?.string, "0.2")
        XCTAssertEqual(parsed["dependencies"]?["memchr"]?["version"]?.string, "2")
        XCTAssertEqual(parsed["bin"]?.array?.count, 1)
        XCTAssertEqual(parsed["features"]?["default"]?.array, [])
        XCTAssertTrue(parsed["package"]?["description"]?.string?.contains("(this line is text, not a table)") ?? false, stripped)
    }
}
