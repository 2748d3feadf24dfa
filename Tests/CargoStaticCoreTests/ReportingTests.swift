import XCTest
@testable import CargoStaticCore

/// Progress in a log: one line per finished step, real counts and time, nothing for no work.
final class ReportingTests: XCTestCase {
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
}
