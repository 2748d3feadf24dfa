import Foundation
import XCTest

/// Whole programs from Debian's source packages, prepared by scripts/prepare-rust-programs
/// (scripts/test runs it and passes the trees as CARGO_STATIC_FD_SOURCE and
/// CARGO_STATIC_RG_SOURCE). Each is copied, built by `cargo-static build --release`
/// and run inside an empty root. `CARGO_STATIC_SKIP_REAL=1` skips them.
final class RealProgramTests: XCTestCase {
    override func setUpWithError() throws {
        try Harness.skipUnlessEndToEnd()
        if ProcessInfo.processInfo.environment["CARGO_STATIC_SKIP_REAL"] != nil {
            throw XCTSkip("real-program tests skipped (CARGO_STATIC_SKIP_REAL is set)")
        }
    }

    /// A private copy of a prepared source tree; fails (not skips) when it was not prepared.
    private func preparedCopy(_ variable: String) throws -> String {
        guard let source = ProcessInfo.processInfo.environment[variable], FileManager.default.fileExists(atPath: source + "/Cargo.toml") else {
            XCTFail("\(variable) does not name a prepared source tree: run scripts/prepare-rust-programs (scripts/test does)")
            throw XCTSkip("no prepared tree")
        }
        let dir = try Harness.temporaryDirectory("real")
        let copy = dir + "/" + (source as NSString).lastPathComponent
        let cp = try Harness.runTool("/bin/cp", ["-a", source, copy])
        XCTAssertEqual(cp.status, 0, cp.all)
        try? FileManager.default.removeItem(atPath: copy + "/target")
        return copy
    }

    private func buildAndRunVersion(_ dir: String, bin: String, expect: String) throws {
        let out = try Harness.run(["build", "--release", "--json", "--bin", bin], in: dir)
        XCTAssertEqual(out.status, 0, out.all)
        let exe = Harness.executables(try Harness.results(out).first ?? [:]).first ?? [:]
        let audit = exe["audit"] as? [String: Any] ?? [:]
        XCTAssertEqual(audit["linkage"] as? String, "static-pie", "\(audit)")
        XCTAssertEqual(audit["kernelOnly"] as? Bool, true, "\(audit)")
        XCTAssertEqual(audit["relro"] as? String, "full")
        XCTAssertEqual(audit["nx"] as? Bool, true)
        let run = try Harness.run(["run", "--release", "--bin", bin, "--empty-root", "--", "--version"], in: dir)
        XCTAssertEqual(run.status, 0, run.all)
        XCTAssertTrue(run.stdout.hasPrefix(expect), run.all)
    }

    func testFdFindFromDebianSource() throws {
        // Debian names the program fdfind (its fd clashes with another package), and so does its --version.
        try buildAndRunVersion(try preparedCopy("CARGO_STATIC_FD_SOURCE"), bin: "fd", expect: "fdfind 8.")
    }

    func testRipgrepFromDebianSource() throws {
        try buildAndRunVersion(try preparedCopy("CARGO_STATIC_RG_SOURCE"), bin: "rg", expect: "ripgrep 13.")
    }
}
