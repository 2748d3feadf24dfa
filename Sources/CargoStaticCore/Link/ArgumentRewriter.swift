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
    ///  - zig's linker rejects GNU emulation names (`-Wl,-melf_x86_64`; the target already says it);
    ///  - zig puts its own libc headers in front of the caller's `-isystem` directories (clang
    ///    searches them first), so an overlay of libc headers (libbsd's include/bsd/stdlib.h,
    ///    which adds fparseln's flags and then `#include_next <stdlib.h>`) was never read: they
    ///    become `-I` directories, which zig's clang searches before its libc.
    public static func compile(_ arguments: [String], kind: CToolchain.Kind, target: Target? = nil) -> [String] {
        // zig takes -march= as a CPU name; on ARM and RISC-V it names an ISA level (`armv7-a`,
        // `rv64gc`) that zig does not know, and the driver's own -mcpu already decides.
        let dropMarch = kind == .zig && !(target.map { [62, 3].contains($0.info.elfMachine) } ?? true)
        var out: [String] = []
        var skipNext = false
        for arg in arguments {
            if skipNext { skipNext = false; continue }
            switch arg {
            case "-target", "--target": skipNext = true
            case "-isystem" where kind == .zig: out.append("-I")
            case _ where kind == .zig && arg.hasPrefix("-isystem") && arg.count > 8 && !arg.hasPrefix("-isystem-"):
                out.append("-I" + arg.dropFirst(8))
            case _ where arg.hasPrefix("--target="): continue
            case "-static-pie" where kind == .zig: out += ["-static", "-pie", "-fPIE"]
            case _ where kind == .zig && arg.hasPrefix("-Wl,-melf"): continue
            case _ where dropMarch && arg.hasPrefix("-march="): continue
            default: out.append(arg)
            }
        }
        return kind == .zig ? ZigLinkerFlags.filter(out) : out
    }

    /// The final link of an executable: the compile rules, then
    ///  - the allocator archive whole, in front of everything, so its malloc replaces the libc's;
    ///  - rustc's `-lunwind` replaced by the unwinder stand-ins when the std profile never unwinds;
    ///  - search directories, embedded objects and trailing archives (compatibility names, and
    ///    gcc's runtime for gcc drivers, which rustc's `-nodefaultlibs` leaves out) at the end.
    ///  - libraries rustc links as shared (`-Wl,-Bdynamic`, for a build script's `dylib=` or
    ///    plain `-l` request) are taken as archives (`-Wl,-Bstatic`): an executable with no
    ///    interpreter can load none, and the plan built the library as an archive;
    ///  - the host's library directories (a build script's `pg_config --libdir`) are dropped:
    ///    what is there is built for glibc (`CargoBuild` refuses a library only found there);
    ///  - archives linked by name get the private libraries their .pc files list (`PrivateLibraries`:
    ///    `pcFiles` are the search directories' .pc files, nil for none).
    ///  - a line with a C++ library of the plan and no C++ runtime gets zig's libc++ (`CxxRuntime`;
    ///    `holdsCxx` reads a library, nil: not looked at).
    public static func link(_ arguments: [String], spec: LinkSpec, manifestDirectory: String? = nil,
                            pcFiles: [String: PrivateLibraries.PCFile]? = nil, holdsCxx: ((String) -> Bool)? = nil) throws -> [String] {
        // The linkage first, on rustc's own flags: static-pie on every target where it is verified.
        var middle = compile(try StaticPie.rewrite(archivesOnly(withoutHostDirectories(arguments)), linkage: spec.linkage, driver: spec.kind), kind: spec.kind)
        let privateLibraries = pcFiles.map { PrivateLibraries.extra(arguments: middle, searchDirectories: spec.searchDirectories, pcFiles: $0) } ?? []
        // zig brings LLVM's libc++ for every target; a gcc driver has none for musl. Only a
        // plan with C libraries (their .pc files) is looked at: C++ that a build script
        // compiles itself comes with the cc crate's `-lc++`.
        let cxx = spec.kind == .zig && pcFiles?.isEmpty == false ? holdsCxx.map { CxxRuntime.extra(middle + privateLibraries, searchDirectories: spec.searchDirectories, holdsCxx: $0) } ?? [] : []
        if let stub = spec.unwinderStub { middle = middle.map { $0 == "-lunwind" ? stub : $0 } }
        var front: [String] = []
        if !spec.wholeArchives.isEmpty {
            front = ["-Wl,--whole-archive"] + spec.wholeArchives + ["-Wl,--no-whole-archive"]
        }
        let search = spec.searchDirectories.map { "-L\($0)" }
        let own = manifestDirectory.flatMap { spec.packageObjects[URL(fileURLWithPath: $0).standardizedFileURL.path] }.map { [$0] } ?? []
        // Stripping is done after the link when the symbol table must stay or move (`postLink`).
        switch spec.debug {
        case .asRequested: break
        case .keepSymbols: middle.removeAll { $0 == "-Wl,--strip-debug" || $0 == "-Wl,-S" }
        case .split: middle.removeAll { ["-Wl,--strip-debug", "-Wl,-S", "-Wl,--strip-all", "-Wl,-s", "-s"].contains($0) }
        }
        // A build id (a hash of the contents: stable across identical builds) names the
        // executable for debuggers, symbol servers and crash reports.
        return front + search + middle + spec.objects + own + privateLibraries + cxx + spec.trailing + ["-Wl,--build-id=sha1"]
    }

    /// `-Wl,-Bdynamic` (and its other spellings, `-dy`, `-call_shared`, also inside a comma
    /// list) becomes `-Bstatic`: from there on, `-lfoo` is looked for as libfoo.a only.
    static func archivesOnly(_ arguments: [String]) -> [String] {
        let dynamicMode: Set<String> = ["-Bdynamic", "-dy", "-call_shared", "--Bdynamic"]
        return arguments.map { arg in
            guard arg.hasPrefix("-Wl,") else { return arg }
            let parts = arg.dropFirst(4).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard parts.contains(where: dynamicMode.contains) else { return arg }
            return "-Wl," + parts.map { dynamicMode.contains($0) ? "-Bstatic" : $0 }.joined(separator: ",")
        }
    }

    /// `-L/usr/lib/x86_64-linux-gnu` and `-L /usr/lib/x86_64-linux-gnu` (any of the host's
    /// library directories) left out.
    static func withoutHostDirectories(_ arguments: [String]) -> [String] {
        let dropped = Set(libraryDirectoryFlags(arguments).filter { HostLibraries.isHostDirectory($0.directory) }.flatMap { $0.range })
        return arguments.indices.filter { !dropped.contains($0) }.map { arguments[$0] }
    }

    /// Each `-LDIR` and `-L DIR` of a command line: the arguments it takes and the directory.
    static func libraryDirectoryFlags(_ arguments: [String]) -> [(range: Range<Int>, directory: String)] {
        var flags: [(range: Range<Int>, directory: String)] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a == "-L", i + 1 < arguments.count {
                flags.append((i..<i + 2, arguments[i + 1]))
                i += 2
                continue
            }
            if a.hasPrefix("-L"), a.count > 2 { flags.append((i..<i + 1, String(a.dropFirst(2)))) }
            i += 1
        }
        return flags
    }

    /// What the driver answers, without running it, when a build asks where the linker
    /// searches: zig's clang reports the build machine's directories (/lib/x86_64-linux-gnu,
    /// /usr/lib/gcc/…), and meson and libtool turn `-lffi` into the host's glibc-built
    /// /lib/x86_64-linux-gnu/libffi.a from that list. The target's libc is zig's own and
    /// every library of the build is named with -L, so no directory is the answer
    /// (`-print-search-dirs`), and a library or object file asked for by name is not found
    /// (`-print-file-name=libffi.a` prints the name back, as gcc does). nil: run the driver.
    /// A start file (`crt1.o`) is answered in the library build's `TargetLibraryView`
    /// (`targetLibrary`), where the dependencies' .pc files are, and that directory is the
    /// one library directory, as in a sysroot.
    public static func searchAnswer(_ arguments: [String], kind: CToolchain.Kind, targetLibrary: String? = nil) -> String? {
        guard kind == .zig else { return nil }
        if arguments.contains("-print-search-dirs") || arguments.contains("--print-search-dirs") {
            return "programs: =\nlibraries: =\(targetLibrary ?? "")\n"
        }
        for arg in arguments {
            for flag in ["-print-file-name=", "--print-file-name="] where arg.hasPrefix(flag) {
                let name = String(arg.dropFirst(flag.count))
                if let path = TargetLibraryView.startFile(name, directory: targetLibrary) { return path + "\n" }
                if isLibraryOrObjectName(name) { return name + "\n" }
            }
        }
        return nil
    }

    /// `libffi.a`, `libz.so`, `libz.so.1`, `crt1.o`.
    static func isLibraryOrObjectName(_ name: String) -> Bool {
        if name.hasSuffix(".a") || name.hasSuffix(".o") || name.hasSuffix(".so") { return true }
        guard let so = name.range(of: ".so.") else { return false }
        return name[so.upperBound...].allSatisfy { $0.isNumber || $0 == "." }
    }

    /// The link's output (`-o FILE`).
    static func output(of arguments: [String]) -> String? {
        guard let i = arguments.firstIndex(of: "-o"), i + 1 < arguments.count else { return nil }
        return arguments[i + 1]
    }

    /// A line that came from rustc's argument file goes on in one too (it was too long to
    /// execute): the driver's prefix, then `@<output>.link-arguments` in the driver's syntax.
    /// The line stays as it is when it cannot be written (no output named, or zig's syntax
    /// cannot hold an argument).
    static func viaResponseFile(_ line: [String], prefixCount: Int, kind: CToolchain.Kind, output: String?) -> [String] {
        viaResponseFile(line, prefixCount: prefixCount, syntax: kind == .zig ? .zig : .gnu, output: output)
    }

    /// The same in a given syntax (`zig ld.lld` reads GNU's, as lld does).
    static func viaResponseFile(_ line: [String], prefixCount: Int, syntax: ResponseFile.Syntax, output: String?) -> [String] {
        guard let output, line.count > prefixCount,
              let text = ResponseFile.render(Array(line.dropFirst(prefixCount)), syntax: syntax) else { return line }
        let file = output + ".link-arguments"
        guard (try? FileSystem.write(Data(text.utf8), to: file)) != nil else { return line }
        return Array(line.prefix(prefixCount)) + ["@" + file]
    }

    /// Commands that finish an executable after the link, when the symbol table is kept or
    /// split off (zig would drop it together with the debug sections).
    public static func postLink(_ arguments: [String], spec: LinkSpec) -> [[String]] {
        guard let output = output(of: arguments), !spec.objcopy.isEmpty else { return [] }
        switch spec.debug {
        case .asRequested:
            return []
        case .keepSymbols:
            guard arguments.contains("-Wl,--strip-debug") || arguments.contains("-Wl,-S") else { return [] }
            return [spec.objcopy + ["--strip-debug", output]]
        case .split:
            return [spec.objcopy + ["--only-keep-debug", output, output + ".debug"],
                    spec.objcopy + ["--strip-all", "--add-gnu-debuglink=" + output + ".debug", output]]
        }
    }

    /// zig builds its libc anew for every combination of code-generation flags it sees on a
    /// link (`-mretpoline`, `-fstack-protector`, `-Ofast`, …), which costs half a minute each;
    /// configure scripts link many test programs with such flags. A call that compiles and
    /// links at once is split: the sources are compiled with every flag, the link gets only
    /// what links need, so the libc zig links is always the one the driver's own flags ask for.
    /// nil when the call does not link, or has nothing to split.
    public static func splitCompileAndLink(_ arguments: [String]) -> (compiles: [[String]], link: [String])? {
        let compileOnly: Set<String> = ["-c", "-S", "-E", "-M", "-MM", "-fsyntax-only", "-v", "--version", "-###"]
        guard !arguments.contains(where: { compileOnly.contains($0) || $0.hasPrefix("-print-") || $0.hasPrefix("--print") }) else { return nil }
        var compileFlags: [String] = []
        var linkFlags: [String] = []
        var sources: [String] = []
        var output: String?
        var i = 0
        let withValue: Set<String> = ["-I", "-D", "-U", "-include", "-isystem", "-iquote", "-idirafter", "-x", "-MF", "-MT", "-MQ", "-std"]
        let linkWithValue: Set<String> = ["-L", "-l", "-T", "-Xlinker", "-u", "-e", "-z"]
        while i < arguments.count {
            let a = arguments[i]
            if a == "-o", i + 1 < arguments.count { output = arguments[i + 1]; i += 2; continue }
            if a == "-" { return nil }
            if withValue.contains(a), i + 1 < arguments.count { compileFlags += [a, arguments[i + 1]]; i += 2; continue }
            if linkWithValue.contains(a), i + 1 < arguments.count { linkFlags += [a, arguments[i + 1]]; i += 2; continue }
            if !a.hasPrefix("-") {
                if isSource(a) { sources.append(a) } else { linkFlags.append(a) }
            } else if isLinkFlag(a) {
                linkFlags.append(a)
                if a == "-pthread" || a.hasPrefix("-flto") || a.hasPrefix("-fsanitize") || a.hasPrefix("-fPI") || a.hasPrefix("-fpi") { compileFlags.append(a) }
            } else {
                compileFlags.append(a)
            }
            i += 1
        }
        // Nothing for zig to build another libc for: no need to split.
        guard !sources.isEmpty, compileFlags.contains(where: { !$0.hasPrefix("-I") && !$0.hasPrefix("-D") && !$0.hasPrefix("-U") && !$0.hasPrefix("-W") && !$0.hasPrefix("-std") && !$0.hasPrefix("-fPI") && !$0.hasPrefix("-fpi") && $0 != "-pthread" && $0.hasPrefix("-") }) else { return nil }
        let base = output ?? "a.out"
        var objects: [String] = []
        var compiles: [[String]] = []
        for (n, source) in sources.enumerated() {
            let object = "\(base).cargo-static-\(n).o"
            objects.append(object)
            compiles.append(compileFlags + ["-c", source, "-o", object])
        }
        return (compiles, linkFlags + objects + (output.map { ["-o", $0] } ?? []))
    }

    static func isSource(_ path: String) -> Bool {
        let ext = (path as NSString).pathExtension
        return ["c", "cc", "cpp", "cxx", "c++", "C", "S", "s", "sx", "m"].contains(ext)
    }

    /// Flags a link needs (everything else is code generation or preprocessing).
    static func isLinkFlag(_ a: String) -> Bool {
        let exact: Set<String> = ["-static", "-static-pie", "-pie", "-no-pie", "-shared", "-rdynamic", "-nostdlib", "-nodefaultlibs",
                                  "-nostartfiles", "-pthread", "-s", "-r", "-Bstatic", "-Bdynamic", "-fPIC", "-fPIE", "-fpic", "-fpie",
                                  "-fno-pic", "-fno-pie", "-fno-PIC", "-fno-PIE"]
        return exact.contains(a) || a.hasPrefix("-Wl,") || a.hasPrefix("-l") || a.hasPrefix("-L") || a.hasPrefix("-fuse-ld")
            || a.hasPrefix("-flto") || a.hasPrefix("-fsanitize") || a.hasPrefix("-T") || a.hasPrefix("-rtlib") || a.hasPrefix("--ld-path")
    }

    /// A compiler call that links (no `-c`, `-S`, `-E`: configure's AC_CHECK_LIB and run
    /// checks, a library's own programs) gets, after its own, the private libraries of the
    /// archives it links by name, from the .pc files beside them in its `-L` directories, as
    /// `pkg-config --static` would give them: a static archive does not bring its
    /// dependencies as a shared library does. krb5's configure links `-lss` alone to test
    /// Debian's libss, whose ss.pc requires com_err (`undefined symbol: com_err_va`). The
    /// build machine's library directories are never read.
    public static func withPrivateLibraries(_ arguments: [String],
                                            index: ([String]) -> [String: PrivateLibraries.PCFile] = PrivateLibraries.index(searchDirectories:),
                                            exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) -> [String] {
        let compileOnly: Set<String> = ["-c", "-S", "-E", "-M", "-MM", "-fsyntax-only", "-shared", "-r"]
        guard !arguments.contains(where: { compileOnly.contains($0) || $0.hasPrefix("-print-") || $0.hasPrefix("--print") }) else { return arguments }
        var dirs: [String] = []
        for flag in libraryDirectoryFlags(arguments) where !flag.directory.isEmpty && !HostLibraries.isHostDirectory(flag.directory) {
            let path = URL(fileURLWithPath: flag.directory).standardizedFileURL.path
            if !dirs.contains(path) { dirs.append(path) }
        }
        guard !dirs.isEmpty, !PrivateLibraries.linkedNames(arguments).isEmpty else { return arguments }
        return arguments + PrivateLibraries.extra(arguments: arguments, searchDirectories: dirs, pcFiles: index(dirs), exists: exists)
    }

    /// The whole command line for `mode`: the driver's prefix, then the rewritten arguments.
    public static func commandLine(mode: Mode, arguments: [String], compiler: CompilerSpec?, link: LinkSpec?,
                                   manifestDirectory: String? = nil) throws -> [String]? {
        switch mode {
        case .cc: return compiler.map { $0.driver.c + compile(arguments, kind: $0.kind, target: $0.target) }
        case .cxx: return compiler.map { $0.driver.cxx + compile(arguments, kind: $0.kind, target: $0.target) }
        case .link: return try link.map { $0.driver.c + (try Self.link(arguments, spec: $0, manifestDirectory: manifestDirectory,
                                                                        pcFiles: PrivateLibraries.index(searchDirectories: $0.searchDirectories),
                                                                        holdsCxx: CxxRuntime.fileHoldsCxx)) }
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
        // rustc's `@file` of linker arguments (a very long link line) is read, so every edit applies.
        let (expanded, fromFile) = ResponseFile.expand(Array(arguments.dropFirst(2)), read: { try? String(contentsOfFile: $0, encoding: .utf8) })
        // The final link's own rules add these (`link`); a compiler call that links, here.
        let rest = mode == .link ? expanded : ArgumentRewriter.withPrivateLibraries(expanded)
        // The spec is decoded once; one that does not decode stops the wrapper, naming it.
        let decoder = JSONDecoder()
        let compiler: CompilerSpec?, link: LinkSpec?, environment: [String: String]
        do {
            if mode == .link {
                let spec = try decoder.decode(LinkSpec.self, from: data)
                (compiler, link, environment) = (nil, spec, spec.driver.environment)
            } else {
                let spec = try decoder.decode(CompilerSpec.self, from: data)
                (compiler, link, environment) = (spec, nil, spec.driver.environment)
            }
        } catch {
            fail("cannot read the wrapper configuration \(arguments[0]): \(error)")
        }
        let planned: [String]?
        do {
            planned = try ArgumentRewriter.commandLine(mode: mode, arguments: rest, compiler: compiler, link: link,
                                                       manifestDirectory: link == nil ? nil : ProcessInfo.processInfo.environment["CARGO_MANIFEST_DIR"])
        } catch {
            fail("\(error)")
        }
        guard var line = planned, line.first != nil else { fail("cannot read the wrapper configuration \(arguments[0])") }
        if let spec = compiler, let answer = ArgumentRewriter.searchAnswer(rest, kind: spec.kind,
                                                                           targetLibrary: ProcessInfo.processInfo.environment[TargetLibraryView.variable]) {
            FileHandle.standardOutput.write(Data(answer.utf8))
            exit(0)
        }
        for (key, value) in environment { setenv(key, value, 1) }
        if let spec = compiler, spec.kind == .zig,
           let split = ArgumentRewriter.splitCompileAndLink(ArgumentRewriter.compile(rest, kind: .zig, target: spec.target)) {
            let prefix = mode == .cc ? spec.driver.c : spec.driver.cxx
            for compile in split.compiles {
                let status = spawnAndWait(prefix + compile)
                if status != 0 { exit(status) }
            }
            line = prefix + split.link
        }
        if let spec = link {
            let post = ArgumentRewriter.postLink(rest, spec: spec)
            let output = ArgumentRewriter.output(of: rest)
            // A line that came from rustc's argument file goes on in one (`viaResponseFile`).
            let driverLine = { [line] in
                fromFile ? ArgumentRewriter.viaResponseFile(line, prefixCount: spec.driver.c.count, kind: spec.kind, output: output) : line
            }
            var replayed: [String]?
            if spec.kind == .zig, ProcessInfo.processInfo.environment[LinkReplay.switchVariable] != "0" {
                switch zigLink(line, running: driverLine, templates: LinkReplay.directory(forSpecFile: arguments[0]), output: output) {
                case .replay(let lld):
                    replayed = fromFile ? ArgumentRewriter.viaResponseFile(lld, prefixCount: 2, syntax: .gnu, output: output) : lld
                case .ran(let status):
                    if status != 0 { exit(status) }
                    finish(post, spec: spec, output: output)
                }
            }
            line = replayed ?? driverLine()
            if !post.isEmpty {
                let status = spawnAndWait(line)
                if status != 0 { exit(status) }
                finish(post, spec: spec, output: output)
            }
        }
        let program = line[0]
        var argv: [UnsafeMutablePointer<CChar>?] = line.map { strdup($0) } + [nil]
        execv(program, &argv)
        fail("cannot run \(program): \(String(cString: strerror(errno)))")
    }

    /// The commands after a link that succeeded (`postLink`), then exit.
    private static func finish(_ post: [[String]], spec: LinkSpec, output: String?) -> Never {
        for command in post {
            let status = spawnAndWait(command)
            if status != 0 { fail("`\(command.joined(separator: " "))` failed (exit status \(status))") }
        }
        // Stripped of debug sections: the id must describe what ships (`BuildID`).
        if !post.isEmpty, spec.debug == .keepSymbols, let output {
            do { try BuildID.restamp(output) } catch { fail("cannot recompute the build id of \(output): \(error)") }
        }
        exit(0)
    }

    enum ZigLink {
        /// A template fits: `zig ld.lld` with these arguments makes the executable.
        case replay([String])
        /// zig's driver ran (and left a template when it could): its exit status.
        case ran(Int32)
    }

    /// A zig link through its template when one fits (`LinkReplay`); otherwise zig's driver
    /// runs (`driverLine`: `line`, in an argument file when rustc used one) with
    /// `ZIG_VERBOSE_LINK`, its line is kept as the template for the next link of this
    /// shape, and what else it printed passes through.
    private static func zigLink(_ line: [String], running driverLine: () -> [String], templates: String, output: String?) -> ZigLink {
        let environment = ProcessInfo.processInfo.environment
        let listing = { (dir: String) -> [String]? in
            FileSystem.kind(dir) == .missing ? [] : try? FileManager.default.contentsOfDirectory(atPath: dir)
        }
        guard let output, let shape = LinkReplay.shape(Array(line.dropFirst()), environment: environment, listing: listing) else {
            return .ran(spawnAndWait(driverLine()))
        }
        let file = templates + "/" + shape.name
        if let data = FileManager.default.contents(atPath: file),
           let template = try? JSONDecoder().decode(LinkTemplate.self, from: data),
           let lld = LinkReplay.replay(template, shape: shape, exists: { FileSystem.kind($0) != .missing }) {
            return .replay([line[0], "ld.lld"] + lld)
        }
        let userAsked = environment["ZIG_VERBOSE_LINK"] != nil
        setenv("ZIG_VERBOSE_LINK", "1", 1)
        let (status, printed) = spawnCapturingErrors(driverLine())
        if !userAsked { unsetenv("ZIG_VERBOSE_LINK") }
        let shown = userAsked ? printed : printed.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("ld.lld ") && !$0.hasPrefix("ar rcs ") }.joined(separator: "\n")
        FileHandle.standardError.write(Data(shown.utf8))
        if status == 0, let lld = LinkReplay.linkerLine(in: printed, output: output),
           let template = LinkReplay.template(shape, lld: lld),
           let data = try? JSONEncoder.sorted.encode(template) {
            // A template that cannot be written only means the driver runs again next time.
            try? FileSystem.write(data, to: file)
        }
        return .ran(status)
    }

    /// Runs a command with this process's descriptors but for stderr, which is collected:
    /// its exit status and what it wrote there.
    private static func spawnCapturingErrors(_ line: [String]) -> (Int32, String) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return (spawnAndWait(line), "") }
        // Neither end stays open in the command; its descriptor 2 is a copy (`spawn`).
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let pid = spawn(line, stderr: fds[1])
        close(fds[1])
        var collected = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while pid != nil {
            let n = read(fds[0], &buffer, buffer.count)
            if n > 0 { collected.append(contentsOf: buffer[0..<n]) } else if n == 0 || errno != EINTR { break }
        }
        close(fds[0])
        guard let pid else { return (127, "cargo-static: cannot run \(line[0])\n") }
        return (wait(pid), String(decoding: collected, as: UTF8.self))
    }

    /// Runs a command with this process's descriptors and waits: its exit status.
    private static func spawnAndWait(_ line: [String]) -> Int32 {
        spawn(line).map(wait) ?? 127
    }

    /// Starts a command with this process's descriptors and environment (`stderr`, when
    /// given, becomes its descriptor 2); nil when it cannot be started.
    private static func spawn(_ line: [String], stderr: Int32? = nil) -> pid_t? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stderr { posix_spawn_file_actions_adddup2(&actions, stderr, 2) }
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = line.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        return posix_spawn(&pid, line[0], &actions, nil, &argv, environ) == 0 ? pid : nil
    }

    /// Waits for a started command: its exit status, 128 + the signal that ended it.
    private static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    private static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("cargo-static: \(message)\n".utf8))
        exit(127)
    }
}
