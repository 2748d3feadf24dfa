import XCTest
@testable import CargoStaticCore

/// The empty-root sandbox hands over nothing of the caller's environment but what `--env`
/// names, refuses ptrace and process_vm_*, sets its resource limits, and `--timeout` kills
/// a program that does not end. Small static C programs (musl-gcc) stand in for Rust ones.
final class SandboxLimitsTests: XCTestCase {
    private var dir = ""
    override func setUpWithError() throws {
        guard Sandbox.bwrap(Runner()) != nil, Context.process.which("musl-gcc") != nil else { throw XCTSkip("needs bwrap and musl-gcc") }
        dir = try scratchDirectory("sandbox-limits")
        chmod(dir, 0o755)
    }

    private func program(_ name: String, _ body: String) throws -> String {
        let source = dir + "/\(name).c"
        try body.write(toFile: source, atomically: true, encoding: .utf8)
        let exe = dir + "/" + name
        _ = try Runner().check(Command("musl-gcc", ["-static", "-O1", source, "-o", exe]), what: "musl-gcc")
        return exe
    }

    private func run(_ exe: String, _ arguments: [String] = [], environment: [String: String] = [:], timeout: Double? = nil) throws -> (Int32, String) {
        let out = dir + "/out-\(UUID().uuidString)"
        let runner = ProgramRunner(runner: Runner())
        var (command, cleanup) = try runner.command(executable: exe, arguments: arguments, target: try Target("x86_64-unknown-linux-musl"),
                                                    emptyRoot: true, environment: environment)
        defer { if let cleanup { unlink(cleanup) } }
        // The program's stdout goes to a file: the command's output is the test's evidence.
        command = Command("/bin/bash", ["-c", "exec \"$@\" > '\(out)'", "sh", command.executable] + command.arguments,
                          environment: command.environment, directory: command.directory)
        let status: Int32
        if let timeout {
            status = try Runner().passthrough(command, timeout: timeout) ?? ProgramRunner.timedOut
        } else {
            status = try Runner().passthrough(command)
        }
        return (status, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
    }

    func testOnlyTheChosenVariablesReachTheProgram() throws {
        let exe = try program("env", "#include <stdio.h>\nextern char **environ;\nint main(void) { for (char **e = environ; *e; e++) puts(*e); return 0; }\n")
        setenv("CARGO_STATIC_TEST_SECRET", "token-123", 1)
        defer { unsetenv("CARGO_STATIC_TEST_SECRET") }
        let (status, output) = try run(exe)
        XCTAssertEqual(status, 0)
        XCTAssertEqual(output.split(separator: "\n").sorted(), ["PWD=/", "TMPDIR=/tmp"], "the sandbox sets TMPDIR and PWD, nothing else")
        let chosen = try Sandbox.environment(["GREETING=hello world", "CARGO_STATIC_TEST_SECRET", "UNSET_ONE"],
                                             caller: ["CARGO_STATIC_TEST_SECRET": "token-123"])
        XCTAssertEqual(chosen, ["GREETING": "hello world", "CARGO_STATIC_TEST_SECRET": "token-123"])
        let (_, passed) = try run(exe, environment: chosen)
        XCTAssertEqual(passed.split(separator: "\n").sorted(), ["CARGO_STATIC_TEST_SECRET=token-123", "GREETING=hello world", "PWD=/", "TMPDIR=/tmp"])
        XCTAssertThrowsError(try Sandbox.environment(["=x"], caller: [:]))
        XCTAssertThrowsError(try Sandbox.timeout("0"))
        XCTAssertThrowsError(try Sandbox.timeout("soon"))
        XCTAssertEqual(try Sandbox.timeout("1.5"), 1.5)
    }

    func testPtraceAndProcessVMAreRefusedAndLimitsAreSet() throws {
        let exe = try program("probe", """
        #include <stdio.h>
        #include <errno.h>
        #include <sys/ptrace.h>
        #include <sys/resource.h>
        #include <sys/uio.h>
        int main(void) {
            errno = 0;
            long r = ptrace(PTRACE_ATTACH, 1, 0, 0);
            printf("ptrace %ld %d\\n", r, errno);
            char a[4], b[4] = "abc";
            struct iovec l = { a, 4 }, rm = { b, 4 };
            errno = 0;
            long v = process_vm_readv(1, &l, 1, &rm, 1, 0);
            printf("vm %ld %d\\n", v, errno);
            struct rlimit p, f;
            getrlimit(RLIMIT_NPROC, &p);
            getrlimit(RLIMIT_NOFILE, &f);
            printf("nproc %llu nofile %llu\\n", (unsigned long long)p.rlim_cur, (unsigned long long)f.rlim_cur);
            return 0;
        }
        """)
        let (status, output) = try run(exe)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("ptrace -1 \(EPERM)\n"), output)
        XCTAssertTrue(output.contains("vm -1 \(EPERM)\n"), output)
        let limits = output.split(separator: "\n").first { $0.hasPrefix("nproc") }.map(String.init) ?? ""
        let values = limits.split(separator: " ").compactMap { UInt64($0) }
        XCTAssertEqual(values.count, 2, output)
        XCTAssertLessThanOrEqual(values.first ?? .max, UInt64(Sandbox.processLimit), output)
        XCTAssertLessThanOrEqual(values.last ?? .max, UInt64(Sandbox.fileLimit), output)
    }

    func testTimeoutKillsTheSandbox() throws {
        let exe = try program("sleeper", "#include <unistd.h>\nint main(void) { for (;;) pause(); }\n")
        let start = Date()
        let (status, _) = try run(exe, timeout: 1)
        XCTAssertEqual(status, ProgramRunner.timedOut)
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
    }
}
