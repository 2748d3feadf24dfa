import Foundation

/// -dev packages with nothing compiled in them: `Architecture: all`, no static or shared
/// library, only headers, .pc files and data (x11proto-dev, xtrans-dev, xcb-proto), and
/// data packages whose .pc files link and compile nothing (shared-mime-info). Their
/// files are the same for every target, so the library is Debian's .deb unpacked, not a
/// build of the source package (whose tarball a mirror may not even serve). The .deb is
/// fetched with `apt-get download NAME=VERSION`, kept in sources/, and unpacked with
/// `dpkg-deb -x` into the work directory; include/, share/ (less documentation) and the
/// .pc files are copied into the cache entry, whose key names the package's version.
public enum HeaderPackages {
    /// In these libraries' keys: a change to what is copied or rewritten is a new entry.
    static let keyText = "from the .deb: usr/include, usr/share (no docs), .pc files into lib/pkgconfig with /usr and multiarch lib rebased"

    /// Whether a -dev package is taken from its .deb: architecture-independent, shipping no
    /// library file and at least a header or a .pc file. A package built per architecture is
    /// taken too when all it offers a build is data: .pc files with nothing to compile or link
    /// (`Libs:` and `Cflags:` empty, shared-mime-info's, which gdk-pixbuf's meson.build asks
    /// for) and no headers; its programs are not copied, its data is the same on every target.
    /// `text`: a file's text (nil: unreadable, so not taken).
    public static func takesFromDeb(_ info: BinaryPackage, files: [String], text: (String) -> String? = { _ in nil }) -> Bool {
        guard !files.contains(where: isCompiledLibrary) else { return false }
        if info.isArchitectureIndependent {
            return files.contains { $0.hasPrefix("/usr/include/") || isPkgConfigFile($0) }
        }
        let pcFiles = files.filter(isPkgConfigFile)
        guard !pcFiles.isEmpty, !files.contains(where: { $0.hasPrefix("/usr/include/") }) else { return false }
        return pcFiles.allSatisfy { text($0).map(isDataOnly) ?? false }
    }

    /// A .pc file with nothing to compile or link: its `Libs:`, `Libs.private:` and `Cflags:`
    /// lines are empty (or absent) and it requires no other module.
    static func isDataOnly(_ pc: String) -> Bool {
        for line in pc.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingSpaces().lowercased()
            guard ["libs", "libs.private", "cflags", "cflags.private", "requires", "requires.private"].contains(key) else { continue }
            if !line[line.index(after: colon)...].trimmingSpaces().isEmpty { return false }
        }
        return true
    }

    /// A static archive, libtool archive or shared object anywhere in the package.
    static func isCompiledLibrary(_ path: String) -> Bool {
        let file = (path as NSString).lastPathComponent
        if file.hasSuffix(".a") || file.hasSuffix(".la") { return true }
        guard let so = file.range(of: ".so") else { return false }
        let rest = file[so.upperBound...]
        return rest.isEmpty || rest.hasPrefix(".") && rest.dropFirst().allSatisfy { $0.isNumber || $0 == "." }
    }

    /// `/usr/share/pkgconfig/x.pc`, `/usr/lib/pkgconfig/x.pc`, `/usr/lib/<multiarch>/pkgconfig/x.pc`.
    static func isPkgConfigFile(_ path: String) -> Bool {
        guard path.hasSuffix(".pc"), path.hasPrefix("/usr/") else { return false }
        let parts = path.split(separator: "/")
        return parts.count >= 4 && parts[parts.count - 2] == "pkgconfig"
    }

    /// Directories of /usr/share that are no part of a library (`assemble` drops man, doc, info too).
    static let skippedShare: Set<String> = ["doc", "man", "info", "lintian", "bug", "doc-base", "pkgconfig", "bash-completion"]

    /// The library value: named after its source package like every generated recipe.
    static func library(info: BinaryPackage, files: [String], dependencies: [String]) -> NativeLibrary {
        let modules = files.filter(isPkgConfigFile).map { String(($0 as NSString).lastPathComponent.dropLast(3)) }
        var aliases = [info.name] + modules
        if info.source.hasPrefix("lib") { aliases.append(String(info.source.dropFirst(3))) }
        aliases = aliases.filter { $0 != info.source }.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
        return NativeLibrary(name: info.source, debianSource: info.source,
                             summary: "headers and .pc files from Debian's \(info.name) \(info.version) ("
                                 + (info.isArchitectureIndependent ? "Architecture: all" : "data only") + ", nothing to compile)",
                             dependencies: dependencies, archives: [], pkgConfigModules: modules.sorted(), aliases: aliases,
                             devPackage: info.name, binaryPackage: info) { c in
            steps(c, files: files)
        }
    }

    /// The commands after `dpkg-deb -x` (which unpacked the .deb into `c.source`): the
    /// package's headers, data and .pc files copied into the install root.
    static func steps(_ c: LibraryBuildContext, files: [String]) -> [Command] {
        let root = c.installRoot
        // Copies only: none of the compilers' environment.
        func command(_ executable: String, _ arguments: [String]) -> Command {
            Command(executable, arguments, environment: ["LC_ALL": "C"], directory: c.source)
        }
        var commands = [command("mkdir", ["-p", root + "/lib/pkgconfig"])]
        if files.contains(where: { $0.hasPrefix("/usr/include/") }) {
            commands.append(command("cp", ["-R", c.source + "/usr/include", root + "/include"]))
        }
        let shared = files.compactMap { path -> String? in
            guard path.hasPrefix("/usr/share/") else { return nil }
            let parts = path.dropFirst("/usr/share/".count).split(separator: "/")
            return parts.count >= 2 && !skippedShare.contains(String(parts[0])) ? String(parts[0]) : nil
        }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        if !shared.isEmpty {
            commands.append(command("mkdir", ["-p", root + "/share"]))
            commands += shared.map { command("cp", ["-R", c.source + "/usr/share/" + $0, root + "/share/" + $0]) }
        }
        let pcFiles = files.filter(isPkgConfigFile)
        if !pcFiles.isEmpty {
            commands.append(command("cp", pcFiles.map { c.source + $0 } + [root + "/lib/pkgconfig/"]))
        }
        return commands
    }

    /// The .pc files of the package, rebased from Debian's /usr onto the library's logical
    /// prefix (which `PkgConfigFiles.relocate` then makes relative to the file).
    static func rebasePkgConfig(_ directory: String, logicalPrefix: String) throws {
        let fm = FileManager.default
        for file in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] where file.hasSuffix(".pc") {
            let path = directory + "/" + file
            if (try? fm.destinationOfSymbolicLink(atPath: path)) != nil { continue }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            let rebased = self.rebased(text, logicalPrefix: logicalPrefix)
            if rebased != text { try FileSystem.write(rebased, to: path) }
        }
    }

    /// Variable values and `-I`/`-L` flags that name /usr (`prefix=/usr`,
    /// `includedir=/usr/include`, `-I/usr/include/X11`) name the logical prefix instead, and a
    /// multiarch library directory (`${prefix}/lib/x86_64-linux-gnu`) is the prefix's lib.
    static func rebased(_ text: String, logicalPrefix: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { raw -> String in
            var line = String(raw)
            if let eq = line.firstIndex(of: "="), !line[..<eq].contains(":"), !line[..<eq].contains(" ") {
                let value = line[line.index(after: eq)...]
                if value == "/usr" || value.hasPrefix("/usr/") {
                    line = String(line[...eq]) + logicalPrefix + value.dropFirst(4)
                }
            }
            for flag in ["-I", "-L"] { line = line.replacingEvery(" \(flag)/usr/", with: " \(flag)\(logicalPrefix)/") }
            return withoutMultiarch(line)
        }.joined(separator: "\n")
    }

    /// `…/lib/x86_64-linux-gnu` -> `…/lib` (the cache entry has one lib directory).
    static func withoutMultiarch(_ line: String) -> String {
        var out = line
        while let range = out.range(of: #"/lib/[a-z0-9_]+-linux-gnu[a-z0-9_]*"#, options: .regularExpression) {
            out.replaceSubrange(range, with: "/lib")
        }
        return out
    }
}
