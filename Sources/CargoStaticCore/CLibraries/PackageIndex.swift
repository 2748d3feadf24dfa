import Foundation

/// A Debian binary package as apt describes it (its newest version apt knows).
public struct BinaryPackage: Codable, Equatable {
    public let name: String
    public let version: String
    /// The source package it is built from (`Source:`, else its own name).
    public let source: String
    /// `Depends:` as groups of alternatives, names only (no versions or architectures).
    public let depends: [[String]]
    public let provides: [String]
    /// `Architecture:` (`amd64`, or `all` for a package with nothing compiled in it).
    public let architecture: String

    public init(name: String, version: String, source: String, depends: [[String]], provides: [String] = [], architecture: String = "") {
        self.name = name
        self.version = version
        self.source = source
        self.depends = depends
        self.provides = provides
        self.architecture = architecture
    }

    /// Built once for every architecture (headers, .pc files, data): nothing to compile for a target.
    public var isArchitectureIndependent: Bool { architecture == "all" }

    /// The newest stanza of `apt-cache show` output.
    static func newest(inShow text: String) -> BinaryPackage? {
        let stanzas = text.components(separatedBy: "\n\n").compactMap { stanza -> BinaryPackage? in
            var fields: [String: String] = [:]
            var last = ""
            for line in stanza.split(separator: "\n") {
                if line.first == " ", !last.isEmpty { fields[last, default: ""] += " " + line.trimmingSpaces(); continue }
                guard let colon = line.firstIndex(of: ":") else { continue }
                last = String(line[..<colon])
                fields[last] = line[line.index(after: colon)...].trimmingSpaces()
            }
            guard let name = fields["Package"], let version = fields["Version"] else { return nil }
            let source = fields["Source"].map { String($0.split(separator: " ").first ?? "") } ?? name
            return BinaryPackage(name: name, version: version, source: source,
                                 depends: relations(fields["Depends"] ?? ""), provides: relations(fields["Provides"] ?? "").map { $0[0] },
                                 architecture: fields["Architecture"] ?? "")
        }
        return stanzas.max { DebianVersion($0.version) < DebianVersion($1.version) }
    }

    /// `a (>= 1), b:any | c [amd64]` -> [[a], [b, c]]
    static func relations(_ text: String) -> [[String]] {
        text.split(separator: ",").map { group in
            group.split(separator: "|").compactMap { alternative in
                let name = alternative.trimmingSpaces().split(separator: " ").first.map(String.init) ?? ""
                let bare = String(name.split(separator: ":").first ?? "")
                return bare.isEmpty ? nil : bare
            }
        }.filter { !$0.isEmpty }
    }
}

/// What the resolver asks of Debian's package database. `AptIndex` asks apt and dpkg; the
/// unit tests give a fixed table.
public protocol PackageIndex {
    /// The newest version of a binary package, or nil when apt knows none (a virtual package).
    func binary(_ name: String) -> BinaryPackage?
    /// Binary package names that start with `prefix`.
    func names(prefix: String) -> [String]
    /// The files a binary package installs, whether or not it is installed (nil: unknown).
    func files(_ package: String) -> [String]?
    /// The installed package that owns a file whose path ends with `suffix`.
    func installedOwner(ofFileEndingWith suffix: String) -> String?
    /// The binary packages a source package builds (its `Binary:` list).
    func binaries(ofSource source: String) -> [String]
    /// The installed package and path of a file ending with `suffix` in a compiler's private
    /// directory (`libgcc-12-dev`, `/usr/lib/gcc/x86_64-linux-gnu/12/libbacktrace.a`).
    func compilerPrivateFile(endingWith suffix: String) -> (package: String, path: String)?
    /// The text of one of a package's files, when it can be read (an installed package).
    func text(ofFile path: String, in package: String) -> String?
}

extension PackageIndex {
    public func compilerPrivateFile(endingWith suffix: String) -> (package: String, path: String)? { nil }

    /// The pkg-config modules a package's .pc files require (Requires and Requires.private):
    /// a -dev package may not depend on the -dev packages its .pc files name (Debian's
    /// libslirp-dev requires glib-2.0 in slirp.pc but depends on libslirp0 alone), and a
    /// static build needs every one of them. Files that cannot be read add nothing.
    func pkgConfigRequires(_ package: String) -> [String] {
        fromPcFiles(of: package, PkgConfigRequires.modules(inPcFile:))
    }

    /// The libraries a package's .pc files link privately (`Libs.private: -lz -lpng16`).
    func pkgConfigPrivateLinks(_ package: String) -> [String] {
        fromPcFiles(of: package, PkgConfigRequires.privateLinks(inPcFile:))
    }

    /// What `read` finds in each of a package's .pc files, in order, each name once.
    private func fromPcFiles(of package: String, _ read: (String) -> [String]) -> [String] {
        var names: [String] = []
        for file in files(package) ?? [] where file.hasSuffix(".pc") {
            for name in read(text(ofFile: file, in: package) ?? "") where !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// The packages the shared libraries of a -dev package's own source are linked against:
    /// the Depends of its runtime packages (libleptonica-dev -> liblept5 -> libpng16-16,
    /// libgif7, …). Names only: one query per runtime package.
    func runtimeDependencies(of dev: BinaryPackage) -> [String] {
        var names: [String] = []
        for group in dev.depends {
            for name in group where !name.hasSuffix("-dev") {
                guard let runtime = binary(name), runtime.source == dev.source else { continue }
                for dep in runtime.depends.flatMap({ $0 }) where !names.contains(dep) { names.append(dep) }
            }
        }
        return names
    }
}

/// The module names of a .pc file's `Requires:` and `Requires.private:` lines
/// (`glib-2.0 >= 2.50, gobject-2.0` -> [glib-2.0, gobject-2.0]), versions dropped.
enum PkgConfigRequires {
    /// The `-l` names of a .pc file's `Libs.private:` lines (`-lz  -lpng16 -pthread` -> [z, png16]).
    static func privateLinks(inPcFile text: String) -> [String] {
        var links: [String] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingSpaces()
            guard let colon = trimmed.firstIndex(of: ":"),
                  trimmed[..<colon].trimmingSpaces().lowercased() == "libs.private" else { continue }
            for word in trimmed[trimmed.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" }) where word.hasPrefix("-l") {
                let name = String(word.dropFirst(2))
                if !name.isEmpty, !name.contains("$"), !links.contains(name) { links.append(name) }
            }
        }
        return links
    }

    static func modules(inPcFile text: String) -> [String] {
        var modules: [String] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingSpaces()
            guard let colon = trimmed.firstIndex(of: ":") else { continue }
            let key = trimmed[..<colon].trimmingSpaces().lowercased()
            guard key == "requires" || key == "requires.private" else { continue }
            var skipVersion = false
            for word in trimmed[trimmed.index(after: colon)...].split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }) {
                if skipVersion { skipVersion = false; continue }
                if word.allSatisfy({ "<>=!".contains($0) }) { skipVersion = true; continue }
                // `glib-2.0>=2.50` written without spaces.
                let name = String(word.prefix { !"<>=!".contains($0) })
                guard !name.isEmpty, !name.contains("$"), !modules.contains(name) else { continue }
                modules.append(name)
                if name.count < word.count, word.last.map({ "<>=!".contains($0) }) == true { skipVersion = true }
            }
        }
        return modules
    }
}

/// Debian's package database through apt-cache, dpkg and, for packages that are not
/// installed, the file list of the downloaded .deb (kept in the cache, keyed by version).
/// apt's Contents indexes would answer "which package ships this file" directly, but they
/// are ~45 MB per suite and apt-file hooks them into every `apt-get update`: the -dev
/// package names follow Debian's naming rules closely enough that a few candidates, checked
/// against their file lists, find the package.
public final class AptIndex: PackageIndex {
    let runner: Runner
    let directory: String
    private var fileLists: [String: [String]?] = [:]
    private let lock = NSLock()

    /// apt's answers, kept until apt's package cache changes (`apt-get update`, an install):
    /// a warm build asks apt nothing. Read on the first question (under `lock`): a build
    /// that needs no C library does not decode the file.
    private var loaded: [String: String]?
    private let answersFile: String
    private let stamp: String

    public init(runner: Runner, cacheRoot: String) {
        self.runner = runner
        directory = cacheRoot + "/debian-index"
        answersFile = directory + "/apt-answers.json"
        stamp = ["/var/cache/apt/pkgcache.bin", "/var/lib/dpkg/status"].map { ProbeCache.stamp($0) ?? "-" }.joined(separator: " ")
    }

    /// The answers file's, when apt's cache is the one they were given for; else none. Call under `lock`.
    private func answers() -> [String: String] {
        if let loaded { return loaded }
        var read = ["stamp": stamp]
        if let data = FileManager.default.contents(atPath: answersFile),
           let saved = try? JSONDecoder().decode([String: String].self, from: data), saved["stamp"] == stamp {
            read = saved
        }
        loaded = read
        return read
    }

    /// A remembered answer, or `ask()`'s (remembered when apt answered at all).
    private func answer(_ key: String, ask: () -> String?) -> String? {
        lock.lock()
        if let known = answers()[key] { lock.unlock(); return known }
        lock.unlock()
        guard let fresh = ask() else { return nil }
        lock.lock(); var all = answers(); all[key] = fresh; loaded = all; lock.unlock()
        save(all)
        return fresh
    }

    private func save(_ snapshot: [String: String]) {
        guard let data = try? JSONEncoder().encode(snapshot) else { return }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let tmp = answersFile + ".tmp-\(getpid())"
        if FileManager.default.createFile(atPath: tmp, contents: data) { _ = rename(tmp, answersFile) }
    }

    private func apt(_ arguments: [String]) -> String? {
        guard let result = try? runner.capture(Command("apt-cache", arguments, environment: ["LC_ALL": "C"])) else { return nil }
        // apt-cache show fails for names it does not know: an answer too (empty).
        return result.succeeded ? result.output : (result.output.contains("No packages found") || result.output.contains("Unable to locate") ? "" : nil)
    }

    public func binary(_ name: String) -> BinaryPackage? {
        let text = answer("show:" + name) { apt(["show", "--no-all-versions", name]) } ?? ""
        return BinaryPackage.newest(inShow: text)
    }

    public func names(prefix: String) -> [String] {
        let text = answer("names:" + prefix) { apt(["pkgnames", prefix]) } ?? ""
        return text.split(separator: "\n").map(String.init).sorted()
    }

    public func binaries(ofSource source: String) -> [String] {
        let text = answer("showsrc:" + source) { apt(["showsrc", "--only-source", source]) } ?? ""
        var names: [String] = []
        for line in text.split(separator: "\n") where line.hasPrefix("Binary:") {
            for name in line.dropFirst("Binary:".count).split(separator: ",") {
                let n = name.trimmingSpaces()
                if !n.isEmpty, !names.contains(n) { names.append(n) }
            }
        }
        return names
    }

    public func files(_ package: String) -> [String]? {
        lock.lock()
        if let known = fileLists[package] { lock.unlock(); return known }
        lock.unlock()
        let list = answer("files:" + package) { (installedFiles(package) ?? downloadedFiles(package))?.joined(separator: "\n") }
            .map { $0.split(separator: "\n").map(String.init) }
        lock.lock(); fileLists[package] = list; lock.unlock()
        return list
    }

    public func installedOwner(ofFileEndingWith suffix: String) -> String? {
        let text = answer("owner:" + suffix) {
            (try? runner.capture(Command("dpkg", ["-S", "*" + suffix], environment: ["LC_ALL": "C"]))).map { $0.succeeded ? $0.output : "" }
        } ?? ""
        return Self.owner(inDpkgSearch: text, ofFileEndingWith: suffix)
    }

    /// The package of the first file `dpkg -S` found (`libfoo-dev:amd64: /usr/lib/…/libfoo.a`).
    /// A file in a compiler's private directory (gcc's libbacktrace.a, libasan.a under
    /// /usr/lib/gcc/) is not a -dev package's library: its package's source is the whole
    /// compiler. Such a library is built from its own directory of that source instead
    /// (`compilerPrivateFile`, `LibraryResolver.sourcePart`).
    static func owner(inDpkgSearch text: String, ofFileEndingWith suffix: String) -> String? {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[1].trimmingSpaces().hasSuffix(suffix) else { continue }
            let paths = parts[1].split(separator: " ").filter { $0.hasPrefix("/") }
            if paths.contains(where: { $0.hasPrefix("/usr/lib/gcc/") || $0.hasPrefix("/usr/lib/gcc-cross/") }) { continue }
            return String(parts[0].split(separator: ",").first ?? "").split(separator: ":").first.map(String.init)
        }
        return nil
    }

    public func compilerPrivateFile(endingWith suffix: String) -> (package: String, path: String)? {
        let text = answer("owner:" + suffix) {
            (try? runner.capture(Command("dpkg", ["-S", "*" + suffix], environment: ["LC_ALL": "C"]))).map { $0.succeeded ? $0.output : "" }
        } ?? ""
        return Self.compilerPrivateOwner(inDpkgSearch: text, ofFileEndingWith: suffix)
    }

    /// The package and path of the file `dpkg -S` found in a compiler's private directory;
    /// of several (multilib: `…/12/32/libbacktrace.a` of lib32gcc-12-dev), the shortest path.
    static func compilerPrivateOwner(inDpkgSearch text: String, ofFileEndingWith suffix: String) -> (package: String, path: String)? {
        var found: [(package: String, path: String)] = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let names = parts[0].split(separator: ",").compactMap { $0.trimmingSpaces().split(separator: ":").first.map(String.init) }
            // `libgcc-12-dev:amd64: /path`: the architecture's colon is the first split.
            var rest = String(parts[1])
            if let colon = rest.firstIndex(of: ":"), !rest[..<colon].contains("/") { rest = String(rest[rest.index(after: colon)...]) }
            let path = rest.trimmingSpaces()
            guard path.hasSuffix(suffix), SourcePart.isCompilerPrivate(path), let name = names.first else { continue }
            found.append((name, path))
        }
        return found.min { ($0.path.count, $0.path) < ($1.path.count, $1.path) }
    }

    private func installedFiles(_ package: String) -> [String]? {
        guard let status = try? runner.capture(Command("dpkg-query", ["-W", "-f", "${Status} ${Version}", package], environment: ["LC_ALL": "C"])),
              status.succeeded, status.output.hasPrefix("install ok installed"),
              let list = try? runner.capture(Command("dpkg", ["-L", package], environment: ["LC_ALL": "C"])), list.succeeded else { return nil }
        return list.output.split(separator: "\n").map(String.init)
    }

    /// An installed package's file (its path is in the package's own list, so the file on
    /// disk is that package's). For a package that is not installed, its .pc files are read
    /// from the downloaded .deb (remembered like apt's answers); any other file: nil.
    public func text(ofFile path: String, in package: String) -> String? {
        if let installed = installedFiles(package) {
            return installed.contains(path) ? try? String(contentsOfFile: path, encoding: .utf8) : nil
        }
        guard path.hasSuffix(".pc"), let json = answer("pc:" + package, ask: { downloadedPcFiles(package) }),
              let texts = try? JSONDecoder().decode([String: String].self, from: Data(json.utf8)) else { return nil }
        return texts[path]
    }

    /// The .pc files of a package's .deb, unpacked into a scratch directory: path -> text, as JSON.
    private func downloadedPcFiles(_ package: String) -> String? {
        withDownloadedDeb(package) { work, deb -> String? in
            let root = work + "/root"
            guard let unpacked = try? runner.capture(Command("dpkg-deb", ["-x", deb, root], environment: ["LC_ALL": "C"])), unpacked.succeeded
            else { return nil }
            var texts: [String: String] = [:]
            let walker = FileManager.default.enumerator(atPath: root)
            while let relative = walker?.nextObject() as? String {
                guard relative.hasSuffix(".pc"), walker?.fileAttributes?[.type] as? FileAttributeType == .typeRegular,
                      let text = try? String(contentsOfFile: root + "/" + relative, encoding: .utf8) else { continue }
                texts["/" + relative] = text
            }
            return (try? JSONEncoder().encode(texts)).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// `apt-get download` of the package's candidate version into a scratch directory that
    /// is removed afterwards; `use` gets that directory and the .deb's path.
    private func withDownloadedDeb<T>(_ package: String, _ use: (String, String) -> T?) -> T? {
        guard let info = binary(package) else { return nil }
        let fm = FileManager.default
        let work = "\(directory)/.download-\(package)-\(getpid())"
        try? fm.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: work) }
        guard let got = try? runner.capture(Command("apt-get", ["download", "-q", "\(package)=\(info.version)"], environment: ["LC_ALL": "C"], directory: work)),
              got.succeeded, let deb = (try? fm.contentsOfDirectory(atPath: work))?.first(where: { $0.hasSuffix(".deb") }) else { return nil }
        return use(work, work + "/" + deb)
    }

    /// `apt-get download` into the cache, `dpkg-deb -c`, and only the list is kept.
    private func downloadedFiles(_ package: String) -> [String]? {
        guard let info = binary(package) else { return nil }
        let listFile = "\(directory)/\(package)_\(info.version.replacingEvery(":", with: "%3a")).files"
        if let text = try? String(contentsOfFile: listFile, encoding: .utf8) { return text.split(separator: "\n").map(String.init) }
        guard let listing = withDownloadedDeb(package, { _, deb in
            (try? runner.capture(Command("dpkg-deb", ["-c", deb], environment: ["LC_ALL": "C"]))).flatMap { $0.succeeded ? $0 : nil }
        }) else { return nil }
        // `-rw-r--r-- root/root 123 2023-01-01 00:00 ./usr/lib/x/libz.a` (symlinks: `… -> target`)
        let paths = listing.output.split(separator: "\n").compactMap { line -> String? in
            guard let dot = line.range(of: " ./") else { return nil }
            let path = String(line[line.index(after: dot.lowerBound)...].dropFirst())
            return String(path.components(separatedBy: " -> ").first ?? path)
        }.filter { !$0.hasSuffix("/") }
        let tmp = listFile + ".tmp-\(getpid())"
        if (try? paths.joined(separator: "\n").write(toFile: tmp, atomically: false, encoding: .utf8)) != nil { _ = rename(tmp, listFile) }
        return paths
    }
}
