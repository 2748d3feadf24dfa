import Foundation

/// A failure the user can act on: what went wrong, and what to do about it.
/// Every error the tool reports ends up as one of these, so the CLI can print
/// one clear message and exit non-zero.
public struct CargoStaticError: Error, CustomStringConvertible {
    public enum Kind: String, Codable {
        case noToolchain = "no-toolchain"
        case noCToolchain = "no-c-toolchain"
        case notCargoProject = "not-a-cargo-project"
        case cargoFailed = "cargo-failed"
        case notStatic = "not-static"
        case notReproducible = "not-reproducible"
        case stdBuildFailed = "std-build-failed"
        case libraryBuildFailed = "library-build-failed"
        case diskFull = "disk-full"
        case interrupted
        case badInput = "bad-input"
        case commandFailed = "command-failed"
        case runFailed = "run-failed"
        /// The command line itself is wrong (exit status 2).
        case usage
        /// A check could not be completed or failed (the cache, the audit).
        case cacheDamaged = "cache-damaged"
    }

    public let kind: Kind
    public let message: String
    public let fix: String?
    /// Extra lines shown after the message (a failed command and its output tail).
    public let detail: String?
    /// The exit status to use; cargo's own status when cargo failed.
    public let exitCode: Int32

    public init(_ kind: Kind, _ message: String, fix: String? = nil, detail: String? = nil, exitCode: Int32? = nil) {
        self.kind = kind
        self.message = message
        self.fix = fix
        self.detail = detail
        self.exitCode = exitCode ?? Self.exitCode(for: kind)
    }

    /// As cargo: 101 when the build (or the tests) failed or there is no project, 2 for a
    /// command line that cannot be understood, 1 for everything else.
    static func exitCode(for kind: Kind) -> Int32 {
        switch kind {
        case .cargoFailed, .notCargoProject: return 101
        case .usage: return 2
        default: return 1
        }
    }

    public var description: String {
        var text = "error: \(message)"
        if let detail, !detail.isEmpty { text += "\n" + detail }
        if let fix { text += "\nfix: \(fix)" }
        return text
    }
}

/// Recognises "no space left on device" in a failure so it can be reported as such,
/// whatever tool ran out of disk first.
enum DiskSpace {
    static func isFull(_ output: String) -> Bool {
        output.contains("No space left on device") || output.contains("ENOSPC")
            || output.contains("os error 28")
    }

    static func error(at path: String, output: String) -> CargoStaticError {
        CargoStaticError(.diskFull, "the disk holding \(path) is full",
                         fix: "free some space (`cargo-static cache clean` removes cached standard libraries) and run the command again; nothing half-written was kept",
                         detail: Runner.tail(output, lines: 5))
    }
}
