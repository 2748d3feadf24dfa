import Foundation

/// A test of std's suites that is known to fail somewhere for a reason outside the std
/// cargo-static builds (an emulator's limit, the sandbox's empty root). Known failures
/// still run and are reported as "known"; only a failure not listed here fails the command.
public struct KnownFailure: Codable, Equatable {
    /// When the failure is expected.
    public enum Condition: String, Codable {
        case always
        /// Only in the empty-root sandbox (it has no /proc, /dev/null or /bin/sh by design).
        case emptyRoot = "empty-root"
        /// Only under qemu-user (foreign targets).
        case qemu
        /// Only in the empty root without qemu: qemu-user answers for /proc/self/exe itself.
        case nativeEmptyRoot = "native-empty-root"
    }

    /// Target triples, or `*` for every target.
    public let targets: [String]
    public let condition: Condition
    public let suite: StdTestSuite
    /// The test executable (the suite's test target, e.g. `coretests`).
    public let executable: String
    /// The test's full name, or a prefix ending in `*`. `<crash>` names the executable's
    /// death outside any test.
    public let test: String
    public let reason: String
    public let link: String

    /// Whether this entry covers the failure of `test` in `executable` on `target`.
    public func matches(target: Target, emptyRoot: Bool, suite: StdTestSuite, executable: String, test: String) -> Bool {
        guard suite == self.suite, executable == self.executable,
              targets.contains(where: { $0 == "*" || $0 == target.triple }) else { return false }
        switch condition {
        case .always: break
        case .emptyRoot: guard emptyRoot else { return false }
        case .qemu: guard !target.isNative else { return false }
        case .nativeEmptyRoot: guard emptyRoot && target.isNative else { return false }
        }
        if self.test.hasSuffix("*") { return test.hasPrefix(String(self.test.dropLast())) }
        return test == self.test
    }
}

/// The one list of known failures (docs/std-tests.md shows it beside the results).
public enum KnownFailures {
    static let currentExe = "https://doc.rust-lang.org/std/env/fn.current_exe.html"

    public static let all: [KnownFailure] = [
        KnownFailure(targets: ["*"], condition: .nativeEmptyRoot, suite: .std, executable: "env", test: "test_self_exe_path",
                     reason: "std::env::current_exe reads /proc/self/exe, and the empty root has no /proc", link: currentExe),
        KnownFailure(targets: ["*"], condition: .emptyRoot, suite: .std, executable: "process_spawning", test: "issue_15149",
                     reason: "the test copies its own executable, found through /proc/self/exe, and the empty root has no /proc", link: currentExe),
    ]

    public static func match(_ list: [KnownFailure] = all, target: Target, emptyRoot: Bool, suite: StdTestSuite, executable: String,
                             test: String) -> KnownFailure? {
        list.first { $0.matches(target: target, emptyRoot: emptyRoot, suite: suite, executable: executable, test: test) }
    }
}
