import XCTest
@testable import CargoStaticCore

/// rustup's default toolchain is a preference, everything the user named is a request;
/// the choice among stand-in toolchain directories follows.
final class ToolchainRequestTests: XCTestCase {
    private var root = ""

    override func setUpWithError() throws {
        root = try scratchDirectory("toolchain-request")
        try FileManager.default.createDirectory(atPath: root + "/project", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/rustup", withIntermediateDirectories: true)
    }

    private func settings(_ text: String) throws {
        try text.write(toFile: root + "/rustup/settings.toml", atomically: true, encoding: .utf8)
    }

    private func context(_ vars: [String: String], directory: String? = nil) -> Context {
        Context(variables: vars.merging(["RUSTUP_HOME": root + "/rustup"]) { a, _ in a }, directory: directory ?? root + "/project", home: root)
    }

    func testRustupSourceSaysDefaultOrNot() {
        let def = ToolchainRequest.fromEnvironment(context(["RUSTUP_TOOLCHAIN": "stable-x86_64-unknown-linux-gnu", "RUSTUP_TOOLCHAIN_SOURCE": "default"]))
        XCTAssertEqual(def?.strength, .preference)
        XCTAssertEqual(def?.name, "stable-x86_64-unknown-linux-gnu")
        for source in ["env", "cli", "path-override", "toolchain-file"] {
            XCTAssertEqual(ToolchainRequest.fromEnvironment(context(["RUSTUP_TOOLCHAIN": "beta", "RUSTUP_TOOLCHAIN_SOURCE": source]))?.strength, .request, source)
        }
        XCTAssertNil(ToolchainRequest.fromEnvironment(context([:])))
        XCTAssertNil(ToolchainRequest.fromEnvironment(context(["RUSTUP_TOOLCHAIN": ""])))
    }

    /// Older rustup sets no source: the settings' default, with nothing overriding it here, is a preference.
    func testOlderRustupComparesWithSettings() throws {
        try settings("version = \"12\"\ndefault_toolchain = \"stable-x86_64-unknown-linux-gnu\"\nprofile = \"default\"\n\n[overrides]\n")
        XCTAssertEqual(ToolchainRequest.fromEnvironment(context(["RUSTUP_TOOLCHAIN": "stable-x86_64-unknown-linux-gnu"]))?.strength, .preference)
        XCTAssertEqual(ToolchainRequest.fromEnvironment(context(["RUSTUP_TOOLCHAIN": "stable"]))?.strength, .preference)
        XCTAssertEqual(ToolchainRequest.fromEnvironment(context(["RUSTUP_TOOLCHAIN": "nightly"]))?.strength, .request)
        // A directory override (here or above) makes it the user's choice.
        try settings("default_toolchain = \"stable-x86_64-unknown-linux-gnu\"\n[overrides]\n\"\(root)\" = \"stable-x86_64-unknown-linux-gnu\"\n")
        XCTAssertEqual(ToolchainRequest.fromEnvironment(context(["RUSTUP_TOOLCHAIN": "stable-x86_64-unknown-linux-gnu"]))?.strength, .request)
        // So does a rust-toolchain.toml.
        try settings("default_toolchain = \"stable-x86_64-unknown-linux-gnu\"\n")
        try "[toolchain]\nchannel = \"stable\"\n".write(toFile: root + "/project/rust-toolchain.toml", atomically: true, encoding: .utf8)
        XCTAssertEqual(ToolchainRequest.fromEnvironment(context(["RUSTUP_TOOLCHAIN": "stable-x86_64-unknown-linux-gnu"]))?.strength, .request)
    }

    /// Run directly where rustup is installed: the directory's toolchain file or override is a request.
    func testToolchainFileOrOverrideIsARequestWhenRunDirectly() throws {
        XCTAssertNil(ToolchainRequest.fromEnvironment(context([:])), "no rustup settings: nothing")
        try settings("default_toolchain = \"stable-x86_64-unknown-linux-gnu\"\n")
        XCTAssertNil(ToolchainRequest.fromEnvironment(context([:])))
        try "[toolchain]\nchannel = \"1.70\"\ncomponents = [\"rustfmt\"]\n".write(toFile: root + "/project/rust-toolchain.toml", atomically: true, encoding: .utf8)
        let fromFile = ToolchainRequest.fromEnvironment(context([:]))
        XCTAssertEqual(fromFile?.name, "1.70")
        XCTAssertEqual(fromFile?.strength, .request)
        XCTAssertEqual(fromFile?.origin, root + "/project/rust-toolchain.toml")
        try FileManager.default.removeItem(atPath: root + "/project/rust-toolchain.toml")
        try "nightly-2024-01-01\n".write(toFile: root + "/project/rust-toolchain", atomically: true, encoding: .utf8)
        XCTAssertEqual(ToolchainRequest.fromEnvironment(context([:]))?.name, "nightly-2024-01-01")
        try settings("default_toolchain = \"stable\"\n[overrides]\n\"\(root)/project\" = \"beta\"\n")
        XCTAssertEqual(ToolchainRequest.fromEnvironment(context([:])), ToolchainRequest("beta", origin: "rustup override"))
    }

    func testPlusNameIsARequestOverTheEnvironment() {
        let s = StartUp.parse(["static", "+beta", "build"], context: context(["RUSTUP_TOOLCHAIN": "stable", "RUSTUP_TOOLCHAIN_SOURCE": "default"]))
        XCTAssertEqual(s.toolchain, ToolchainRequest("beta", origin: "+beta"))
        let proxied = StartUp.parse(["static", "build"], context: context(["RUSTUP_TOOLCHAIN": "stable", "RUSTUP_TOOLCHAIN_SOURCE": "default"]))
        XCTAssertEqual(proxied.toolchain?.strength, .preference)
    }

    /// A stand-in rustup toolchain that runs but has neither a musl std nor rust-src, and a
    /// stand-in "system" toolchain with a vendored rust-src tree.
    private func standIns() throws -> Context {
        let fm = FileManager.default
        func rustc(_ dir: String, release: String) throws {
            try fm.createDirectory(atPath: dir + "/bin", withIntermediateDirectories: true)
            let script = """
            #!/bin/sh
            if [ "$1" = "-vV" ]; then printf 'rustc \(release)\\nbinary: rustc\\nhost: x86_64-unknown-linux-gnu\\nrelease: \(release)\\n'; exit 0; fi
            if [ "$1" = "--print" ]; then echo "\(dir)"; exit 0; fi
            exit 1
            """
            try script.write(toFile: dir + "/bin/rustc", atomically: true, encoding: .utf8)
            try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir + "/bin/rustc")
        }
        try rustc(root + "/rustup/toolchains/stable-x86_64-unknown-linux-gnu", release: "1.90.0")
        let other = root + "/other"
        try rustc(other, release: "1.80.0")
        let lib = other + "/lib/rustlib/src/rust/library"
        try fm.createDirectory(atPath: lib + "/std", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: lib + "/vendor", withIntermediateDirectories: true)
        for file in ["/std/Cargo.toml", "/Cargo.lock"] { fm.createFile(atPath: lib + file, contents: Data()) }
        // rustup itself, so a missing toolchain gets rustup's install command.
        try fm.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        try "#!/bin/sh\nexit 0\n".write(toFile: root + "/bin/rustup", atomically: true, encoding: .utf8)
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root + "/bin/rustup")
        return context(["PATH": root + "/bin:" + other + "/bin"])
    }

    func testPreferenceFallsBackRequestDoesNot() throws {
        let ctx = try standIns()
        let discovery = ToolchainDiscovery(runner: Runner(context: ctx))
        let target = try Target(Target.defaultTriple)
        let stable = "stable-x86_64-unknown-linux-gnu"
        // Request: the stand-in stable cannot build for musl, and that is an error.
        XCTAssertThrowsError(try discovery.choose(for: target, requested: ToolchainRequest(stable, origin: "+stable"))) { error in
            XCTAssertTrue((error as? CargoStaticError)?.message.contains("cannot build for") ?? false, "\(error)")
        }
        // Preference: another toolchain that can is used, and the default it replaces is named.
        let choice = try discovery.choose(for: target, requested: ToolchainRequest(stable, strength: .preference, origin: "rustup's default toolchain"))
        XCTAssertNotEqual(choice.toolchain.sysroot, root + "/rustup/toolchains/" + stable)
        XCTAssertEqual(choice.toolchain.release, "1.80.0")
        XCTAssertEqual(choice.differsFromDefault?.sysroot, root + "/rustup/toolchains/" + stable)
        XCTAssertEqual(choice.differsFromDefault?.release, "1.90.0")
        // A rustc given by path that can build wins over any preference.
        let direct = try discovery.choose(for: target, requested: ToolchainRequest(root + "/other/bin/rustc", origin: "--toolchain"))
        XCTAssertEqual(direct.toolchain.release, "1.80.0")
    }

    func testMissingToolchainGetsRustupHint() throws {
        let ctx = try standIns()
        let discovery = ToolchainDiscovery(runner: Runner(context: ctx))
        XCTAssertThrowsError(try discovery.choose(for: try Target(Target.defaultTriple), requested: ToolchainRequest("beta", origin: "+beta"))) { error in
            let e = error as? CargoStaticError
            XCTAssertEqual(e?.kind, .noToolchain)
            XCTAssertTrue(e?.fix?.contains("rustup toolchain install beta") ?? false, "\(error)")
        }
    }

    /// `doctor` is not ready when the toolchain a build here would use cannot build.
    func testDoctorAnswersForTheRequest() throws {
        let ctx = try standIns()
        let runner = Runner(context: ctx)
        let store = CacheStore(layout: CacheLayout(root: root + "/cache"))
        let target = try Target(Target.defaultTriple)
        let stable = "stable-x86_64-unknown-linux-gnu"
        let failing = DoctorReport.collect(target: target, runner: runner, store: store, requested: ToolchainRequest(stable, origin: "RUSTUP_TOOLCHAIN"))
        let chosen = failing.items.first { $0.name == DoctorReport.chosen }
        XCTAssertEqual(chosen?.ok, false)
        XCTAssertFalse(failing.ready)
        XCTAssertTrue(failing.human.contains("not ready"), failing.human)
        let missing = DoctorReport.collect(target: target, runner: runner, store: store, requested: ToolchainRequest("beta", origin: "+beta"))
        XCTAssertTrue(missing.items.first { $0.name == DoctorReport.chosen }?.fix?.contains("rustup toolchain install beta") ?? false)
        let preferred = DoctorReport.collect(target: target, runner: runner, store: store, requested: ToolchainRequest(stable, strength: .preference, origin: "rustup's default toolchain"))
        let used = preferred.items.first { $0.name == DoctorReport.chosen }
        XCTAssertEqual(used?.ok, true)
        XCTAssertTrue(used?.detail.contains("rustc 1.80.0") ?? false, used?.detail ?? "")
    }
}
