import CargoStaticCore
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Whole programs from Debian, prepared by scripts/prepare-rust-programs: source packages
/// (ripgrep, fd-find, bat, exa) and crates with binaries from Debian's registry
/// (git-absorb, sniffglue, sequoia-sop, cargo, cbindgen). scripts/test runs it and passes
/// each tree as CARGO_STATIC_<NAME>_SOURCE (CARGO_STATIC_RIPGREP_SOURCE,
/// CARGO_STATIC_GIT_ABSORB_SOURCE, ...). Each test builds a copy with
/// `cargo-static build --release --json`, checks the audit, and runs the program doing
/// real work inside an empty root that holds only the program and the test's input files.
/// `CARGO_STATIC_SKIP_REAL=1` skips them all, `CARGO_STATIC_REAL_PROGRAMS="ripgrep bat"` all but those.
final class RealProgramTests: XCTestCase {
    override func setUpWithError() throws {
        try Harness.skipUnlessEndToEnd()
        if ProcessInfo.processInfo.environment["CARGO_STATIC_SKIP_REAL"] != nil {
            throw XCTSkip("real-program tests skipped (CARGO_STATIC_SKIP_REAL is set)")
        }
    }

    // MARK: - The programs

    /// ripgrep with PCRE2 (a C library): a look-behind search, which only PCRE2 can run.
    /// Built with --check-reproducible: a second build elsewhere gives the same bytes.
    func testRipgrepWithPCRE2() throws {
        let rg = try buildStatic("ripgrep", bin: "rg", features: ["pcre2"], reproducible: true)
        let root = try emptyRoot()
        try write(root, "src/lib.rs", "fn alpha() {}\nfn beta_gamma() {}\nlet fnord = 1;\n")
        try write(root, "src/notes.txt", "alpha fn\n")
        let version = try runInRoot(rg, root, ["--version"])
        XCTAssertEqual(version.status, 0, version.all)
        XCTAssertTrue(version.stdout.hasPrefix("ripgrep 13."), version.all)
        let pcre2 = try runInRoot(rg, root, ["--pcre2-version"])
        XCTAssertTrue(pcre2.stdout.contains("PCRE2 10."), "built without PCRE2:\n\(pcre2.all)")
        let search = try runInRoot(rg, root, ["--no-config", "--sort", "path", "--line-number", "--only-matching",
                                              "--pcre2", #"(?<=fn )\w+(?=\(\))"#, "/src"])
        XCTAssertEqual(search.status, 0, search.all)
        XCTAssertEqual(search.stdout, "/src/lib.rs:1:alpha\n/src/lib.rs:2:beta_gamma\n", search.all)
    }

    /// fd-find (no C library): finds files by extension in a tree, skipping hidden ones.
    func testFdFind() throws {
        let fd = try buildStatic("fd", bin: "fd")
        let root = try emptyRoot()
        for file in ["tree/a.rs", "tree/b.txt", "tree/sub/c.rs", "tree/.hidden.rs"] {
            try write(root, file, "x\n")
        }
        // Debian names the program fdfind (its fd clashes with another package), and so does its --version.
        let version = try runInRoot(fd, root, ["--version"])
        XCTAssertTrue(version.stdout.hasPrefix("fdfind 8."), version.all)
        let found = try runInRoot(fd, root, ["--extension", "rs", "--color", "never", ".", "/tree"])
        XCTAssertEqual(found.status, 0, found.all)
        XCTAssertEqual(lines(found.stdout).sorted(), ["/tree/a.rs", "/tree/sub/c.rs"], found.all)
    }

    /// bat (oniguruma, libgit2, zlib): highlights Rust with oniguruma's regexes and marks
    /// the line added since the last commit, which it learns from libgit2.
    func testBatHighlightsAndShowsGitChanges() throws {
        let bat = try buildStatic("bat", bin: "bat")
        let root = try emptyRoot()
        // The repository is in a directory of the root: libgit2 does not look for one at /
        // itself (Debian's dynamic bat behaves the same).
        try write(root, "work/hello.rs", "fn main() {\n    println!(\"hi\");\n}\n")
        try gitRepository(root + "/work", commit: ["hello.rs"])
        try write(root, "work/hello.rs", "fn main() {\n    println!(\"hi\");\n    let added = 1;\n}\n")
        // bat looks for its configuration under $HOME and stops without one, as any container sets.
        let out = try runInRoot(bat, root, ["--paging=never", "--color=always", "--decorations=always",
                                            "--style=changes", "--language=rust", "/work/hello.rs"], environment: ["HOME": "/"])
        XCTAssertEqual(out.status, 0, out.all)
        XCTAssertTrue(out.stdout.contains("\u{1B}[38;"), "no colours:\n\(out.all)")
        let shown = lines(stripANSI(out.stdout))
        XCTAssertEqual(shown.count, 4, out.all)
        XCTAssertTrue(shown.count == 4 && shown[2].hasPrefix("+") && shown[2].contains("let added = 1;"),
                      "line 3 is not marked as added:\n\(shown.joined(separator: "\n"))")
        XCTAssertFalse(shown.first?.hasPrefix("+") ?? true, shown.joined(separator: "\n"))
    }

    /// exa (libgit2, zlib): the long listing's git column, read through libgit2.
    func testExaShowsGitStatus() throws {
        let exa = try buildStatic("exa", bin: "exa")
        let root = try emptyRoot()
        try write(root, "repo/kept.txt", "kept\n")
        try write(root, "repo/changed.txt", "before\n")
        try gitRepository(root + "/repo", commit: ["kept.txt", "changed.txt"])
        try write(root, "repo/changed.txt", "after\n")
        try write(root, "repo/new.txt", "new\n")
        let out = try runInRoot(exa, root, ["--long", "--git", "--no-user", "--no-time", "--no-permissions",
                                            "--no-filesize", "--color=never", "/repo"])
        XCTAssertEqual(out.status, 0, out.all)
        let status = Dictionary(lines(out.stdout).compactMap { line -> (String, String)? in
            let words = line.split(separator: " ")
            return words.count == 2 ? (String(words[1]), String(words[0])) : nil
        }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(status, ["changed.txt": "-M", "kept.txt": "--", "new.txt": "-N"], out.all)
    }

    /// git-absorb (libgit2, zlib): turns a staged change into a fixup commit for the
    /// commit that introduced the changed line.
    func testGitAbsorbCreatesFixupCommit() throws {
        let absorb = try buildStatic("git-absorb", bin: "git-absorb")
        let root = try emptyRoot()
        try write(root, "repo/first.txt", "one\n")
        try gitRepository(root + "/repo", commit: ["first.txt"], message: "first")
        try write(root, "repo/second.txt", "two\n")
        try git(root + "/repo", ["add", "second.txt"])
        try git(root + "/repo", ["commit", "-q", "-m", "second"])
        try write(root, "repo/first.txt", "ONE\n")
        try git(root + "/repo", ["add", "first.txt"])
        // The root's working directory is /; GIT_DIR points libgit2 at the repository (its work
        // tree is then the directory above; libgit2 has no GIT_WORK_TREE).
        let out = try runInRoot(absorb, root, [], environment: ["GIT_DIR": "/repo/.git"])
        XCTAssertEqual(out.status, 0, out.all)
        let log = try git(root + "/repo", ["log", "--format=%s"])
        XCTAssertEqual(lines(log), ["fixup! first", "second", "first"], out.all)
        let fixup = try git(root + "/repo", ["show", "--format=", "HEAD", "--", "first.txt"])
        XCTAssertTrue(fixup.contains("+ONE"), fixup)
    }

    /// sniffglue (libpcap, libseccomp): reads a capture file through libpcap and decodes
    /// the DNS query in it, inside its own seccomp sandbox.
    func testSniffglueDecodesCapture() throws {
        let sniffglue = try buildStatic("sniffglue", bin: "sniffglue")
        let root = try emptyRoot()
        try Self.dnsQueryCapture(name: "example.com").write(to: URL(fileURLWithPath: root + "/query.pcap"))
        let out = try runInRoot(sniffglue, root, ["--json", "--read", "/query.pcap"])
        XCTAssertEqual(out.status, 0, out.all)
        XCTAssertTrue(out.stdout.contains("example.com"), "the DNS query was not decoded:\n\(out.all)")
        XCTAssertTrue(out.stdout.contains("192.0.2.53"), out.all)
        XCTAssertFalse(out.stderr.contains("seccomp sandbox is disabled"), out.all)
    }

    /// sqop, Sequoia's Stateless OpenPGP CLI (nettle, gmp, bzip2): generates a key, signs
    /// and verifies, encrypts and decrypts, all with nettle's cryptography.
    func testSequoiaSopSignsAndEncrypts() throws {
        let sqop = try buildStatic("sqop", bin: "sqop", features: ["cli"])
        let root = try emptyRoot()
        let key = try runInRoot(sqop, root, ["generate-key", "Alice <alice@example.org>"])
        XCTAssertEqual(key.status, 0, key.all)
        XCTAssertTrue(key.stdout.hasPrefix("-----BEGIN PGP PRIVATE KEY BLOCK-----"), key.all)
        try write(root, "alice.key", key.stdout)
        let cert = try runInRoot(sqop, root, ["extract-cert"], stdin: key.stdout)
        XCTAssertTrue(cert.stdout.hasPrefix("-----BEGIN PGP PUBLIC KEY BLOCK-----"), cert.all)
        try write(root, "alice.cert", cert.stdout)

        let message = "attack at dawn\n"
        let signature = try runInRoot(sqop, root, ["sign", "/alice.key"], stdin: message)
        XCTAssertTrue(signature.stdout.hasPrefix("-----BEGIN PGP SIGNATURE-----"), signature.all)
        try write(root, "message.sig", signature.stdout)
        let verified = try runInRoot(sqop, root, ["verify", "/message.sig", "/alice.cert"], stdin: message)
        XCTAssertEqual(verified.status, 0, verified.all)
        XCTAssertFalse(verified.stdout.isEmpty, verified.all)
        let forged = try runInRoot(sqop, root, ["verify", "/message.sig", "/alice.cert"], stdin: "attack at dusk\n")
        XCTAssertNotEqual(forged.status, 0, "a signature over another message verified:\n\(forged.all)")

        let encrypted = try runInRoot(sqop, root, ["encrypt", "/alice.cert"], stdin: message)
        XCTAssertTrue(encrypted.stdout.hasPrefix("-----BEGIN PGP MESSAGE-----"), encrypted.all)
        XCTAssertFalse(encrypted.stdout.contains("attack"), encrypted.all)
        let decrypted = try runInRoot(sqop, root, ["decrypt", "/alice.key"], stdin: encrypted.stdout)
        XCTAssertEqual(decrypted.status, 0, decrypted.all)
        XCTAssertEqual(decrypted.stdout, message, decrypted.all)
    }

    /// grcov's `covdir` summary (grcov's format): the totals of its root directory.
    private struct Covdir: Decodable {
        let linesCovered: Int
        let linesTotal: Int
        let coveragePercent: Double
    }

    /// grcov (zlib): reads an lcov report from a deflate-compressed zip archive (inflated
    /// by zlib) and summarises it as covdir JSON.
    func testGrcovSummarisesZippedReport() throws {
        let grcov = try buildStatic("grcov", bin: "grcov")
        let root = try emptyRoot()
        // grcov unpacks the zip into a temporary directory, as any container provides /tmp.
        try FileManager.default.createDirectory(atPath: root + "/tmp", withIntermediateDirectories: true)
        let report = """
            TN:
            SF:/src/lib.rs
            FN:1,covered
            FN:5,missed
            FNDA:3,covered
            FNDA:0,missed
            DA:1,3
            DA:2,3
            DA:5,0
            DA:6,0
            LF:4
            LH:2
            end_of_record

            """
        try write(root, "src/lib.rs", "fn covered() {\n    1;\n}\n\nfn missed() {\n    2;\n}\n")
        let zip = try Harness.runTool(Self.python, ["-c", """
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("coverage/lcov.info", sys.argv[2])
            """, root + "/coverage.zip", report])
        XCTAssertEqual(zip.status, 0, zip.all)
        let out = try runInRoot(grcov, root, ["/coverage.zip", "--source-dir", "/", "--output-type", "covdir"])
        XCTAssertEqual(out.status, 0, out.all)
        let covdir = try Harness.decode(Covdir.self, out)
        XCTAssertEqual(covdir.linesCovered, 2, out.all)
        XCTAssertEqual(covdir.linesTotal, 4, out.all)
        XCTAssertEqual(covdir.coveragePercent, 50.0, out.all)
    }

    /// cargo 0.66 as a program (curl, libgit2, libssh2, openssl, nghttp2, zlib): `cargo new`
    /// initialises the package's git repository through libgit2, then `generate-lockfile`
    /// resolves a dependency from a sparse registry that a local server offers over HTTPS
    /// (curl, with openssl checking the server against the test's own CA).
    func testCargoCreatesPackageAndResolvesOverHTTPS() throws {
        let cargo = try buildStatic("cargo", bin: "cargo")
        let root = try emptyRoot()
        let env = ["HOME": "/home", "CARGO_HOME": "/home/.cargo", "USER": "test"]
        try FileManager.default.createDirectory(atPath: root + "/home/.cargo", withIntermediateDirectories: true)
        let new = try runInRoot(cargo, root, ["new", "--vcs", "git", "--name", "hello", "/hello"], environment: env)
        XCTAssertEqual(new.status, 0, new.all)
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/hello/src/main.rs"), new.all)
        let head = (try? String(contentsOfFile: root + "/hello/.git/HEAD", encoding: .utf8)) ?? ""
        XCTAssertTrue(head.hasPrefix("ref: refs/heads/"), "no git repository: HEAD is \(head)")
        let status = try git(root + "/hello", ["status", "--porcelain"])
        XCTAssertTrue(status.contains("?? Cargo.toml"), "git does not read the repository libgit2 made:\n\(status)")

        let server = try HTTPSRegistry(crate: "tiny", version: "1.2.3")
        defer { server.stop() }
        try write(root, "ca.pem", server.certificate)
        try write(root, "home/.cargo/config.toml", """
            [source.crates-io]
            replace-with = "local"
            [source.local]
            registry = "sparse+\(server.url)"
            """)
        try write(root, "hello/Cargo.toml", """
            [package]
            name = "hello"
            version = "0.1.0"
            edition = "2021"

            [dependencies]
            tiny = "1"
            """)
        let lock = try runInRoot(cargo, root, ["-Z", "sparse-registry", "generate-lockfile", "--manifest-path", "/hello/Cargo.toml"],
                                 environment: env.merging(["CARGO_HTTP_CAINFO": "/ca.pem"]) { _, new in new })
        XCTAssertEqual(lock.status, 0, lock.all + "\nserver:\n" + server.log)
        let lockFile = (try? String(contentsOfFile: root + "/hello/Cargo.lock", encoding: .utf8)) ?? ""
        XCTAssertTrue(lockFile.contains("name = \"tiny\"\nversion = \"1.2.3\""), lockFile)
        XCTAssertTrue(server.log.contains("GET /ti/ny/tiny"), "the index was not fetched from the server:\n\(server.log)")
    }

    /// cbindgen (uses proc_macro at run time, through syn and proc-macro2): parses a Rust
    /// file and writes the C header for it.
    func testCbindgenWritesHeader() throws {
        let cbindgen = try buildStatic("cbindgen", bin: "cbindgen")
        let root = try emptyRoot()
        try write(root, "lib.rs", """
            #[repr(C)]
            pub struct Point { pub x: i32, pub y: i32 }

            #[no_mangle]
            pub extern "C" fn manhattan(a: Point, b: Point) -> u32 { 0 }
            """)
        let out = try runInRoot(cbindgen, root, ["--lang", "c", "--output", "/point.h", "/lib.rs"])
        XCTAssertEqual(out.status, 0, out.all)
        let header = (try? String(contentsOfFile: root + "/point.h", encoding: .utf8)) ?? ""
        XCTAssertTrue(header.contains("int32_t x;") && header.contains("int32_t y;"), header)
        XCTAssertTrue(header.contains("uint32_t manhattan(struct Point a, struct Point b);"), header)
    }

    // MARK: - Building

    /// A private copy of the prepared tree of `program`; fails (not skips) when it was not
    /// prepared, skips when CARGO_STATIC_REAL_PROGRAMS names others only.
    private func preparedCopy(_ program: String) throws -> String {
        if let chosen = ProcessInfo.processInfo.environment["CARGO_STATIC_REAL_PROGRAMS"], !chosen.isEmpty,
           !chosen.split(separator: " ").contains(Substring(program)) {
            throw XCTSkip("\(program) is not in CARGO_STATIC_REAL_PROGRAMS (\(chosen))")
        }
        let variable = "CARGO_STATIC_" + program.uppercased().replacingOccurrences(of: "-", with: "_") + "_SOURCE"
        guard let source = ProcessInfo.processInfo.environment[variable], FileManager.default.fileExists(atPath: source + "/Cargo.toml") else {
            throw SetupFailure("\(variable) does not name a prepared source tree: run scripts/prepare-rust-programs (scripts/test does)")
        }
        let dir = try Harness.temporaryDirectory("real")
        let copy = dir + "/" + (source as NSString).lastPathComponent
        let cp = try Harness.runTool("/bin/cp", ["-a", source, copy])
        XCTAssertEqual(cp.status, 0, cp.all)
        try? FileManager.default.removeItem(atPath: copy + "/target")
        return copy
    }

    static let buildScriptCause = "'s build script, which writes something else on every run"

    /// Builds `bin` with `cargo-static build --release --json`, checks that it is a static-pie
    /// needing only the kernel, and returns its path.
    private func buildStatic(_ program: String, bin: String, features: [String] = [], reproducible: Bool = false) throws -> String {
        let dir = try preparedCopy(program)
        let args = ["build", "--release", "--json", "--bin", bin] + (features.isEmpty ? [] : ["--features", features.joined(separator: ",")])
            + (reproducible ? ["--check-reproducible"] : [])
        var out = try Harness.run(args, in: dir), checked = reproducible
        if reproducible, out.status == 1, out.all.contains(Self.buildScriptCause) {
            // A dependency's build script writes something else on every run (ripgrep 13's
            // unicode-linebreak 0.1.4 orders its tables by a randomly seeded hash map): the
            // check must name it as the cause, which it did; nothing else can be asserted.
            print("\(program): not reproducible, and the check named the build script that is the cause:\n\(out.stderr.suffix(3000))")
            out = try Harness.run(args.filter { $0 != "--check-reproducible" }, in: dir)
            checked = false
        }
        guard out.status == 0 else {
            throw SetupFailure("cargo-static build of \(program) failed:\n\(out.all.suffix(6000))")
        }
        let exe = try Harness.onlyExecutable(out)
        XCTAssertEqual(exe.audit.linkage, .staticPie, "\(exe.audit)")
        XCTAssertTrue(exe.audit.kernelOnly, "\(exe.audit)")
        XCTAssertEqual(exe.audit.relro, .full)
        XCTAssertTrue(exe.audit.nx)
        if checked { XCTAssertEqual(exe.reproducible, true, out.stderr) }
        guard FileManager.default.isExecutableFile(atPath: exe.path) else {
            throw SetupFailure("the build's JSON names \(exe.path), which is not an executable:\n\(out.stdout)")
        }
        return exe.path
    }

    // MARK: - Running in an empty root

    private func emptyRoot() throws -> String { try Harness.temporaryDirectory("root") }

    private func write(_ root: String, _ path: String, _ text: String) throws {
        let full = root + "/" + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: false, encoding: .utf8)
    }

    /// Runs `exe` inside `root` (the executable is copied in; the rest of the root is what the
    /// test put there) as `run --empty-root` does: chroot as root, a user namespace otherwise.
    /// The program sees no variable of the host's environment, only `environment`, and `stdin`.
    private func runInRoot(_ exe: String, _ root: String, _ args: [String], stdin: String? = nil,
                           environment: [String: String] = [:], timeout: TimeInterval = 300) throws -> Harness.Output {
        let name = "/" + (exe as NSString).lastPathComponent
        if !FileManager.default.fileExists(atPath: root + name) {
            try FileManager.default.copyItem(atPath: exe, toPath: root + name)
        }
        let chroot = ["/usr/sbin/chroot", "/usr/bin/chroot"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/sbin/chroot"
        let command = geteuid() == 0 ? [chroot, root, name] + args
                                     : ["/usr/bin/unshare", "--user", "--map-root-user", chroot, root, name] + args
        return try runProcess(command, stdin: stdin, environment: environment, timeout: timeout)
    }

    private func runProcess(_ command: [String], stdin: String?, environment: [String: String], timeout: TimeInterval) throws -> Harness.Output {
        let io = try Harness.temporaryDirectory("io")
        try (stdin ?? "").write(toFile: io + "/in", atomically: false, encoding: .utf8)
        for file in ["out", "err"] { _ = FileManager.default.createFile(atPath: io + "/" + file, contents: nil) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: command[0])
        p.arguments = Array(command.dropFirst())
        p.environment = environment
        p.standardInput = stdin == nil ? FileHandle.nullDevice : FileHandle(forReadingAtPath: io + "/in")
        p.standardOutput = FileHandle(forWritingAtPath: io + "/out")
        p.standardError = FileHandle(forWritingAtPath: io + "/err")
        let done = DispatchSemaphore(value: 0)
        p.terminationHandler = { _ in done.signal() }
        try p.run()
        if done.wait(timeout: .now() + timeout) == .timedOut {
            p.terminate()
            done.wait()
            XCTFail("\(command.joined(separator: " ")) did not finish in \(Int(timeout)) s")
        }
        let read = { (file: String) in (try? String(contentsOfFile: io + "/" + file, encoding: .utf8)) ?? "" }
        return Harness.Output(status: p.terminationStatus, stdout: read("out"), stderr: read("err"))
    }

    // MARK: - Inputs

    /// Python (on the host, never in a root) makes a zip archive and serves HTTPS.
    static let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/python3"

    /// Runs the host's git in `dir` (outside the root: it only prepares and checks repositories).
    @discardableResult
    private func git(_ dir: String, _ args: [String]) throws -> String {
        let out = try runProcess(["/usr/bin/git", "-C", dir] + args, stdin: nil,
                                 environment: ["HOME": dir, "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"], timeout: 60)
        XCTAssertEqual(out.status, 0, "git \(args.joined(separator: " ")): \(out.all)")
        return out.stdout
    }

    /// Makes `dir` a git repository with `files` committed; the identity is in the
    /// repository's own config, where the programs (libgit2) find it too.
    private func gitRepository(_ dir: String, commit files: [String], message: String = "initial") throws {
        try git(dir, ["init", "-q", "-b", "main"])
        try git(dir, ["config", "user.name", "Test"])
        try git(dir, ["config", "user.email", "test@example.org"])
        try git(dir, ["add"] + files)
        try git(dir, ["commit", "-q", "-m", message])
    }

    private func lines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    private func stripANSI(_ text: String) -> String {
        text.replacingOccurrences(of: "\u{1B}\\[[0-9;]*[A-Za-z]", with: "", options: .regularExpression)
    }

    /// A pcap capture (Ethernet) of one DNS query for `name`, type A, from 192.0.2.1 to
    /// 192.0.2.53 (TEST-NET-1 addresses: the packet only ever exists in this file).
    static func dnsQueryCapture(name: String) -> Data {
        func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
        func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(v >> (8 * $0) & 0xff) } }
        var dns: [UInt8] = be16(0x1234) + be16(0x0100) + be16(1) + be16(0) + be16(0) + be16(0)
        for label in name.split(separator: ".") { dns += [UInt8(label.utf8.count)] + Array(label.utf8) }
        dns += [0] + be16(1) + be16(1)
        let udp = be16(40000) + be16(53) + be16(8 + dns.count) + be16(0) + dns
        let ttlAndProtocol: [UInt8] = [64, 17], addresses: [UInt8] = [192, 0, 2, 1, 192, 0, 2, 53]
        var ip: [UInt8] = [0x45, 0] + be16(20 + udp.count) + be16(1) + be16(0) + ttlAndProtocol + be16(0) + addresses
        var sum = stride(from: 0, to: 20, by: 2).reduce(0) { $0 + (Int(ip[$1]) << 8 | Int(ip[$1 + 1])) }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        ip.replaceSubrange(10..<12, with: be16(~sum & 0xffff))
        let macs: [UInt8] = [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01]
        let frame = macs + be16(0x0800) + ip + udp
        let version: [UInt8] = [2, 0, 4, 0]
        let header = le32(0xa1b2c3d4) + version + le32(0) + le32(0) + le32(65535) + le32(1)
        let record = le32(1_700_000_000) + le32(0) + le32(frame.count) + le32(frame.count)
        return Data(header + record + frame)
    }
}

/// A sparse cargo registry with one crate, served over HTTPS on a loopback port by
/// Python's http.server with a self-signed certificate made for 127.0.0.1. The server
/// stops when the test stops it, and by itself after ten minutes.
final class HTTPSRegistry {
    let url: String
    let certificate: String
    private let dir: String
    private let server: Harness.Running

    init(crate: String, version: String) throws {
        dir = try Harness.temporaryDirectory("registry")
        let openssl = try Harness.runTool("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem"])
        guard openssl.status == 0 else { throw SetupFailure("openssl could not make a certificate: \(openssl.all)") }
        certificate = try String(contentsOfFile: dir + "/cert.pem", encoding: .utf8)
        let port = try Harness.freeLoopbackPort()
        url = "https://127.0.0.1:\(port)/"
        // The index path of a name of four or more characters: its first two, next two, name.
        let chars = Array(crate)
        let indexPath = "\(String(chars[0..<2]))/\(String(chars[2..<4]))/\(crate)"
        let entry = #"{"name":"\#(crate)","vers":"\#(version)","deps":[],"cksum":"\#(String(repeating: "ab", count: 32))","features":{},"yanked":false}"#
        try FileManager.default.createDirectory(atPath: dir + "/www/" + (indexPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try (entry + "\n").write(toFile: dir + "/www/" + indexPath, atomically: false, encoding: .utf8)
        try #"{"dl":"\#(url)dl"}"#.write(toFile: dir + "/www/config.json", atomically: false, encoding: .utf8)
        let script = """
            import http.server, ssl, sys, threading
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(sys.argv[3], sys.argv[4])
            handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=sys.argv[1])
            httpd = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), handler)
            httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
            threading.Timer(600, httpd.shutdown).start()
            httpd.serve_forever()
            """
        server = try Harness.launch(RealProgramTests.python, ["-c", script, dir + "/www", String(port), dir + "/cert.pem", dir + "/key.pem"], environment: [:])
        let deadline = Date().addingTimeInterval(30)
        while !Harness.canConnect(port: port) {
            guard Date() < deadline, server.process.isRunning else {
                throw SetupFailure("the HTTPS server did not start: \(server.stderrSoFar)")
            }
            usleep(100_000)
        }
    }

    /// What the server logged (one line per request).
    var log: String { server.stderrSoFar }

    func stop() {
        if server.process.isRunning { server.process.terminate() }
        server.process.waitUntilExit()
    }
}

/// A step before the program's own checks failed (its tree, its build, its inputs): the test fails with this message.
struct SetupFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
