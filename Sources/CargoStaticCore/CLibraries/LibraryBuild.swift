import Foundation

/// A C library made available for a target: from the cache, or built now.
public struct ProvidedLibrary: Codable {
    public enum Outcome: String, Codable { case hit = "cache hit", hitAfterWait = "cache hit after waiting", built }
    public let name: String
    public let version: String
    public let outcome: Outcome
    public let prefix: String
    public let entry: String
}

/// Everything that decides a library build, computed once: the cache key is the recipe's
/// own commands (with placeholder paths), so any change to a flag is a new entry.
struct LibraryBuildSpec {
    let library: NativeLibrary
    let source: LibrarySource
    let target: Target
    let toolchain: CToolchain
    let dependencies: [ProvidedLibrary]

    /// The tree's build system, Debian's flags and patches (read from the fetched source).
    var layout: SourceLayout? { SourceLayout.detect(source.path, prefer: library.preferredBuildSystems) }

    var keyText: String {
        var placeholder = LibraryBuildContext(source: "$SRC", prefix: "$PREFIX", destdir: "$DESTDIR", version: source.upstreamVersion,
                                              target: target, toolchain: toolchain, jobs: 1,
                                              dependencyPrefixes: dependencies.map { "$DEP/\($0.entry)" })
        placeholder.layout = layout
        let steps = library.steps(placeholder).map(\.shellLine).joined(separator: "\n")
        let written = library.extraPkgConfig.keys.sorted().map { "\($0).pc:\n" + library.extraPkgConfig[$0]!(placeholder) }
            + library.fileAliases.keys.sorted().map { "\($0) -> \(library.fileAliases[$0]!)" }
            + (library.isGeneric ? [PkgConfigFixup.keyText] : [])
        return """
        library: \(library.name)
        source: \(source.package) \(source.version) (\(source.origin))
        target: \(target.triple)
        c toolchain: \(toolchain.version) (wrappers \(toolchain.wrapperFingerprint))
        dependencies: \(dependencies.map(\.entry).joined(separator: " "))
        steps:
        \(steps)
        written by cargo-static:
        \(written.joined(separator: "\n"))
        """
    }

    var entryName: String { "\(library.name)-\(source.upstreamVersion)-\(Fingerprint.hex(keyText))" }
}

/// Makes C libraries available for a target: cache hit, wait for another builder, or build.
public struct LibraryProvider {
    public let cache: LibraryCache
    public let sources: SourceStore
    public let runner: Runner
    public let reporter: Reporter

    /// Maps names (recipes, link names, pkg-config modules, Debian packages) to libraries.
    public let resolver: LibraryResolver

    /// `resolver`: nil for one that asks this machine's apt and dpkg.
    public init(cacheRoot: String, runner: Runner, reporter: Reporter, resolver: LibraryResolver? = nil) {
        cache = LibraryCache(root: cacheRoot)
        sources = SourceStore(cacheRoot: cacheRoot, runner: runner, reporter: reporter)
        self.runner = runner
        self.reporter = reporter
        self.resolver = resolver ?? LibraryResolver(index: AptIndex(runner: runner, cacheRoot: cacheRoot))
    }

    /// `names` and their dependencies, built for `target` where not cached, in dependency order.
    /// Names are anything the resolver understands: a recipe (`zlib`), a link name (`git2`),
    /// a pkg-config module (`libgit2`) or a Debian source package.
    public func ensure(_ names: [String], target: Target, toolchain: CToolchain) throws -> [ProvidedLibrary] {
        var provided: [ProvidedLibrary] = []
        let libraries = try resolver.closure(names)
        for library in libraries {
            let deps = Self.dependencyClosure(library, in: libraries).compactMap { name in provided.first { $0.name == name } }
            provided.append(try ensure(library, target: target, toolchain: toolchain, dependencies: deps))
        }
        return provided
    }

    /// A library's dependencies and theirs, in build order: a static library's build (its
    /// configure tests, its .pc file's Requires.private) needs every one of them.
    static func dependencyClosure(_ library: NativeLibrary, in all: [NativeLibrary]) -> [String] {
        var names: [String] = []
        func visit(_ name: String) {
            guard let lib = all.first(where: { $0.name == name }) else { return }
            for dep in lib.dependencies where !names.contains(dep) { visit(dep) }
            if !names.contains(name) { names.append(name) }
        }
        for dep in library.dependencies { visit(dep) }
        return all.map(\.name).filter(names.contains)
    }

    private func ensure(_ library: NativeLibrary, target: Target, toolchain: CToolchain,
                        dependencies: [ProvidedLibrary]) throws -> ProvidedLibrary {
        let source = try currentSource(library)
        let spec = LibraryBuildSpec(library: library, source: source, target: target, toolchain: toolchain, dependencies: dependencies)
        let (name, key) = (spec.entryName, spec.keyText)
        func result(_ outcome: ProvidedLibrary.Outcome) -> ProvidedLibrary {
            ProvidedLibrary(name: library.name, version: source.upstreamVersion, outcome: outcome,
                            prefix: cache.prefix(target, name), entry: name)
        }
        if cache.lookup(target, name, key: key) != nil { return result(.hit) }
        var waited = false
        let lock = try FileLock(path: cache.lockPath(target, name)) {
            waited = true
            reporter.info("waiting for another cargo-static that is building \(library.name) for \(target)")
        }
        defer { withExtendedLifetime(lock) {} }
        if cache.lookup(target, name, key: key) != nil { return result(waited ? .hitAfterWait : .hit) }
        cache.removeStaleStaging(target, name)
        try LibraryBuilder(cache: cache, runner: runner, reporter: reporter).build(spec, name: name, key: key)
        return result(.built)
    }

    /// The selected source, fetched once under a lock so two builds never download it twice.
    private func currentSource(_ library: NativeLibrary) throws -> LibrarySource {
        if let selected = sources.selected(library) { return selected }
        let lock = try FileLock(path: "\(cache.root)/locks/source-\(library.debianSource).lock")
        defer { withExtendedLifetime(lock) {} }
        return try sources.current(library)
    }

    /// The commands a build of `names` would run, for `plan` (nothing is fetched or built).
    public func plan(_ names: [String], target: Target, toolchain: CToolchain) throws -> [LibraryPlan] {
        var plans: [LibraryPlan] = []
        var provided: [ProvidedLibrary] = []
        let libraries = try resolver.closure(names)
        for library in libraries {
            let deps = Self.dependencyClosure(library, in: libraries).compactMap { name in provided.first { $0.name == name } }
            guard let source = sources.selected(library) else {
                let context = LibraryBuildContext(source: "<source of \(library.debianSource)>", prefix: "<cache>/prefix", destdir: "<staging>",
                                                  version: "?", target: target, toolchain: toolchain, jobs: LibraryBuilder.jobs,
                                                  dependencyPrefixes: deps.map(\.prefix))
                plans.append(LibraryPlan(library: library.name, entry: nil, cached: false,
                                         fetch: Command("apt-get", ["source", "--only-source", library.debianSource]),
                                         steps: library.steps(context)))
                provided.append(ProvidedLibrary(name: library.name, version: "?", outcome: .built, prefix: "<\(library.name) prefix>", entry: library.name))
                continue
            }
            let spec = LibraryBuildSpec(library: library, source: source, target: target, toolchain: toolchain, dependencies: deps)
            let name = spec.entryName
            let cached = cache.lookup(target, name, key: spec.keyText) != nil
            let context = LibraryBuilder.context(spec, workDir: cache.workDir(target, name), prefix: cache.prefix(target, name),
                                                 staging: cache.stagingDir(target, name))
            plans.append(LibraryPlan(library: library.name, entry: name, cached: cached, fetch: nil, steps: cached ? [] : library.steps(context)))
            provided.append(ProvidedLibrary(name: library.name, version: source.upstreamVersion, outcome: cached ? .hit : .built,
                                            prefix: cache.prefix(target, name), entry: name))
        }
        return plans
    }
}

/// What `plan` shows for one C library.
public struct LibraryPlan: Codable {
    public let library: String
    public let entry: String?
    public let cached: Bool
    public let fetch: Command?
    public let steps: [Command]
}

/// Runs one library's recipe in a private copy of its source and publishes the result.
struct LibraryBuilder {
    let cache: LibraryCache
    let runner: Runner
    let reporter: Reporter

    static var jobs: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    static func context(_ spec: LibraryBuildSpec, workDir: String, prefix: String, staging: String) -> LibraryBuildContext {
        var context = LibraryBuildContext(source: workDir + "/src", prefix: prefix, destdir: staging + "/destdir", version: spec.source.upstreamVersion,
                                          target: spec.target, toolchain: spec.toolchain, jobs: jobs,
                                          dependencyPrefixes: spec.dependencies.map(\.prefix))
        context.layout = spec.layout
        return context
    }

    func build(_ spec: LibraryBuildSpec, name: String, key: String) throws {
        let fm = FileManager.default
        let target = spec.target
        let work = cache.workDir(target, name)
        let staging = cache.stagingDir(target, name)
        let context = Self.context(spec, workDir: work, prefix: cache.prefix(target, name), staging: staging)
        let started = Date()
        try? fm.removeItem(atPath: work)
        try fm.createDirectory(atPath: work, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
        reporter.info("building \(spec.library.name) \(spec.source.upstreamVersion) for \(target) from source (once; cached in \(cache.root))")
        do {
            try copySource(spec.source, to: context.source, work: work)
            try AutotoolsTimestamps.settle(context.source)
            let steps = spec.library.steps(context)
            for (index, step) in steps.enumerated() { try run(step, index: index, of: steps.count, spec) }
            try assemble(context, spec.library, staging: staging)
            let entry = LibraryEntry(name: name, library: spec.library.name, version: spec.source.version, origin: spec.source.origin,
                                     target: target.triple, key: key, cToolchain: spec.toolchain.version,
                                     dependencies: spec.dependencies.map(\.entry), created: Date(),
                                     buildSeconds: Date().timeIntervalSince(started), prefix: context.prefix,
                                     patches: context.layout?.patches, buildSystem: context.layout?.buildSystem.rawValue)
            try cache.publish(staging: staging, entry: entry, target: target)
        } catch {
            try? fm.removeItem(atPath: staging)
            if let e = error as? CargoStaticError { throw e }
            if "\(error)".contains("No space") { throw DiskSpace.error(at: cache.root, output: "\(error)") }
            throw CargoStaticError(.libraryBuildFailed, "could not store \(spec.library.name) for \(target) in \(cache.root): \(error.localizedDescription)")
        }
        try? fm.removeItem(atPath: work)
        reporter.info(String(format: "%@ for %@ built in %.0f s", spec.library.name, target.triple, Date().timeIntervalSince(started)))
    }

    /// A writable copy: these libraries build inside their source tree.
    private func copySource(_ source: LibrarySource, to destination: String, work: String) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: source.path, isDirectory: &isDir), isDir.boolValue {
            try runner.check(Command("cp", ["-a", source.path, destination]), what: "copying the source of \(source.package)")
            return
        }
        let unpack = work + "/unpack"
        try FileManager.default.createDirectory(atPath: unpack, withIntermediateDirectories: true)
        try runner.check(Command("tar", ["-xf", source.path, "-C", unpack]), what: "unpacking \(source.path)",
                         fix: "pass a .tar.gz, .tar.xz or .tar.bz2 file or a directory with --source")
        let top = try FileManager.default.contentsOfDirectory(atPath: unpack)
        guard top.count == 1 else {
            throw CargoStaticError(.badInput, "\(source.path) does not unpack into a single directory", fix: "pass the source directory itself with --source")
        }
        try FileManager.default.moveItem(atPath: unpack + "/" + top[0], toPath: destination)
    }

    /// One recipe step, with progress (compiler runs seen) and the full failure report.
    private func run(_ step: Command, index: Int, of total: Int, _ spec: LibraryBuildSpec) throws {
        let label = "building \(spec.library.name) for \(spec.target): step \(index + 1)/\(total) (\(([step.executable] + step.arguments.prefix(2)).joined(separator: " ")))"
        var compiled = 0
        reporter.progress(label, done: 0, total: 0, unit: "compiler runs")
        let result = try runner.capture(step) { line in
            guard line.contains(" -c ") else { return }
            compiled += 1
            reporter.progress(label, done: compiled, total: 0, unit: "compiler runs")
        }
        reporter.endProgress()
        guard result.succeeded else {
            if DiskSpace.isFull(result.output) { throw DiskSpace.error(at: cache.root, output: result.output) }
            throw CargoStaticError(.libraryBuildFailed, "building \(spec.library.name) \(spec.source.upstreamVersion) for \(spec.target) failed at step \(index + 1) of \(total)",
                                   fix: "the command, its environment and its output are above; `cargo-static deps build \(spec.library.name) --dry-run` prints every step to rerun by hand",
                                   detail: Runner.failureReport(result, lines: 30))
        }
    }

    /// Moves the installed files into the entry, drops what static linking does not need,
    /// adds missing .pc files and second names, and checks that the archives exist.
    private func assemble(_ c: LibraryBuildContext, _ library: NativeLibrary, staging: String) throws {
        let fm = FileManager.default
        let prefix = staging + "/prefix"
        guard fm.fileExists(atPath: c.installRoot) else {
            throw CargoStaticError(.libraryBuildFailed, "\(library.name)'s install step put nothing in \(c.installRoot)")
        }
        try fm.moveItem(atPath: c.installRoot, toPath: prefix)
        try? fm.removeItem(atPath: staging + "/destdir")
        for dir in ["share/man", "share/doc", "share/info", "bin"] { try? fm.removeItem(atPath: prefix + "/" + dir) }
        for file in (try? fm.contentsOfDirectory(atPath: prefix + "/lib")) ?? [] where file.hasSuffix(".la") {
            try fm.removeItem(atPath: prefix + "/lib/" + file)
        }
        for (module, text) in library.extraPkgConfig {
            try fm.createDirectory(atPath: prefix + "/lib/pkgconfig", withIntermediateDirectories: true)
            try text(c).write(toFile: "\(prefix)/lib/pkgconfig/\(module).pc", atomically: false, encoding: .utf8)
        }
        if library.isGeneric { try PkgConfigFixup.apply(pkgconfigDir: prefix + "/lib/pkgconfig", ownLib: prefix + "/lib",
                                                        dependencyLibs: c.dependencyPrefixes.map { $0 + "/lib" }) }
        for (alias, original) in library.fileAliases where !fm.fileExists(atPath: prefix + "/" + alias) {
            try fm.createSymbolicLink(atPath: prefix + "/" + alias, withDestinationPath: original)
        }
        let missing = library.archives.filter { !fm.fileExists(atPath: "\(prefix)/lib/\($0)") }
        // A generated recipe expects what Debian's -dev package ships; a build that makes some
        // of them (Debian's flavours, C++ bindings) is still the library.
        let enough = library.isGeneric ? missing.count < library.archives.count : missing.isEmpty
        if library.isGeneric, !missing.isEmpty, enough {
            reporter.detail("\(library.name) for \(c.target): no \(missing.joined(separator: ", ")) (Debian ships them; this build does not make them)")
        }
        guard enough else {
            throw CargoStaticError(.libraryBuildFailed, "building \(library.name) for \(c.target) produced no \(missing.joined(separator: ", "))",
                                   fix: "rerun with CARGO_STATIC_VERBOSE=1 to see every command")
        }
    }
}

/// Debian's patches touch configure.ac and Makefile.am after the shipped configure and
/// Makefile.in were generated, so make would try to rerun autoconf and automake (which
/// need not be installed, and whose output would differ from upstream's). Marking the
/// generated files newer than every other file keeps the shipped build system.
enum AutotoolsTimestamps {
    static let generated: Set<String> = ["aclocal.m4", "configure", "config.h.in", "Makefile.in"]

    static func settle(_ tree: String) throws {
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: tree) else { return }
        var newest = Date.distantPast
        var outputs: [String] = []
        while let item = walker.nextObject() as? String {
            let path = tree + "/" + item
            guard let attrs = try? fm.attributesOfItem(atPath: path), (attrs[.type] as? FileAttributeType) == .typeRegular,
                  let date = attrs[.modificationDate] as? Date else { continue }
            newest = max(newest, date)
            if generated.contains((item as NSString).lastPathComponent) { outputs.append(path) }
        }
        guard !outputs.isEmpty else { return }
        // Whole seconds: every file system and make compare these the same way.
        let stamp = Date(timeIntervalSince1970: newest.timeIntervalSince1970.rounded(.down) + 2)
        for path in outputs { try fm.setAttributes([.modificationDate: stamp], ofItemAtPath: path) }
    }
}

/// Makes installed .pc files self-contained in the cache: a `-lfoo` in Libs or Libs.private
/// that upstream wrote without its directory (libgit2's `-lhttp_parser`) gets the `-L` of
/// the dependency prefix that holds libfoo.a, so the crate's pkg-config probe links it. A
/// `-lfoo` that no library of the build provides, and that is not part of the libc, is
/// dropped: a Debian patch may name what Debian's own configuration links (libssh2's
/// `-lgpg-error`, for its libgcrypt backend) while this build uses another.
enum PkgConfigFixup {
    static let keyText = ".pc files: -L added for -l names found in dependency prefixes, -l names found nowhere dropped"
    /// Parts of musl's libc.a that keep their traditional names (zig and musl-gcc provide them).
    static let libcParts: Set<String> = ["c", "m", "rt", "dl", "pthread", "util", "resolv", "crypt", "xnet"]

    static func apply(pkgconfigDir: String, ownLib: String, dependencyLibs: [String]) throws {
        let fm = FileManager.default
        for file in (try? fm.contentsOfDirectory(atPath: pkgconfigDir)) ?? [] where file.hasSuffix(".pc") {
            let path = pkgconfigDir + "/" + file
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            let fixed = self.fixed(text, ownLib: ownLib, dependencyLibs: dependencyLibs)
            if fixed != text { try fixed.write(toFile: path, atomically: true, encoding: .utf8) }
        }
    }

    static func fixed(_ text: String, ownLib: String, dependencyLibs: [String],
                      exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { raw -> String in
            let line = String(raw)
            guard line.hasPrefix("Libs:") || line.hasPrefix("Libs.private:") else { return line }
            let words = line.split(separator: " ").map(String.init)
            let searched = Set(words.filter { $0.hasPrefix("-L") }.map { String($0.dropFirst(2)) })
            var added: [String] = []
            var dropped: Set<String> = []
            for word in words where word.hasPrefix("-l") {
                let name = String(word.dropFirst(2))
                let archive = "/lib\(name).a"
                if libcParts.contains(name) || exists(ownLib + archive) || searched.contains(where: { exists($0 + archive) }) { continue }
                if let dir = dependencyLibs.first(where: { exists($0 + archive) }) {
                    if !added.contains(dir) { added.append(dir) }
                } else {
                    dropped.insert(word)
                }
            }
            guard !added.isEmpty || !dropped.isEmpty, let colon = line.firstIndex(of: ":") else { return line }
            let rest = line[line.index(after: colon)...].split(separator: " ").map(String.init).filter { !dropped.contains($0) }
            return String(line[...colon]) + (added.map { "-L" + $0 } + rest).map { " " + $0 }.joined()
        }.joined(separator: "\n")
    }
}
