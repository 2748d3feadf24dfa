import Foundation

/// One of std's test suites, as the rust-src tree lays it out: `library/coretests`,
/// `library/alloctests`, and std's integration tests (`library/std/tests`). std's own unit
/// tests are not among them: they need std compiled a second time as a test harness
/// beside the real one (bootstrap's `realstd`), which a sysroot build cannot give.
public enum StdTestSuite: String, Codable, CaseIterable, Comparable {
    case core, alloc, std

    public static func < (a: StdTestSuite, b: StdTestSuite) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }

    /// `--suite core,alloc,std`.
    public static func list(_ text: String) throws -> [StdTestSuite] {
        let names = text.split(separator: ",").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
        var suites: [StdTestSuite] = []
        for name in names {
            guard let suite = StdTestSuite(rawValue: name) else {
                throw CargoStaticError(.usage, "unknown std test suite `\(name)`",
                                       fix: "use --suite with core, alloc and/or std, comma-separated (default: core,alloc,std)")
            }
            if !suites.contains(suite) { suites.append(suite) }
        }
        guard !suites.isEmpty else { throw CargoStaticError(.usage, "--suite names no suite", fix: "use --suite core,alloc,std") }
        return suites.sorted()
    }

    /// The package directory under `library/` whose Cargo.toml declares the suite's tests.
    var directory: String {
        switch self {
        case .core: return "coretests"
        case .alloc: return "alloctests"
        case .std: return "std"
        }
    }

    /// The generated package's name (cargo reports it with each test executable).
    public var package: String { "cargo-static-\(rawValue)tests" }
}

/// A test executable of a suite: a library's unit tests or an integration test.
struct SuiteTarget: Equatable {
    enum Kind: Equatable { case lib, test }
    let kind: Kind
    let name: String
    /// The crate root, absolute (inside rust-src).
    let path: String
}

/// The generated workspace that builds the suites: one package per suite whose targets point
/// into rust-src (nothing of the tree is copied), dev-dependencies on the shims, and a test
/// profile between speed of compiling and of running (qemu runs every instruction).
struct StdTestWorkspace {
    let library: String
    let suites: [StdTestSuite]
    let directory: String

    var manifestPath: String { directory + "/Cargo.toml" }

    /// Reads each suite's Cargo.toml in rust-src: its edition and test targets (explicit
    /// `[[test]]`s with the libtest harness, the files cargo's autotests would add, and the
    /// library when its unit tests are on). `harness = false` tests print no libtest report.
    static func targets(_ suite: StdTestSuite, library: String) throws -> (edition: String, targets: [SuiteTarget]) {
        let root = library + "/" + suite.directory
        let manifest = root + "/Cargo.toml"
        guard let doc = try? TOML.parse(file: manifest) else {
            throw CargoStaticError(.badInput, "the rust-src tree has no readable \(manifest), so the \(suite.rawValue) suite cannot be built",
                                   fix: "install the rust-src that matches the rustc (Debian: apt-get install rust-web-src)")
        }
        let edition = doc["package"]?["edition"]?.string ?? "2021"
        var targets: [SuiteTarget] = []
        if suite != .std, doc["lib"]?["test"]?.bool ?? true, let path = doc["lib"]?["path"]?.string ?? Optional("src/lib.rs"),
           FileManager.default.fileExists(atPath: root + "/" + path) {
            // Named apart from the integration test of the same name, so results say which ran.
            targets.append(SuiteTarget(kind: .lib, name: suite.directory + "_lib", path: root + "/" + path))
        }
        var claimed = Set<String>()
        for test in doc["test"]?.array ?? [] {
            guard let name = test["name"]?.string else { continue }
            let path = test["path"]?.string ?? "tests/\(name).rs"
            claimed.insert(path)
            if test["harness"]?.bool == false { continue }
            targets.append(SuiteTarget(kind: .test, name: name, path: root + "/" + path))
        }
        if doc["package"]?["autotests"]?.bool ?? true {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: root + "/tests")) ?? []
            for file in files.sorted() where file.hasSuffix(".rs") && !claimed.contains("tests/" + file) {
                targets.append(SuiteTarget(kind: .test, name: String(file.dropLast(3)), path: root + "/tests/" + file))
            }
        }
        guard !targets.isEmpty else {
            throw CargoStaticError(.badInput, "\(manifest) declares no test with the libtest harness", fix: "check the rust-src installation")
        }
        return (edition, targets)
    }

    func files() throws -> [FileWrite] {
        var files: [FileWrite] = [
            .text(manifestPath, rootManifest),
            .text(directory + "/shims/rand/Cargo.toml", StdTestShims.randManifest),
            .text(directory + "/shims/rand/lib.rs", StdTestShims.rand),
            .text(directory + "/shims/rand_xorshift/Cargo.toml", StdTestShims.xorshiftManifest),
            .text(directory + "/shims/rand_xorshift/lib.rs", StdTestShims.xorshift),
        ]
        for suite in suites {
            let (edition, targets) = try Self.targets(suite, library: library)
            files.append(.text("\(directory)/\(suite.rawValue)/Cargo.toml", Self.manifest(suite, edition: edition, targets: targets)))
            files.append(.text("\(directory)/\(suite.rawValue)/empty.rs", "// The suite is in its test targets.\n"))
        }
        return files
    }

    /// Unstable library features a suite uses without enabling them (bootstrap builds it
    /// anyway), enabled for the suite's crates with `-Zcrate-attr`, each with why.
    static let enabledFeatures: [StdTestSuite: [(feature: String, why: String)]] = [
        .std: [("sync_poison_mod", "tests/sync uses std::sync::poison without #![feature(sync_poison_mod)] (https://github.com/rust-lang/rust/issues/134646)")],
    ]

    var rootManifest: String {
        let rustflags = suites.compactMap { suite -> String? in
            guard let features = Self.enabledFeatures[suite] else { return nil }
            let flags = features.map { TOML.quoted("-Zcrate-attr=feature(\($0.feature))") }.joined(separator: ", ")
            return "[profile.test.package.\(suite.package)]\nrustflags = [\(flags)]\n"
        }
        return """
        # Generated by cargo-static: std's test suites from \(library).
        cargo-features = ["profile-rustflags"]

        [workspace]
        resolver = "2"
        members = [\(suites.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))]

        # Optimised enough that the suites run in minutes under qemu, with std's debug
        # assertions' counterpart in the tests (overflow checks) kept on.
        [profile.test]
        opt-level = 1
        debug = 0
        debug-assertions = true
        overflow-checks = true

        \(rustflags.joined(separator: "\n"))
        """
    }

    static func manifest(_ suite: StdTestSuite, edition: String, targets: [SuiteTarget]) -> String {
        let lib = targets.first { $0.kind == .lib }
        let tests = targets.filter { $0.kind == .test }.map { t in
            "[[test]]\nname = \(TOML.quoted(t.name))\npath = \(TOML.quoted(t.path))\n"
        }
        return """
        # Generated by cargo-static: the \(suite.rawValue) suite of std's tests.
        [package]
        name = "\(suite.package)"
        version = "0.0.0"
        edition = "\(edition)"
        autotests = false
        autobenches = false
        autobins = false
        autoexamples = false

        [lib]
        name = \(TOML.quoted(lib?.name ?? "\(suite.rawValue)_suite"))
        path = \(TOML.quoted(lib?.path ?? "empty.rs"))
        test = \(lib != nil)
        doctest = false
        bench = false

        \(tests.joined(separator: "\n"))
        # The suites test cfgs that bootstrap declares (target_has_reliable_f16, …).
        [lints.rust]
        unexpected_cfgs = "allow"

        [dev-dependencies]
        rand = { path = "../shims/rand", features = ["alloc"] }
        rand_xorshift = { path = "../shims/rand_xorshift" }

        """
    }
}
