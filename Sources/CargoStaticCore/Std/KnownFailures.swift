import Foundation

/// A test of std's suites that is known to fail somewhere for a reason outside the std
/// cargo-static builds (an emulator's limit, the sandbox's empty root). Known failures
/// still run and are reported as "known"; only a failure not listed here fails the command.
public struct KnownFailure: Codable, Equatable {
    /// Target triples, or `*` for every target; `qemu` for every target run under qemu.
    public let targets: [String]
    public let suite: StdTestSuite
    /// The test executable (the suite's test target, e.g. `coretests`).
    public let executable: String
    /// The test's full name, or a prefix ending in `*`. `<crash>` names the executable's
    /// death outside any test.
    public let test: String
    public let reason: String
    public let link: String

    /// Whether this entry covers the failure of `test` in `executable` on `target`.
    public func matches(target: Target, suite: StdTestSuite, executable: String, test: String) -> Bool {
        guard suite == self.suite, executable == self.executable else { return false }
        let onTarget = targets.contains { $0 == "*" || $0 == target.triple || ($0 == "qemu" && !target.isNative) }
        guard onTarget else { return false }
        if self.test.hasSuffix("*") { return test.hasPrefix(String(self.test.dropLast())) }
        return test == self.test
    }
}

/// The one list of known failures (docs/std-tests.md shows it beside the results).
public enum KnownFailures {
    public static let all: [KnownFailure] = [
    ]

    public static func match(_ list: [KnownFailure] = all, target: Target, suite: StdTestSuite, executable: String,
                             test: String) -> KnownFailure? {
        list.first { $0.matches(target: target, suite: suite, executable: executable, test: test) }
    }
}
