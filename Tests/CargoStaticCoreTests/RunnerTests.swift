import XCTest
@testable import CargoStaticCore

final class RunnerTests: XCTestCase {
    func testShellLineQuotesWhatNeedsQuoting() {
        let c = Command("/usr/bin/cargo", ["build", "--features", "a b", "it's"],
                        environment: ["B": "x y", "A": "1"], unset: ["RUSTC_BOOTSTRAP"], directory: "/tmp/my dir")
        XCTAssertEqual(c.shellLine, "cd '/tmp/my dir' && env -u RUSTC_BOOTSTRAP A=1 B='x y' /usr/bin/cargo build --features 'a b' 'it'\\''s'")
    }

    func testShellLineRunsAsPrinted() throws {
        let c = Command("/bin/sh", ["-c", "printf '%s|%s' \"$GREETING\" \"${GONE:-unset}\""],
                        environment: ["GREETING": "hello world"], unset: ["GONE"])
        let runner = Runner(context: Context.process.with(["GONE": "present"]))
        let viaRunner = try runner.capture(c)
        let viaShell = try runner.capture(Command("/bin/sh", ["-c", c.shellLine]))
        XCTAssertEqual(viaRunner.output, "hello world|unset")
        XCTAssertEqual(viaShell.output, viaRunner.output)
    }

    /// An allowlist: only the named variables come from the environment, and the shell
    /// line does the same thing; a 0x1F separator survives the shell line.
    func testInheritAllowlistAndControlCharactersRunAsPrinted() throws {
        let c = Command("/bin/sh", ["-c", "printf '%s|%s|%s' \"${KEEP-}\" \"${DROP-gone}\" \"$(printf '%s' \"$SEP\" | od -An -c | tr -d ' ')\""],
                        environment: ["SEP": "a\u{1F}b"], inherit: ["KEEP", "PATH"])
        let runner = Runner(context: Context.process.with(["KEEP": "kept", "DROP": "present"]))
        let viaRunner = try runner.capture(c)
        XCTAssertEqual(viaRunner.output, "kept|gone|a037b")
        XCTAssertEqual(try runner.capture(Command("/bin/sh", ["-c", c.shellLine])).output, viaRunner.output, c.shellLine)
    }

    func testCheckReportsCommandAndOutputTail() {
        let c = Command("/bin/sh", ["-c", "for i in $(seq 1 40); do echo line$i; done; exit 3"])
        XCTAssertThrowsError(try Runner().check(c, what: "the probe")) { error in
            let e = error as? CargoStaticError
            XCTAssertEqual(e?.message, "the probe failed (exit status 3)")
            XCTAssertTrue(e?.detail?.contains("command: /bin/sh -c") ?? false)
            XCTAssertTrue(e?.detail?.contains("line40") ?? false)
            XCTAssertFalse(e?.detail?.contains("line10\n") ?? true, "only the tail is shown")
        }
    }

    func testDiskFullIsRecognised() {
        let c = Command("/bin/sh", ["-c", "echo 'error: failed to write: No space left on device (os error 28)'; exit 101"])
        XCTAssertThrowsError(try Runner().check(c, what: "x")) { error in
            XCTAssertEqual((error as? CargoStaticError)?.kind, .diskFull)
        }
    }

    func testRunnerRecordsEveryCommandAndStreamsLines() throws {
        let runner = Runner()
        var lines: [String] = []
        try runner.capture(Command("/bin/sh", ["-c", "echo a; echo b"])) { lines.append($0) }
        XCTAssertEqual(lines, ["a", "b"])
        XCTAssertEqual(runner.log.count, 1)
    }

    /// A parallel make's real error is above its last lines: the report shows it first.
    func testFailureReportShowsErrorsAboveTheTail() {
        let progress = (1...30).map { "[ \($0)%] Building C object library/x\($0).c.o" }
        let output = (["[  1%] Building C object library/aes.c.o",
                       "/src/library/net_sockets.c:45:10: fatal error: 'sys/socket.h' file not found",
                       "gmake[2]: *** [library/CMakeFiles/x.dir/build.make:76: net_sockets.c.o] Error 1"]
                      + progress + ["gmake: *** [Makefile:146: all] Error 2"]).joined(separator: "\n")
        let result = CommandResult(command: Command("cmake", ["--build", "b"]), status: 2, output: output)
        let report = Runner.failureReport(result, lines: 10)
        XCTAssertTrue(report.contains("--- its first error lines (above the last lines) ---\n/src/library/net_sockets.c:45:10: fatal error: 'sys/socket.h' file not found\ngmake[2]: *** [library/CMakeFiles/x.dir/build.make:76: net_sockets.c.o] Error 1\n--- last lines"), report)
        XCTAssertTrue(report.hasSuffix("gmake: *** [Makefile:146: all] Error 2"), report)
        // A short output is all in the tail: nothing repeated above it.
        let short = CommandResult(command: Command("make"), status: 2, output: "x.c:1:1: error: boom\nmake: *** Error 1")
        XCTAssertFalse(Runner.failureReport(short).contains("first error lines"))
        XCTAssertEqual(Runner.earlierErrors(output, tailLines: 10, limit: 1).count, 1)
    }
}
