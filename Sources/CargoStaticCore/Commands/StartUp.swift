import Foundation

public enum CargoStaticVersion {
    public static let current = "0.5.0"
}

/// The raw command line, read before the argument parser sees it: cargo's conventions
/// that a parser of options alone cannot express.
///  - `cargo static …` runs `cargo-static static …`;
///  - `+toolchain` picks a rustup toolchain, as with cargo (and `cargo +toolchain static …`
///    arrives as RUSTUP_TOOLCHAIN; rustup's proxy also sets it for its default toolchain,
///    which is only a preference: `ToolchainRequest.fromEnvironment`);
///  - `-q`, `-v` may come before the subcommand;
///  - arguments after `--` belong to the program or the test harness;
///  - a mistyped subcommand gets "did you mean".
public struct StartUp {
    public var arguments: [String] = []
    public var programArguments: [String] = []
    public var toolchain: ToolchainRequest?
    public var quiet = false
    public var versionText: String?
    public var error: CargoStaticError?

    public static let subcommands = ["build", "test", "run", "install", "exec", "plan", "verify", "image", "doctor", "cache", "deps", "std", "help"]

    public static func parse(_ raw: [String], context: Context) -> StartUp {
        var result = StartUp()
        var args = raw
        if args.first == "static" { args.removeFirst() }
        if let dashes = args.firstIndex(of: "--") {
            result.programArguments = Array(args[(dashes + 1)...])
            args = Array(args[..<dashes])
        }
        var verbose = false
        var leading: [String] = []
        while let first = args.first, first.hasPrefix("+") || ["-q", "--quiet", "-v", "--verbose", "-vv"].contains(first) {
            args.removeFirst()
            switch first {
            case "-q", "--quiet": result.quiet = true
            case "-v", "--verbose", "-vv": verbose = true; leading.append(first)
            default: result.toolchain = ToolchainRequest(String(first.dropFirst()), origin: first)
            }
        }
        if result.toolchain == nil { result.toolchain = ToolchainRequest.fromEnvironment(context) }
        if let first = args.first, first == "--version" || first == "-V" {
            result.versionText = VersionReport.text(verbose: verbose, context: context)
            return result
        }
        if let first = args.first, !first.hasPrefix("-"), !subcommands.contains(first) {
            let suggestion = Suggest.closest(first, in: subcommands)
            result.error = CargoStaticError(.usage, "no such command: `\(first)`",
                                            fix: suggestion.map { "did you mean `\($0)`?" } ?? "see `cargo-static --help` for the commands")
            return result
        }
        // `-v` before the subcommand means what it means after it (cargo's verbosity).
        if !leading.isEmpty, !args.isEmpty { args.insert(contentsOf: leading, at: 1) }
        if result.quiet, !args.isEmpty, ["build", "test", "run", "install", "plan"].contains(args[0]) { args.insert("-q", at: 1) }
        result.arguments = args
        return result
    }
}

/// `--version`, and with `-v` the tools a build would use.
public enum VersionReport {
    public static func text(verbose: Bool, context: Context) -> String {
        var lines = ["cargo-static \(CargoStaticVersion.current)"]
        guard verbose else { return lines[0] }
        let runner = Runner(context: context)
        let layout = CacheLayout(root: context.cacheRoot)
        let probes = ProbeCache(file: layout.probes)
        let discovery = ToolchainDiscovery(runner: runner, probes: probes)
        let rustcs = discovery.candidates()
        lines.append("rustc: " + (rustcs.isEmpty ? "none found" : rustcs.map { "\($0.release) at \($0.rustc) (\($0.origin.rawValue))" }.joined(separator: "; ")))
        if let choice = try? discovery.choose(for: try Target(Target.defaultTriple)) {
            lines.append("chosen for \(Target.defaultTriple): \(choice.toolchain.rustc) (\(choice.reason))")
        }
        let zig = ZigInstallation.locate(probes: probes, runner: runner)
        lines.append("zig: " + (zig.map { "\($0.version) at \($0.executable)" } ?? "not found"))
        lines.append("cache: \(layout.root)")
        lines.append("binary: \(context.executable)")
        return lines.joined(separator: "\n")
    }
}
