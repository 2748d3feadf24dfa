import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a built executable: directly, under qemu for a foreign target, and optionally
/// inside an empty root filesystem that holds nothing but the executable (and qemu),
/// the proof that it needs nothing but the kernel.
public struct ProgramRunner {
    public let runner: Runner
    public init(runner: Runner) { self.runner = runner }

    /// The qemu user-mode emulator for a foreign target, or nil when the host runs it natively.
    public static func emulator(for target: Target) throws -> String? {
        if target.isNative { return nil }
        guard let name = target.info.qemu else {
            throw CargoStaticError(.runFailed, "no emulator is known for \(target)")
        }
        guard let path = Runner.which(name) ?? ["/usr/bin/\(name)"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw CargoStaticError(.runFailed, "running a \(target) program here needs \(name)",
                                   fix: "apt-get install qemu-user-static")
        }
        return path
    }

    /// The command that runs `executable` with `arguments`, in an empty root when asked.
    /// Returns the command and the directory to remove afterwards.
    public func command(executable: String, arguments: [String], target: Target, emptyRoot: Bool) throws -> (Command, String?) {
        let qemu = try Self.emulator(for: target)
        // The target's oldest CPU where qemu's default would hide newer instructions (ARMv6).
        let cpu = target.info.qemuCPU.map { ["-cpu", $0] } ?? []
        guard emptyRoot else {
            return (qemu.map { Command($0, cpu + [executable] + arguments) } ?? Command(executable, arguments), nil)
        }
        let root = try makeRoot(executable: executable, qemu: qemu)
        let name = "/" + (executable as NSString).lastPathComponent
        let inside = (qemu != nil ? ["/qemu"] + cpu + [name] : [name]) + arguments
        return (try chrootCommand(root: root, inside: inside), root)
    }

    /// Runs with the terminal attached; returns the program's exit status. With
    /// `stdoutToStderr` the program's output stays off stdout (which then carries JSON).
    public func run(executable: String, arguments: [String], target: Target, emptyRoot: Bool,
                    stdoutToStderr: Bool = false) throws -> Int32 {
        let (cmd, root) = try command(executable: executable, arguments: arguments, target: target, emptyRoot: emptyRoot)
        defer { if let root { try? FileManager.default.removeItem(atPath: root) } }
        return try runner.passthrough(cmd, stdoutToStderr: stdoutToStderr)
    }

    /// A fresh directory with only the executable (and qemu) in it.
    func makeRoot(executable: String, qemu: String?) throws -> String {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        var template = Array("\(base)/cargo-static-root-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw CargoStaticError(.runFailed, "cannot create an empty root under \(base): \(String(cString: strerror(errno)))")
        }
        let root = String(cString: made)
        let fm = FileManager.default
        try fm.copyItem(atPath: executable, toPath: root + "/" + (executable as NSString).lastPathComponent)
        // The file itself: qemu-user-static 8+ names its `-static` binaries by symlink.
        if let qemu { try fm.copyItem(atPath: URL(fileURLWithPath: qemu).resolvingSymlinksInPath().path, toPath: root + "/qemu") }
        return root
    }

    /// chroot needs root; without it, a user namespace maps us to root first.
    func chrootCommand(root: String, inside: [String]) throws -> Command {
        let chroot = Runner.which("chroot") ?? "/usr/sbin/chroot"
        if geteuid() == 0 { return Command(chroot, [root] + inside) }
        guard let unshare = Runner.which("unshare") else {
            throw CargoStaticError(.runFailed, "running in an empty root needs root or `unshare` (util-linux) for a user namespace",
                                   fix: "run as root, or install util-linux and allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)")
        }
        return Command(unshare, ["--user", "--map-root-user", chroot, root] + inside)
    }
}
