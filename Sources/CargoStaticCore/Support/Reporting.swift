import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Human-facing messages go to stderr (so stdout stays clean for paths and JSON).
/// Progress redraws one line on a terminal and prints plain lines otherwise (CI logs).
public final class Reporter {
    public var quiet: Bool
    public var verbose: Bool
    private let isTTY: Bool
    private var progressShown = false
    private var lastPlainProgress = -1
    private var lastPlainTime = Date.distantPast
    private let lock = NSLock()
    /// Events a JSON report can carry ("cache hit", "std built", ...).
    public private(set) var events: [String] = []

    public init(quiet: Bool = false, verbose: Bool = false) {
        self.quiet = quiet
        self.verbose = verbose
        isTTY = isatty(STDERR_FILENO) == 1
    }

    public func info(_ text: String) {
        guard !quiet else { return }
        write(text + "\n")
    }

    public func detail(_ text: String) {
        guard verbose, !quiet else { return }
        write("  " + text + "\n")
    }

    public func warn(_ text: String) { write("warning: " + text + "\n") }

    public func event(_ text: String) {
        lock.lock(); events.append(text); lock.unlock()
        info(text)
    }

    public func progress(_ label: String, done: Int, total: Int, item: String? = nil, unit: String = "units") {
        guard !quiet else { return }
        let count = total > 0 ? "\(done)/\(total) \(unit)" : "\(done) \(unit)"
        let line = "\(label): \(count)" + (item.map { " (\($0))" } ?? "")
        lock.lock(); defer { lock.unlock() }
        if isTTY {
            FileHandle.standardError.write(Data("\r\u{1B}[K" + line))
            progressShown = true
        } else if done == 0 || done == total || (done != lastPlainProgress && Date().timeIntervalSince(lastPlainTime) >= 10) {
            // At most a line every 10 s keeps CI logs short but alive.
            lastPlainProgress = done
            lastPlainTime = Date()
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    public func endProgress() {
        lock.lock(); defer { lock.unlock() }
        if progressShown { FileHandle.standardError.write(Data("\n".utf8)); progressShown = false }
        lastPlainProgress = -1
    }

    private func write(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        if progressShown { FileHandle.standardError.write(Data("\n".utf8)); progressShown = false }
        FileHandle.standardError.write(Data(text.utf8))
    }
}

extension Data {
    init(_ string: String) { self.init(string.utf8) }
}

/// Byte counts for people.
public func humanSize(_ bytes: UInt64) -> String {
    let units = ["B", "KiB", "MiB", "GiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}

/// Pretty, key-sorted JSON for machine output.
public func encodeJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
