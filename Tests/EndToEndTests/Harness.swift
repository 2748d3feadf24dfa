import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Runs the real `cargo-static` executable on fixture crates copied to temporary
/// directories. The std cache is shared by the whole test run ($CARGO_STATIC_CACHE,
/// set by scripts/test), so std is built once.
enum Harness {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let fixtures = packageRoot + "/Tests/EndToEndTests/Fixtures"

    static var binary: String {
        // The test bundle sits next to the products (.build/<config>/).
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            let candidate = (bundle.bundlePath as NSString).deletingLastPathComponent + "/cargo-static"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return packageRoot + "/.build/debug/cargo-static"
    }

    static var sharedCache: String {
        ProcessInfo.processInfo.environment["CARGO_STATIC_CACHE"] ?? packageRoot + "/.cache-test"
    }

    static func skipUnlessEndToEnd() throws {
        if ProcessInfo.processInfo.environment["CARGO_STATIC_SKIP_E2E"] != nil {
            throw XCTSkip("end-to-end tests skipped (CARGO_STATIC_SKIP_E2E is set)")
        }
    }

    /// A private copy of a fixture crate (cargo writes Cargo.lock and target/ into it).
    static func fixture(_ name: String) throws -> String {
        let dir = try temporaryDirectory("fixture-\(name)")
        try FileManager.default.copyItem(atPath: "\(fixtures)/\(name)", toPath: dir + "/" + name)
        return dir + "/" + name
    }

    static func temporaryDirectory(_ label: String) throws -> String {
        var template = Array("/tmp/cargo-static-test-\(label)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw XCTSkip("cannot create a temp dir") }
        return String(cString: made)
    }

    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
        var all: String { stdout + "\n" + stderr }
    }

    /// Runs cargo-static and waits.
    @discardableResult
    static func run(_ args: [String], in dir: String, environment: [String: String] = [:], cache: String? = nil) throws -> Output {
        let p = try start(args, in: dir, environment: environment, cache: cache)
        return p.wait()
    }

    final class Running {
        let process: Process
        private let outFile: String
        private let errFile: String
        init(process: Process, outFile: String, errFile: String) {
            self.process = process
            self.outFile = outFile
            self.errFile = errFile
        }
        var stderrSoFar: String { (try? String(contentsOfFile: errFile, encoding: .utf8)) ?? "" }
        func wait() -> Output {
            process.waitUntilExit()
            let out = (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? ""
            return Output(status: process.terminationStatus, stdout: out, stderr: stderrSoFar)
        }
    }

    /// Starts cargo-static; output goes to files so a long build cannot block on a full pipe.
    static func start(_ args: [String], in dir: String, environment: [String: String] = [:], cache: String? = nil) throws -> Running {
        let logs = try temporaryDirectory("log")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        var env = ProcessInfo.processInfo.environment
        env["CARGO_STATIC_CACHE"] = cache ?? sharedCache
        env.merge(environment) { _, new in new }
        p.environment = env
        _ = FileManager.default.createFile(atPath: logs + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: logs + "/err", contents: nil)
        p.standardOutput = FileHandle(forWritingAtPath: logs + "/out")
        p.standardError = FileHandle(forWritingAtPath: logs + "/err")
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return Running(process: p, outFile: logs + "/out", errFile: logs + "/err")
    }

    /// The JSON that `build --json` prints: one object per target.
    static func results(_ output: Output) throws -> [[String: Any]] {
        guard let data = output.stdout.data(using: .utf8),
              let json = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            XCTFail("not JSON results:\n\(output.all)")
            return []
        }
        return json
    }

    static func executables(_ result: [String: Any]) -> [[String: Any]] {
        result["executables"] as? [[String: Any]] ?? []
    }
}
