import CargoStaticCore
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The empty-root sandbox of `run/test/exec --empty-root`: the sandbox-probe fixture tries
/// every escape it knows (a host file, the host's 127.0.0.1, a second chroot, a new user
/// namespace, a host process, the terminal, the keyring) and prints one line per probe;
/// each escape must fail and what programs need (the sandbox's own loopback, /tmp) must
/// work. Run as the test's user (root in CI) and as an unprivileged user, and under qemu.
final class SandboxTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    /// Things on the host the probe must not reach: a readable file and a loopback listener.
    final class HostBait {
        let marker: String
        let listener: HostListener
        init() throws {
            let dir = try Harness.temporaryDirectory("sandbox-bait")
            chmod(dir, 0o755)
            marker = dir + "/marker"
            // Readable by anyone, so only the sandbox can keep the probe from it.
            try "host secret file\n".write(toFile: marker, atomically: true, encoding: .utf8)
            chmod(marker, 0o644)
            listener = try HostListener()
        }
        var probeArguments: [String] { ["--marker", marker, "--port", String(listener.port), "--host-pid", String(getpid())] }
    }

    /// The probe built once for a target (in `probeProject`), copied where uid 65534 can run it.
    private static var built: [String: String] = [:]
    private static var probeProject: String?
    private func probe(target: String = Target.defaultTriple) throws -> String {
        if let path = Self.built[target] { return path }
        let dir = try Self.probeProject ?? Harness.fixture("sandbox-probe")
        Self.probeProject = dir
        let out = try Harness.run(["build", "--release", "--json", "--target", target], in: dir)
        XCTAssertEqual(out.status, 0, out.all)
        guard out.status == 0 else { throw XCTSkip("the probe did not build") }
        let exe = try Harness.onlyExecutable(out).path
        let shared = try Harness.temporaryDirectory("sandbox-probe-bin")
        chmod(shared, 0o755)
        let path = shared + "/sandbox-probe"
        try FileManager.default.copyItem(atPath: exe, toPath: path)
        Self.built[target] = path
        return path
    }

    /// Every escape blocked, every allowed thing working.
    private func assertSandboxed(_ out: Harness.Output, bait: HostBait, native: Bool = true,
                                 file: StaticString = #filePath, line: UInt = #line) {
        let lines = out.stdout.split(separator: "\n").map(String.init)
        func has(_ prefix: String) {
            XCTAssertTrue(lines.contains { $0.hasPrefix(prefix) }, "no line starting with `\(prefix)`:\n\(out.all)", file: file, line: line)
        }
        XCTAssertEqual(out.status, 0, out.all, file: file, line: line)
        has("uid: 65534 euid: 65534 gid: 65534")
        has("capabilities effective: 0x0 permitted: 0x0")
        has("bounding set size: 0")
        has("no_new_privs: 1")
        has("pid: 2")
        has("open descriptors beyond stdio: none")
        has("host file \(bait.marker): blocked")
        has("host file /etc/hostname: blocked")
        has("host tcp 127.0.0.1:\(bait.listener.port): blocked")
        has("loopback tcp inside: ok (inside)")
        has("write /: blocked")
        has("write /tmp: ok (tmp works)")
        has("signal host pid \(getpid()): blocked")
        has("sethostname: blocked")
        has("ioctl TIOCSTI: blocked (Operation not permitted")
        has("new user namespace: blocked")
        has("chroot escape: blocked")
        has("probe finished")
        if native {
            has("seccomp mode: 2")
            has("keyctl: blocked")
            has("root holds: sandbox-probe tmp")
        } else {
            has("root holds: qemu sandbox-probe tmp")
        }
        XCTAssertFalse(out.stdout.contains("host secret"), out.all, file: file, line: line)
        XCTAssertEqual(bait.listener.accepted, 0, "the host's listener was reached from the sandbox", file: file, line: line)
    }

    /// uid 65534 (nobody) runs `cargo-static ARGS` when the tests run as root; a user runs it as themself.
    private func runUnprivileged(_ args: [String]) throws -> Harness.Output {
        guard geteuid() == 0 else { return try Harness.runTool(Harness.binary, args) }
        let id = "65534"
        let unshare = try Harness.runTool("/usr/bin/setpriv", ["--reuid=\(id)", "--regid=\(id)", "--clear-groups", "/usr/bin/unshare", "--user", "--map-root-user", "/bin/true"])
        if unshare.status != 0 {
            throw XCTSkip("this kernel refuses user namespaces to unprivileged users: \(unshare.all)")
        }
        return try Harness.runTool("/usr/bin/setpriv", ["--reuid=\(id)", "--regid=\(id)", "--clear-groups", Harness.binary] + args)
    }

    /// `run --empty-root`, as the test's user (root in CI): the path the issue was about.
    func testRunEmptyRootBlocksEveryEscape() throws {
        _ = try probe()
        let bait = try HostBait()
        defer { bait.listener.stop() }
        let out = try Harness.run(["run", "--release", "--empty-root", "--"] + bait.probeArguments, in: Self.probeProject ?? "")
        XCTAssertTrue(out.stderr.contains("in an empty root"), out.stderr)
        assertSandboxed(out, bait: bait)
    }

    /// `exec --empty-root` run by an unprivileged user.
    func testExecEmptyRootBlocksEveryEscapeAsUnprivilegedUser() throws {
        let exe = try probe()
        let bait = try HostBait()
        defer { bait.listener.stop() }
        let out = try runUnprivileged(["exec", "--empty-root", exe, "--"] + bait.probeArguments)
        assertSandboxed(out, bait: bait)
    }

    /// `--network host` is the one way to the host's loopback; the rest stays closed. Without
    /// --empty-root, exec runs the file directly, as the caller, for the target its ELF header names.
    func testNetworkHostAndRunningOutsideTheSandbox() throws {
        let exe = try probe()
        let bait = try HostBait()
        defer { bait.listener.stop() }
        let out = try Harness.runTool(Harness.binary, ["exec", "--empty-root", "--network", "host", exe, "--"] + bait.probeArguments)
        XCTAssertEqual(out.status, 0, out.all)
        XCTAssertTrue(out.stdout.contains("host tcp 127.0.0.1:\(bait.listener.port): ok (read \"host secret\")"), out.all)
        XCTAssertTrue(out.stdout.contains("host file \(bait.marker): blocked"), out.all)
        XCTAssertTrue(out.stdout.contains("uid: 65534 "), out.all)
        XCTAssertTrue(out.stdout.contains("chroot escape: blocked"), out.all)
        XCTAssertEqual(bait.listener.accepted, 1)
        let direct = try Harness.runTool(Harness.binary, ["exec", exe])
        XCTAssertEqual(direct.status, 0, direct.all)
        XCTAssertTrue(direct.stderr.contains("(x86_64-unknown-linux-musl)"), direct.all)
        XCTAssertFalse(direct.stderr.contains("empty root"), direct.all)
        XCTAssertTrue(direct.stdout.contains("uid: \(getuid()) "), direct.all)
    }

    /// A foreign program runs under qemu inside the sandbox (qemu is copied in, not binfmt_misc), as nobody.
    func testEscapesFailUnderQemuAsUnprivilegedUser() throws {
        if ProcessInfo.processInfo.environment["CARGO_STATIC_SKIP_CROSS"] != nil {
            throw XCTSkip("cross-target tests skipped (CARGO_STATIC_SKIP_CROSS is set)")
        }
        let exe = try probe(target: "aarch64-unknown-linux-musl")
        let bait = try HostBait()
        defer { bait.listener.stop() }
        let out = try runUnprivileged(["exec", "--empty-root", exe, "--"] + bait.probeArguments)
        XCTAssertTrue(out.stderr.contains("(aarch64-unknown-linux-musl) in an empty root"), out.all)
        assertSandboxed(out, bait: bait, native: false)
    }

    /// What cannot run in an empty root is named: a file that is not an executable, one
    /// that is not static, an unknown network mode.
    func testExecNamesWhatCannotRunInAnEmptyRoot() throws {
        let notELF = try Harness.runTool(Harness.binary, ["exec", "--empty-root", Harness.fixtures + "/sandbox-probe/Cargo.toml"])
        XCTAssertEqual(notELF.status, 1, notELF.all)
        XCTAssertTrue(notELF.stderr.contains("is not an ELF executable"), notELF.all)
        let dynamic = try Harness.runTool(Harness.binary, ["exec", "--empty-root", "/bin/true"])
        XCTAssertNotEqual(dynamic.status, 0, dynamic.all)
        XCTAssertTrue(dynamic.stderr.contains("is not fully static"), dynamic.all)
        XCTAssertTrue(dynamic.stderr.contains("it will not start in an empty root"), dynamic.all)
        let bad = try Harness.runTool(Harness.binary, ["exec", "--empty-root", "--network", "everywhere", "/bin/true"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("use --network loopback (the default) or --network host"), bad.all)
    }
}

/// The filter's system call numbers against the kernel headers of this machine.
final class SeccompFilterTests: XCTestCase {
    private func numbers(in header: String) throws -> [String: UInt32] {
        guard let text = try? String(contentsOfFile: header, encoding: .utf8) else { throw XCTSkip("\(header) not installed") }
        var result: [String: UInt32] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("#define __NR") {
            let parts = line.split(separator: " ")
            guard parts.count >= 3, let value = UInt32(parts[2]) else { continue }
            let name = parts[1].replacingOccurrences(of: "__NR3264_", with: "").replacingOccurrences(of: "__NR_", with: "")
            result[name] = value
        }
        return result
    }

    func testNumbersMatchTheKernelHeaders() throws {
        let x86 = try numbers(in: "/usr/include/x86_64-linux-gnu/asm/unistd_64.h")
        for (name, nr) in SeccompFilter.Architecture.x86_64.numbers { XCTAssertEqual(x86[name], nr, "x86_64 \(name)") }
        let generic = try numbers(in: "/usr/include/asm-generic/unistd.h")
        for (name, nr) in SeccompFilter.Architecture.aarch64.numbers { XCTAssertEqual(generic[name], nr, "aarch64 \(name)") }
        // Every refused call has a number on x86_64 (x86-only ones may be missing on aarch64).
        for name in SeccompFilter.refused { XCTAssertNotNil(SeccompFilter.Architecture.x86_64.numbers[name], name) }
    }

    /// Jumps stay inside the program and it ends in a return: the kernel rejects anything else.
    func testEveryJumpLandsInsideTheProgram() {
        for arch in [SeccompFilter.Architecture.x86_64, .aarch64] {
            let program = SeccompFilter(architecture: arch).instructions
            XCTAssertEqual(program.last?.code, 0x06, arch.name)
            for (i, ins) in program.enumerated() where ins.code & 0x07 == 0x05 {
                XCTAssertLessThan(i + 1 + Int(ins.jt), program.count, "\(arch.name) #\(i)")
                XCTAssertLessThan(i + 1 + Int(ins.jf), program.count, "\(arch.name) #\(i)")
            }
            XCTAssertEqual(SeccompFilter(architecture: arch).bytes.count, program.count * 8)
        }
    }
}

/// A TCP listener on the host's 127.0.0.1 that answers "host secret" and counts connections.
final class HostListener {
    let port: UInt16
    private let fd: Int32
    private let lock = NSLock()
    private var count = 0
    var accepted: Int { lock.lock(); defer { lock.unlock() }; return count }

    init() throws {
        let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, len) == 0 && listen(sock, 8) == 0 && getsockname(sock, $0, &len) == 0 }
        }
        guard ok else { close(sock); throw XCTSkip("cannot listen on 127.0.0.1") }
        fd = sock
        port = UInt16(bigEndian: addr.sin_port)
        let listening = sock
        Thread.detachNewThread { [weak self] in
            while true {
                let client = accept(listening, nil, nil)
                if client < 0 { return }
                self?.lock.lock(); self?.count += 1; self?.lock.unlock()
                _ = "host secret\n".withCString { write(client, $0, strlen($0)) }
                close(client)
            }
        }
    }

    func stop() { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
}
