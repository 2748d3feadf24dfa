import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The errors users hit: one clear message naming the cause and the fix, a non-zero exit.
final class ErrorTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    func testNotACargoProject() throws {
        let dir = try Harness.temporaryDirectory("empty")
        let out = try Harness.run(["build"], in: dir)
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("is not inside a Cargo project"), out.stderr)
        XCTAssertTrue(out.stderr.contains("fix: run cargo-static in the project's directory"), out.stderr)
        let missing = try Harness.run(["build", "--manifest-path", "nope/Cargo.toml"], in: dir)
        XCTAssertTrue(missing.stderr.contains("the manifest nope/Cargo.toml does not exist"), missing.stderr)
    }

    /// A wrong argument is found while the options are read: exit status 2, one "error:".
    func testUnknownArgumentIsAUsageError() throws {
        let dir = try Harness.fixture("hello")
        let out = try Harness.run(["build", "--artifact-dri", "x"], in: dir)
        XCTAssertEqual(out.status, 2, out.all)
        XCTAssertTrue(out.stderr.hasPrefix("error: unexpected argument `--artifact-dri`"), out.stderr)
        XCTAssertTrue(out.stderr.contains("fix: did you mean `--artifact-dir`?"), out.stderr)
    }

    func testCompileErrorShowsCargosOwnMessage() throws {
        let dir = try Harness.fixture("compile-error")
        let out = try Harness.run(["build"], in: dir)
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("error[E0308]: mismatched types"), out.stderr)
        XCTAssertTrue(out.stderr.contains("cargo build failed for x86_64-unknown-linux-musl"), out.stderr)
        // Ours is one short paragraph after cargo's, not a wall of text.
        let ours = out.stderr.components(separatedBy: "error: cargo build failed").last ?? ""
        XCTAssertLessThan(ours.split(separator: "\n").count, 4, ours)
    }

    func testHostLibraryIsRefusedNamingCrateAndLibrary() throws {
        let dir = try Harness.fixture("host-libz")
        let out = try Harness.run(["build", "--json"], in: dir)
        XCTAssertEqual(out.status, 1, out.all)
        XCTAssertTrue(out.stderr.contains("crate host-libz 0.1.0 links the host library `z`"), out.stderr)
        // zlib is one cargo-static builds for musl: the fix names the flag and the metadata key.
        XCTAssertTrue(out.stderr.contains("fix: cargo-static can build zlib for x86_64-unknown-linux-musl: pass --deps zlib"), out.stderr)
        XCTAssertTrue(out.stderr.contains("or enable the crate's vendored/bundled/static feature"), out.stderr)
        XCTAssertTrue(out.stdout.contains("\"kind\" : \"not-static\""), out.stdout)
    }

    func testNoToolchainThatCanTargetMusl() throws {
        let dir = try Harness.fixture("hello")
        // rustup's stable here has neither a musl std nor rust-src.
        let rustup = NSHomeDirectory() + "/.rustup/toolchains"
        guard let stable = try FileManager.default.contentsOfDirectory(atPath: rustup).first(where: { $0.hasPrefix("stable") }) else {
            throw XCTSkip("no rustup stable toolchain on this machine")
        }
        let tc = "\(rustup)/\(stable)"
        if FileManager.default.fileExists(atPath: tc + "/lib/rustlib/x86_64-unknown-linux-musl") {
            throw XCTSkip("this rustup stable has a musl std")
        }
        // The request is honoured: no silent switch to another rustc, and the error says what
        // that toolchain lacks and which rustc could build without the request.
        let out = try Harness.run(["build", "--toolchain", tc], in: dir)
        XCTAssertEqual(out.status, 1, out.all)
        XCTAssertTrue(out.stderr.contains("cannot build for x86_64-unknown-linux-musl: it has no musl standard library and no rust-src tree"), out.stderr)
        XCTAssertTrue(out.stderr.contains("rustup target add x86_64-unknown-linux-musl --toolchain"), out.stderr)
        XCTAssertTrue(out.stderr.contains("drop the toolchain request"), out.stderr)
        // As a cargo subcommand the same request arrives as `+toolchain`.
        let plus = try Harness.run(["static", "+" + tc, "build"], in: dir)
        XCTAssertEqual(plus.status, 1, plus.all)
        XCTAssertTrue(plus.stderr.contains("the requested toolchain"), plus.stderr)
        let unknown = try Harness.run(["build", "--toolchain", "no-such-toolchain"], in: dir)
        XCTAssertTrue(unknown.stderr.contains("the requested toolchain `no-such-toolchain` was not found"), unknown.stderr)
    }

    func testNoCToolchain() throws {
        let dir = try Harness.fixture("hello")
        let out = try Harness.run(["build", "--cc", "cross-gcc"], in: dir)
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("no C toolchain can link for x86_64-unknown-linux-musl"), out.stderr)
        XCTAssertTrue(out.stderr.contains("fix: install zig"), out.stderr)
        let bad = try Harness.run(["build", "--cc", "tcc"], in: dir)
        XCTAssertTrue(bad.stderr.contains("unknown C toolchain `tcc`"), bad.stderr)
    }

    func testNotAMuslTarget() throws {
        let dir = try Harness.fixture("hello")
        let out = try Harness.run(["build", "--target", "x86_64-unknown-linux-gnu"], in: dir)
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("is not a Linux musl target"), out.stderr)
    }

    /// A full disk during the std build: a clear message, and nothing published.
    func testDiskFullDuringStdBuild() throws {
        guard geteuid() == 0 else { throw XCTSkip("mounting a small tmpfs needs root") }
        let mountPoint = try Harness.temporaryDirectory("tinydisk")
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mountPoint]
        try mount.run(); mount.waitUntilExit()
        guard mount.terminationStatus == 0 else { throw XCTSkip("cannot mount a tmpfs here") }
        defer {
            let umount = Process()
            umount.executableURL = URL(fileURLWithPath: "/bin/umount")
            umount.arguments = [mountPoint]
            try? umount.run(); umount.waitUntilExit()
        }
        let dir = try Harness.fixture("hello")
        let out = try Harness.run(["build"], in: dir, cache: mountPoint + "/cache")
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("is full"), out.stderr)
        XCTAssertTrue(out.stderr.contains("cargo-static cache clean"), out.stderr)
        let published = (try? FileManager.default.contentsOfDirectory(atPath: mountPoint + "/cache/std")) ?? []
        XCTAssertTrue(published.filter { !$0.hasPrefix(".") }.isEmpty, "nothing may be published: \(published)")
    }

    func testVerifyReportsDynamicExecutable() throws {
        let out = try Harness.run(["verify", "/bin/ls"], in: "/")
        XCTAssertEqual(out.status, 1, out.all)
        XCTAssertTrue(out.stdout.contains("dynamic"), out.stdout)
        XCTAssertTrue(out.stdout.contains("libc.so.6"), out.stdout)
        let notElf = try Harness.run(["verify", "/etc/hostname"], in: "/")
        XCTAssertEqual(notElf.status, 2, notElf.all)
    }
}
