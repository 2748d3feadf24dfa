import Foundation

/// cargo's own arguments, parsed once: what cargo-static needs to know from them (profile,
/// manifest, target dir, message format, verbosity, test filters), and what it passes on.
public struct CargoArguments: Equatable {
    public enum Mode: String, Codable { case build, test, run }

    /// What cargo receives (the user's arguments, minus what cargo-static takes over:
    /// `--message-format`, which is merged with the JSON cargo-static reads, and test
    /// filters, which go to the test harness).
    public var forwarded: [String] = []
    public var manifestPath: String?
    public var profile: String?
    public var release = false
    public var targetDir: String?
    /// The user's `--message-format` values (`short`, `json`, …).
    public var messageFormats: [String] = []
    public var quiet = false
    public var verbosity = 0
    public var color: String?
    public var packages: [String] = []
    public var bins: [String] = []
    /// Arguments without a dash: test name filters (`test`), or the program's own (`run`).
    public var positional: [String] = []
    /// `--config` values, in order.
    public var configs: [String] = []
    /// `test --no-run`: build the test executables, run none. Not forwarded: cargo-static
    /// always asks cargo for `--no-run` and runs the tests itself (cargo rejects it twice).
    public var noRun = false

    public init() {}

    /// Options that take a value (as `--opt VALUE` or `--opt=VALUE`).
    static let withValue: Set<String> = [
        "-p", "--package", "--exclude", "-j", "--jobs", "-F", "--features", "--target-dir", "--manifest-path",
        "--profile", "--color", "--message-format", "--config", "-Z", "--lockfile-path", "--timings", "--bin", "--example", "--test",
        "--bench",
    ]
    /// Options that take an optional value only in the `=VALUE` form, or none.
    static let flags: Set<String> = [
        "--workspace", "--all", "--lib", "--bins", "--examples", "--tests", "--benches", "--all-targets", "--all-features",
        "--no-default-features", "-r", "--release", "--ignore-rust-version", "--future-incompat-report", "-v", "-vv", "--verbose",
        "-q", "--quiet", "--frozen", "--locked", "--offline", "--keep-going", "--unit-graph", "--timings",
        "--no-run", "--no-fail-fast", "--doc",
    ]
    /// Options whose value cargo accepts missing (`--bin` alone lists the binaries).
    static let optionalValue: Set<String> = ["--bin", "--example", "--test", "--bench", "-p", "--package", "--timings"]

    /// Every option name cargo understands here (for "did you mean").
    public static var known: [String] { Array(withValue.union(flags)).sorted() }

    /// Parses `args`; an unknown option is an error naming the closest known one among
    /// cargo's options and `own` (cargo-static's).
    public static func parse(_ args: [String], mode: Mode, own: [String] = []) throws -> CargoArguments {
        var result = CargoArguments()
        var i = 0
        while i < args.count {
            let arg = args[i]
            i += 1
            guard arg.hasPrefix("-"), arg != "-" else {
                result.positional.append(arg)
                continue
            }
            let (name, inline) = split(arg)
            var value = inline
            var separate: String? = nil
            if withValue.contains(name), value == nil, !(optionalValue.contains(name) && (i >= args.count || args[i].hasPrefix("-"))) {
                guard i < args.count else {
                    throw CargoStaticError(.usage, "`\(name)` needs a value", fix: "for example: \(name) \(example(name))")
                }
                value = args[i]
                separate = args[i]
                i += 1
            } else if !withValue.contains(name) && !flags.contains(name) && !isShortCluster(name) {
                throw unknown(name, own: own)
            }
            result.take(name, value)
            if name != "--message-format" && name != "--no-run" { result.forwarded += [arg] + (separate.map { [$0] } ?? []) }
        }
        return result
    }

    /// `-vv`, `-rq`: clusters of single-letter flags.
    static func isShortCluster(_ name: String) -> Bool {
        guard name.count > 2, !name.hasPrefix("--") else { return false }
        return name.dropFirst().allSatisfy { "vqr".contains($0) }
    }

    static func split(_ arg: String) -> (String, String?) {
        guard arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") else {
            // `-pNAME`, `-j4`, `-Zflag`: a short option with its value attached.
            if !arg.hasPrefix("--"), arg.count > 2, ["-p", "-j", "-F", "-Z"].contains(String(arg.prefix(2))) {
                return (String(arg.prefix(2)), String(arg.dropFirst(2)))
            }
            return (arg, nil)
        }
        return (String(arg[..<eq]), String(arg[arg.index(after: eq)...]))
    }

    static func example(_ name: String) -> String {
        switch name {
        case "--profile": return "release"
        case "--manifest-path": return "path/to/Cargo.toml"
        case "--message-format": return "short"
        case "-j", "--jobs": return "4"
        default: return "VALUE"
        }
    }

    static func unknown(_ name: String, own: [String]) -> CargoStaticError {
        let candidates = known + own
        let suggestion = Suggest.closest(name, in: candidates)
        return CargoStaticError(.usage, "unexpected argument `\(name)` (neither cargo-static's nor cargo's)",
                                fix: suggestion.map { "did you mean `\($0)`?" } ?? "see `cargo-static build --help` and `cargo build --help`")
    }

    private mutating func take(_ name: String, _ value: String?) {
        switch name {
        case "--message-format":
            // Not forwarded as given: merged with the JSON cargo-static reads (`messageFormatArgument`).
            messageFormats += (value ?? "").split(separator: ",").map { $0.trimmingSpaces() }
        case "--manifest-path": manifestPath = value
        case "--profile": profile = value
        case "-r", "--release": release = true
        case "--target-dir": targetDir = value
        case "-q", "--quiet": quiet = true
        case "-v", "--verbose": verbosity += 1
        case "-vv": verbosity += 2
        case "--color": color = value
        case "-p", "--package": if let value { packages.append(value) }
        case "--bin": if let value { bins.append(value) }
        case "--config": if let value { configs.append(value) }
        case "--no-run": noRun = true
        default:
            if Self.isShortCluster(name) {
                for c in name.dropFirst() {
                    switch c { case "v": verbosity += 1; case "q": quiet = true; default: release = true }
                }
            }
        }
    }

    /// The cargo profile the build uses: `--profile NAME`, `--release`, else dev (test for `test`).
    public func profileName(_ mode: Mode) -> String {
        if let profile { return profile }
        if release { return "release" }
        return mode == .test ? "test" : "dev"
    }

    /// The directory cargo puts its profiles in (`dev` and `test` build into `debug`).
    public func profileDirectory(_ mode: Mode) -> String {
        let name = profileName(mode)
        return name == "dev" || name == "test" ? "debug" : name == "bench" ? "release" : name
    }

    /// Whether the user asked for cargo's JSON messages on stdout (then cargo-static passes them through).
    public var wantsJSONMessages: Bool { messageFormats.contains { $0.hasPrefix("json") } }

    /// `--message-format` for cargo: the JSON cargo-static reads, rendered the way the user asked.
    public var messageFormatArgument: String {
        if wantsJSONMessages { return "--message-format=" + messageFormats.joined(separator: ",") }
        var formats = ["json-render-diagnostics"]
        if messageFormats.contains("short") { formats.append("json-diagnostic-short") }
        return "--message-format=" + formats.joined(separator: ",")
    }

    /// The arguments `cargo metadata` understands (features, lock and network policy, manifest, config).
    public var metadataArguments: [String] {
        let keepWithValue: Set<String> = ["--manifest-path", "--features", "-F", "--config", "-Z"]
        let keepFlags: Set<String> = ["--all-features", "--no-default-features", "--offline", "--locked", "--frozen"]
        var out: [String] = []
        var i = 0
        while i < forwarded.count {
            let a = forwarded[i]
            let (name, inline) = Self.split(a)
            if keepFlags.contains(a) {
                out.append(a)
            } else if keepWithValue.contains(name) {
                if inline != nil { out.append(a) } else if i + 1 < forwarded.count { out += [a, forwarded[i + 1]]; i += 1 }
            } else if Self.withValue.contains(name), inline == nil, !Self.optionalValue.contains(name) {
                i += 1
            }
            i += 1
        }
        return out
    }
}

extension CargoArguments {
    /// The same arguments with `option` (and its value, in either spelling) replaced by
    /// `option value`, re-parsed: how a second build of the same request is pointed at
    /// another manifest or target directory.
    public func replacing(_ replacements: [String: String], adding extra: [String] = [], mode: Mode) throws -> CargoArguments {
        var args: [String] = []
        var i = 0
        while i < forwarded.count {
            let (name, inline) = Self.split(forwarded[i])
            i += 1
            guard replacements[name] != nil else { args.append(forwarded[i - 1]); continue }
            if inline == nil && i < forwarded.count { i += 1 }
        }
        for (name, value) in replacements.sorted(by: { $0.key < $1.key }) { args += [name, value] }
        args += extra
        if !messageFormats.isEmpty { args.append("--message-format=" + messageFormats.joined(separator: ",")) }
        return try CargoArguments.parse(args, mode: mode)
    }
}
