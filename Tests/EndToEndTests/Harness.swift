import CargoStaticCore
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

    /// The cargo-static built with these tests: next to the test executable (.build/<triple>/<config>/),
    /// whatever --scratch-path was used.
    static var binary: String {
        let testExecutable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let sibling = testExecutable.deletingLastPathComponent().appendingPathComponent("cargo-static").path
        if FileManager.default.isExecutableFile(atPath: sibling) { return sibling }
        return packageRoot + "/.build/debug/cargo-static"
    }

    static var sharedCache: String {
        ProcessInfo.processInfo.environment["CARGO_STATIC_CACHE"] ?? packageRoot + "/.cache-test"
    }

    /// For tests with a cache of their own that are not about zig's libc: zig keeps its
    /// libc in the shared test cache's zig directory (zig's own `ZIG_GLOBAL_CACHE_DIR`, which
    /// cargo-static honours) instead of building it again per test, about a minute of
    /// both cores each. Tests about moving or awkward caches keep zig's cache in theirs.
    static var sharedZigCache: [String: String] { ["ZIG_GLOBAL_CACHE_DIR": sharedCache + "/zig"] }

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

    /// The longest any one command may take (a cold std build on a loaded machine takes
    /// under twenty minutes).
    static let commandTimeout: TimeInterval = 30 * 60

    /// Runs cargo-static and waits.
    @discardableResult
    /// `--env NAME` for each variable a test sets for the program: the sandbox hands over nothing else.
    static func passed(_ environment: [String: String]) -> [String] {
        environment.keys.sorted().flatMap { ["--env", $0] }
    }

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
        /// Waits; a command still running after `timeout` seconds is stopped (SIGTERM, then
        /// SIGKILL) and reported, so one hung command cannot take the whole run's time.
        func wait(timeout: TimeInterval = Harness.commandTimeout) -> Output {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { usleep(100_000) }
            var note = ""
            if process.isRunning {
                kill(process.processIdentifier, SIGTERM)
                let grace = Date().addingTimeInterval(10)
                while process.isRunning && Date() < grace { usleep(100_000) }
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                note = "\n[test harness: stopped after \(Int(timeout)) s without ending]"
                XCTFail("\(process.executableURL?.path ?? "?") \(process.arguments ?? []) did not end within \(Int(timeout)) s")
            }
            process.waitUntilExit()
            let out = (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? ""
            return Output(status: process.terminationStatus, stdout: out, stderr: stderrSoFar + note)
        }
    }

    /// Starts cargo-static; output goes to files so a long build cannot block on a full pipe.
    static func start(_ args: [String], in dir: String, environment: [String: String] = [:], cache: String? = nil) throws -> Running {
        try launch(binary, args, in: dir, environment: ["CARGO_STATIC_CACHE": cache ?? sharedCache].merging(environment) { _, new in new })
    }

    /// Starts any program with output to files and stdin closed.
    static func launch(_ executable: String, _ args: [String], in dir: String? = nil, environment: [String: String]) throws -> Running {
        let logs = try temporaryDirectory("log")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        if let dir { p.currentDirectoryURL = URL(fileURLWithPath: dir) }
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        _ = FileManager.default.createFile(atPath: logs + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: logs + "/err", contents: nil)
        p.standardOutput = FileHandle(forWritingAtPath: logs + "/out")
        p.standardError = FileHandle(forWritingAtPath: logs + "/err")
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return Running(process: p, outFile: logs + "/out", errFile: logs + "/err")
    }

    /// The one way these tests read JSON: into the tool's own type (`JSONValue` for documents
    /// it writes as such). A document that does not decode fails the test with its text; no
    /// default stands in for a missing field.
    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        do { return try JSONDecoder().decode(type, from: Data(text.utf8)) } catch {
            throw SetupFailure("not \(T.self) (\(error)):\n\(text.suffix(4000))")
        }
    }

    /// The JSON a command printed, decoded; on failure the test shows all its output.
    static func decode<T: Decodable>(_ type: T.Type, _ output: Output) throws -> T {
        do { return try JSONDecoder().decode(type, from: Data(output.stdout.utf8)) } catch {
            throw SetupFailure("not \(T.self) (\(error)):\n\(output.all.suffix(4000))")
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, fromFile path: String) throws -> T {
        try decode(type, from: try String(contentsOfFile: path, encoding: .utf8))
    }

    /// What `skopeo inspect` prints (skopeo's format): the fields these tests read.
    struct SkopeoInspect: Decodable {
        let created: String
        let architecture: String
        let layers: [String]
        let labels: [String: String]?
        enum CodingKeys: String, CodingKey { case created = "Created", architecture = "Architecture", layers = "Layers", labels = "Labels" }
    }

    /// `plan --json`: the build plan itself.
    static func plan(_ output: Output) throws -> BuildPlan { try decode(BuildPlan.self, output) }

    /// The one target of a single-target `build --json`.
    static func onlyResult(_ output: Output) throws -> TargetResult {
        let results = try decodedResults(output)
        guard results.count == 1, let result = results.first else { throw SetupFailure("expected one target:\n\(output.all.suffix(4000))") }
        return result
    }

    /// `--json` results decoded into the tool's own types; a decoding failure fails the test
    /// with the output (no default stands in for a missing field).
    static func decodedResults(_ output: Output) throws -> [TargetResult] { try decode([TargetResult].self, output) }

    /// The one executable of a single-target build, typed.
    static func onlyExecutable(_ output: Output) throws -> BuiltExecutable {
        let result = try onlyResult(output)
        guard result.executables.count == 1, let exe = result.executables.first else {
            throw SetupFailure("expected one target with one executable:\n\(output.all.suffix(4000))")
        }
        return exe
    }

    /// Runs another program (not cargo-static) and waits.
    static func runTool(_ path: String, _ args: [String], environment: [String: String] = [:]) throws -> Output {
        try launch(path, args, environment: environment).wait()
    }

    /// A loopback TCP port nobody listens on right now.
    static func freeLoopbackPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw XCTSkip("cannot bind a loopback port") }
        return UInt16(bigEndian: addr.sin_port)
    }

    static func canConnect(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = port.bigEndian
        return withUnsafePointer(to: &addr) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// e_machine of the first ELF object inside an `ar` archive (little-endian objects).
    static func firstELFMachine(inArchive path: String) throws -> Int {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard data.starts(with: Array("!<arch>\n".utf8)),
              let start = data.firstRange(of: Data([0x7F, 0x45, 0x4C, 0x46]))?.lowerBound,
              start + 20 <= data.count else { return -1 }
        return Int(data[start + 18]) | Int(data[start + 19]) << 8
    }
}
