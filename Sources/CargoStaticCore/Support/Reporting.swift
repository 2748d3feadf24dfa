import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Human-facing messages go to stderr (so stdout stays clean for paths and JSON), in
/// cargo's style: a right-aligned verb, coloured on a terminal. Under `-q` only warnings
/// and errors are printed. Long steps show a live counter on a terminal; in a log (stderr
/// not a terminal) each finished step is one line with its real count and time, and a
/// step that did nothing prints nothing. Steps running at the same time (std beside zig's
/// libc) share the one live line; messages and finished lines are printed above it.
public final class Reporter {
    public var quiet: Bool
    public var verbose: Bool
    public var color: Bool
    let isTTY: Bool
    private var progressShown = false
    /// The live tasks' current texts, in the order they started.
    private var live: [(task: ObjectIdentifier, text: String)] = []
    private let lock = NSLock()
    /// Events a JSON report can carry ("cache hit", "std built", ...).
    public private(set) var events: [String] = []

    /// Where everything goes: stderr (tests pass their own, as a terminal or a log).
    private let output: (String) -> Void
    private let width: () -> Int

    public convenience init(quiet: Bool = false, verbose: Bool = false, color: Bool? = nil) {
        self.init(quiet: quiet, verbose: verbose, color: color, terminal: isatty(STDERR_FILENO) == 1,
                  width: Reporter.terminalWidth, output: { FileHandle.standardError.write(Data($0.utf8)) })
    }

    init(quiet: Bool, verbose: Bool, color: Bool?, terminal: Bool, width: @escaping () -> Int, output: @escaping (String) -> Void) {
        self.quiet = quiet
        self.verbose = verbose
        isTTY = terminal
        self.color = color ?? terminal
        self.width = width
        self.output = output
    }

    /// `--color always|never|auto`, else CARGO_TERM_COLOR, as cargo decides.
    public static func colorChoice(_ flag: String?, context: Context) -> Bool? {
        switch (flag ?? context["CARGO_TERM_COLOR"] ?? "auto").lowercased() {
        case "always": return true
        case "never": return false
        default: return nil
        }
    }

    /// `   Building std for x86_64-unknown-linux-musl`: a cargo-style status line.
    public func status(_ verb: String, _ text: String) {
        guard !quiet else { return }
        write(styled(verb.count < 12 ? String(repeating: " ", count: 12 - verb.count) + verb : verb, code: "1;32") + " " + text + "\n")
    }

    /// A plain line (notes, explanations).
    public func info(_ text: String) {
        guard !quiet else { return }
        write(text + "\n")
    }

    public func detail(_ text: String) {
        guard verbose, !quiet else { return }
        write("  " + text + "\n")
    }

    public func note(_ text: String) {
        guard !quiet else { return }
        write(styled("note", code: "1;36") + ": " + text + "\n")
    }

    public func warn(_ text: String) { write(styled("warning", code: "1;33") + ": " + text + "\n") }

    public func error(_ text: String) { write(styled("error", code: "1;31") + text.dropFirst("error".count) + "\n") }

    public func event(_ text: String) {
        lock.lock(); events.append(text); lock.unlock()
        info(text)
    }

    func styled(_ text: String, code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    /// A long step with a counter: `update` as units finish, `finish` at the end.
    public func task(_ label: String, total: Int, unit: String, estimate: Double?) -> ProgressTask {
        let task = ProgressTask(reporter: self, label: label, total: total, unit: unit, estimate: estimate)
        if isTTY { task.update(done: 0) }
        return task
    }

    /// A task's live text changed (terminal only): the shared line is redrawn.
    fileprivate func show(_ task: ProgressTask, _ text: String) {
        guard !quiet, isTTY else { return }
        lock.lock(); defer { lock.unlock() }
        let id = ObjectIdentifier(task)
        if let i = live.firstIndex(where: { $0.task == id }) { live[i].text = text } else { live.append((id, text)) }
        output("\r\u{1B}[K" + liveLine())
        progressShown = true
    }

    /// A task ended: its finished line (if any) is printed above the live line of the others.
    fileprivate func end(_ task: ProgressTask, _ line: String?) {
        guard !quiet else { return }
        lock.lock(); defer { lock.unlock() }
        live.removeAll { $0.task == ObjectIdentifier(task) }
        guard isTTY else {
            if let line { output(line + "\n") }
            return
        }
        output("\r\u{1B}[K" + (line.map { $0 + "\n" } ?? "") + liveLine())
        progressShown = !live.isEmpty
    }

    private func liveLine() -> String { Self.combined(live.map(\.text), width: width()) }

    /// One line for every live task, within the terminal's width (a wrapped line could not
    /// be redrawn in place). When they do not fit, each task gets an equal share, so every
    /// library building at the same time stays in sight, not only the first.
    static func combined(_ texts: [String], width: Int) -> String {
        let separator = " | "
        let line = texts.joined(separator: separator)
        guard width > 1, line.count >= width else { return line }
        let share = (width - 1 - separator.count * (texts.count - 1)) / max(1, texts.count)
        guard texts.count > 1, share >= 12 else { return String(line.prefix(width - 2)) + "…" }
        return texts.map { $0.count <= share ? $0 : String($0.prefix(share - 1)) + "…" }.joined(separator: separator)
    }

    private static func terminalWidth() -> Int {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 100
    }

    private func write(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        guard progressShown else { return output(text) }
        // Above the live line, which is drawn again below it.
        output("\r\u{1B}[K" + text + liveLine())
    }
}

/// One long step's live line: units done of the total, elapsed time, and an estimate from
/// the last time the same kind of step ran.
public final class ProgressTask {
    let reporter: Reporter
    let label: String
    let total: Int
    let unit: String
    let estimate: Double?
    let started = Date()
    private var done = 0
    /// The unit last finished (the ticker's redraws keep showing it).
    private var item: String?
    private var ticker: DispatchSourceTimer?
    /// Set by `finish`; the ticker's last tick may come after it and must draw nothing.
    private var ended = false
    private let state = NSLock()

    init(reporter: Reporter, label: String, total: Int, unit: String, estimate: Double?) {
        self.reporter = reporter
        self.label = label
        self.total = total
        self.unit = unit
        self.estimate = estimate
        // On a terminal the clock keeps moving while a unit takes long.
        if reporter.isTTY, !reporter.quiet {
            let timer = DispatchSource.makeTimerSource(queue: .global())
            timer.schedule(deadline: .now() + 1, repeating: 1)
            timer.setEventHandler { [weak self] in self?.redraw() }
            timer.resume()
            ticker = timer
        }
    }

    public func update(done: Int, item: String? = nil) {
        state.lock(); self.done = done; if let item { self.item = item }; state.unlock()
        redraw()
    }

    /// Live lines only on a terminal: a log gets the finished line alone.
    private func redraw() {
        guard reporter.isTTY else { return }
        state.lock(); defer { state.unlock() }
        guard !ended else { return }
        reporter.show(self, line(elapsed: Date().timeIntervalSince(started), item: item))
    }

    func line(elapsed: Double, item: String?) -> String {
        let count = total > 0 ? "\(done)/\(max(total, done)) \(unit)" : "\(done) \(unit)"
        var timing = Self.clock(elapsed)
        if let estimate, estimate >= 1 { timing += " of about \(Self.clock(estimate))" }
        return "\(label): \(count), \(timing)" + (item.map { " (\($0))" } ?? "")
    }

    /// The step's one line: what it did and how long it took. With `unlessFasterThan`, a
    /// step with no count that ended sooner did no real work (zig's libc was already in
    /// zig's cache) and leaves no line.
    public func finish(unlessFasterThan threshold: Double = 0) {
        state.lock()
        ended = true
        ticker?.cancel()
        ticker = nil
        state.unlock()
        let elapsed = Date().timeIntervalSince(started)
        reporter.end(self, Self.finishedLine(label: label, done: done, total: total, unit: unit, elapsed: elapsed, threshold: threshold))
    }

    /// `building std for T: 24 units in 37 s`, `building zlib …: 12 compiler runs in 3 s`,
    /// `preparing zig's libc for T: done in 41 s`; nil for a step that did nothing.
    static func finishedLine(label: String, done: Int, total: Int, unit: String, elapsed: Double, threshold: Double = 0) -> String? {
        let time = clock(elapsed)
        if done == 0 {
            // Nothing counted: a step with units to do did none of them; one without units
            // (a single command) worked for its time, unless it ended within `threshold`.
            if total > 0 || elapsed < threshold { return nil }
            return "\(label): done in \(time)"
        }
        let count = total > 0 && done < total ? "\(done)/\(total) \(unit)" : "\(done) \(unit)"
        return "\(label): \(count) in \(time)"
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s < 60 ? "\(s) s" : String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// Byte counts for people.
public func humanSize(_ bytes: UInt64) -> String {
    let units = ["B", "KiB", "MiB", "GiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
    guard unit > 0 else { return "\(bytes) B" }
    // One decimal, rounded half up, without String(format:): Foundation's formatting costs a
    // start-up's worth of type lookups in a command that runs on every build.
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10) \(units[unit])"
}

/// stdout's lines (paths, JSON): through C's stdout as `print` goes, so the order of the two
/// holds, without `print`'s generic path (its type checks were measurable on a no-op build).
enum StandardOutput {
    static func line(_ text: String) {
        fputs(text + "\n", stdout)
    }
}
