import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The process's surroundings, read once at start-up and passed down: environment
/// variables, the working directory, the home directory, this executable. Nothing else
/// in the tool reads `ProcessInfo` or `getenv`, so a test can hand any code a made-up
/// context, and a build sees one consistent snapshot.
public struct Context {
    public let variables: [String: String]
    /// The directory the user ran the tool in.
    public let directory: String
    public let home: String
    /// This cargo-static executable: the generated compiler wrappers call it back.
    public let executable: String
    /// The processors this process may use (the job count of C library builds).
    public var processorCount: Int { givenProcessorCount ?? Context.availableProcessors }
    private let givenProcessorCount: Int?

    public init(variables: [String: String], directory: String, home: String? = nil, executable: String? = nil, processorCount: Int? = nil) {
        self.variables = variables
        self.directory = directory
        self.home = home ?? variables["HOME"] ?? "/root"
        self.executable = executable ?? Context.selfExecutable()
        self.givenProcessorCount = processorCount
    }

    /// Read when first asked (Foundation's count reads the cgroup's CPU quota: time every
    /// start would pay, while only C library builds use it).
    private static let availableProcessors = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// The one read of the real process environment.
    public static let process: Context = {
        let variables = environment()
        // $HOME first, as cargo does: the password database is read (through glibc's NSS,
        // a few milliseconds of every start) only when it is unset.
        let home = variables["HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? NSHomeDirectory()
        return Context(variables: variables, directory: FileManager.default.currentDirectoryPath, home: home)
    }()

    public subscript(_ name: String) -> String? { variables[name] }

    /// A variable that is set and not empty.
    public func nonEmpty(_ name: String) -> String? {
        guard let value = variables[name], !value.isEmpty else { return nil }
        return value
    }

    public func flag(_ name: String) -> Bool { nonEmpty(name).map { $0 != "0" } ?? false }

    /// `$CARGO_STATIC_CACHE`, else `$XDG_CACHE_HOME/cargo-static`, else `~/.cache/cargo-static`.
    public var cacheRoot: String {
        if let explicit = nonEmpty("CARGO_STATIC_CACHE") { return absolute(explicit) }
        if let xdg = nonEmpty("XDG_CACHE_HOME") { return absolute(xdg) + "/cargo-static" }
        return home + "/.cache/cargo-static"
    }

    /// `$ZIG_GLOBAL_CACHE_DIR`: zig's cache when the user keeps one (else it goes in ours).
    public var zigCacheDirectory: String? { nonEmpty("ZIG_GLOBAL_CACHE_DIR").map(absolute) }

    public var verbose: Bool { flag("CARGO_STATIC_VERBOSE") }

    /// `SOURCE_DATE_EPOCH` as reproducible builds define it (a decimal count of seconds), read
    /// the same way by every command: nil when unset or empty, an error when it is not a number
    /// (a build that silently ignored it would not be the reproducible build that was asked for).
    public func sourceDateEpoch() throws -> Int? {
        guard let text = nonEmpty("SOURCE_DATE_EPOCH") else { return nil }
        guard let value = Int(text), value >= 0 else {
            throw CargoStaticError(.badInput, "SOURCE_DATE_EPOCH=`\(text)` is not a number of seconds since 1970",
                                   fix: "set it to an integer, for example SOURCE_DATE_EPOCH=$(git log -1 --format=%ct), or unset it")
        }
        return value
    }

    public var temporaryDirectory: String { nonEmpty("TMPDIR") ?? "/tmp" }

    public var searchPath: [String] { (variables["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init) }

    /// An executable on PATH (absolute and relative paths are checked as given).
    public func which(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for dir in searchPath where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// A path as the user meant it: relative ones are taken from the working directory.
    public func absolute(_ path: String) -> String {
        PathText.standardized(path.hasPrefix("/") ? path : directory + "/" + path)
    }

    /// The same context with some variables changed (tests, nested runs).
    public func with(_ changes: [String: String?]) -> Context {
        var vars = variables
        for (key, value) in changes { vars[key] = value }
        return Context(variables: vars, directory: directory, home: home, executable: executable, processorCount: givenProcessorCount)
    }

    /// `environ` as a dictionary (the first `=` ends a name), read directly: Foundation's
    /// ProcessInfo starts with more than the environment, a measurable part of a no-op build.
    static func environment() -> [String: String] {
        var variables: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let eq = text.utf8.firstIndex(of: UInt8(ascii: "=")), eq != text.utf8.startIndex {
                let name = String(text[..<eq])
                // The first definition wins, as getenv's.
                if variables[name] == nil { variables[name] = String(text[text.index(after: eq)...]) }
            }
            entry += 1
        }
        return variables
    }

    static func selfExecutable() -> String {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return resolved }
        return CommandLine.arguments.first ?? "cargo-static"
    }
}
