import Foundation

/// A static archive linked by name (`-lpq`) from a build script that asked no pkg-config
/// (pq-sys without its pkg-config feature prints only `rustc-link-lib=pq`) still needs what
/// its .pc file lists for a static link: libpq.a calls into libpgcommon.a and libpgport.a.
/// For every `-lX` of the final link whose libX.a is in the plan's search directories, the
/// .pc file there that links `-lX` gives its Libs.private and, through Requires and
/// Requires.private, its dependencies' libraries, as `pkg-config --static` would. Only
/// archives found in those directories are added: nothing of the host's.
public enum PrivateLibraries {
    /// A .pc file: its directory (for `${pcfiledir}`) and text.
    public struct PCFile: Equatable {
        public let directory: String
        public let text: String
        public init(directory: String, text: String) { self.directory = directory; self.text = text }
    }

    /// The .pc files of the search directories (`<dir>/pkgconfig/*.pc`), by module name;
    /// the first directory naming a module wins, as pkg-config's search path does.
    public static func index(searchDirectories: [String]) -> [String: PCFile] {
        var index: [String: PCFile] = [:]
        for dir in searchDirectories {
            let pcdir = dir + "/pkgconfig"
            for file in ((try? FileManager.default.contentsOfDirectory(atPath: pcdir)) ?? []).sorted() where file.hasSuffix(".pc") {
                let module = String(file.dropLast(3))
                guard index[module] == nil, let text = try? String(contentsOfFile: pcdir + "/" + file, encoding: .utf8) else { continue }
                index[module] = PCFile(directory: pcdir, text: text)
            }
        }
        return index
    }

    /// The `-l` names of a link line (`-lpq` and `-l pq`).
    static func linkedNames(_ arguments: [String]) -> [String] {
        var names: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a == "-l", i + 1 < arguments.count { names.append(arguments[i + 1]); i += 2; continue }
            if a.hasPrefix("-l"), a.count > 2, !a.hasPrefix("-l:") { names.append(String(a.dropFirst(2))) }
            i += 1
        }
        return names
    }

    /// The arguments to add after the line's own libraries: `-L` directories, then the
    /// archives in a group (their order among themselves is then free), or nothing.
    public static func extra(arguments: [String], searchDirectories: [String], pcFiles: [String: PCFile],
                             exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) -> [String] {
        let linked = linkedNames(arguments)
        let onLine = Set(linked)
        var visited: Set<String> = []
        var dirs: [String] = []
        var names: [String] = []
        func archiveDirectory(_ name: String, extraDirs: [String]) -> String? {
            (searchDirectories + extraDirs).first { exists("\($0)/lib\(name).a") }
        }
        func add(_ flags: [String]) {
            let own = flags.filter { $0.hasPrefix("-L") }.map { URL(fileURLWithPath: String($0.dropFirst(2))).standardizedFileURL.path }
                .filter { !HostLibraries.isHostDirectory($0) }
            for flag in flags where flag.hasPrefix("-l") {
                let name = String(flag.dropFirst(2))
                guard !PkgConfigFixup.libcParts.contains(name), !onLine.contains(name), !names.contains(name),
                      let dir = archiveDirectory(name, extraDirs: own) else { continue }
                names.append(name)
                if !searchDirectories.contains(dir), !dirs.contains(dir) { dirs.append(dir) }
            }
        }
        func visit(_ module: String, withLibs: Bool) {
            guard !visited.contains(module), let file = pcFiles[module] else { return }
            visited.insert(module)
            let fields = parse(file)
            if withLibs { add(words(fields["Libs"])) }
            add(words(fields["Libs.private"]))
            for required in modules(fields["Requires"]) + modules(fields["Requires.private"]) { visit(required, withLibs: true) }
        }
        for name in linked {
            guard let dir = archiveDirectory(name, extraDirs: []) else { continue }
            // The module whose own Libs link this archive, among the .pc files beside it.
            let owners = pcFiles.keys.sorted().filter { module in
                let file = pcFiles[module]!
                return file.directory == dir + "/pkgconfig" && words(parse(file)["Libs"]).contains("-l" + name)
            }
            for module in owners { visit(module, withLibs: false) }
        }
        guard !names.isEmpty else { return [] }
        return dirs.map { "-L" + $0 } + ["-Wl,--start-group"] + names.map { "-l" + $0 } + ["-Wl,--end-group"]
    }

    /// A .pc file's fields (`Libs: …`), its variables expanded (`${pcfiledir}` is its directory).
    static func parse(_ file: PCFile) -> [String: String] {
        var variables = ["pcfiledir": file.directory]
        var fields: [String: String] = [:]
        for raw in file.text.split(separator: "\n") {
            let line = raw.trimmingSpaces()
            if line.hasPrefix("#") { continue }
            let colon = line.firstIndex(of: ":"), eq = line.firstIndex(of: "=")
            if let eq, colon.map({ eq < $0 }) ?? true {
                let name = line[..<eq].trimmingSpaces()
                variables[name] = expand(String(line[line.index(after: eq)...]).trimmingSpaces(), variables)
            } else if let colon {
                fields[String(line[..<colon])] = expand(String(line[line.index(after: colon)...]).trimmingSpaces(), variables)
            }
        }
        return fields
    }

    static func expand(_ value: String, _ variables: [String: String]) -> String {
        var out = ""
        var rest = Substring(value)
        while let start = rest.range(of: "${"), let end = rest[start.upperBound...].firstIndex(of: "}") {
            out += rest[..<start.lowerBound]
            out += variables[String(rest[start.upperBound..<end])] ?? ""
            rest = rest[rest.index(after: end)...]
        }
        return (out + rest).replacingEvery("\"", with: "")
    }

    static func words(_ value: String?) -> [String] { (value ?? "").split(separator: " ").map(String.init) }

    /// `libssl >= 1.1, libcrypto zlib`: the module names, without version constraints.
    static func modules(_ value: String?) -> [String] {
        let tokens = (value ?? "").replacingEvery(",", with: " ").split(separator: " ").map(String.init)
        var out: [String] = []
        var skipNext = false
        for token in tokens {
            if skipNext { skipNext = false; continue }
            if ["<", "<=", "=", ">=", ">", "!="].contains(token) { skipNext = true; continue }
            out.append(token)
        }
        return out
    }
}
