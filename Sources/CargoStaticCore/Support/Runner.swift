import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One external command, as data: what a plan shows and what the runner executes.
public struct Command: Codable, Equatable {
    public var executable: String
    public var arguments: [String]
    /// Variables set (or overridden) on top of the inherited environment.
    public var environment: [String: String]
    /// Variables removed from the inherited environment.
    public var unset: [String]
    public var directory: String?
    /// When set, only these variables are inherited (then `environment` is added): builds
    /// whose output is cached must not depend on the user's CFLAGS, RUSTFLAGS, ….
    public var inherit: [String]?

    public init(_ executable: String, _ arguments: [String] = [], environment: [String: String] = [:],
                unset: [String] = [], directory: String? = nil, inherit: [String]? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.unset = unset
        self.directory = directory
        self.inherit = inherit
    }

    /// The environment the command runs with, given the one it is started from.
    public func effectiveEnvironment(from base: [String: String]) -> [String: String] {
        var env = base
        if let inherit { env = env.filter { inherit.contains($0.key) } }
        for key in unset { env.removeValue(forKey: key) }
        env.merge(environment) { _, new in new }
        return env
    }

    /// A shell line a user can paste to reproduce the command by hand.
    public var shellLine: String {
        var parts: [String] = []
        if let directory { parts.append("cd \(Shell.quote(directory)) &&") }
        if let inherit {
            parts.append("env -i")
            parts += inherit.sorted().map { "\($0)=\"${\($0)-}\"" }
        } else if !environment.isEmpty || !unset.isEmpty {
            parts.append("env")
            parts += unset.sorted().map { "-u \($0)" }
        }
        if inherit != nil || !environment.isEmpty || !unset.isEmpty {
            parts += environment.keys.sorted().map { "\($0)=\(Shell.quote(environment[$0]!))" }
        }
        parts.append(Shell.quote(executable))
        parts += arguments.map(Shell.quote)
        return parts.joined(separator: " ")
    }
}

public enum Shell {
    /// One word for any POSIX shell. Control characters (CARGO_ENCODED_RUSTFLAGS' 0x1F
    /// separators) would not survive a paste: they are written as printf escapes.
    public static func quote(_ s: String) -> String {
        // Byte tests, not CharacterSet: every planned command line is quoted on every build.
        if !s.isEmpty, s.utf8.allSatisfy(isSafe) { return s }
        if s.utf8.contains(where: { $0 < 0x20 && $0 != 0x0A && $0 != 0x09 }) {
            var body = ""
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\\": body += "\\\\"
                case "'": body += "'\\''"
                case _ where scalar.value < 0x20: body += "\\0" + String(scalar.value, radix: 8)
                default: body.unicodeScalars.append(scalar)
                }
            }
            return "\"$(printf '%b' '\(body)')\""
        }
        return "'" + s.replacingEvery("'", with: "'\\''") + "'"
    }

    /// Letters, digits and `-_./=:,+@%`: a word no POSIX shell changes.
    private static func isSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: ":"),
             UInt8(ascii: ","), UInt8(ascii: "+"), UInt8(ascii: "@"), UInt8(ascii: "%"): true
        default: false
        }
    }
}

/// The result of a finished command.
public struct CommandResult {
    public let command: Command
    public let status: Int32
    public let output: String
    public var succeeded: Bool { status == 0 }
}

/// Runs every external command of the tool. It records what ran (for `--verbose`, for
/// failure reports, and in the file `CARGO_STATIC_RECORD_COMMANDS` names, one JSON line per
/// command, which the plan/run agreement test reads) and, when a command fails, can show
/// its exact command line, environment and the tail of its output.
public final class Runner {
    public var verbose: Bool
    /// Commands are written to the record file only while the executor runs a plan
    /// (discovery's probes are not steps).
    public var recording = false
    public let context: Context
    public private(set) var log: [Command] = []
    private let lock = NSLock()
    private let recordFile: String?

    public init(context: Context = .process, verbose: Bool = false) {
        self.context = context
        self.verbose = verbose
        recordFile = context.nonEmpty("CARGO_STATIC_RECORD_COMMANDS")
    }

    /// An executable on the context's PATH.
    public func which(_ name: String) -> String? { context.which(name) }

    /// Runs and captures stdout+stderr. `onLine` sees each line as it arrives (for progress).
    @discardableResult
    public func capture(_ command: Command, onLine: ((String) -> Void)? = nil) throws -> CommandResult {
        try collect(command, stderrToo: true, onLine: onLine)
    }

    /// Runs the command with stdout (and stderr, when asked) read through a pipe.
    func collect(_ command: Command, stderrToo: Bool, onLine: ((String) -> Void)?) throws -> CommandResult {
        record(command)
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw fileError("a pipe for \(command.executable)") }
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        defer { close(ends[0]) }
        let nullInput = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { if nullInput >= 0 { close(nullInput) } }
        let collector = LineCollector(onLine: onLine)
        let child: ChildProcess
        do {
            child = try start(command, stdin: stderrToo ? nullInput : nil, stdout: ends[1], stderr: stderrToo ? ends[1] : nil)
        } catch { close(ends[1]); throw error }
        close(ends[1])
        let reader = PipeReader(fd: ends[0], collector: collector)
        let exit = child.wait()
        reader.finish()
        collector.finish()
        return CommandResult(command: command, status: exit.status, output: collector.text)
    }

    /// Runs with the terminal attached (cargo's own output and colours reach the user).
    /// stdout of the child can be redirected to stderr so that our stdout stays machine-readable.
    @discardableResult
    public func passthrough(_ command: Command, stdoutToStderr: Bool = false) throws -> Int32 {
        record(command)
        let child = try start(command, stdin: nil, stdout: stdoutToStderr ? STDERR_FILENO : nil, stderr: nil)
        return child.wait().shellStatus
    }

    /// `passthrough` with a time limit: after `timeout` seconds the command is killed and
    /// nil is returned.
    public func passthrough(_ command: Command, stdoutToStderr: Bool = false, timeout: Double) throws -> Int32? {
        record(command)
        let child = try start(command, stdin: nil, stdout: stdoutToStderr ? STDERR_FILENO : nil, stderr: nil)
        return child.wait(timeout: timeout)?.shellStatus
    }

    /// Runs and throws a `CargoStaticError` showing the command and its output tail on failure.
    @discardableResult
    public func check(_ command: Command, what: String, kind: CargoStaticError.Kind = .commandFailed,
                      fix: String? = nil, onLine: ((String) -> Void)? = nil) throws -> CommandResult {
        let result = try capture(command, onLine: onLine)
        guard result.succeeded else {
            if DiskSpace.isFull(result.output) {
                throw DiskSpace.error(at: command.directory ?? FileManager.default.currentDirectoryPath, output: result.output)
            }
            throw CargoStaticError(kind, "\(what) failed (exit status \(result.status))", fix: fix,
                                   detail: Runner.failureReport(result))
        }
        return result
    }

    public static func failureReport(_ result: CommandResult, lines: Int = 25) -> String {
        var report = "command: \(result.command.shellLine)\n"
        let errors = earlierErrors(result.output, tailLines: lines)
        if !errors.isEmpty { report += "--- its first error lines (above the last lines) ---\n" + errors.joined(separator: "\n") + "\n" }
        return report + "--- last lines of its output ---\n\(tail(result.output, lines: lines))"
    }

    /// Error lines that come before the last `tailLines`: a parallel make keeps going after
    /// the failing compiler, so its last lines are other files' progress and the cause is
    /// further up (`foo.c:12:3: error: …`, `ld.lld: error: …`, `Error 1`). At most `limit`.
    static func earlierErrors(_ output: String, tailLines: Int, limit: Int = 8) -> [String] {
        let all = output.split(separator: "\n", omittingEmptySubsequences: false)
        guard all.count > tailLines else { return [] }
        return all.dropLast(tailLines).filter(looksLikeError).prefix(limit).map(String.init)
    }

    private static func looksLikeError(_ line: Substring) -> Bool {
        let lower = line.lowercased()
        return lower.contains("error:") || lower.contains("fatal error") || lower.contains("undefined reference")
            || lower.contains("undefined symbol") || lower.range(of: #"\berror [0-9]+$"#, options: .regularExpression) != nil
    }

    public static func tail(_ text: String, lines: Int) -> String {
        let all = text.split(separator: "\n", omittingEmptySubsequences: false)
        return all.suffix(lines).joined(separator: "\n")
    }

    func record(_ command: Command) {
        // Under the lock: steps running at the same time (std beside the C side) record
        // whole lines, never two writes at the same end of the file.
        lock.lock(); defer { lock.unlock() }
        log.append(command)
        if verbose { FileHandle.standardError.write(Data("+ \(command.shellLine)\n".utf8)) }
        if recording, let recordFile, let line = try? JSONEncoder.sorted.encode(command),
           let handle = FileHandle(forWritingAtPath: recordFile) ?? (FileManager.default.createFile(atPath: recordFile, contents: nil)
                                                                    ? FileHandle(forWritingAtPath: recordFile) : nil) {
            handle.seekToEndOfFile()
            handle.write(line + Data("\n".utf8))
            try? handle.close()
        }
    }

    func start(_ command: Command, stdin: Int32?, stdout: Int32?, stderr: Int32?) throws -> ChildProcess {
        var executable = try resolve(command.executable)
        // `./configure` means the script in the command's own directory, as in a shell after `cd`.
        if !executable.hasPrefix("/"), let dir = command.directory { executable = dir + "/" + executable }
        do {
            return try ChildProcess.spawn(executable, arguments: command.arguments,
                                          environment: command.effectiveEnvironment(from: context.variables),
                                          directory: command.directory, stdin: stdin, stdout: stdout, stderr: stderr)
        } catch let error as ChildProcess.SpawnError {
            throw CargoStaticError(.commandFailed, "could not start \(command.executable): \(error.text)",
                                   detail: "command: \(command.shellLine)")
        }
    }

    private func fileError(_ what: String) -> CargoStaticError {
        CargoStaticError(.commandFailed, "could not create \(what): \(String(cString: strerror(errno)))")
    }

    /// Finds an executable on PATH (absolute and relative paths are returned as given).
    public func resolve(_ name: String) throws -> String {
        if name.contains("/") { return name }
        if let found = which(name) { return found }
        throw CargoStaticError(.commandFailed, "`\(name)` was not found on PATH",
                               fix: "install it; `cargo-static doctor` lists what each step needs")
    }
}

/// Splits a byte stream into lines for progress callbacks while keeping the whole text.
final class LineCollector {
    private var buffer = Data()
    private var all = Data()
    private let onLine: ((String) -> Void)?
    /// A descriptor every byte is also written to, as it comes (a tee to the terminal).
    private let forward: Int32?
    private let lock = NSLock()

    init(onLine: ((String) -> Void)?, forward: Int32? = nil) { self.onLine = onLine; self.forward = forward }

    func append(_ data: Data) {
        lock.lock(); defer { lock.unlock() }
        all.append(data)
        if let forward {
            data.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = write(forward, raw.baseAddress! + offset, raw.count - offset)
                    if n <= 0 { break }
                    offset += n
                }
            }
        }
        guard let onLine else { return }
        buffer.append(data)
        // Every complete line of the buffer, decoded from its bytes in place (a Data slice
        // would be decoded byte by byte), then the consumed part removed once.
        var lines: [String] = []
        let consumed = buffer.withUnsafeBytes { raw -> Int in
            var start = 0
            for i in 0..<raw.count where raw[i] == 0x0A {
                lines.append(String(decoding: UnsafeRawBufferPointer(rebasing: raw[start..<i]), as: UTF8.self))
                start = i + 1
            }
            return start
        }
        if consumed > 0 { buffer.removeSubrange(buffer.startIndex..<buffer.startIndex + consumed) }
        lines.forEach(onLine)
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if let onLine, !buffer.isEmpty { onLine(Self.text(buffer)) }
        buffer.removeAll()
    }

    var text: String { lock.lock(); defer { lock.unlock() }; return Self.text(all) }

    private static func text(_ data: Data) -> String { data.withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }
}

extension Runner {
    /// Runs with stdout captured (cargo's JSON messages) while stderr goes straight to the
    /// user (cargo's own progress and error messages, in cargo's own words).
    public func captureStdout(_ command: Command, onLine: ((String) -> Void)? = nil) throws -> CommandResult {
        try collect(command, stderrToo: false, onLine: onLine)
    }

    /// As `captureStdout`, and stderr is also kept (for cargo's build-script failures) while
    /// every byte of it still reaches the user's stderr as it comes.
    public func captureStdoutTeeingStderr(_ command: Command, onLine: ((String) -> Void)? = nil) throws -> (result: CommandResult, stderr: String) {
        record(command)
        var out: [Int32] = [0, 0], err: [Int32] = [0, 0]
        guard pipe(&out) == 0 else { throw CargoStaticError(.commandFailed, "could not create a pipe for \(command.executable)") }
        guard pipe(&err) == 0 else { close(out[0]); close(out[1]); throw CargoStaticError(.commandFailed, "could not create a pipe for \(command.executable)") }
        for fd in out + err { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        defer { close(out[0]); close(err[0]) }
        let stdoutLines = LineCollector(onLine: onLine)
        let stderrText = LineCollector(onLine: nil, forward: STDERR_FILENO)
        let child: ChildProcess
        do {
            child = try start(command, stdin: nil, stdout: out[1], stderr: err[1])
        } catch { close(out[1]); close(err[1]); throw error }
        close(out[1]); close(err[1])
        let outReader = PipeReader(fd: out[0], collector: stdoutLines)
        let errReader = PipeReader(fd: err[0], collector: stderrText)
        let exit = child.wait()
        outReader.finish(); errReader.finish()
        stdoutLines.finish()
        return (CommandResult(command: command, status: exit.status, output: stdoutLines.text), stderrText.text)
    }
}
