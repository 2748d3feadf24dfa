import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a built executable: directly, under qemu for a foreign target, and optionally
/// inside the empty-root sandbox (`Sandbox`), whose root holds nothing but the executable
/// (and qemu): the proof that it needs nothing but the kernel.
public struct ProgramRunner {
    public let runner: Runner
    public init(runner: Runner) { self.runner = runner }

    /// The qemu user-mode emulator for a foreign target, or nil when the host runs it natively.
    public static func emulator(for target: Target, runner: Runner) throws -> String? {
        if target.isNative { return nil }
        guard let name = target.info.qemu else {
            throw CargoStaticError(.runFailed, "no emulator is known for \(target)")
        }
        guard let path = runner.which(name) ?? ["/usr/bin/\(name)"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw CargoStaticError(.runFailed, "running a \(target) program here needs \(name)",
                                   fix: "apt-get install qemu-user-static")
        }
        return path
    }

    /// The command that runs `executable` with `arguments`, in the empty-root sandbox when
    /// asked. Returns the command and a file to remove afterwards. `environment` (cargo's
    /// variables for `run` and `test`, then what `--env` passes) is, in the sandbox, the
    /// program's whole environment (with TMPDIR); outside it, variables added to the caller's.
    /// `directory` is where it runs outside the sandbox (inside, it runs in `/`).
    public func command(executable: String, arguments: [String], target: Target, emptyRoot: Bool,
                        network: NetworkMode = .loopback, environment: [String: String] = [:],
                        directory: String? = nil) throws -> (Command, String?) {
        let qemu = try Self.emulator(for: target, runner: runner)
        // The target's oldest CPU where qemu's default would hide newer instructions (ARMv6).
        let cpu = target.info.qemuCPU.map { ["-cpu", $0] } ?? []
        guard emptyRoot else {
            return (qemu.map { Command($0, cpu + [executable] + arguments, environment: environment, directory: directory) }
                    ?? Command(executable, arguments, environment: environment, directory: directory), nil)
        }
        let (command, cleanup) = try Sandbox(runner: runner, network: network, environment: environment)
            .command(executable: executable, qemu: qemu, qemuArguments: cpu, arguments: arguments)
        return (command, cleanup.first)
    }

    /// Runs with the terminal attached; returns the program's exit status (128 + the signal
    /// when a signal killed it). With `stdoutToStderr` the program's output stays off
    /// stdout (which then carries JSON).
    /// With `timeout`, a program (and its sandbox) still running after that many seconds is
    /// killed, and the status is 124, as timeout(1)'s.
    public func run(executable: String, arguments: [String], target: Target, emptyRoot: Bool,
                    stdoutToStderr: Bool = false, network: NetworkMode = .loopback,
                    environment: [String: String] = [:], directory: String? = nil, timeout: Double? = nil) throws -> Int32 {
        let (cmd, cleanup) = try command(executable: executable, arguments: arguments, target: target,
                                         emptyRoot: emptyRoot, network: network, environment: environment, directory: directory)
        defer { if let cleanup { try? FileManager.default.removeItem(atPath: cleanup) } }
        guard let timeout else { return try runner.passthrough(cmd, stdoutToStderr: stdoutToStderr) }
        if let status = try runner.passthrough(cmd, stdoutToStderr: stdoutToStderr, timeout: timeout) { return status }
        FileHandle.standardError.write(Data("error: \((executable as NSString).lastPathComponent) was still running after --timeout \(Self.seconds(timeout)) s; it was killed\(emptyRoot ? " with its sandbox" : "") (exit status 124, as timeout(1))\n".utf8))
        return Self.timedOut
    }

    /// The status of a run stopped by `--timeout`.
    public static let timedOut: Int32 = 124

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
