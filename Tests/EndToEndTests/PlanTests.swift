import Foundation
import XCTest

/// The plan is the build: what `plan` prints is exactly what `build` runs, and its shell
/// lines rebuild the same bytes. A private cache, so that no other test builds an entry
/// between the plan and the build (the size profile: the quickest std to build).
final class PlanTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    private struct Recorded: Decodable, Equatable {
        let executable: String
        let arguments: [String]
        let environment: [String: String]
        let directory: String?
    }

    private func planCommands(_ plan: [String: Any]) -> [Recorded] {
        var out: [Recorded] = []
        func command(_ value: Any?) -> Recorded? {
            guard let c = value as? [String: Any], let data = try? JSONSerialization.data(withJSONObject: c) else { return nil }
            return try? JSONDecoder().decode(Recorded.self, from: data)
        }
        for target in plan["targets"] as? [[String: Any]] ?? [] {
            for step in target["steps"] as? [[String: Any]] ?? [] {
                let kind = step["kind"] as? String ?? ""
                let body = step[kind] as? [String: Any] ?? [:]
                let cached = (body["build"] as? [String: Any])?["cached"] as? Bool ?? false
                switch kind {
                case "archive" where !cached: out += (body["commands"] as? [Any] ?? []).compactMap(command)
                case "std" where !cached: out += [command(body["unitGraph"]), command(body["command"])].compactMap { $0 }
                case "runtime" where body["done"] as? Bool == false: out += [command(body["command"])].compactMap { $0 }
                case "library" where !cached:
                    out += [command((body["fetch"] as? [String: Any])?["command"])].compactMap { $0 }
                    out += (body["commands"] as? [Any] ?? []).compactMap(command)
                case "cargo": out += [command(body["command"])].compactMap { $0 }
                default: break
                }
            }
        }
        return out
    }

    func testBuildRunsExactlyThePlannedCommandsAndThePlanRebuildsTheSameBytes() throws {
        let cache = try Harness.temporaryDirectory("plan-cache")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let dir = try Harness.fixture("hello")
        let args = ["--release", "--std-profile", "size"]

        // 1. Cold: the plan names the std build, the archives, zig's first link and cargo.
        let planned = try Harness.run(["plan", "--json"] + args, in: dir, cache: cache)
        XCTAssertEqual(planned.status, 0, planned.all)
        let plan = try JSONSerialization.jsonObject(with: Data(planned.stdout.utf8)) as? [String: Any] ?? [:]
        let expected = planCommands(plan)
        XCTAssertGreaterThanOrEqual(expected.count, 4, "std (2), an archive (2), first link, cargo: \(expected.map(\.executable))")
        XCTAssertFalse(FileManager.default.fileExists(atPath: cache + "/std"), "plan must build nothing")

        // 2. The build runs exactly those commands, in that order.
        let record = cache + "/../recorded-\(getpid()).jsonl"
        defer { try? FileManager.default.removeItem(atPath: record) }
        let built = try Harness.run(["build", "--json"] + args, in: dir, environment: ["CARGO_STATIC_RECORD_COMMANDS": record], cache: cache)
        XCTAssertEqual(built.status, 0, built.all)
        let lines = (try? String(contentsOfFile: record, encoding: .utf8)) ?? ""
        let ran = lines.split(separator: "\n").compactMap { try? JSONDecoder().decode(Recorded.self, from: Data($0.utf8)) }
        XCTAssertEqual(ran.map(\.executable), expected.map(\.executable))
        XCTAssertEqual(ran, expected, "the build ran something other than the plan")
        let exe = Harness.executables(try Harness.results(built).first ?? [:]).first?["path"] as? String ?? ""
        let original = try Data(contentsOf: URL(fileURLWithPath: exe))

        // 3. Warm: the plan's shell lines, pasted into a shell, build the same bytes.
        let warm = try Harness.run(["plan"] + args, in: dir, cache: cache)
        XCTAssertEqual(warm.status, 0, warm.all)
        XCTAssertTrue(warm.stdout.contains("cached"), warm.stdout)
        try FileManager.default.removeItem(atPath: dir + "/target")
        let script = dir + "/../plan.sh"
        try warm.stdout.write(toFile: script, atomically: true, encoding: .utf8)
        let shell = try Harness.runTool("/bin/sh", [script], environment: ["CARGO_STATIC_CACHE": cache])
        XCTAssertEqual(shell.status, 0, shell.all)
        let again = try Data(contentsOf: URL(fileURLWithPath: exe))
        XCTAssertEqual(again.count, original.count)
        XCTAssertTrue(again == original, "the plan's shell lines built different bytes")
    }
}
