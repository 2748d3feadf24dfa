import Foundation

/// A library that is one directory of a bigger Debian source package: gcc's libbacktrace,
/// which Debian ships only inside gcc-12's source (in the compiler's private directory,
/// /usr/lib/gcc/<triple>/12/libbacktrace.a of libgcc-12-dev). Found from the library's file:
/// the package that ships it, that package's source, the directory of the source's tree
/// named for the library (`libbacktrace/`, or `backtrace/`). Only that directory is built,
/// with the top-level files and the sibling directories its build files name (`../include`,
/// `../config`): never the whole compiler.
public struct SourcePart: Equatable {
    /// The library's link name (`backtrace` for `-lbacktrace`).
    public let stem: String
    /// Headers the shipping package has for it (`backtrace.h`, `backtrace-supported.h`):
    /// installed from the build or source directory when the tree does not install them.
    public let headers: [String]

    /// The directory names that build it, in order.
    public var directories: [String] { ["lib\(stem)", stem] }
    public var archive: String { "lib\(stem).a" }

    /// The compiler's own runtime, which the target's C toolchain brings (zig: compiler-rt,
    /// libunwind, libc++; musl has the stack protector's functions), and its instrumentation
    /// runtimes (sanitizers, coverage), which only work with that compiler's own driver:
    /// never built from the compiler's source.
    static let toolchainRuntimes: Set<String> = ["gcc", "gcc_eh", "gcc_s", "stdc++", "stdc++fs", "supc++", "c++", "c++abi", "unwind",
                                                 "atomic", "ssp", "ssp_nonshared", "gcov", "asan", "tsan", "ubsan", "lsan", "hwasan",
                                                 "asan_preinit", "lsan_preinit", "tsan_preinit", "hwasan_preinit"]

    /// Where a compiler keeps its private runtime (gcc's, a cross gcc's).
    static func isCompilerPrivate(_ path: String) -> Bool {
        path.hasPrefix("/usr/lib/gcc/") || path.hasPrefix("/usr/lib/gcc-cross/")
    }

    /// The headers of `files` (a package's file list) named for the library (`backtrace*.h`).
    static func headers(stem: String, in files: [String]) -> [String] {
        files.map { ($0 as NSString).lastPathComponent }.filter { $0.hasSuffix(".h") && $0.hasPrefix(stem) }
            .reduce(into: []) { if !$0.contains($1) { $0.append($1) } }.sorted()
    }

    /// The first of `directories` that holds a build system directly under `tree` (nil: none).
    func directory(in tree: String) -> String? {
        let fm = FileManager.default
        return directories.first { dir in
            let present = Set((try? fm.contentsOfDirectory(atPath: tree + "/" + dir)) ?? [])
            return SourceLayout.markers.contains { $0.1.contains(where: present.contains) }
        }
    }

    /// In a tarball's member list (`gcc-12.2.0/libbacktrace/configure`): its top directory and
    /// the part's directory, when the part's directory holds a build system's file.
    func location(inListing members: [String]) -> (top: String, directory: String)? {
        let markers = Set(SourceLayout.markers.flatMap(\.1))
        var found: [String: String] = [:]
        for member in members {
            let parts = member.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, directories.contains(parts[1]), markers.contains(parts[2]) else { continue }
            if found[parts[1]] == nil { found[parts[1]] = parts[0] }
        }
        for dir in directories { if let top = found[dir] { return (top, dir) } }
        return nil
    }

    /// The regular files at the tarball's top (`gcc-12.2.0/config.guess`, `ltmain.sh`): the
    /// helper scripts a part's configure finds in `..` (AC_CONFIG_AUX_DIR(..)).
    static func topFiles(inListing members: [String], top: String) -> [String] {
        members.filter { member in
            let parts = member.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[0] == top && !parts[1].isEmpty
        }
    }

    /// The top-level directories (`include`, `config`, `libgcc`) the part's build files name
    /// as `../X` (`-I $(top_srcdir)/../include`), among those the tarball has.
    static func siblings(named texts: [String], available: Set<String>, own: String) -> [String] {
        var names: [String] = []
        for text in texts {
            var rest = Substring(text)
            while let range = rest.range(of: "../") {
                rest = rest[range.upperBound...]
                let name = String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "+" || $0 == "." })
                if name != own, available.contains(name), !names.contains(name) { names.append(name) }
            }
        }
        return names.sorted()
    }

    /// The top-level directories of a listing (`gcc-12.2.0/include/…` -> `include`).
    static func topDirectories(inListing members: [String], top: String) -> Set<String> {
        Set(members.compactMap { member -> String? in
            let parts = member.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count >= 3 && parts[0] == top && !parts[1].isEmpty ? String(parts[1]) : nil
        })
    }
}

extension LibraryBuildContext {
    /// After the generic steps: the archive and headers a part's tree builds but does not
    /// install (gcc's libbacktrace is `noinst_LTLIBRARIES`; Debian copies
    /// `.libs/libbacktrace.a` and the headers by hand), found in the part's build directory.
    func sourcePartCollect(_ part: SourcePart) -> [Command] {
        guard let layout else { return [] }
        let dir = layout.subdirectory.isEmpty ? source : source + "/" + layout.subdirectory
        let script = """
        set -e
        root="$1"; archive="$2"; shift 2
        take() { [ -e "$root/$1/$2" ] && return 0; f=$(find . -name "$2" -type f | sort | head -n 1); [ -n "$f" ] && install -D -m 644 "$f" "$root/$1/$2" || true; }
        take lib "$archive"
        for h in "$@"; do take include "$h"; done
        """
        return [Command("/bin/sh", ["-c", script, "sh", installRoot, part.archive] + part.headers, directory: dir)]
    }
}

extension SourceStore {
    /// The tree of a part of `whole` (the whole source package's tree): the tree itself when
    /// the part's directory is in it, else the part unpacked from the tarball inside it that
    /// holds it (gcc-12's source is debian/ and gcc-12.2.0-dfsg.tar.xz), with the tarball's
    /// top-level files and the directories the part names. Kept next to the whole source.
    func part(_ part: SourcePart, of whole: LibrarySource, library: String) throws -> LibrarySource {
        if part.directory(in: whole.path) != nil { return whole }
        let fm = FileManager.default
        let target = Self.partTree(part, of: whole)
        if part.directory(in: target.path) != nil { return target }
        let tarballs = ((try? fm.contentsOfDirectory(atPath: whole.path)) ?? []).sorted().filter { $0.contains(".tar") }
        let dir = (target.path as NSString).deletingLastPathComponent
        let staging = dir + ".staging-\(getpid())"
        try FileSystem.removeTree(staging)
        defer { try? FileSystem.removeTree(staging) }
        for tarball in tarballs {
            let path = whole.path + "/" + tarball
            let listing = try runner.captureStdout(Command("tar", ["-tf", path], environment: ["LC_ALL": "C"]))
            guard listing.succeeded else { continue }
            let members = listing.output.split(separator: "\n").map(String.init)
            guard let (top, partDir) = part.location(inListing: members) else { continue }
            reporter.status("Unpacking", "\(partDir)/ of \(tarball) in \(whole.package)'s source, for \(library) (only that directory is built)")
            try FileSystem.makeDirectory(staging)
            let first = [top + "/" + partDir] + SourcePart.topFiles(inListing: members, top: top)
            try runner.check(Command("tar", ["-xf", path, "--no-same-owner", "-C", staging] + first, environment: ["LC_ALL": "C"]),
                             what: "unpacking \(partDir)/ from \(tarball)")
            let build = staging + "/" + top + "/" + partDir
            let texts = ["Makefile.in", "Makefile.am", "configure", "configure.ac", "CMakeLists.txt", "meson.build", "Makefile"]
                .compactMap { try? String(contentsOfFile: build + "/" + $0, encoding: .utf8) }
            let siblings = SourcePart.siblings(named: texts, available: SourcePart.topDirectories(inListing: members, top: top), own: partDir)
            if !siblings.isEmpty {
                try runner.check(Command("tar", ["-xf", path, "--no-same-owner", "-C", staging] + siblings.map { top + "/" + $0 }, environment: ["LC_ALL": "C"]),
                                 what: "unpacking \(siblings.joined(separator: ", ")) from \(tarball)")
            }
            try FileSystem.makeDirectory(dir)
            try FileSystem.replaceDirectory(target.path, with: staging + "/" + top)
            reporter.warn("\(library) is built from \(partDir)/ of \(tarball), upstream's tarball inside Debian's \(whole.package) \(whole.version), without Debian's patches (debian/rules applies them to the whole compiler tree)")
            return target
        }
        let names = part.directories.map { $0 + "/" }.joined(separator: " or ")
        throw CargoStaticError(.libraryBuildFailed,
                               "Debian's \(whole.package) \(whole.version) has no directory \(names) with a build system, in its tree or in the tarballs it holds (\(tarballs.isEmpty ? "none" : tarballs.joined(separator: ", ")))",
                               fix: "build \(library) from a source of your own: cargo-static deps build \(library) --source PATH")
    }

    /// Where a part unpacked from a whole source is kept: sources/<package>_<version>-<dir>/tree.
    static func partTree(_ part: SourcePart, of whole: LibrarySource) -> LibrarySource {
        let wholeDir = (whole.path as NSString).deletingLastPathComponent
        return LibrarySource(package: whole.package, version: whole.version, upstreamVersion: whole.upstreamVersion,
                             origin: "debian (\(part.directories[0])/ of upstream's tarball, without Debian's patches)",
                             path: "\(wholeDir)-\(part.directories[0])/tree")
    }
}
