import Foundation

/// Which steps of a target's plan may run at the same time. The plan keeps one order (the
/// one `plan` prints, and a person would follow); the executor follows it, except that a
/// step building the standard library runs in the background: std needs nothing the C side
/// makes (wrappers, archives, C libraries, zig's libc) and none of those needs std, so on a
/// cold cache they are made while std compiles. std's cargo keeps both cores busy only part
/// of the time (a few large crates compile alone), and configure scripts, a source fetch or
/// zig's libc fill the gaps. Only cargo, and what comes after it, waits for std.
public enum StepSchedule {
    /// How the executor runs one step.
    public struct Slot: Equatable {
        public let index: Int
        /// Started and left running while the steps after it run.
        public let background: Bool
        /// Earlier background steps that must have finished before this one starts.
        public let awaits: [Int]

        public init(index: Int, background: Bool, awaits: [Int]) {
            self.index = index
            self.background = background
            self.awaits = awaits
        }
    }

    /// One slot per step, in plan order.
    public static func slots(_ steps: [Step]) -> [Slot] {
        var running: [Int] = []
        return steps.enumerated().map { index, step in
            if runsInBackground(step) {
                // Two background steps (never planned today) would not overlap each other.
                defer { running.append(index) }
                return Slot(index: index, background: true, awaits: running)
            }
            guard !independentOfStd(step) else { return Slot(index: index, background: false, awaits: []) }
            defer { running = [] }
            return Slot(index: index, background: false, awaits: running)
        }
    }

    /// A std that has to be built. A cached one only has its toolchain directory checked:
    /// no reason for a thread.
    static func runsInBackground(_ step: Step) -> Bool {
        if case .std(let std) = step { return !std.build.cached }
        return false
    }

    /// Steps whose inputs never include std's output: they compile C, assemble, link C
    /// programs with zig or write files, with the C toolchain only.
    static func independentOfStd(_ step: Step) -> Bool {
        switch step {
        case .write, .archive, .runtime, .library, .depInfo: return true
        case .std, .cargo, .debugFiles, .sbom: return false
        }
    }
}

/// A step running on a thread of its own; `wait` returns its value or throws its error.
final class BackgroundStep<Value> {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var result: Result<Value, Error>?

    /// `onEnd` runs on the step's thread once its result can be read (`finished` is true).
    init(_ name: String, onEnd: (() -> Void)? = nil, _ body: @escaping () throws -> Value) {
        let thread = Thread { [self] in
            let outcome = Result { try body() }
            lock.lock(); result = outcome; lock.unlock()
            done.signal()
            onEnd?()
        }
        thread.name = name
        // Parsing cargo's JSON messages recurses: more than a secondary thread's default stack.
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Whether it has ended (without waiting).
    var finished: Bool {
        lock.lock(); defer { lock.unlock() }
        return result != nil
    }

    /// Whether it ended with an error (without waiting).
    var failed: Bool {
        lock.lock(); defer { lock.unlock() }
        if case .failure = result { return true }
        return false
    }

    /// A step failed while these ran: they are stopped (their commands get SIGTERM; nothing
    /// they made is published, their entries' locks are released) and awaited, their errors
    /// dropped, so the first error is the one reported and nothing keeps running behind it.
    /// Only background steps have commands running then: the failed step's have ended.
    static func stop(_ jobs: [BackgroundStep]) {
        guard !jobs.isEmpty else { return }
        if jobs.contains(where: { !$0.finished }) { ChildProcesses.shared.terminateAll() }
        for job in jobs { _ = try? job.wait() }
    }

    func wait() throws -> Value {
        done.wait()
        done.signal()
        lock.lock(); defer { lock.unlock() }
        return try result!.get()
    }
}
