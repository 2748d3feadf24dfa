import XCTest
@testable import CargoStaticCore

final class CargoDriverTests: XCTestCase {
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

    func testUserRustflagsAreExtendedNotReplaced() throws {
        let target = try Target("x86_64-unknown-linux-musl")
        let tc = Toolchain(rustc: "/usr/bin/rustc", cargo: "/usr/bin/cargo", origin: .system, name: "system", versionInfo: "v",
                           release: "1.96.0", host: "x86_64-unknown-linux-gnu", sysroot: "/nonexistent")
        let cc = CToolchain(kind: .zig, target: target, cc: "/c/cc", cxx: "/c/c++", ar: "/c/ar", ranlib: "/c/ranlib", version: "zig", providesUnwinder: true)
        let plain = CargoInvocation.command(mode: .build, target: target, toolchain: tc, sysroot: "/s", cc: cc, pie: true,
                                            cargoArguments: ["--release"], directory: "/w", environment: [:])
        XCTAssertEqual(plain.environment["CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_RUSTFLAGS"],
                       "--sysroot=/s -Ctarget-feature=+crt-static -Clink-self-contained=no")
        XCTAssertEqual(plain.arguments.prefix(3), ["build", "--target", "x86_64-unknown-linux-musl"])
        XCTAssertTrue(plain.arguments.contains("--release"))
        XCTAssertTrue(plain.unset.contains("RUSTC_BOOTSTRAP"))
        let withUser = CargoInvocation.command(mode: .test, target: target, toolchain: tc, sysroot: "/s", cc: cc, pie: false,
                                               cargoArguments: [], directory: "/w", environment: ["RUSTFLAGS": "-Copt-level=1"])
        XCTAssertEqual(withUser.environment["RUSTFLAGS"],
                       "-Copt-level=1 --sysroot=/s -Ctarget-feature=+crt-static -Crelocation-model=static -Clink-self-contained=no")
        XCTAssertTrue(withUser.arguments.contains("--no-run"))
    }

    func testManifestDiscoveryWalksUpAndExplainsAbsence() throws {
        let root = NSTemporaryDirectory() + "cs-manifest-\(getpid())"
        try FileManager.default.createDirectory(atPath: root + "/crate/src/deep", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        XCTAssertTrue(FileManager.default.createFile(atPath: root + "/crate/Cargo.toml", contents: Data()))
        let req = BuildRequest(mode: .build, targets: [], directory: root + "/crate/src/deep")
        XCTAssertEqual(try req.manifestPath(), root + "/crate/Cargo.toml")
        let none = BuildRequest(mode: .build, targets: [], directory: "/proc")
        XCTAssertThrowsError(try none.manifestPath()) { XCTAssertEqual(($0 as? CargoStaticError)?.kind, .notCargoProject) }
    }
}
