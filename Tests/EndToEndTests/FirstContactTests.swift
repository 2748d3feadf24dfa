import Foundation
import XCTest

/// A rustup user's first `cargo static build`: rustup's proxy puts its default toolchain in
/// RUSTUP_TOOLCHAIN, which must not be taken as the user's request.
final class FirstContactTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    /// A directory with `cargo-static` and, when given, a stand-in for rustup's `cargo` proxy.
    private func binDirectory(standInProxy: Bool) throws -> String {
        let bin = try Harness.temporaryDirectory("bin")
        try FileManager.default.createSymbolicLink(atPath: bin + "/cargo-static", withDestinationPath: Harness.binary)
        if standInProxy {
            // What rustup >= 1.28 sets when it runs a cargo subcommand for its default toolchain.
            let script = """
            #!/bin/sh
            export RUSTUP_TOOLCHAIN=stable-x86_64-unknown-linux-gnu RUSTUP_TOOLCHAIN_SOURCE=default
            [ "$1" = static ] && shift
            exec cargo-static static "$@"
            """
            try script.write(toFile: bin + "/cargo", atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin + "/cargo")
        }
        return bin
    }

    /// The test's PATH without rustup's directory.
    private var hostPath: String {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").filter { !$0.hasSuffix("/.cargo/bin") }.joined(separator: ":")
    }

    private func checkDefaultToolchainIsAPreference(cargo: String, path: String) throws {
        let dir = try Harness.fixture("hello")
        let clean = ["RUSTUP_TOOLCHAIN": "", "RUSTUP_TOOLCHAIN_SOURCE": "", "PATH": path]
        let built = try Harness.launch(cargo, ["static", "build", "--json"], in: dir,
                                       environment: clean.merging(["CARGO_STATIC_CACHE": Harness.sharedCache]) { _, n in n }).wait()
        XCTAssertEqual(built.status, 0, built.all)
        XCTAssertFalse(built.stderr.contains("drop the toolchain request"), built.stderr)
        // A warm build in a log: no progress lines for work that was not done.
        for idle in ["0 steps", " 0 compiler runs", ": 0/", "preparing zig's libc"] { XCTAssertFalse(built.stderr.contains(idle), built.stderr) }
        let result = try Harness.onlyResult(built)
        XCTAssertEqual(result.executables.count, 1, built.stdout)
        // doctor answers for this directory: ready, with the rustc the build used.
        let doctor = try Harness.launch(cargo, ["static", "doctor"], in: dir,
                                        environment: clean.merging(["CARGO_STATIC_CACHE": Harness.sharedCache]) { _, n in n }).wait()
        XCTAssertEqual(doctor.status, 0, doctor.all)
        XCTAssertTrue(doctor.stdout.contains("ok      what `cargo static build` would use here: rustc \(result.rustcRelease)"), doctor.stdout)
        XCTAssertTrue(doctor.stdout.contains("a preference"), doctor.stdout)
        XCTAssertTrue(doctor.stdout.contains("\nready:"), doctor.stdout)
    }

    func testStandInRustupProxy() throws {
        let bin = try binDirectory(standInProxy: true)
        try checkDefaultToolchainIsAPreference(cargo: bin + "/cargo", path: bin + ":" + hostPath)
    }

    func testRealRustupProxy() throws {
        let proxy = NSHomeDirectory() + "/.cargo/bin/cargo"
        guard FileManager.default.isExecutableFile(atPath: proxy), FileManager.default.isExecutableFile(atPath: NSHomeDirectory() + "/.cargo/bin/rustup") else {
            throw XCTSkip("rustup is not installed")
        }
        let bin = try binDirectory(standInProxy: false)
        try checkDefaultToolchainIsAPreference(cargo: proxy, path: NSHomeDirectory() + "/.cargo/bin:" + bin + ":" + hostPath)
    }

    /// What the user names is a request: a toolchain that cannot build fails the build and
    /// `doctor`; one that is not installed gets rustup's install command.
    func testRequestsAreHonoured() throws {
        let dir = try Harness.fixture("hello")
        let rustup = NSHomeDirectory() + "/.rustup/toolchains"
        let env = ["PATH": NSHomeDirectory() + "/.cargo/bin:" + hostPath, "RUSTUP_TOOLCHAIN": "", "RUSTUP_TOOLCHAIN_SOURCE": ""]
        if let stable = try? FileManager.default.contentsOfDirectory(atPath: rustup).first(where: { $0.hasPrefix("stable") }),
           !FileManager.default.fileExists(atPath: "\(rustup)/\(stable)/lib/rustlib/x86_64-unknown-linux-musl") {
            let named = try Harness.run(["build"], in: dir, environment: env.merging(["RUSTUP_TOOLCHAIN": stable, "RUSTUP_TOOLCHAIN_SOURCE": "env"]) { _, n in n })
            XCTAssertEqual(named.status, 1, named.all)
            XCTAssertTrue(named.stderr.contains("the requested toolchain `\(stable)`"), named.stderr)
            let doctor = try Harness.run(["+stable", "doctor"], in: dir, environment: env)
            XCTAssertTrue(doctor.stdout.contains("missing what `cargo static build` would use here: the build would fail"), doctor.stdout)
            XCTAssertTrue(doctor.stdout.contains("\nnot ready"), doctor.stdout)
        }
        let beta = try Harness.run(["static", "+beta", "build"], in: dir, environment: env)
        XCTAssertEqual(beta.status, 1, beta.all)
        XCTAssertTrue(beta.stderr.contains("the requested toolchain `beta` was not found"), beta.stderr)
        if FileManager.default.isExecutableFile(atPath: NSHomeDirectory() + "/.cargo/bin/rustup") {
            XCTAssertTrue(beta.stderr.contains("rustup toolchain install beta"), beta.stderr)
        }
    }
}

/// Refusal by native dependency, not by crate name.
final class RefusalByLinkTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    func testCratesNamedPamAndX11WithoutLibrariesBuildAndRun() throws {
        let dir = try Harness.fixture("native-names")
        let out = try Harness.run(["run", "--offline"], in: dir)
        XCTAssertEqual(out.status, 0, out.all)
        XCTAssertEqual(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "pam without libpam x11 without libx11", out.all)
    }

    func testLinksPamIsStillRefused() throws {
        let dir = try Harness.fixture("links-pam")
        let out = try Harness.run(["build", "--offline"], in: dir)
        XCTAssertEqual(out.status, 1, out.all)
        XCTAssertTrue(out.stderr.contains("crate links-pam 0.1.0 needs PAM (libpam)"), out.stderr)
    }
}

/// `run` and `test` give the program what cargo gives it.
final class CargoEnvironmentTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    func testRunAndTestGetCargosEnvironment() throws {
        let dir = try Harness.fixture("cargo-env")
        let tests = try Harness.run(["test", "--offline"], in: dir)
        XCTAssertEqual(tests.status, 0, tests.all)
        XCTAssertTrue(tests.all.contains("unit_test_sees_cargo_environment ... ok"), tests.all)
        XCTAssertTrue(tests.all.contains("integration_test_sees_cargo_environment ... ok"), tests.all)
        // `run` runs in the user's directory (here a subdirectory of the package), as cargo does.
        let run = try Harness.run(["run", "--offline"], in: dir + "/src")
        XCTAssertEqual(run.status, 0, run.all)
        let real = URL(fileURLWithPath: dir).resolvingSymlinksInPath().path
        for line in ["CARGO_MANIFEST_DIR=\(real)", "CARGO_MANIFEST_PATH=\(real)/Cargo.toml", "CARGO_PKG_NAME=cargo-env", "CARGO_PKG_VERSION=1.2.3-rc.1", "CARGO_PKG_VERSION_MAJOR=1",
                     "CARGO_PKG_VERSION_MINOR=2", "CARGO_PKG_VERSION_PATCH=3", "CARGO_PKG_VERSION_PRE=rc.1",
                     "CARGO_PKG_AUTHORS=Ada <ada@example.org>:Grace", "CARGO_PKG_DESCRIPTION=prints what cargo gives a program it runs",
                     "CARGO_PKG_HOMEPAGE=https://example.org/home", "CARGO_PKG_REPOSITORY=https://example.org/repo",
                     "CARGO_PKG_LICENSE=MIT OR Apache-2.0", "CARGO_PKG_RUST_VERSION=1.60", "CARGO_PKG_README=README.md",
                     "CARGO_BIN_NAME=cargo-env", "CARGO_CRATE_NAME=cargo_env", "cwd=\(real)/src"] {
            XCTAssertTrue(run.stdout.contains(line + "\n"), "\(line) missing:\n\(run.all)")
        }
        // In the empty root the program sees the same variables (and runs in `/`).
        let sandboxed = try Harness.run(["run", "--offline", "--empty-root"], in: dir)
        XCTAssertEqual(sandboxed.status, 0, sandboxed.all)
        XCTAssertTrue(sandboxed.stdout.contains("CARGO_PKG_NAME=cargo-env\n"), sandboxed.all)
        XCTAssertTrue(sandboxed.stdout.contains("cwd=/\n"), sandboxed.all)
        let sandboxedTests = try Harness.run(["test", "--offline", "--empty-root"], in: dir)
        XCTAssertEqual(sandboxedTests.status, 0, sandboxedTests.all)
    }
}

/// `install` records what it installed in cargo's own files: cargo lists, replaces and uninstalls it.
final class InstallRecordTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    /// cargo's .crates2.json, the fields this test reads (cargo's format, not one of cargo-static's types).
    private struct CratesV2: Decodable {
        struct Install: Decodable { let bins: [String]; let profile: String; let target: String }
        let installs: [String: Install]
    }

    func testCargoListsReplacesAndUninstallsWhatWasInstalled() throws {
        guard let cargo = ["/usr/bin/cargo", NSHomeDirectory() + "/.cargo/bin/cargo"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("no cargo")
        }
        let project = try Harness.fixture("hello")
        let real = URL(fileURLWithPath: project).resolvingSymlinksInPath().path
        let root = try Harness.temporaryDirectory("install-records")
        let installed = try Harness.run(["install", "--path", project, "--root", root], in: project)
        XCTAssertEqual(installed.status, 0, installed.all)
        let list = try Harness.runTool(cargo, ["install", "--list", "--root", root])
        XCTAssertEqual(list.status, 0, list.all)
        XCTAssertTrue(list.stdout.contains("hello v0.1.0 (\(real)):\n    hello\n"), list.all)
        let v2 = try Harness.decode(CratesV2.self, fromFile: root + "/.crates2.json")
        let entry = try XCTUnwrap(v2.installs["hello 0.1.0 (path+file://\(real))"], "\(v2)")
        XCTAssertEqual(entry.target, "x86_64-unknown-linux-musl", "\(v2)")
        XCTAssertEqual(entry.profile, "release")
        XCTAssertEqual(entry.bins, ["hello"])
        // cargo's own install replaces it with --force, and its uninstall removes it.
        let env = ["CARGO_TARGET_DIR": root + "/cargo-target", "RUSTUP_TOOLCHAIN": ""]
        let replaced = try Harness.runTool(cargo, ["install", "--offline", "-q", "--force", "--path", project, "--root", root], environment: env)
        XCTAssertEqual(replaced.status, 0, replaced.all)
        let removed = try Harness.runTool(cargo, ["uninstall", "--root", root, "hello"])
        XCTAssertEqual(removed.status, 0, removed.all)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/bin/hello"), removed.all)
        // And cargo-static installs again over an uninstalled record, then cargo uninstalls that.
        XCTAssertEqual(try Harness.run(["install", "--path", project, "--root", root], in: project).status, 0)
        XCTAssertEqual(try Harness.runTool(cargo, ["uninstall", "--root", root, "hello"]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/bin/hello"))
    }
}

/// The README's image commands, run as written (the name made unique on this shared machine).
final class ReadmeImageTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    static let commands = [
        "cargo static image --release --tag demo",
        "skopeo inspect oci:target/image/oci:demo",
        "podman load -i target/image/image.tar",
        "podman run --rm demo",
    ]

    private func which(_ name: String) -> String? {
        ((ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin"])
            .map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func testReadmeImageCommands() throws {
        let readme = try String(contentsOfFile: Harness.packageRoot + "/README.md", encoding: .utf8)
        for command in Self.commands { XCTAssertTrue(readme.contains("\n" + command), "README no longer shows `\(command)`") }
        guard let skopeo = which("skopeo"), let podman = which("podman") else { throw XCTSkip("skopeo or podman missing (scripts/setup)") }
        let dir = try Harness.fixture("hello")
        let git = ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.org"]
        for args in [["init", "-q"], ["add", "Cargo.toml", "src"], ["commit", "-q", "-m", "hello"]] {
            XCTAssertEqual(try Harness.runTool("/usr/bin/git", git + args, environment: ["GIT_COMMITTER_DATE": "@1650000000 +0000"]).status, 0)
        }
        let name = "cargo-static-readme-\(getpid())"
        func words(_ line: String) -> [String] { line.replacingOccurrences(of: "demo", with: name).split(separator: " ").map(String.init) }
        let built = try Harness.run(Array(words(Self.commands[0]).dropFirst()), in: dir, environment: ["SOURCE_DATE_EPOCH": ""])
        XCTAssertEqual(built.status, 0, built.all)
        let inspect = try Harness.launch(skopeo, Array(words(Self.commands[1]).dropFirst()), in: dir, environment: [:]).wait()
        XCTAssertEqual(inspect.status, 0, inspect.all)
        XCTAssertEqual(try Harness.decode(Harness.SkopeoInspect.self, inspect).created, "2022-04-15T05:20:00Z", "the last commit's time:\n\(inspect.stdout)")
        let load = try Harness.launch(podman, Array(words(Self.commands[2]).dropFirst()), in: dir, environment: [:]).wait()
        XCTAssertEqual(load.status, 0, load.all)
        defer { _ = try? Harness.runTool(podman, ["rmi", "-f", name]) }
        // runc and the limits fit this test machine (crun rejects its hybrid cgroups), not the image.
        var run = words(Self.commands[3])
        run.insert(contentsOf: ["--runtime", "runc", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"], at: 3)
        let ran = try Harness.launch(podman, Array(run.dropFirst()), in: dir, environment: [:]).wait()
        XCTAssertEqual(ran.status, 0, ran.all)
        XCTAssertTrue(ran.stdout.contains("Hello from a static executable!"), ran.all)
    }
}

/// The sample at the top of the README is what a build of examples/hello prints.
final class ReadmeSampleTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    /// Sizes and times vary from run to run; the rest must be the same.
    static func normalised(_ line: String) -> String {
        line.replacingOccurrences(of: #"[0-9]+(\.[0-9]+)?( ?)(KiB|MiB|s)\b"#, with: "#$2$3", options: .regularExpression)
    }

    func testReadmeSampleIsARealRun() throws {
        let readme = try String(contentsOfFile: Harness.packageRoot + "/README.md", encoding: .utf8)
        let block = try XCTUnwrap(readme.components(separatedBy: "```").dropFirst().first, "README has no sample")
        var lines = block.split(separator: "\n").map(String.init)
        let command = lines.removeFirst()
        XCTAssertEqual(command, "$ cd ~/hello && cargo static build --release")
        let shownPath = "/home/you/hello"
        // The sample is of a warm cache: a first build takes std, zig's libc and one-time notes.
        let warmup = try Harness.fixture("hello")
        XCTAssertEqual(try Harness.run(["build", "--release"], in: warmup).status, 0)
        let dir = try Harness.temporaryDirectory("readme") + "/hello"
        try FileManager.default.copyItem(atPath: Harness.packageRoot + "/examples/hello", toPath: dir)
        try? FileManager.default.removeItem(atPath: dir + "/target")
        let out = try Harness.run(["static", "build", "--release"], in: dir, environment: ["CARGO_TERM_COLOR": "never"])
        XCTAssertEqual(out.status, 0, out.all)
        func shown(_ text: String) -> [String] {
            text.split(separator: "\n").map { Self.normalised($0.replacingOccurrences(of: dir, with: shownPath)) }
        }
        // stdout carries the path, stderr the rest; on a terminal the path comes before the verdict.
        let expectedPaths = lines.filter { $0.hasPrefix("/") }.map(Self.normalised)
        let expectedMessages = lines.filter { !$0.hasPrefix("/") }.map(Self.normalised)
        XCTAssertEqual(shown(out.stdout), expectedPaths, out.all)
        // cargo's own wait for its package cache lock, which another build running at the same
        // time (the tests run two at a time) holds, is not part of what cargo-static prints.
        let messages = shown(out.stderr).filter { !$0.hasPrefix("    Blocking waiting for file lock") }
        XCTAssertEqual(messages, expectedMessages, out.all)
    }
}
