import XCTest
@testable import CargoStaticCore

final class CargoMessagesTests: XCTestCase {
    func testArtifactsAndBuildScriptLinksFromCargoMessages() {
        var m = CargoMessages()
        m.consume(#"{"reason":"compiler-artifact","package_id":"path+file:///w/hello#0.1.0","target":{"name":"hello"},"profile":{"test":false},"executable":"/w/target/x/release/hello"}"#)
        m.consume(#"{"reason":"compiler-artifact","package_id":"registry+https://github.com/rust-lang/crates.io-index#libc@0.2.1","target":{"name":"libc"},"profile":{"test":false},"executable":null}"#)
        m.consume(#"{"reason":"build-script-executed","package_id":"path+file:///w/bad#bad@0.1.0","linked_libs":["z"],"linked_paths":["native=/usr/lib/x86_64-linux-gnu"]}"#)
        m.consume(#"{"reason":"build-script-executed","package_id":"registry+x#good@1.0.0","linked_libs":["static=z"],"linked_paths":["native=/tmp/out/lib"]}"#)
        m.consume("not json")
        XCTAssertEqual(m.artifacts.count, 1)
        XCTAssertEqual(m.artifacts.first?.path, "/w/target/x/release/hello")
        XCTAssertEqual(m.artifacts.first?.package, "hello 0.1.0")
        let host = m.hostLinkedLibraries()
        XCTAssertEqual(host.count, 1)
        XCTAssertEqual(host.first?.package, "bad 0.1.0")
        XCTAssertEqual(host.first?.library, "z")
    }

    /// pq-sys adds the host's `pg_config --libdir` and links `pq` by name: when the plan built
    /// libpq.a (an entry's lib/ has it), the link finds that one, and it is not the host's.
    func testALibraryThePlanBuiltIsNotAHostLibrary() throws {
        let entry = NSTemporaryDirectory() + "cs-provided-\(UUID().uuidString)/lib"
        try FileManager.default.createDirectory(atPath: entry, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: (entry as NSString).deletingLastPathComponent) }
        try Data().write(to: URL(fileURLWithPath: entry + "/libpq.a"))
        var m = CargoMessages()
        m.consume(#"{"reason":"build-script-executed","package_id":"registry+x#pq-sys@0.4.6","linked_libs":["pq","ssl"],"linked_paths":["native=/usr/lib/x86_64-linux-gnu"]}"#)
        XCTAssertEqual(m.hostLinkedLibraries().map(\.library), ["pq", "ssl"])
        XCTAssertEqual(m.hostLinkedLibraries(providedDirectories: [entry]).map(\.library), ["ssl"], "ssl was not built: still the host's")
    }

    /// Debian's psa-crypto-sys asks for `dylib=mbedcrypto` from /usr/lib/$DEB_HOST_MULTIARCH:
    /// a shared library the plan built as an archive is served by that archive; one it did not
    /// build is still the host's, wherever it is searched for.
    func testASharedLibraryThePlanBuiltAsAnArchiveIsNotAHostLibrary() throws {
        let entry = NSTemporaryDirectory() + "cs-provided-\(UUID().uuidString)/lib"
        try FileManager.default.createDirectory(atPath: entry, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: (entry as NSString).deletingLastPathComponent) }
        try Data().write(to: URL(fileURLWithPath: entry + "/libmbedcrypto.a"))
        let out = (entry as NSString).deletingLastPathComponent + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: out + "/libshim.a"))
        var m = CargoMessages()
        m.consume(#"{"reason":"build-script-executed","package_id":"registry+x#psa-crypto-sys@0.9.3","linked_libs":["dylib=mbedcrypto","dylib=mbedx509","static=shim"],"linked_paths":["native=/usr/lib/x86_64-linux-musl","native=OUT"]}"#.replacingOccurrences(of: "OUT", with: out))
        XCTAssertEqual(m.hostLinkedLibraries().map(\.library), ["mbedcrypto", "mbedx509"])
        XCTAssertEqual(m.hostLinkedLibraries(providedDirectories: [entry]).map(\.library), ["mbedx509"])
        XCTAssertEqual(m.hostLinkedLibraries(providedDirectories: [entry]).first?.directory, "/usr/lib/x86_64-linux-musl")
    }

    func testManifestDiscoveryWalksUpAndExplainsAbsence() throws {
        let root = NSTemporaryDirectory() + "cs-manifest-\(getpid())"
        try FileManager.default.createDirectory(atPath: root + "/crate/src/deep", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        XCTAssertTrue(FileManager.default.createFile(atPath: root + "/crate/Cargo.toml", contents: Data()))
        let req = BuildRequest(mode: .build, targets: [], context: Context(variables: [:], directory: root + "/crate/src/deep"))
        XCTAssertEqual(try req.manifestPath(), root + "/crate/Cargo.toml")
        let none = BuildRequest(mode: .build, targets: [], context: Context(variables: [:], directory: "/proc"))
        XCTAssertThrowsError(try none.manifestPath()) { XCTAssertEqual(($0 as? CargoStaticError)?.kind, .notCargoProject) }
        XCTAssertEqual(CargoStaticError(.notCargoProject, "x").exitCode, 101)
    }

    func testCargoCommandCarriesUserFlagsThenOurs() throws {
        let target = try Target("x86_64-unknown-linux-musl")
        let tc = CargoCommandFixture.toolchain, link = CargoCommandFixture.zigLink(target)
        let cargo = try CargoArguments.parse(["--release", "--message-format=short"], mode: .build)
        let command = CargoInvocation.command(mode: .build, toolchain: tc, link: link, cargo: cargo, libraries: [], settings: .standard,
                                              strip: true, userRustflags: ["-Copt-level=1"], directory: "/w")
        XCTAssertEqual(command.environment["CARGO_ENCODED_RUSTFLAGS"],
                       ["-Copt-level=1", "-Ctarget-feature=+crt-static", "-Clink-self-contained=no"].joined(separator: "\u{1F}"))
        XCTAssertEqual(Array(command.arguments.prefix(4)), ["build", "--target", "x86_64-unknown-linux-musl",
                                                            "--message-format=json-render-diagnostics,json-diagnostic-short"])
        XCTAssertTrue(command.arguments.contains("--release"))
        XCTAssertEqual(command.environment["CARGO_PROFILE_RELEASE_STRIP"], "symbols")
        XCTAssertTrue(command.unset.contains("RUSTC_BOOTSTRAP"))
        let test = CargoInvocation.command(mode: .test, toolchain: tc, link: link, cargo: CargoArguments(), libraries: [],
                                           settings: .standard, strip: false, userRustflags: [], directory: "/w")
        XCTAssertTrue(test.arguments.contains("--no-run"))
    }
}
