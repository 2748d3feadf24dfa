import Foundation
import XCTest
import CargoStaticCore

/// cargo's conventions, as a cargo user expects them: test filters, message formats,
/// `-q`, stdout carrying only paths, exit codes, `+toolchain`, did-you-mean, `--version`.
final class CargoConventionsTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    /// A crate written on the spot: `files` maps paths to contents.
    private func crate(_ name: String, _ files: [String: String]) throws -> String {
        let dir = try Harness.temporaryDirectory("crate-\(name)") + "/" + name
        for (path, text) in files {
            try FileManager.default.createDirectory(atPath: ((dir + "/" + path) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: dir + "/" + path, atomically: true, encoding: .utf8)
        }
        return dir
    }

    func testTestNamesFilterAsWithCargo() throws {
        let dir = try Harness.fixture("unit-tests")
        let out = try Harness.run(["test", "adds"], in: dir)
        XCTAssertEqual(out.status, 0, out.all)
        XCTAssertTrue(out.all.contains("test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 2 filtered out"), out.all)
    }

    func testFailingTestExitsLikeCargo() throws {
        let dir = try crate("failing", [
            "Cargo.toml": "[package]\nname = \"failing\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            "src/lib.rs": "#[test]\nfn fails() { assert_eq!(1 + 1, 3); }\n",
        ])
        let out = try Harness.run(["test"], in: dir)
        XCTAssertEqual(out.status, 101, out.all)
        XCTAssertTrue(out.stderr.contains("test failed"), out.stderr)
    }

    func testMessageFormatIsMergedNotRejected() throws {
        let broken = try Harness.fixture("compile-error")
        let short = try Harness.run(["build", "--message-format=short"], in: broken)
        XCTAssertEqual(short.status, 101, short.all)
        XCTAssertFalse(short.stderr.contains("cannot specify two kinds"), short.stderr)
        // The short form: one line per diagnostic, `file:line:col: error…`.
        XCTAssertTrue(short.stderr.contains("src/main.rs:"), short.stderr)
        XCTAssertFalse(short.stderr.contains("-->"), "the long form's arrows must not appear:\n\(short.stderr)")
        let dir = try Harness.fixture("hello")
        let json = try Harness.run(["build", "--message-format=json"], in: dir)
        XCTAssertEqual(json.status, 0, json.all)
        let lines = json.stdout.split(separator: "\n")
        XCTAssertFalse(lines.isEmpty)
        XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("{") }, "stdout must be cargo's JSON messages only:\n\(json.stdout)")
        XCTAssertTrue(json.stdout.contains("\"reason\":\"compiler-artifact\""), json.stdout)
    }

    /// `bin=$(cargo static build --release)` gives the paths and nothing else; `-q` (before
    /// or after the command) makes a warm build print nothing at all.
    func testStdoutHoldsOnlyPathsAndQuietIsQuiet() throws {
        let dir = try Harness.fixture("hello")
        let first = try Harness.run(["build", "--release"], in: dir)
        XCTAssertEqual(first.status, 0, first.all)
        let paths = first.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(paths.count, 1, first.stdout)
        let path = try XCTUnwrap(paths.first, first.all)
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: path), first.stdout)
        XCTAssertTrue(first.stderr.contains("Checked hello"), first.stderr)
        for args in [["build", "--release", "-q"], ["static", "-q", "build", "--release"], ["-q", "build", "--release"]] {
            let warm = try Harness.run(args, in: dir)
            XCTAssertEqual(warm.status, 0, "\(args): \(warm.all)")
            XCTAssertEqual(warm.stderr, "", "\(args) must print nothing on stderr")
            XCTAssertEqual(warm.stdout.trimmingCharacters(in: .whitespacesAndNewlines), path)
        }
    }

    func testExitCodesFollowCargo() throws {
        let empty = try Harness.temporaryDirectory("no-project")
        XCTAssertEqual(try Harness.run(["build"], in: empty).status, 101)
        let dir = try Harness.fixture("hello")
        XCTAssertEqual(try Harness.run(["build", "--no-such-flag"], in: dir).status, 2)
        let target = try Harness.run(["build", "--target", ""], in: dir)
        XCTAssertEqual(target.status, 2, target.all)
        let two = try crate("twobins", [
            "Cargo.toml": "[package]\nname = \"twobins\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            "src/bin/a.rs": "fn main() { println!(\"a\"); }\n",
            "src/bin/b.rs": "fn main() { println!(\"b\"); }\n",
        ])
        let ambiguous = try Harness.run(["run"], in: two)
        XCTAssertEqual(ambiguous.status, 101, ambiguous.all)
        XCTAssertTrue(ambiguous.stderr.contains("default-run"), ambiguous.stderr)
        XCTAssertTrue(ambiguous.stderr.contains("a, b"), ambiguous.stderr)
        // default-run picks one, as with cargo.
        try "[package]\nname = \"twobins\"\nversion = \"0.1.0\"\nedition = \"2021\"\ndefault-run = \"b\"\n"
            .write(toFile: two + "/Cargo.toml", atomically: true, encoding: .utf8)
        let chosen = try Harness.run(["run"], in: two)
        XCTAssertEqual(chosen.status, 0, chosen.all)
        XCTAssertEqual(chosen.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "b")
        let json = try Harness.run(["run", "--json"], in: two)
        XCTAssertEqual(json.status, 2, json.all)
    }

    func testMistakesGetSuggestions() throws {
        let dir = try Harness.fixture("hello")
        let typo = try Harness.run(["biuld"], in: dir)
        XCTAssertEqual(typo.status, 2)
        XCTAssertTrue(typo.stderr.contains("did you mean `build`?"), typo.stderr)
        let option = try Harness.run(["build", "--alocator", "musl"], in: dir)
        XCTAssertEqual(option.status, 2)
        XCTAssertTrue(option.stderr.contains("did you mean `--allocator`?"), option.stderr)
        let target = try Harness.run(["build", "--target", "aarch64"], in: dir)
        XCTAssertEqual(target.status, 2)
        XCTAssertTrue(target.stderr.contains("aarch64-unknown-linux-musl"), target.stderr)
        XCTAssertFalse(target.stderr.contains("did you mean --target x86_64"), target.stderr)
    }

    func testVersion() throws {
        let plain = try Harness.run(["--version"], in: "/")
        XCTAssertEqual(plain.status, 0)
        XCTAssertTrue(plain.stdout.hasPrefix("cargo-static "), plain.stdout)
        let verbose = try Harness.run(["-v", "--version"], in: "/")
        XCTAssertTrue(verbose.stdout.contains("\nrustc: "), verbose.stdout)
        XCTAssertTrue(verbose.stdout.contains("\nzig: "), verbose.stdout)
        XCTAssertTrue(verbose.stdout.contains("\ncache: \(Harness.sharedCache)"), verbose.stdout)
    }

    func testHelpListsWhatTheCommandsAccept() throws {
        let verify = try Harness.run(["verify", "--help"], in: "/")
        for policy in ["libc=musl", "no-rpath", "build-id", "fortify"] {
            XCTAssertTrue(verify.stdout.contains(policy), "verify --help must list \(policy)")
        }
        let plan = try Harness.run(["plan", "--help"], in: "/")
        XCTAssertFalse(plan.stdout.contains("--dry-run"), plan.stdout)
    }

    /// sccache (the first on PATH) works as RUSTC_WRAPPER: a second clean build hits. No rustc
    /// call carries --sysroot (sccache refuses those): the std built from source is in the
    /// sysroot of the rustc cargo runs. ScaleOutTests shares the cache between two runners
    /// through Redis. The first build starts sccache's server itself; that
    /// daemon keeps whatever descriptors it inherited, and the build must end all the same
    /// (it once waited for the daemon).
    func testSccacheHitsOnASecondCleanBuild() throws {
        guard let sccache = Context.process.which("sccache") else {
            return XCTFail("sccache is not installed (scripts/setup installs it)")
        }
        let dir = try Harness.fixture("zlib-flate2")
        let cacheDir = try Harness.temporaryDirectory("sccache")
        // A server of its own (port, directory), which ends by itself if the test dies.
        let env = ["RUSTC_WRAPPER": sccache, "SCCACHE_DIR": cacheDir, "SCCACHE_IDLE_TIMEOUT": "600",
                   "SCCACHE_SERVER_PORT": String(try Harness.freeLoopbackPort())]
        defer { _ = try? Harness.runTool(sccache, ["--stop-server"], environment: env) }
        let first = try Harness.run(["build", "--release"], in: dir, environment: env)
        XCTAssertEqual(first.status, 0, first.all)
        try FileManager.default.removeItem(atPath: dir + "/target")
        _ = try Harness.runTool(sccache, ["--zero-stats"], environment: env)
        let second = try Harness.run(["build", "--release"], in: dir, environment: env)
        XCTAssertEqual(second.status, 0, second.all)
        let stats = try Harness.runTool(sccache, ["--show-stats"], environment: env).stdout
        let hits = stats.split(separator: "\n").first { $0.hasPrefix("Cache hits") && !$0.contains("rate") }
            .flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        XCTAssertGreaterThanOrEqual(hits, 1, stats)
    }
}
