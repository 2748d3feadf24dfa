import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The wrappers' argument rewriting, as functions over argument lists. The wrapper
/// scripts only call `cargo-static __wrap SPEC MODE args…`; this decides what the real
/// compiler or linker receives.
public enum ArgumentRewriter {
    public enum Mode: String { case cc, cxx = "c++", link }

    /// Rules for every compiler call, from build scripts and from rustc:
    ///  - build scripts (cc, cmake) may pass the Rust triple as `--target`; the driver owns the target;
    ///  - zig cc ignores `-static-pie` but honours `-static -pie`;
    ///  - zig's linker rejects GNU emulation names (`-Wl,-melf_x86_64`; the target already says it).
    public static func compile(_ arguments: [String], kind: CToolchain.Kind) -> [String] {
        var out: [String] = []
        var skipNext = false
        for arg in arguments {
            if skipNext { skipNext = false; continue }
            switch arg {
            case "-target", "--target": skipNext = true
            case _ where arg.hasPrefix("--target="): continue
            case "-static-pie" where kind == .zig: out += ["-static", "-pie", "-fPIE"]
            case _ where kind == .zig && arg.hasPrefix("-Wl,-melf"): continue
            default: out.append(arg)
            }
        }
        return out
    }

    /// The final link of an executable: the compile rules, then
    ///  - the allocator archive whole, in front of everything, so its malloc replaces the libc's;
    ///  - rustc's `-lunwind` replaced by the unwinder stand-ins when the std profile never unwinds;
    ///  - search directories, embedded objects and trailing archives (compatibility names, and
    ///    gcc's runtime for gcc drivers, which rustc's `-nodefaultlibs` leaves out) at the end.
    public static func link(_ arguments: [String], spec: LinkSpec, manifestDirectory: String? = nil) -> [String] {
        var middle = compile(arguments, kind: spec.kind)
        if let stub = spec.unwinderStub { middle = middle.map { $0 == "-lunwind" ? stub : $0 } }
        var front: [String] = []
        if !spec.wholeArchives.isEmpty {
            front = ["-Wl,--whole-archive"] + spec.wholeArchives + ["-Wl,--no-whole-archive"]
        }
        let search = spec.searchDirectories.map { "-L\($0)" }
        let own = manifestDirectory.flatMap { spec.packageObjects[URL(fileURLWithPath: $0).standardizedFileURL.path] }.map { [$0] } ?? []
        return front + search + middle + spec.objects + own + spec.trailing
    }

    /// The whole command line for `mode`: the driver's prefix, then the rewritten arguments.
    public static func commandLine(mode: Mode, arguments: [String], compiler: CompilerSpec?, link: LinkSpec?,
                                   manifestDirectory: String? = nil) -> [String]? {
        switch mode {
        case .cc: return compiler.map { $0.driver.c + compile(arguments, kind: $0.kind) }
        case .cxx: return compiler.map { $0.driver.cxx + compile(arguments, kind: $0.kind) }
        case .link: return link.map { $0.driver.c + Self.link(arguments, spec: $0, manifestDirectory: manifestDirectory) }
        }
    }
}

/// `cargo-static __wrap SPEC MODE args…`: what the wrapper scripts run. Reads the spec,
/// rewrites the arguments and replaces itself with the real tool (no child process, so
/// exit status and signals are the tool's own).
public enum WrapperMode {
    public static let command = "__wrap"

    public static func main(_ arguments: [String]) -> Never {
        guard arguments.count >= 2, let mode = ArgumentRewriter.Mode(rawValue: arguments[1]),
              let data = FileManager.default.contents(atPath: arguments[0]) else {
            fail("usage: cargo-static __wrap SPEC cc|c++|link ARGS… (run by the generated wrappers; SPEC unreadable?)")
        }
        let rest = Array(arguments.dropFirst(2))
        let decoder = JSONDecoder()
        let line = mode == .link
            ? ArgumentRewriter.commandLine(mode: mode, arguments: rest, compiler: nil, link: try? decoder.decode(LinkSpec.self, from: data),
                                           manifestDirectory: ProcessInfo.processInfo.environment["CARGO_MANIFEST_DIR"])
            : ArgumentRewriter.commandLine(mode: mode, arguments: rest, compiler: try? decoder.decode(CompilerSpec.self, from: data), link: nil)
        guard let line, let program = line.first else { fail("cannot read the wrapper configuration \(arguments[0])") }
        let environment = mode == .link ? (try? decoder.decode(LinkSpec.self, from: data))?.driver.environment
                                        : (try? decoder.decode(CompilerSpec.self, from: data))?.driver.environment
        for (key, value) in environment ?? [:] { setenv(key, value, 1) }
        var argv: [UnsafeMutablePointer<CChar>?] = line.map { strdup($0) } + [nil]
        execv(program, &argv)
        fail("cannot run \(program): \(String(cString: strerror(errno)))")
    }

    private static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("cargo-static: \(message)\n".utf8))
        exit(127)
    }
}
