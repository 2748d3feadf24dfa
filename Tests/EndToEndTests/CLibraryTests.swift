import CargoStaticCore
import Foundation
import XCTest

/// C and C++ dependencies: real -sys crates from Debian's registry, the C libraries
/// built from Debian's source packages for musl, linked statically, run in an empty root.
/// The libraries land in the shared cache, so each is built once per test run.
final class CLibraryTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    /// Builds a fixture, checks it is a kernel-only static-pie, and returns its result.
    private func buildStatic(_ name: String) throws -> (dir: String, result: TargetResult) {
        let dir = try Harness.fixture(name)
        let out = try Harness.run(["build", "--release", "--json"], in: dir)
        XCTAssertEqual(out.status, 0, out.all)
        let audit = try Harness.onlyExecutable(out).audit
        XCTAssertEqual(audit.linkage, .staticPie, out.all)
        XCTAssertTrue(audit.kernelOnly, "\(audit)")
        XCTAssertEqual(audit.libc, .musl, "\(audit)")
        XCTAssertEqual(audit.needed, [])
        return (dir, try Harness.onlyResult(out))
    }

    private func libraries(_ result: TargetResult) -> [String] { result.nativeLibraries.map(\.name.name) }

    private func runInEmptyRoot(_ dir: String, env: [String: String] = [:], network: String = "loopback") throws -> Harness.Output {
        let out = try Harness.run(["run", "--release", "--empty-root", "--network", network] + Harness.passed(env), in: dir, environment: env)
        XCTAssertEqual(out.status, 0, out.all)
        return out
    }

    func testZlibThroughFlate2AndLibzSys() throws {
        let (dir, result) = try buildStatic("zlib-flate2")
        XCTAssertEqual(libraries(result), ["zlib"])
        let out = try runInEmptyRoot(dir)
        XCTAssertTrue(out.stdout.contains("zlib version: 1.2.13"), out.all)
        XCTAssertTrue(out.stdout.contains("compressed 7000 bytes into"), out.all)
        XCTAssertTrue(out.stdout.contains("round trip ok: true"), out.all)
    }

    func testSqliteThroughRusqlite() throws {
        let (dir, result) = try buildStatic("sqlite")
        XCTAssertEqual(libraries(result), ["sqlite3"])
        let out = try runInEmptyRoot(dir)
        XCTAssertTrue(out.stdout.contains("sqlite version: 3.40.1"), out.all)
        XCTAssertTrue(out.stdout.contains("rows: libc=300,serde=250"), out.all)
        XCTAssertTrue(out.stdout.contains("fts5: true"), out.all)
    }

    /// SHA-256, then a verified TLS 1.3 handshake with a local `openssl s_server`.
    func testOpenSSLHashAndTLSHandshake() throws {
        let (dir, result) = try buildStatic("openssl-tls")
        XCTAssertEqual(libraries(result), ["openssl"])
        let server = try TLSServer.start()
        defer { server.stop() }
        // The server listens on the host's loopback, which the sandbox reaches only with --network host.
        let out = try runInEmptyRoot(dir, env: ["TLS_ADDRESS": server.address, "TLS_CA_PEM": server.certificatePEM], network: "host")
        XCTAssertTrue(out.stdout.contains("openssl version: OpenSSL 3."), out.all)
        XCTAssertTrue(out.stdout.contains("sha256(abc) = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), out.all)
        XCTAssertTrue(out.stdout.contains("handshake: TLSv1.3"), out.all)
        XCTAssertTrue(out.stdout.contains("peer verified: true"), out.all)
        XCTAssertTrue(out.stdout.contains("response: HTTP/1.0 200 ok"), out.all)
    }

    /// C++ through the cc crate: compiled for musl, libc++ linked statically, exceptions work.
    func testCxxThroughCcCrate() throws {
        let (dir, result) = try buildStatic("cxx-cc")
        XCTAssertEqual(libraries(result), [])
        let out = try runInEmptyRoot(dir)
        XCTAssertTrue(out.stdout.contains("c++ summary: staticx3 of 3 distinct (status 0)"), out.all)
        XCTAssertTrue(out.stdout.contains("c++ exception caught: no words (status 1)"), out.all)
    }

    /// ncurses and libedit asked for in Cargo.toml metadata, found by a build script through
    /// pkg-config. In an empty root there is no terminfo database: the terminals compiled into
    /// ncurses still work, any other is reported as not found (setupterm's err -1).
    func testNcursesAndLibeditFromPackageMetadata() throws {
        let (dir, result) = try buildStatic("terminal-edit")
        XCTAssertEqual(libraries(result), ["ncurses", "libedit"])
        let out = try runInEmptyRoot(dir, env: ["TERM": "xterm-256color"])
        XCTAssertTrue(out.stdout.contains("ncurses: ncurses 6.4"), out.all)
        XCTAssertTrue(out.stdout.contains(#"terminfo xterm-256color: cols 80, clear "\u{1b}[H\u{1b}[2J""#), out.all)
        XCTAssertTrue(out.stdout.contains("terminfo no-such-terminal: not found (status -1, err -1)"), out.all)
        XCTAssertTrue(out.stdout.contains(#"history: 3 entries, newest "ls -l""#), out.all)
        XCTAssertTrue(out.stdout.contains(#"tokens: ["run", "--empty-root", "two words", "and more"]"#), out.all)
        XCTAssertTrue(out.stdout.contains(#"el_gets: "typed into libedit" (19 chars)"#), out.all)
    }

    /// `plan` names the library, the crate that needs it and the variables the crate reads.
    func testPlanShowsLibraryAndVariables() throws {
        let dir = try Harness.fixture("sqlite")
        let out = try Harness.run(["plan", "--release", "--json"], in: dir)
        XCTAssertEqual(out.status, 0, out.all)
        let targets = try Harness.plan(out).targets
        XCTAssertEqual(targets.count, 1, out.stdout)
        let target = try XCTUnwrap(targets.first)
        let requirement = try XCTUnwrap(target.requirements.first, "no requirement: \(out.stdout)")
        XCTAssertEqual(requirement.library.name, "sqlite3", "\(target.requirements)")
        XCTAssertTrue(requirement.reason.hasPrefix("crate libsqlite3-sys"), "\(target.requirements)")
        let env = target.cargo.environment
        XCTAssertEqual(env["SQLITE3_STATIC"], "1")
        XCTAssertEqual(env["PKG_CONFIG_ALL_STATIC"], "1")
        let libdir = try XCTUnwrap(env["PKG_CONFIG_LIBDIR_x86_64_unknown_linux_musl"], "\(env)")
        XCTAssertTrue(libdir.contains("/deps/x86_64-unknown-linux-musl/sqlite3-"), libdir)
        XCTAssertEqual(env["PKG_CONFIG_PATH_x86_64_unknown_linux_musl"], "")
    }

    /// A generic library's commands are read from its source tree: from a cache without that
    /// source, `--dry-run` fetches it first and shows every command the build would run
    /// (no step left "known once the source is fetched"); nothing is built.
    func testDryRunOfAGenericLibraryShowsItsCommandsFromAnEmptyCache() throws {
        let dir = try Harness.temporaryDirectory("plan-fetch")
        let out = try Harness.run(["deps", "build", "xxhash", "--dry-run", "--json"], in: dir, cache: dir + "/cache")
        XCTAssertEqual(out.status, 0, out.all)
        let step = try XCTUnwrap(try Harness.decode([LibraryStep].self, out).first, out.all)
        XCTAssertEqual(step.library.name, "xxhash")
        XCTAssertFalse(step.pending, out.stdout)
        XCTAssertNil(step.fetch, "fetched while planning: \(out.stdout)")
        XCTAssertTrue(step.commands.contains { $0.executable == "make" || $0.arguments.contains("make") }, "\(step.commands.map(\.shellLine))")
        XCTAssertTrue(out.stderr.contains("Fetching the source of xxhash"), out.stderr)
        let archives = ((try? FileManager.default.subpathsOfDirectory(atPath: dir + "/cache/deps")) ?? []).filter { $0.hasSuffix(".a") }
        XCTAssertEqual(archives, [], "nothing built")
    }

    /// All eight libraries for x86_64 musl: each prefix has its archives and pkg-config
    /// files, and pkg-config gives a static link line inside the cache only.
    func testDepsBuildsAllEightLibraries() throws {
        let dir = try Harness.temporaryDirectory("deps")
        let names = ["zlib", "openssl", "sqlite3", "zstd", "xz", "bzip2", "ncurses", "libedit"]
        let out = try Harness.run(["deps", "build", "--json"] + names, in: dir)
        XCTAssertEqual(out.status, 0, out.all)
        let results = try Harness.decode([CacheCommands.DepsResult].self, out)
        XCTAssertEqual(results.count, 1, out.stdout)
        let libs = try XCTUnwrap(results.first, out.all).libraries
        XCTAssertEqual(Set(libs.map(\.name.name)), Set(names))
        let modules = ["zlib": "zlib", "openssl": "openssl", "sqlite3": "sqlite3", "zstd": "libzstd", "xz": "liblzma",
                       "bzip2": "bzip2", "ncurses": "ncursesw", "libedit": "libedit"]
        let prefixes = libs.map(\.prefix)
        for lib in libs {
            let name = lib.name.name, prefix = lib.prefix
            let pkg = try Harness.runTool("/usr/bin/pkg-config", ["--static", "--libs", modules[name] ?? name],
                                          environment: ["PKG_CONFIG_LIBDIR": prefixes.map { $0 + "/lib/pkgconfig" }.joined(separator: ":"),
                                                        "PKG_CONFIG_PATH": ""])
            XCTAssertEqual(pkg.status, 0, "\(name): \(pkg.all)")
            XCTAssertTrue(pkg.stdout.contains("-L\(prefix)/lib"), "\(name): \(pkg.stdout)")
            XCTAssertFalse(pkg.stdout.contains("/usr/lib"), "\(name) must not point at the host: \(pkg.stdout)")
            let archives = try FileManager.default.contentsOfDirectory(atPath: prefix + "/lib").filter { $0.hasSuffix(".a") }
            XCTAssertFalse(archives.isEmpty, name)
            for archive in archives {
                XCTAssertEqual(try Harness.firstELFMachine(inArchive: prefix + "/lib/" + archive), 62, "\(name)/\(archive) is not x86_64")
            }
        }
        // A second call is all cache hits, and `deps list` shows the entries.
        let again = try Harness.run(["deps", "build", "--json"] + names, in: dir)
        let outcomes = try Harness.decode([CacheCommands.DepsResult].self, again).flatMap(\.libraries).map(\.outcome)
        XCTAssertEqual(outcomes.count, names.count, again.all)
        XCTAssertEqual(Set(outcomes), [.hit], again.all)
        let list = try Harness.run(["deps", "list", "--json"], in: dir)
        let entries = try Harness.decode([CacheCommands.LibraryListing].self, list)
        XCTAssertTrue(Set(names).isSubset(of: Set(entries.map(\.library))), list.all)
    }

    func testUnknownLibraryNamesTheKnownOnes() throws {
        let dir = try Harness.temporaryDirectory("deps-unknown")
        let out = try Harness.run(["deps", "build", "libfoo"], in: dir)
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("does not know how to build the C library `libfoo`"), out.stderr)
        XCTAssertTrue(out.stderr.contains("known recipes: zlib, bzip2, xz, zstd, sqlite3, openssl, ncurses, libedit"), out.stderr)
        XCTAssertTrue(out.stderr.contains("no Debian -dev package ships libfoo.a/.so or libfoo.pc"), out.stderr)
    }
}

/// `openssl s_server` on a free loopback port with a fresh self-signed certificate.
struct TLSServer {
    let process: Process
    let address: String
    let certificatePEM: String

    static func start() throws -> TLSServer {
        let dir = try Harness.temporaryDirectory("tls")
        let req = try Harness.runTool("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                                          "-nodes", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem", "-days", "2",
                                                          "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"])
        guard req.status == 0 else { throw XCTSkip("openssl cannot make a certificate: \(req.all)") }
        let port = try Harness.freeLoopbackPort()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", dir + "/cert.pem", "-key", dir + "/key.pem", "-www", "-quiet"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Ready when it accepts connections.
        let deadline = Date().addingTimeInterval(10)
        while !Harness.canConnect(port: port), Date() < deadline { usleep(100_000) }
        return TLSServer(process: p, address: "127.0.0.1:\(port)",
                         certificatePEM: try String(contentsOfFile: dir + "/cert.pem", encoding: .utf8))
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}
