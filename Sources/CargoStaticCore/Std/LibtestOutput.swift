import Foundation

/// What one test executable reported, read from libtest's JSON events
/// (`-Z unstable-options --format json`: one object a line on stdout).
public struct LibtestReport: Codable, Equatable {
    public var passed: [String] = []
    public var failed: [String] = []
    public var ignored: [String] = []
    /// Tests that started and never finished: the executable died while they ran.
    public var unfinished: [String] { started.filter { !finished.contains($0) }.sorted() }
    /// The suite's closing event arrived (a crashed or killed executable sends none).
    public var completed = false
    /// libtest's own totals from the closing event, to cross-check the per-test events.
    public var reportedPassed: Int?
    public var reportedFailed: Int?
    public var filteredOut = 0
    /// Each failed test's captured output (its panic message), bounded.
    public var failureOutput: [String: String] = [:]
    var started: [String] = []
    var finished: Set<String> = []

    public init() {}

    /// Feeds one line of the executable's stdout; lines that are not events are ignored
    /// (a test may print straight to the descriptor, past libtest's capture).
    public mutating func read(_ line: String) {
        guard line.hasPrefix("{"), let data = line.data(using: .utf8),
              let event = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let type = event["type"] as? String, let kind = event["event"] as? String else { return }
        if type == "suite" {
            guard kind == "ok" || kind == "failed" else { return }
            completed = true
            reportedPassed = event["passed"] as? Int
            reportedFailed = event["failed"] as? Int
            filteredOut = event["filtered_out"] as? Int ?? 0
            return
        }
        guard type == "test", let name = event["name"] as? String else { return }
        switch kind {
        case "started": started.append(name)
        case "ok": passed.append(name); finished.insert(name)
        case "ignored": ignored.append(name); finished.insert(name)
        case "failed":
            failed.append(name); finished.insert(name)
            if let out = event["stdout"] as? String, !out.isEmpty { failureOutput[name] = String(out.suffix(2000)) }
        default: break  // "timeout" is a warning: the test still finishes with ok or failed.
        }
    }

    public static func parse(_ output: String) -> LibtestReport {
        var report = LibtestReport()
        for line in output.split(separator: "\n", omittingEmptySubsequences: true) { report.read(String(line)) }
        return report
    }

    /// Whether the closing totals agree with the events counted (they always do unless
    /// the output was garbled: then the result is not proven).
    public var consistent: Bool {
        completed && reportedPassed.map { $0 == passed.count } != false && reportedFailed.map { $0 == failed.count } != false
    }
}
