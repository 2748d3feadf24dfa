import Foundation

/// A C library's source, ready to be copied into a build directory.
public struct LibrarySource: Codable, Equatable {
    /// The Debian source package, or the library's name for a local source.
    public let package: String
    /// The Debian version (`1:1.2.13.dfsg-1`) or, for a local source, what its name says.
    public let version: String
    /// The upstream part (`1.2.13.dfsg`), used in names and .pc files.
    public let upstreamVersion: String
    /// Where it came from, for people and for the cache key (`debian`, or the local path).
    public let origin: String
    /// An extracted tree (a directory) or, for a local source, possibly a tarball.
    public let path: String
}

/// Fetched sources, shared by every target and kept until `deps clean --sources`:
///   sources/<package>_<version>/tree     an extracted Debian source package (patches applied)
///   sources/<package>.selected           which one builds use (the newest fetched, or a local one)
public struct SourceStore {
    public let root: String
    let layout: CacheLayout
    let runner: Runner
    let reporter: Reporter

    public init(layout: CacheLayout, runner: Runner, reporter: Reporter) {
        root = layout.sources
        self.layout = layout
        self.runner = runner
        self.reporter = reporter
    }

    /// The source builds of `library` use: the selected one, fetched from Debian the first time.
    public func current(_ library: NativeLibrary) throws -> LibrarySource {
        if library.binaryPackage != nil { return try download(library, planned: nil) }
        if let selected = selected(library) { return selected }
        return try fetchFromDebian(library)
    }

    public func selected(_ library: NativeLibrary) -> LibrarySource? {
        guard let data = FileManager.default.contents(atPath: selectionFile(library)),
              let source = try? JSONDecoder().decode(LibrarySource.self, from: data),
              FileManager.default.fileExists(atPath: source.path) else { return nil }
        return source
    }

    private func selectionFile(_ library: NativeLibrary) -> String { "\(root)/\(library.name).selected" }

    private func select(_ source: LibrarySource, for library: NativeLibrary) throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let file = selectionFile(library)
        let tmp = "\(file).tmp-\(getpid())"
        try JSONEncoder().encode(source).write(to: URL(fileURLWithPath: tmp))
        _ = rename(tmp, file)
    }

    /// Uses a local directory or tarball from now on (`deps build NAME --source PATH`).
    public func useLocal(_ path: String, for library: NativeLibrary) throws -> LibrarySource {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let stamp = ProbeCache.stamp(absolute) else {
            throw CargoStaticError(.badInput, "the source \(path) for \(library.name) does not exist",
                                   fix: "pass --source with a source directory or a .tar.gz/.tar.xz/.tar.bz2 file")
        }
        let name = (absolute as NSString).lastPathComponent
        let version = Self.versionInName(name) ?? "local"
        let source = LibrarySource(package: library.name, version: version, upstreamVersion: version,
                                   origin: "local \(absolute) (\(stamp))", path: absolute)
        try select(source, for: library)
        return source
    }

    /// `zlib-1.3.1.tar.gz` -> `1.3.1`
    static func versionInName(_ name: String) -> String? {
        var base = name
        for ext in [".tar.gz", ".tgz", ".tar.xz", ".tar.bz2", ".tar.zst", ".tar"] where base.hasSuffix(ext) {
            base = String(base.dropLast(ext.count))
        }
        guard let dash = base.lastIndex(of: "-") else { return nil }
        let version = String(base[base.index(after: dash)...])
        return version.first?.isNumber == true ? version : nil
    }

    /// Downloads and unpacks the newest version apt can fetch (`apt-get source`), trying
    /// older ones when a mirror lacks a file of the newest.
    public func fetchFromDebian(_ library: NativeLibrary) throws -> LibrarySource {
        let package = library.debianSource
        let versions = try availableVersions(package)
        return try fetch(library, versions.map { FetchAttempt(version: $0, command: Self.fetchCommand(package, $0.text, into: staging(package))) },
                         older: { [] })
    }

    /// Runs the fetch a plan's step carries, exactly its command; apt is asked for older
    /// versions only when that fails (the mirror lacks a file of the planned version).
    public func fetch(_ planned: SourceFetch, for library: NativeLibrary) throws -> LibrarySource {
        guard let first = Self.plannedAttempt(planned) else { return try current(library) }
        return try fetch(library, [first], older: {
            Self.olderAttempts(than: first.version, in: try availableVersions(planned.package), package: planned.package, into: staging(planned.package))
        })
    }

    /// One `apt-get source` of one version.
    struct FetchAttempt: Equatable {
        let version: DebianVersion
        let command: Command
    }

    /// The planned fetch as the first attempt: its own command (nil when it names no version).
    static func plannedAttempt(_ planned: SourceFetch) -> FetchAttempt? {
        planned.version.map { FetchAttempt(version: DebianVersion($0), command: planned.command) }
    }

    /// The fallbacks after `version`: the older ones apt knows, newest first.
    static func olderAttempts(than version: DebianVersion, in versions: [DebianVersion], package: String, into staging: String) -> [FetchAttempt] {
        versions.filter { $0 < version }.sorted(by: >).map { FetchAttempt(version: $0, command: fetchCommand(package, $0.text, into: staging)) }
    }

    private func staging(_ package: String) -> String { "\(root)/.staging-\(package)" }

    /// Tries `attempts` in order, then (after a failure) those `older` gives.
    private func fetch(_ library: NativeLibrary, _ attempts: [FetchAttempt], older: () throws -> [FetchAttempt]) throws -> LibrarySource {
        let package = library.debianSource
        let fm = FileManager.default
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        // One fetcher of a package at a time: the staging directory below is shared.
        let lock = try FileLock(path: layout.sourceLock(package))
        defer { withExtendedLifetime(lock) {} }
        var failures: [String] = []
        var tried: [FetchAttempt] = []
        /// One attempt: its source once in place (fetched now or before), nil when the download failed.
        func run(_ attempt: FetchAttempt) throws -> LibrarySource? {
            tried.append(attempt)
            let version = attempt.version
            let dir = "\(root)/\(package)_\(version.text)"
            if !failures.isEmpty {
                reporter.warn("the source of \(package) \(tried[0].version.text) could not be downloaded (\(failures.joined(separator: "; "))); trying the previous version the archive has, \(version.text)")
            }
            if fm.fileExists(atPath: dir + "/tree") {
                let source = try partOf(debianSource(package, version, dir), library)
                try select(source, for: library)
                return source
            }
            let staging = staging(package)
            try? fm.removeItem(atPath: staging)
            try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
            reporter.status("Fetching", "the source of \(library.name): apt-get source \(package)=\(version.text)")
            let result = try runner.capture(attempt.command)
            if result.succeeded, let tree = try extractedTree(in: staging) {
                try fm.moveItem(atPath: tree, toPath: staging + "/tree")
                try removeDownloads(in: staging)
                try? fm.removeItem(atPath: dir)
                try fm.moveItem(atPath: staging, toPath: dir)
                let source = try partOf(debianSource(package, version, dir), library)
                try select(source, for: library)
                return source
            }
            try? fm.removeItem(atPath: staging)
            if DiskSpace.isFull(result.output) { throw DiskSpace.error(at: root, output: result.output) }
            if result.output.contains("dpkg-source: not found") {
                throw CargoStaticError(.commandFailed, "apt-get downloaded the source of \(package) but cannot unpack it without dpkg-source",
                                       fix: "apt-get install dpkg-dev")
            }
            failures.append("\(package)=\(version.text): " + Runner.tail(result.output, lines: 3).replacingEvery("\n", with: " | "))
            return nil
        }
        for attempt in attempts {
            if let source = try run(attempt) { return source }
        }
        // Only after a failure: the older versions apt knows.
        for attempt in attempts.isEmpty ? [] : (try? older()) ?? [] {
            if let source = try run(attempt) { return source }
        }
        if let version = tried.first?.version, let source = try upstreamTarball(library, version) { return source }
        throw CargoStaticError(.commandFailed, "\(SourceRequest.unavailable) \(package) (for \(library.name)) in any version apt knows: \(tried.map(\.version.text).joined(separator: ", ")), asked through `apt-get source` from the deb-src entries in /etc/apt",
                               fix: "check that the Debian mirror is reachable (apt-get update), or pass a local source: cargo-static deps build \(library.name) --source PATH",
                               detail: failures.joined(separator: "\n"))
    }

    /// The source a library builds: the whole package's, or the part it is (`SourcePart`).
    private func partOf(_ whole: LibrarySource, _ library: NativeLibrary) throws -> LibrarySource {
        guard let part = library.sourcePart else { return whole }
        return try self.part(part, of: whole, library: library.name)
    }

    /// When the mirror has a version's upstream tarball but not Debian's diff (a 1.0-format
    /// `.diff.gz`, or the `.debian.tar.*`): upstream's source without Debian's patches,
    /// fetched by apt's own downloader and said in a warning. Nil when that fails too.
    private func upstreamTarball(_ library: NativeLibrary, _ version: DebianVersion) throws -> LibrarySource? {
        let package = library.debianSource
        let fm = FileManager.default
        let dir = "\(root)/\(package)_\(version.text)-upstream"
        let upstream = LibrarySource(package: package, version: version.text, upstreamVersion: version.upstreamVersion,
                                     origin: "debian upstream tarball, without Debian's diff", path: dir + "/tree")
        if fm.fileExists(atPath: dir + "/tree") { try select(upstream, for: library); return upstream }
        guard let uris = try? runner.capture(Command("apt-get", ["source", "--print-uris", "--only-source", "-q", "\(package)=\(version.text)"],
                                                     environment: ["LC_ALL": "C"], directory: root)), uris.succeeded,
              let tarball = Self.upstreamTarball(inPrintURIs: uris.output) else { return nil }
        let staging = "\(root)/.staging-\(package)-upstream"
        try? fm.removeItem(atPath: staging)
        try fm.createDirectory(atPath: staging + "/unpack", withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: staging) }
        reporter.warn("Debian's changes to \(package) \(version.text) could not be downloaded; building upstream's tarball \(tarball.file) without Debian's patches")
        let got = try runner.capture(Command("/usr/lib/apt/apt-helper", ["download-file", tarball.uri, staging + "/" + tarball.file],
                                             environment: ["LC_ALL": "C"], directory: staging))
        guard got.succeeded,
              (try? runner.capture(Command("tar", ["-xf", staging + "/" + tarball.file, "-C", staging + "/unpack"])))?.succeeded == true,
              let tree = try extractedTree(in: staging + "/unpack") else { return nil }
        try? fm.removeItem(atPath: dir)
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try fm.moveItem(atPath: tree, toPath: dir + "/tree")
        try select(upstream, for: library)
        return upstream
    }

    /// The main upstream tarball in `apt-get source --print-uris` output
    /// (`'http://…/pixman_0.42.2.orig.tar.gz' pixman_0.42.2.orig.tar.gz 936720 SHA256:…`).
    static func upstreamTarball(inPrintURIs text: String) -> (uri: String, file: String)? {
        for line in text.split(separator: "\n") where line.hasPrefix("'") {
            let words = line.split(separator: " ")
            guard words.count >= 2 else { continue }
            let uri = String(words[0].dropFirst().dropLast(words[0].hasSuffix("'") ? 1 : 0))
            let file = String(words[1])
            guard !file.contains("/"), let orig = file.range(of: ".orig.tar."), !file[orig.upperBound...].contains("."),
                  !file[..<orig.lowerBound].contains(".orig-") else { continue }
            return (uri, file)
        }
        return nil
    }

    /// Where a binary package's .deb is kept: sources/<package>_<version>.deb (`HeaderPackages`).
    public static func expectedDeb(_ package: BinaryPackage, root: String) -> LibrarySource {
        let version = DebianVersion(package.version)
        return LibrarySource(package: package.name, version: package.version, upstreamVersion: version.upstreamVersion,
                             origin: "debian binary package (Architecture: \(package.architecture))",
                             path: "\(root)/\(package.name)_\(package.version).deb")
    }

    /// `apt-get download` of one version of a binary package into a directory.
    public static func downloadCommand(_ package: String, _ version: String, into directory: String) -> Command {
        Command("apt-get", ["download", "-q", "\(package)=\(version)"], environment: ["LC_ALL": "C"], directory: directory)
    }

    /// The .deb of a library taken from a binary package: the one downloaded before, else the
    /// plan's `apt-get download` (or the same command for apt's version), run in a staging
    /// directory and moved into place whole.
    public func download(_ library: NativeLibrary, planned: SourceFetch?) throws -> LibrarySource {
        guard let deb = library.binaryPackage else { return try current(library) }
        let expected = Self.expectedDeb(deb, root: root)
        if FileSystem.kind(expected.path) == .regular { return expected }
        try FileSystem.makeDirectory(root)
        let lock = try FileLock(path: layout.sourceLock(deb.name + ".deb"))
        defer { withExtendedLifetime(lock) {} }
        if FileSystem.kind(expected.path) == .regular { return expected }
        let staging = "\(root)/.staging-\(deb.name).deb"
        try FileSystem.removeTree(staging)
        try FileSystem.makeDirectory(staging)
        defer { try? FileSystem.removeTree(staging) }
        let command = planned?.command ?? Self.downloadCommand(deb.name, deb.version, into: staging)
        reporter.status("Fetching", "\(deb.name) \(deb.version) for \(library.name) (headers and data, nothing to compile): apt-get download \(deb.name)=\(deb.version)")
        let result = try runner.capture(command)
        let downloaded = ((try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? []).filter { $0.hasSuffix(".deb") }
        guard result.succeeded, downloaded.count == 1 else {
            if DiskSpace.isFull(result.output) { throw DiskSpace.error(at: root, output: result.output) }
            throw CargoStaticError(.commandFailed, "could not download Debian's \(deb.name) \(deb.version) (for \(library.name)) with `apt-get download`",
                                   fix: "check that the Debian mirror is reachable and apt's lists are current (apt-get update)",
                                   detail: Runner.tail(result.output, lines: 5))
        }
        try FileSystem.rename(staging + "/" + downloaded[0], to: expected.path)
        return expected
    }

    /// `apt-get source` of one version into a directory.
    public static func fetchCommand(_ package: String, _ version: String?, into directory: String) -> Command {
        Command("apt-get", ["source", "--only-source", "-q", version.map { "\(package)=\($0)" } ?? package],
                environment: ["LC_ALL": "C"], directory: directory)
    }

    /// The source a fetch of `version` will give (for planning before the fetch).
    public func expected(_ library: NativeLibrary, _ version: DebianVersion) -> LibrarySource {
        Self.expected(library, version, root: root)
    }

    /// Where the source of `version` will be once fetched into `root`.
    static func expected(_ library: NativeLibrary, _ version: DebianVersion, root: String) -> LibrarySource {
        let whole = debianSource(library.debianSource, version, "\(root)/\(library.debianSource)_\(version.text)")
        guard let part = library.sourcePart, part.directory(in: whole.path) == nil else { return whole }
        return partTree(part, of: whole)
    }

    private func debianSource(_ package: String, _ version: DebianVersion, _ dir: String) -> LibrarySource {
        Self.debianSource(package, version, dir)
    }

    private static func debianSource(_ package: String, _ version: DebianVersion, _ dir: String) -> LibrarySource {
        LibrarySource(package: package, version: version.text, upstreamVersion: version.upstreamVersion,
                      origin: "debian", path: dir + "/tree")
    }

    /// Versions of a source package apt knows, newest first.
    func availableVersions(_ package: String) throws -> [DebianVersion] {
        guard runner.which("apt-cache") != nil else {
            throw CargoStaticError(.commandFailed, "fetching C library sources needs apt (Debian or Ubuntu)",
                                   fix: "pass a local source directory or tarball: cargo-static deps build NAME --source PATH")
        }
        let result = try runner.capture(Command("apt-cache", ["showsrc", "--only-source", package], environment: ["LC_ALL": "C"]))
        let versions = Self.versions(inShowsrc: result.output)
        guard !versions.isEmpty else {
            throw CargoStaticError(.commandFailed, "apt knows no source package `\(package)`: it has no deb-src entry, or its index is not downloaded",
                                   fix: "add a deb-src entry for your Debian mirror (a copy of the `deb` line or stanza with `deb-src`), run `apt-get update`, then retry; or pass a local source with --source PATH")
        }
        return versions
    }

    static func versions(inShowsrc text: String) -> [DebianVersion] {
        var seen = Set<String>()
        return text.split(separator: "\n").compactMap { line -> DebianVersion? in
            guard line.hasPrefix("Version: ") else { return nil }
            let v = String(line.dropFirst("Version: ".count)).trimmingSpaces()
            return seen.insert(v).inserted ? DebianVersion(v) : nil
        }.sorted(by: >)
    }

    /// The one directory `apt-get source` unpacked.
    private func extractedTree(in dir: String) throws -> String? {
        let fm = FileManager.default
        for item in try fm.contentsOfDirectory(atPath: dir) {
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: dir + "/" + item, isDirectory: &isDir), isDir.boolValue { return dir + "/" + item }
        }
        return nil
    }

    /// The tarballs are unpacked: keep only the tree.
    private func removeDownloads(in dir: String) throws {
        let fm = FileManager.default
        for item in try fm.contentsOfDirectory(atPath: dir) where item != "tree" {
            try fm.removeItem(atPath: dir + "/" + item)
        }
    }

    /// Removes fetched sources (all, or those of packages whose name contains `matching`), and
    /// the choices of which source builds use: a local `--source` choice is named, since the
    /// next build goes back to Debian's source.
    public func clean(matching: String?) throws -> [String] {
        let fm = FileManager.default
        var removed: [String] = []
        for item in ((try? fm.contentsOfDirectory(atPath: root)) ?? []).sorted() where matching == nil || item.contains(matching!) {
            let path = root + "/" + item
            if item.hasSuffix(".selected"), let data = fm.contents(atPath: path),
               let choice = try? JSONDecoder().decode(LibrarySource.self, from: data), choice.origin != "debian" {
                removed.append("the choice of --source \(choice.path) for \(item.dropLast(".selected".count)) (builds use Debian's source again)")
            }
            try fm.removeItem(atPath: path)
            if !item.hasPrefix("."), !item.hasSuffix(".selected") { removed.append(item) }
        }
        return removed
    }
}
