import Foundation

/// `cargo-static exec FILE`: runs an executable built anywhere, directly or alone in the
/// empty-root sandbox, under qemu when its architecture is not the host's.
public struct ExecRequest {
    public var file: String
    /// nil: read from the ELF header.
    public var target: Target?
    public var emptyRoot: Bool
    public var network: NetworkMode
    public var arguments: [String]
    /// In the sandbox, the program's whole environment (`--env`).
    public var environment: [String: String] = [:]
    /// `--timeout`: seconds before the program is killed (exit status 124).
    public var timeout: Double?

    public init(file: String, target: Target? = nil, emptyRoot: Bool, network: NetworkMode = .loopback, arguments: [String] = []) {
        self.file = file
        self.target = target
        self.emptyRoot = emptyRoot
        self.network = network
        self.arguments = arguments
    }

    /// Runs the file; returns its exit status (128 + the signal that killed it).
    public func run(runner: Runner, reporter: Reporter) throws -> Int32 {
        let path = try Self.check(file)
        let audit = try Self.audit(path)
        let target = try self.target ?? Self.target(of: path)
        if !audit.kernelOnly, audit.linkage.isStatic {
            reporter.warn("\(file) is static but not proven kernel-only (\(audit.problems.joined(separator: "; ")))")
        } else if !audit.kernelOnly {
            reporter.warn("\(file) is not fully static (\(audit.problems.joined(separator: "; ")))"
                          + (emptyRoot ? ": it will not start in an empty root, which holds nothing else" : ""))
        }
        if !emptyRoot && network != .loopback {
            reporter.warn("--network applies to --empty-root runs; without it the program uses the host's network")
        }
        reporter.info("running \(path) (\(target))" + (emptyRoot ? " in an empty root" : ""))
        return try ProgramRunner(runner: runner).run(executable: path, arguments: arguments, target: target,
                                                     emptyRoot: emptyRoot, network: network, environment: environment, timeout: timeout)
    }

    /// The absolute path of an existing regular file.
    static func check(_ file: String) throws -> String {
        let path = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw CargoStaticError(.badInput, "\(file) does not exist or is not a file", fix: "pass the path of an executable")
        }
        return (path as NSString).standardizingPath
    }

    static func audit(_ path: String) throws -> Audit {
        do { return try Audit.audit(path: path) } catch {
            throw CargoStaticError(.badInput, "\(path) is not an ELF executable: \(error)", fix: "pass a Linux executable")
        }
    }

    /// The musl target whose ELF machine, class and byte order match the file's header.
    public static func target(of path: String) throws -> Target {
        let elf: ELFFile
        do { elf = try ELFFile.read(path: path) } catch {
            throw CargoStaticError(.badInput, "\(path) is not an ELF executable: \(error)", fix: "pass a Linux executable")
        }
        let matches = TargetTable.known.filter {
            $0.value.elfMachine == elf.machine && $0.value.bits == elf.bits && $0.value.bigEndian == (elf.endianness == .big)
        }.keys.sorted()
        guard let triple = matches.first else {
            throw CargoStaticError(.badInput, "no target in cargo-static's table runs \(elf.machineName) executables (\(path))",
                                   fix: "pass --target TRIPLE; known targets: \(TargetTable.known.keys.sorted().joined(separator: ", "))")
        }
        return try Target(triple)
    }
}
