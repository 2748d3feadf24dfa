import CargoStaticCore
import Foundation
import XCTest

/// The plan is the build: what `plan` prints is exactly what `build` runs, and its shell
/// lines rebuild the same bytes. A private cache, so that no other test builds an entry
/// between the plan and the build (the size profile: the quickest std to build).
final class PlanTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    /// The commands the executor will run, as the plan itself lists them (`BuildPlan.commands`).
    private func planCommands(_ json: String) throws -> [Command] {
        try Harness.decode(BuildPlan.self, from: json).commands
    }

    /// The commands of the plan's std steps alone.
    private func stdCommands(_ json: String) throws -> [Command] {
        try Harness.decode(BuildPlan.self, from: json).targets.flatMap(\.steps)
            .filter { if case .std = $0 { return true } else { return false } }.flatMap(\.commands)
    }

    /// Also: nothing of the user's reaches the std build. The cache sits below a directory
    /// whose .cargo/config.toml asks for debug info, and the environment asks for it too: the
    /// std entry keeps the name it has without them, and its rlibs carry no debug info.
    func testBuildRunsExactlyThePlannedCommandsAndThePlanRebuildsTheSameBytes() throws {
        let base = try Harness.temporaryDirectory("plan-cache")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let cache = base + "/nested/cache"
        try FileManager.default.createDirectory(atPath: base + "/.cargo", withIntermediateDirectories: true)
        try "[build]\nrustflags = [\"-Cdebuginfo=2\"]\n[profile.release]\ndebug = true\n"
            .write(toFile: base + "/.cargo/config.toml", atomically: true, encoding: .utf8)
        let hostile = ["CARGO_PROFILE_RELEASE_DEBUG": "2", "CARGO_BUILD_RUSTFLAGS": "-Cdebuginfo=2", "RUSTC_WRAPPER": "/nonexistent/wrapper"]
            .merging(Harness.sharedZigCache) { a, _ in a }
        let dir = try Harness.fixture("hello")
        let args = ["--release", "--std-profile", "size"]
        let clean = try Harness.run(["plan", "--json"] + args, in: dir, cache: cache)
        XCTAssertEqual(clean.status, 0, clean.all)
        let cleanEntry = try XCTUnwrap(try XCTUnwrap(Harness.plan(clean).targets.first, clean.all).stdCacheEntry, "the size profile builds std: \(clean.all)")

        // 1. Cold: the plan names the std build, the archives, zig's first link and cargo.
        let planned = try Harness.run(["plan", "--json"] + args, in: dir, environment: hostile.filter { $0.key != "RUSTC_WRAPPER" }, cache: cache)
        XCTAssertEqual(planned.status, 0, planned.all)
        let expected = try planCommands(planned.stdout)
        XCTAssertGreaterThanOrEqual(expected.count, 4, "std (2), an archive (2), first link, cargo: \(expected.map(\.executable))")
        XCTAssertFalse(FileManager.default.fileExists(atPath: cache + "/std"), "plan must build nothing")

        // 2. The build runs exactly those commands, in that order, except that std's (built in
        // the background) may interleave with the C side's: each keeps its own order.
        let record = cache + "/../recorded-\(getpid()).jsonl"
        defer { try? FileManager.default.removeItem(atPath: record) }
        let built = try Harness.run(["build", "--json"] + args, in: dir,
                                    environment: hostile.filter { $0.key != "RUSTC_WRAPPER" }.merging(["CARGO_STATIC_RECORD_COMMANDS": record]) { a, _ in a },
                                    cache: cache)
        XCTAssertEqual(built.status, 0, built.all)
        let lines = (try? String(contentsOfFile: record, encoding: .utf8)) ?? ""
        let ran = try lines.split(separator: "\n").map { try Harness.decode(Command.self, from: String($0)) }
        let std = try stdCommands(planned.stdout)
        XCTAssertEqual(std.count, 2, "the unit graph and the std build")
        XCTAssertEqual(ran.count, expected.count, "\(ran.map(\.executable)) against \(expected.map(\.executable))")
        XCTAssertEqual(ran.filter(std.contains), std, "std's commands, in order")
        XCTAssertEqual(ran.filter { !std.contains($0) }, expected.filter { !std.contains($0) }, "the build ran something other than the plan")
        let result = try Harness.onlyResult(built)
        let exe = try XCTUnwrap(result.executables.first, built.all).path
        let original = try Data(contentsOf: URL(fileURLWithPath: exe))
        XCTAssertEqual(result.stdCacheEntry, cleanEntry, "the environment changed the std key")
        let rlibs = try FileManager.default.subpathsOfDirectory(atPath: cache + "/std").filter { $0.hasSuffix(".rlib") }
        XCTAssertFalse(rlibs.isEmpty)
        for rlib in rlibs where rlib.contains("libstd") {
            let data = try Data(contentsOf: URL(fileURLWithPath: cache + "/std/" + rlib))
            XCTAssertNil(data.range(of: Data(".debug_info".utf8)), "\(rlib) has debug info: the user's settings reached the std build")
        }

        // 3. Warm: the plan's shell lines, pasted into a shell, build the same bytes, also
        // after the target directory is gone (they rebuild what cargo-static writes there, the
        // .dep-v0 object, though it was up to date when planned).
        let warm = try Harness.run(["plan"] + args, in: dir, environment: hostile.filter { $0.key != "RUSTC_WRAPPER" }, cache: cache)
        XCTAssertEqual(warm.status, 0, warm.all)
        XCTAssertTrue(warm.stdout.contains("cached"), warm.stdout)
        XCTAssertTrue(warm.stdout.contains("(up to date; cargo-static skips this)"), warm.stdout)
        try FileManager.default.removeItem(atPath: dir + "/target")
        let script = dir + "/../plan.sh"
        try warm.stdout.write(toFile: script, atomically: true, encoding: .utf8)
        let shell = try Harness.runTool("/bin/sh", [script], environment: hostile.filter { $0.key != "RUSTC_WRAPPER" }.merging(["CARGO_STATIC_CACHE": cache]) { a, _ in a })
        XCTAssertEqual(shell.status, 0, shell.all)
        let again = try Data(contentsOf: URL(fileURLWithPath: exe))
        XCTAssertEqual(again.count, original.count)
        XCTAssertTrue(again == original, "the plan's shell lines built different bytes")
    }
}
