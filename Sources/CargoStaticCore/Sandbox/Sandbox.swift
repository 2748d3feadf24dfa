import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The network an empty-root program sees.
public enum NetworkMode: String, Codable, CaseIterable {
    /// A network namespace of its own with only a loopback interface: 127.0.0.1 is the
    /// sandbox's, not the host's.
    case loopback
    /// The host's network namespace: its interfaces, its 127.0.0.1, its abstract sockets.
    case host

    public static func parse(_ text: String?) throws -> NetworkMode {
        guard let text else { return .loopback }
        guard let mode = NetworkMode(rawValue: text) else {
            throw CargoStaticError(.badInput, "unknown network mode `\(text)`", fix: "use --network loopback (the default) or --network host")
        }
        return mode
    }
}

/// The empty-root sandbox, built with bubblewrap: new user, mount, PID, IPC, UTS, cgroup
/// and (unless `network == .host`) network namespaces; bwrap pivots into a fresh tmpfs
/// that receives copies of the executable (and qemu) and an empty tmpfs /tmp, then
/// remounts that root read-only. The program runs as uid/gid 65534 with no capabilities
/// (bounding set emptied, no_new_privs set), cannot create user namespaces, and runs
/// under `SeccompFilter`. docs/security.md says what this isolates and what it does not.
public struct Sandbox {
    /// The uid and gid inside the sandbox, and the host identity root drops to: nobody/nogroup.
    public static let unprivilegedID = 65534
    public static let hostname = "cargo-static"

    /// Which host identity runs bwrap.
    public enum Identity: Equatable {
        /// bwrap runs as the caller (a user, or root when unprivileged user namespaces are disabled).
        case caller
        /// root hands over to uid 65534 first, so that the sandbox's files and processes
        /// belong to nobody on the host rather than to root.
        case nobody
    }

    public let runner: Runner
    public var network: NetworkMode
    /// The program's whole environment inside: exactly these variables (`--env`, and what
    /// a command adds for its program), plus `TMPDIR=/tmp` unless they name TMPDIR, and
    /// `PWD=/` (bwrap's, for the working directory). Nothing of the caller's passes otherwise.
    public var environment: [String: String]

    /// The limits set before bwrap starts (bash's `ulimit`, inherited by everything in the
    /// sandbox; a lower limit the caller already has is kept).
    public static let processLimit = 4096
    public static let fileLimit = 1024

    public init(runner: Runner, network: NetworkMode = .loopback, environment: [String: String] = [:]) {
        self.runner = runner
        self.network = network
        self.environment = environment
    }

    /// `--env NAME=VALUE` sets a variable; `--env NAME` passes the caller's value (and
    /// nothing when the caller has none), as `docker run -e`.
    public static func environment(_ specs: [String], caller: [String: String]) throws -> [String: String] {
        var out: [String: String] = [:]
        for spec in specs {
            let name = spec.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            guard !name.isEmpty, !spec.contains("\0"), name.allSatisfy({ $0 != " " }) else {
                throw CargoStaticError(.usage, "`--env \(spec)` names no variable", fix: "write --env NAME=VALUE, or --env NAME to pass your own value")
            }
            if spec.contains("=") {
                out[name] = String(spec.dropFirst(name.count + 1))
            } else if let value = caller[name] {
                out[name] = value
            }
        }
        return out
    }

    /// `--timeout SECONDS`: a positive number.
    public static func timeout(_ text: String?) throws -> Double? {
        guard let text else { return nil }
        guard let seconds = Double(text), seconds > 0, seconds.isFinite else {
            throw CargoStaticError(.usage, "--timeout takes a positive number of seconds, not `\(text)`", fix: "e.g. --timeout 30 or --timeout 0.5")
        }
        return seconds
    }

    /// bwrap and setpriv on the runner's PATH, else where Debian puts them.
    public static func bwrap(_ runner: Runner) -> String? { runner.which("bwrap") ?? existing("/usr/bin/bwrap") }
    static func setpriv(_ runner: Runner) -> String? { runner.which("setpriv") ?? existing("/usr/bin/setpriv") }
    static func existing(_ path: String) -> String? { FileManager.default.isExecutableFile(atPath: path) ? path : nil }

    /// The command that runs `executable` (under `qemu` when given) in the sandbox, and
    /// the files to remove once it has finished.
    public func command(executable: String, qemu: String?, qemuArguments: [String] = [], arguments: [String]) throws -> (Command, [String]) {
        guard let bwrap = Self.bwrap(runner) else {
            throw CargoStaticError(.runFailed, "running in an empty root needs bubblewrap (bwrap), which was not found",
                                   fix: "apt-get install bubblewrap (scripts/setup installs it)")
        }
        let identity = try self.identity()
        let filter = try writeFilter()
        var files: [(fd: Int, path: String)] = [(3, executable)]
        if let qemu { files.append((4, qemu)) }
        if let filter { files.append((5, filter)) }
        let name = Self.insideName(executable)
        let program = qemu != nil ? ["/qemu"] + qemuArguments + [name] : [name]
        var bwrapArguments = Self.bwrapArguments(network: network, program: name, qemu: qemu != nil, seccompFD: filter != nil ? 5 : nil,
                                                 environment: environment)
        bwrapArguments += ["--"] + program + arguments
        var front: [String] = []
        if identity == .nobody, let setpriv = Self.setpriv(runner) {
            front = [setpriv, "--reuid=\(Self.unprivilegedID)", "--regid=\(Self.unprivilegedID)", "--clear-groups"]
        }
        let command = Command(Self.shell(runner), ["-c", Self.launchScript(fds: files.map(\.fd)), "cargo-static-sandbox"]
                              + files.map(\.path) + front + [bwrap] + bwrapArguments, directory: "/")
        return (command, filter.map { [$0] } ?? [])
    }

    static func shell(_ runner: Runner) -> String { existing("/bin/bash") ?? runner.which("bash") ?? "/bin/bash" }

    /// The shell lines that hand bwrap its descriptors: the files named by the positional
    /// arguments are opened as `fds` (as the caller, before any change of identity), every
    /// other inherited descriptor is closed (Foundation leaves one end of a socketpair open
    /// in each child to learn of its exit; the program must not hold it), and the rest of
    /// the arguments is executed.
    static func launchScript(fds: [Int]) -> String {
        let opens = fds.enumerated().map { "\($0.element)<\"$\($0.offset + 1)\"" }.joined(separator: " ")
        let keep = ([0, 1, 2] + fds).map(String.init).joined(separator: "|")
        return "ulimit -u \(processLimit) 2>/dev/null; ulimit -n \(fileLimit) 2>/dev/null; "
            + "exec \(opens) || exit 127; shift \(fds.count); "
            + "for f in /proc/$$/fd/*; do n=${f##*/}; case $n in \(keep)) ;; *) exec {n}<&- ;; esac; done; exec \"$@\""
    }

    /// bwrap's options: namespaces, identity, capabilities, the root's contents, seccomp.
    static func bwrapArguments(network: NetworkMode, program: String, qemu: Bool, seccompFD: Int?,
                               environment: [String: String] = [:]) -> [String] {
        let id = String(unprivilegedID)
        var args = ["--unshare-user", "--uid", id, "--gid", id, "--disable-userns",
                    "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--hostname", hostname, "--unshare-cgroup-try"]
        if network == .loopback { args.append("--unshare-net") }
        args += ["--cap-drop", "ALL", "--die-with-parent"]
        // Without a filter TIOCSTI stays open: a new session keeps the program off the user's terminal.
        if seccompFD == nil { args.append("--new-session") }
        args += ["--perms", "0555", "--file", "3", program]
        if qemu { args += ["--perms", "0555", "--file", "4", "/qemu"] }
        args += ["--tmpfs", "/tmp", "--remount-ro", "/", "--chdir", "/", "--clearenv"]
        // The host's TMPDIR does not exist inside; nothing else is set unless asked for.
        var inside = environment
        if inside["TMPDIR"] == nil { inside["TMPDIR"] = "/tmp" }
        for (name, value) in inside.sorted(by: { $0.key < $1.key }) { args += ["--setenv", name, value] }
        if let seccompFD { args += ["--seccomp", String(seccompFD)] }
        return args
    }

    /// `/name` inside; names that would collide with /tmp or /qemu get a prefix.
    static func insideName(_ executable: String) -> String {
        let base = (executable as NSString).lastPathComponent
        return ["tmp", "qemu"].contains(base) ? "/program-\(base)" : "/" + base
    }

    /// root drops to nobody when the kernel lets nobody create a user namespace; a user runs bwrap as themself.
    func identity() throws -> Identity {
        let probe = UserNamespaceProbe.shared.result(runner: runner)
        guard probe.current else {
            throw CargoStaticError(.runFailed, "running in an empty root needs a user namespace, and this kernel refuses one to uid \(geteuid())",
                                   fix: UserNamespaceProbe.fix)
        }
        return geteuid() == 0 && probe.unprivileged && Self.setpriv(runner) != nil ? .nobody : .caller
    }

    /// The seccomp filter written to a temporary file (bwrap reads it from a descriptor), or nil on hosts without one.
    func writeFilter() throws -> String? {
        guard let filter = SeccompFilter.host else { return nil }
        let base = runner.context.temporaryDirectory
        var template = Array("\(base)/cargo-static-seccomp-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else {
            throw CargoStaticError(.runFailed, "cannot create a file under \(base) for the sandbox's seccomp filter: \(String(cString: strerror(errno)))",
                                   fix: "point TMPDIR at a writable directory")
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        handle.write(filter.bytes)
        return String(cString: template)
    }
}

/// Whether user namespaces can be created here: by the current user, and by an
/// unprivileged one (what root needs to hand the sandbox to nobody). Asked once per process.
public final class UserNamespaceProbe {
    public static let shared = UserNamespaceProbe()
    public struct Result: Equatable {
        /// The current user can create one (root always can unless the kernel has none).
        public let current: Bool
        /// uid 65534 can create one.
        public let unprivileged: Bool
        public let detail: String
    }
    private var cached: Result?
    private let lock = NSLock()

    /// What lets the caller create user namespaces.
    public static var fix: String {
        geteuid() == 0 ? "allow user namespaces: sysctl -w user.max_user_namespaces=15000"
            : "allow unprivileged user namespaces: sysctl -w user.max_user_namespaces=15000 (and, on kernels with these settings, kernel.unprivileged_userns_clone=1 or kernel.apparmor_restrict_unprivileged_userns=0), or run as root"
    }

    public func result(runner: Runner) -> Result {
        lock.lock(); defer { lock.unlock() }
        if let cached { return cached }
        let made = probe(runner: runner)
        cached = made
        return made
    }

    /// `unshare --user --map-root-user true`, as the caller and as nobody: the kernel's
    /// answer, whatever sysctl, LSM or seccomp policy stands behind it.
    func probe(runner: Runner) -> Result {
        guard let unshare = runner.which("unshare") ?? Sandbox.existing("/usr/bin/unshare"),
              let truePath = runner.which("true") ?? Sandbox.existing("/bin/true") else {
            return Result(current: false, unprivileged: false, detail: "unshare (util-linux) not found: cannot tell")
        }
        let test = [unshare, "--user", "--map-root-user", truePath]
        let current = (try? runner.capture(Command(test[0], Array(test.dropFirst()), directory: "/")))?.succeeded ?? false
        var unprivileged = current && geteuid() != 0
        if geteuid() == 0, let setpriv = Sandbox.setpriv(runner) {
            let id = String(Sandbox.unprivilegedID)
            unprivileged = (try? runner.capture(Command(setpriv, ["--reuid=\(id)", "--regid=\(id)", "--clear-groups"] + test, directory: "/")))?.succeeded ?? false
        }
        let detail = current ? (unprivileged ? "user namespaces: allowed for unprivileged users"
                                             : "user namespaces: root only (unprivileged users are refused)")
                             : "user namespaces: refused"
        return Result(current: current, unprivileged: unprivileged, detail: detail)
    }
}

extension Sandbox {
    /// doctor's "empty-root runner" line: bubblewrap, user namespaces, who runs the sandbox, the filter.
    public static func doctorItem(runner: Runner) -> DoctorReport.Item {
        let name = "empty-root runner"
        guard let bwrap = bwrap(runner) else {
            return DoctorReport.Item(area: "run", name: name, ok: false, detail: "bubblewrap (bwrap) not found",
                                     fix: "apt-get install bubblewrap")
        }
        let version = (try? runner.capture(Command(bwrap, ["--version"])))?.output.trimmed() ?? "bwrap"
        let probe = UserNamespaceProbe.shared.result(runner: runner)
        guard probe.current else {
            return DoctorReport.Item(area: "run", name: name, ok: false, detail: "\(version) at \(bwrap); \(probe.detail)",
                                     fix: UserNamespaceProbe.fix)
        }
        let who = geteuid() != 0 ? "the sandbox runs as you (uid \(geteuid()))"
            : probe.unprivileged ? "root hands the sandbox to uid \(unprivilegedID) (nobody) on the host"
            : "the sandbox runs as root on the host, as uid \(unprivilegedID) without capabilities inside"
        let filter = SeccompFilter.host.map { "seccomp filter for \($0.architecture.name)" } ?? "no seccomp filter for this host architecture"
        return DoctorReport.Item(area: "run", name: name, ok: true,
                                 detail: "\(version) at \(bwrap); \(probe.detail); \(who); \(filter)", fix: nil)
    }
}
