import Foundation

/// A file a step writes: generated text, or a copy of another file. Written atomically
/// and only when its contents differ, so concurrent builds never run a half-written
/// wrapper and a warm build touches nothing.
public struct FileWrite: Codable, Equatable {
    public let path: String
    public let text: String?
    public let copyOf: String?
    public let executable: Bool

    public static func text(_ path: String, _ text: String, executable: Bool = false) -> FileWrite {
        FileWrite(path: path, text: text, copyOf: nil, executable: executable)
    }

    public static func copy(_ source: String, to path: String) -> FileWrite {
        FileWrite(path: path, text: nil, copyOf: source, executable: false)
    }

    /// Pasteable shell lines that write the same file.
    public var shellLines: [String] {
        let dir = (path as NSString).deletingLastPathComponent
        var lines = ["mkdir -p \(Shell.quote(dir))"]
        if let copyOf {
            lines.append("cp \(Shell.quote(copyOf)) \(Shell.quote(path))")
        } else {
            let text = self.text ?? ""
            var marker = "CARGO_STATIC_EOF"
            while text.contains(marker) { marker += "_" }
            lines.append("cat > \(Shell.quote(path)) <<'\(marker)'")
            lines.append(text.hasSuffix("\n") ? String(text.dropLast()) : text)
            lines.append(marker)
        }
        if executable { lines.append("chmod 755 \(Shell.quote(path))") }
        return lines
    }

    /// Writes the file unless it already holds these contents.
    public func apply() throws {
        let data: Data
        if let copyOf {
            guard let contents = FileManager.default.contents(atPath: copyOf) else {
                throw CargoStaticError(.commandFailed, "cannot read \(copyOf)")
            }
            data = contents
        } else {
            data = Data((text ?? "").utf8)
        }
        if FileManager.default.contents(atPath: path) == data { return }
        do { try FileSystem.write(data, to: path, mode: executable ? 0o755 : 0o644) } catch {
            throw FileSystem.explain(error, at: path)
        }
    }
}

/// A cached thing built by commands: the std, a C library, a generated archive.
/// `cached` is what the planner saw; the executor looks again under the entry's lock.
public struct CachedBuild: Codable, Equatable {
    public let entry: EntryID
    public let cached: Bool
    /// What a person calls it ("std for x86_64-unknown-linux-musl").
    public let label: String
}

/// One step of a build, in the order the executor runs them. The plan printed by
/// `plan` is a list of these; the executor runs them and nothing else.
public enum Step: Equatable {
    /// Generated files outside the cache's entries: wrappers, link specs.
    case write(FileWrite)
    /// A small archive compiled from generated C (its commands run in a private directory).
    case archive(ArchiveStep)
    /// zig's libc for the target, built once by a first link (slow, so shown with progress).
    case runtime(RuntimeStep)
    /// The Rust standard library from source.
    case std(StdStep)
    /// A C library (or allocator) from its source package.
    case library(LibraryStep)
    /// A package's embedded dependency list, compiled into an object for its executables.
    case depInfo(DepInfoStep)
    /// The project itself: cargo, then the audit of every executable.
    case cargo(CargoStep)
    /// `--split-debug`: each executable's `.debug` file placed beside it and pointed at.
    case debugFiles(DebugFilesStep)
    /// A CycloneDX SBOM beside each executable (from the plan's inventory).
    case sbom(SBOMStep)

    /// Every external command the step runs (none for a cached entry).
    public var commands: [Command] {
        switch self {
        case .write: return []
        case .archive(let a): return a.build.cached ? [] : a.commands
        case .runtime(let r): return r.done ? [] : [r.command]
        case .std(let s): return s.build.cached ? [] : [s.unitGraph, s.command]
        case .library(let l): return l.cached ? [] : l.allCommands
        case .depInfo(let d): return d.upToDate || d.kept ? [] : [d.command]
        case .cargo(let c): return [c.command]
        case .debugFiles, .sbom: return []
        }
    }
}

extension Step: Codable {
    private enum CodingKeys: String, CodingKey { case kind, write, archive, runtime, std, library, depInfo, cargo, debugFiles, sbom }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .write(let w): try c.encode("write", forKey: .kind); try c.encode(w, forKey: .write)
        case .archive(let a): try c.encode("archive", forKey: .kind); try c.encode(a, forKey: .archive)
        case .runtime(let r): try c.encode("runtime", forKey: .kind); try c.encode(r, forKey: .runtime)
        case .std(let s): try c.encode("std", forKey: .kind); try c.encode(s, forKey: .std)
        case .library(let l): try c.encode("library", forKey: .kind); try c.encode(l, forKey: .library)
        case .depInfo(let d): try c.encode("depInfo", forKey: .kind); try c.encode(d, forKey: .depInfo)
        case .cargo(let g): try c.encode("cargo", forKey: .kind); try c.encode(g, forKey: .cargo)
        case .debugFiles(let d): try c.encode("debugFiles", forKey: .kind); try c.encode(d, forKey: .debugFiles)
        case .sbom(let b): try c.encode("sbom", forKey: .kind); try c.encode(b, forKey: .sbom)
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .kind) {
        case "write": self = .write(try c.decode(FileWrite.self, forKey: .write))
        case "archive": self = .archive(try c.decode(ArchiveStep.self, forKey: .archive))
        case "runtime": self = .runtime(try c.decode(RuntimeStep.self, forKey: .runtime))
        case "std": self = .std(try c.decode(StdStep.self, forKey: .std))
        case "library": self = .library(try c.decode(LibraryStep.self, forKey: .library))
        case "depInfo": self = .depInfo(try c.decode(DepInfoStep.self, forKey: .depInfo))
        case "cargo": self = .cargo(try c.decode(CargoStep.self, forKey: .cargo))
        case "debugFiles": self = .debugFiles(try c.decode(DebugFilesStep.self, forKey: .debugFiles))
        case "sbom": self = .sbom(try c.decode(SBOMStep.self, forKey: .sbom))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown step kind \(other)")
        }
    }
}

/// A generated archive: the C source (written into the work directory), the commands
/// that compile and archive it there, and the file they produce.
public struct ArchiveStep: Codable, Equatable {
    public let build: CachedBuild
    public let sources: [FileWrite]
    public let commands: [Command]
    /// Files produced in the work directory, moved into the entry.
    public let outputs: [String]
    /// The archive inside the published entry.
    public let archive: String
}

/// The first link for a target with zig, which builds zig's libc (about half a minute).
public struct RuntimeStep: Codable, Equatable {
    public let target: Target
    /// The key in runtimes.json: zig's version, the target and the flags.
    public let key: String
    public let done: Bool
    public let source: FileWrite
    public let command: Command
    /// The last duration seen for this target (for the progress estimate).
    public let estimateSeconds: Double?
}

/// The std build: its generated workspace, the unit-graph query (for progress) and the build.
public struct StdStep: Codable, Equatable {
    public let build: CachedBuild
    public let target: Target
    public let workspace: [FileWrite]
    public let unitGraph: Command
    public let command: Command
    /// Where cargo leaves the rlibs.
    public let outputDirectory: String
    /// The std entry's sysroot (only the target's libraries).
    public let sysroot: String
    /// The rustc cargo runs: this rustc, with the std in its own sysroot (no `--sysroot`).
    public let toolchainDirectory: ToolchainDirectory
    /// Metadata stored in the entry (rustc, release, settings).
    public let rustc: String
    public let release: String
    public let settings: String
    public let estimateSeconds: Double?
    /// Which variant of the std profile this is, and why (`plan` shows it).
    public var variant: String? = nil
}

/// The cargo build of the project, and what the executables must turn out to be.
public struct CargoStep: Codable, Equatable {
    public let command: Command
    public let target: Target
    /// The link this build uses (rendered into the command's environment and the wrappers).
    public let link: LinkSpec
    public let expectations: Expectations
    /// cargo's record of rustc's answers, put back into an emptied target directory.
    public var rustcInfo: RustcInfoCache? = nil

    public struct Expectations: Codable, Equatable {
        public let machine: UInt16
        public let bits: Int
        public let staticPie: Bool
        public let allocator: Allocator
    }
}

/// After cargo, for `--split-debug`: the linker wrapper left `deps/<name>-<hash>.debug`; each
/// executable gets `<exe>.debug` beside it and its `.gnu_debuglink` pointed at that name.
/// Its commands depend on the executables cargo reports, so they are known only then.
public struct DebugFilesStep: Codable, Equatable {
    /// objcopy (and its leading arguments) for the target's executables.
    public let objcopy: [String]

    /// What it runs for one executable whose debug file is `debug`.
    public func command(executable: String, debug: String) -> Command {
        Command(objcopy[0], Array(objcopy.dropFirst()) + ["--remove-section=.gnu_debuglink", "--add-gnu-debuglink=" + debug, executable])
    }
}

/// After cargo: `<exe>.cdx.json` beside each executable (not tests), from the plan's
/// inventory, the executable's SHA-256 and the C libraries' sources as built.
public struct SBOMStep: Codable, Equatable {
    public let target: Target
    public let suffix: String
}
