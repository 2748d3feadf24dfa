import XCTest
@testable import CargoStaticCore

/// Progress in a log: one line per finished step, real counts and time, nothing for no work.
final class ReportingTests: XCTestCase {
    func testHumanSizesHaveOneDecimalRoundedAsPrintfDoes() {
        XCTAssertEqual(humanSize(0), "0 B")
        XCTAssertEqual(humanSize(1023), "1023 B")
        XCTAssertEqual(humanSize(1024), "1.0 KiB")
        XCTAssertEqual(humanSize(786_000), "767.6 KiB")
        XCTAssertEqual(humanSize(1_048_575), "1024.0 KiB")
        XCTAssertEqual(humanSize(5 * 1_048_576 + 104_858), "5.1 MiB")
        XCTAssertEqual(humanSize(3 * 1_073_741_824), "3.0 GiB")
        XCTAssertEqual(humanSize(5000 * 1_073_741_824), "5000.0 GiB")
    }

    func testFinishedLines() {
        XCTAssertEqual(ProgressTask.finishedLine(label: "building std for x86_64-unknown-linux-musl", done: 24, total: 24, unit: "units", elapsed: 37.2),
                       "building std for x86_64-unknown-linux-musl: 24 units in 37 s")
        XCTAssertEqual(ProgressTask.finishedLine(label: "building zlib", done: 12, total: 0, unit: "compiler runs", elapsed: 61),
                       "building zlib: 12 compiler runs in 1:01")
        XCTAssertEqual(ProgressTask.finishedLine(label: "std", done: 3, total: 24, unit: "units", elapsed: 5), "std: 3/24 units in 5 s")
        // A single command (configure) worked for its time: no "0 compiler runs".
        XCTAssertEqual(ProgressTask.finishedLine(label: "building zlib: step 1/3 (configure)", done: 0, total: 0, unit: "compiler runs", elapsed: 4),
                       "building zlib: step 1/3 (configure): done in 4 s")
        // Nothing done: no line.
        XCTAssertNil(ProgressTask.finishedLine(label: "building std", done: 0, total: 24, unit: "units", elapsed: 0.3))
        XCTAssertNil(ProgressTask.finishedLine(label: "preparing zig's libc", done: 0, total: 0, unit: "steps", elapsed: 0.8, threshold: 3))
        XCTAssertEqual(ProgressTask.finishedLine(label: "preparing zig's libc", done: 0, total: 0, unit: "steps", elapsed: 41, threshold: 3),
                       "preparing zig's libc: done in 41 s")
    }

    func testRunningLineQuotesAsAShellWould() {
        XCTAssertEqual(BuildCommands.runningLine("/w/target/hello", ["two words", "it's", "plain", ""]),
                       "`/w/target/hello 'two words' 'it'\\''s' plain ''`")
        XCTAssertEqual(BuildCommands.runningLine("/w/my dir/hello", []), "`'/w/my dir/hello'`")
    }

    /// Two steps at once on a terminal (std beside zig's libc): one live line holding both;
    /// a message and a finished step's line go above it, whole, and the line comes back
    /// with what still runs. In a log: finished lines only.
    func testConcurrentTasksShareOneLiveLine() {
        final class Screen: @unchecked Sendable { var text = ""; let lock = NSLock() }
        // Times as "N s": the clock's ticker may redraw the line in between (a loaded machine).
        func shown(_ text: String) -> String { text.replacingOccurrences(of: "[0-9]+ s", with: "N s", options: .regularExpression) }
        let screen = Screen()
        let reporter = Reporter(quiet: false, verbose: false, color: false, terminal: true, width: { 200 },
                                output: { screen.lock.lock(); screen.text += $0; screen.lock.unlock() })
        let std = reporter.task("building std", total: 30, unit: "units", estimate: nil)
        let zig = reporter.task("preparing zig's libc", total: 0, unit: "steps", estimate: nil)
        std.update(done: 3, item: "core")
        XCTAssertTrue(shown(screen.text).hasSuffix("\r\u{1B}[Kbuilding std: 3/30 units, N s (core) | preparing zig's libc: N steps, N s"), screen.text)
        reporter.info("a note")
        XCTAssertTrue(shown(screen.text).hasSuffix("\r\u{1B}[Ka note\nbuilding std: 3/30 units, N s (core) | preparing zig's libc: N steps, N s"), screen.text)
        screen.text = ""
        zig.finish()
        XCTAssertTrue(shown(screen.text).hasSuffix("\r\u{1B}[Kpreparing zig's libc: done in N s\nbuilding std: 3/30 units, N s (core)"), screen.text)
        screen.text = ""
        std.update(done: 30)
        std.finish()
        XCTAssertTrue(shown(screen.text).hasSuffix("\r\u{1B}[Kbuilding std: 30 units in N s\n"), screen.text)
        screen.text = ""
        reporter.info("after")
        XCTAssertEqual(screen.text, "after\n", "no live line left behind")

        var log = ""
        let plain = Reporter(quiet: false, verbose: false, color: false, terminal: false, width: { 0 }, output: { log += $0 })
        let a = plain.task("building std", total: 30, unit: "units", estimate: nil)
        let b = plain.task("preparing zig's libc", total: 0, unit: "steps", estimate: nil)
        a.update(done: 5)
        b.finish()
        a.finish()
        XCTAssertEqual(log, "preparing zig's libc: done in 0 s\nbuilding std: 5/30 units in 0 s\n")
    }
}
