import Foundation
import CSpawn
#if canImport(Glibc)
import Glibc
#endif

/// A started external program, reaped by `wait()`. The runner's only way to start one.
final class ChildProcess {
    let pid: pid_t

    struct Exit {
        let code: Int32
        /// The signal that ended it, if one did.
        let signal: Int32?
        /// The exit code, or the signal's number.
        var status: Int32 { signal ?? code }
        /// What a shell reports: the exit code, or 128 + the signal (an abort is 134, not 6,
        /// which would look like an ordinary exit code).
        var shellStatus: Int32 { signal.map { 128 + $0 } ?? code }
    }

    private init(pid: pid_t) { self.pid = pid }

    /// Starts `path`; `stdin`, `stdout`, `stderr` are descriptors for 0-2 (nil: ours).
    /// Throws the errno value when the program cannot be started.
    static func spawn(_ path: String, arguments: [String], environment: [String: String], directory: String?,
                      stdin: Int32?, stdout: Int32?, stderr: Int32?) throws -> ChildProcess {
        let argv = CStrings([path] + arguments)
        let envp = CStrings(environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        defer { argv.free(); envp.free() }
        var pid: pid_t = 0
        let rc = directory.withOptionalCString { dir in
            cspawn(path, argv.pointers, envp.pointers, dir, stdin ?? -1, stdout ?? -1, stderr ?? -1, &pid)
        }
        guard rc == 0 else { throw SpawnError(code: rc) }
        let child = ChildProcess(pid: pid)
        ChildProcesses.shared.add(pid)
        return child
    }

    func wait() -> Exit {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        ChildProcesses.shared.remove(pid)
        let signal = status & 0x7f
        return signal == 0 ? Exit(code: (status >> 8) & 0xff, signal: nil) : Exit(code: 0, signal: signal)
    }

    /// `wait()`, but after `seconds` the child is killed (SIGKILL) and nil is returned.
    func wait(timeout seconds: Double) -> Exit? {
        let deadline = Date().addingTimeInterval(seconds)
        var status: Int32 = 0
        while true {
            let rc = waitpid(pid, &status, WNOHANG)
            if rc == pid { break }
            if rc == -1, errno != EINTR { break }
            if Date() >= deadline {
                kill(pid, SIGKILL)
                _ = wait()
                return nil
            }
            usleep(20_000)
        }
        ChildProcesses.shared.remove(pid)
        let signal = status & 0x7f
        return signal == 0 ? Exit(code: (status >> 8) & 0xff, signal: nil) : Exit(code: 0, signal: signal)
    }

    struct SpawnError: Error {
        let code: Int32
        var text: String { String(cString: strerror(code)) }
    }
}

/// NULL-terminated C string array for argv and envp.
private struct CStrings {
    let pointers: [UnsafeMutablePointer<CChar>?]
    init(_ strings: [String]) { pointers = strings.map { strdup($0) } + [nil] }
    func free() { pointers.forEach { Glibc.free($0) } }
}

private extension Optional where Wrapped == String {
    func withOptionalCString<R>(_ body: (UnsafePointer<CChar>?) -> R) -> R {
        switch self {
        case .some(let text): return text.withCString { body($0) }
        case .none: return body(nil)
        }
    }
}

/// Reads a pipe on its own thread while the child runs. After the child has exited,
/// `finish()` reads what the pipe still holds and stops at the first quiet moment rather
/// than at end-of-file: a daemon the child started (sccache's server under RUSTC_WRAPPER)
/// keeps the write end open for as long as it lives.
final class PipeReader {
    private let fd: Int32
    private let collector: LineCollector
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var childExited = false

    init(fd: Int32, collector: LineCollector) {
        self.fd = fd
        self.collector = collector
        let thread = Thread { [self] in readUntilDone() }
        thread.start()
    }

    func finish() {
        lock.lock(); childExited = true; lock.unlock()
        done.wait()
    }

    private var exited: Bool { lock.lock(); defer { lock.unlock() }; return childExited }

    private func readUntilDone() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let wasExited = exited
            let ready = poll(&poller, 1, 50)
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 { if wasExited { break } else { continue } }
            let n = read(fd, &buffer, buffer.count)
            if n > 0 { collector.append(Data(buffer[0..<n])); continue }
            if n < 0 && errno == EINTR { continue }
            break
        }
        done.signal()
    }
}

/// Children still running when the user presses Ctrl-C are stopped with us, so no
/// orphaned cargo keeps writing into a cache directory. The signal handler reads the
/// slots without a lock (it may interrupt a thread holding one).
public final class ChildProcesses {
    public static let shared = ChildProcesses()
    private static let slots = 256
    private let pids = UnsafeMutablePointer<pid_t>.allocate(capacity: ChildProcesses.slots)
    private let lock = NSLock()

    private init() { pids.initialize(repeating: 0, count: ChildProcesses.slots) }

    func add(_ pid: pid_t) {
        lock.lock(); defer { lock.unlock() }
        if let free = (0..<ChildProcesses.slots).first(where: { pids[$0] == 0 }) { pids[free] = pid }
    }

    func remove(_ pid: pid_t) {
        lock.lock(); defer { lock.unlock() }
        for i in 0..<ChildProcesses.slots where pids[i] == pid { pids[i] = 0 }
    }

    /// Async-signal-safe: reads the slots and sends SIGTERM.
    public func terminateAll() {
        for i in 0..<ChildProcesses.slots where pids[i] > 0 { kill(pids[i], SIGTERM) }
    }
}
