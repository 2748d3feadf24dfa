import Foundation

/// How a crate asks for a C library.
public enum LibraryNeed: Hashable, CustomStringConvertible {
    /// A name typed by the user (`--deps`, `[package.metadata.cargo-static] deps`).
    case name(String)
    /// A `links` key or an `-l` name (`git2`, `ssh2`, `pcre2-8`).
    case link(String)
    /// A pkg-config module (`libgit2`, `libpcre2-8`).
    case pkgConfig(String)
    /// A Debian binary package (a -dev package's dependency).
    case package(String)

    var isPkgConfig: Bool { if case .pkgConfig = self { return true } else { return false } }

    /// The library's name as the need gives it (nil for a Debian package).
    var libraryName: String? {
        switch self {
        case .name(let n), .link(let n), .pkgConfig(let n): return n
        case .package: return nil
        }
    }

    public var description: String {
        switch self {
        case .name(let n): return n
        case .link(let n): return "-l\(n)"
        case .pkgConfig(let n): return "pkg-config module \(n)"
        case .package(let n): return "Debian package \(n)"
        }
    }
}

/// Finds, for any C library a crate may ask for, the Debian source package that provides it
/// and how to build it: a hand-written recipe where one exists (`NativeLibrary.all`), else a
/// generated one (`GenericRecipes`), with its dependencies from the -dev package's Depends.
/// Only reads Debian's package database; nothing is fetched or built.
public final class LibraryResolver {
    let index: PackageIndex
    /// Everything resolved so far, by library name.
    private var known: [String: NativeLibrary] = [:]
    private var byNeed: [LibraryNeed: String?] = [:]
    private var resolving: Set<String> = []
    /// By source package: the parts a library can leave out, and those a need asked for.
    private var partsOf: [String: [AddOnPart]] = [:]
    private var wantedParts: [String: Set<String>] = [:]
    private let lock = NSRecursiveLock()

    public init(index: PackageIndex) { self.index = index }

    /// The process-wide resolver (apt and dpkg, with the cache's index directory): the one
    /// `Session` installed from its context. Only code run without a session (unit tests)
    /// gets one made from the process's context.
    public static var shared: LibraryResolver {
        sharedLock.lock(); defer { sharedLock.unlock() }
        if let r = sharedInstance { return r }
        return installLocked(for: .process)
    }

    /// Makes a resolver for `context` (its PATH, its cache's index directory) the process-wide
    /// one, unless one for the same cache is installed already (what it resolved stays known).
    public static func install(for context: Context) {
        sharedLock.lock(); defer { sharedLock.unlock() }
        if sharedRoot != context.cacheRoot { _ = installLocked(for: context) }
    }

    private static func installLocked(for context: Context) -> LibraryResolver {
        let r = LibraryResolver(index: AptIndex(runner: Runner(context: context), cacheRoot: context.cacheRoot))
        sharedInstance = r
        sharedRoot = context.cacheRoot
        return r
    }
    private static var sharedInstance: LibraryResolver?
    private static var sharedRoot: String?
    private static let sharedLock = NSLock()

    /// A library by the name a user typed, with an error that says what was looked for.
    public func named(_ name: String) throws -> NativeLibrary {
        lock.lock(); defer { lock.unlock() }
        if let lib = known[name] { return lib }
        if let refusal = RefusalTable.refusal(for: name) { throw refusal.error(crate: nil) }
        if let lib = try library(for: .name(name)) { return lib }
        throw CargoStaticError(.badInput, "cargo-static does not know how to build the C library `\(name)`: it has no recipe for it, and no Debian -dev package ships lib\(Self.bare(name)).a/.so or \(name).pc",
                               fix: "known recipes: \(NativeLibrary.all.map(\.name).joined(separator: ", ")); any other library is found by its link name (`git2`), pkg-config module (`libgit2`) or Debian source package (`libgit2`)")
    }

    /// A library this resolver already resolved, by its canonical name.
    func resolved(_ name: String) -> NativeLibrary? {
        lock.lock(); defer { lock.unlock() }
        return known[name]
    }

    /// `names` and everything they depend on, dependencies first. `extra`: dependencies
    /// learned for a library (by name) beyond Debian's, added to it.
    public func closure(_ names: [String], extra: [String: [String]] = [:]) throws -> [NativeLibrary] {
        var ordered: [NativeLibrary] = []
        var visiting: Set<String> = []
        func visit(_ name: String) throws {
            var lib = try named(name)
            guard !ordered.contains(where: { $0.name == lib.name }), !visiting.contains(lib.name) else { return }
            visiting.insert(lib.name)
            for dep in extra[lib.name] ?? [] where !lib.dependencies.contains(dep) { lib.dependencies.append(dep) }
            for dep in lib.dependencies { try visit(dep) }
            ordered.append(lib)
        }
        for name in names { try visit(name) }
        return ordered
    }

    /// The library for a need, or nil when neither a recipe nor Debian provides it.
    public func library(for need: LibraryNeed) throws -> NativeLibrary? {
        lock.lock(); defer { lock.unlock() }
        if let cached = byNeed[need] { return cached.flatMap { known[$0] } }
        var found = try resolve(need)
        // A need for a part left out (`harfbuzz-icu`, `pangocairo`): the library again, with it.
        if let lib = found, let part = partsOf[lib.debianSource]?.first(where: { need.libraryName.map(Self.needStem) == $0.stem }),
           wantedParts[lib.debianSource]?.contains(part.part) != true, let dev = lib.devPackage, let info = index.binary(dev) {
            wantedParts[lib.debianSource, default: []].insert(part.part)
            known.removeValue(forKey: lib.name)
            found = try library(fromDev: info) ?? lib
        }
        if let found { known[found.name] = found }
        byNeed[need] = found?.name
        return found
    }

    private func resolve(_ need: LibraryNeed) throws -> NativeLibrary? {
        if let recipe = Self.recipe(for: need) { return recipe }
        guard let dev = devPackage(for: need) else { return sourcePart(for: need) }
        guard let info = index.binary(dev) else { return nil }
        return try library(fromDev: info)
    }

    /// A library Debian ships only in a compiler's private directory (libgcc-12-dev's
    /// /usr/lib/gcc/x86_64-linux-gnu/12/libbacktrace.a): built from the directory of that
    /// package's source named for it (`SourcePart`), never the compiler's own runtime.
    func sourcePart(for need: LibraryNeed) -> NativeLibrary? {
        let stem: String
        switch need {
        case .link(let l): stem = l
        case .name(let n): stem = Self.bare(n)
        default: return nil
        }
        guard !stem.isEmpty, !SourcePart.toolchainRuntimes.contains(stem),
              let file = index.compilerPrivateFile(endingWith: "/lib\(stem).a"), let info = index.binary(file.package) else { return nil }
        let part = SourcePart(stem: stem, headers: SourcePart.headers(stem: stem, in: index.files(file.package) ?? []))
        return GenericRecipes.library(part: part, source: info.source, package: info.name)
    }

    /// A hand-written recipe matching the need by name, alias, archive or module.
    static func recipe(for need: LibraryNeed) -> NativeLibrary? {
        switch need {
        case .name(let n):
            let key = n.lowercased()
            return NativeLibrary.all.first { $0.name == key || $0.aliases.contains(key) || $0.debianSource == key }
        case .link(let l): return NativeLibrary.providing(link: l)
        case .pkgConfig(let m): return NativeLibrary.all.first { $0.pkgConfigModules.contains(m) }
        case .package: return nil
        }
    }

    /// The -dev package that ships the library: candidates by Debian's naming rules, checked
    /// against their file lists, then the installed packages' files.
    func devPackage(for need: LibraryNeed) -> String? {
        let (links, modules, bases): ([String], [String], [String])
        switch need {
        case .package(let p): return p
        case .link(let l): (links, modules, bases) = ([l], [], Self.baseNames(l))
        case .pkgConfig(let m): (links, modules, bases) = ([Self.bare(m)], [m], Self.baseNames(m))
        case .name(let n):
            if let src = sourceDevPackage(n) { return src }
            (links, modules, bases) = ([Self.bare(n)], [n, "lib" + Self.bare(n)], Self.baseNames(n))
        }
        let wanted = links.flatMap { ["/lib\($0).so", "/lib\($0).a"] } + modules.map { "/\($0).pc" }
        // A file in a compiler's private directory (libgcc-12-dev's /usr/lib/gcc/…/libgcc.a
        // for -lgcc) is the compiler's runtime, not a library its package is the -dev of.
        func ships(_ package: String) -> Bool {
            guard let files = index.files(package) else { return false }
            return files.contains { file in !SourcePart.isCompilerPrivate(file) && wanted.contains { file.hasSuffix($0) } }
        }
        // The plain names first: each apt query costs a fraction of a second.
        for base in bases { for candidate in ["lib\(base)-dev", "\(base)-dev"] where ships(candidate) { return candidate } }
        for candidate in candidates(bases) where ships(candidate) { return candidate }
        // A data package named after its module (shared-mime-info ships shared-mime-info.pc
        // and no -dev package).
        for module in modules where ships(module) { return module }
        for suffix in wanted {
            if let owner = index.installedOwner(ofFileEndingWith: suffix), owner.hasSuffix("-dev") { return owner }
        }
        return nil
    }

    /// A source package's own -dev package, when the user typed the source package's name:
    /// the one that ships a library (not a transitional package such as libpcap-dev, which
    /// only depends on libpcap0.8-dev).
    private func sourceDevPackage(_ name: String) -> String? {
        let key = name.lowercased()
        func shipsLibrary(_ candidate: String) -> Bool {
            guard let info = index.binary(candidate), info.source == key else { return false }
            return (index.files(candidate) ?? []).contains(where: { Self.isLibraryFile($0) })
        }
        for candidate in candidates(Self.baseNames(key)) where shipsLibrary(candidate) { return candidate }
        // Names that follow no rule (llvm-toolchain-14 builds libclang-14-dev): the source's binaries.
        let devs = index.binaries(ofSource: key).filter { $0.hasSuffix("-dev") }
            .sorted { ($0.contains("-openssl") ? 0 : 1, $0.count) < ($1.contains("-openssl") ? 0 : 1, $1.count) }
        return devs.first(where: shipsLibrary)
    }

    /// A static or shared library, or a pkg-config file.
    static func isLibraryFile(_ path: String) -> Bool {
        let file = (path as NSString).lastPathComponent
        return file.hasSuffix(".pc") || (file.hasPrefix("lib") && (file.hasSuffix(".so") || file.hasSuffix(".a")))
    }

    /// `lib<b>-dev`, `<b>-dev`, then versioned names (`libssh2-1-dev`, `libpcap0.8-dev`,
    /// `libcurl4-openssl-dev`: the OpenSSL flavour first, as that is what cargo-static builds).
    func candidates(_ bases: [String]) -> [String] {
        var out: [String] = []
        for base in bases {
            let exact = ["lib\(base)-dev", "\(base)-dev"]
            let versioned = (index.names(prefix: "lib" + base) + index.names(prefix: base)).filter { name in
                guard name.hasSuffix("-dev"), !exact.contains(name) else { return false }
                let middle = name.hasPrefix("lib" + base) ? name.dropFirst(base.count + 3) : name.dropFirst(base.count)
                let stem = middle.dropLast(4)
                return stem.allSatisfy { $0.isNumber || $0 == "." || $0 == "-" } || stem.hasSuffix("-openssl") || stem.hasSuffix("-gnutls")
            }.sorted { a, b in
                let ao = a.contains("-openssl"), bo = b.contains("-openssl")
                if ao != bo { return ao }
                let ag = a.contains("-gnutls"), bg = b.contains("-gnutls")
                if ag != bg { return !ag }
                return a.count < b.count || (a.count == b.count && a < b)
            }
            for name in exact + versioned where !out.contains(name) { out.append(name) }
        }
        return out
    }

    /// `libpcre2-8` -> [pcre2-8, pcre2]; `ssh2` -> [ssh2]; `libxml-2.0` -> [xml-2.0, xml, xml2]
    static func baseNames(_ name: String) -> [String] {
        var bases = [bare(name)]
        var trimmed = bare(name)
        while let dash = trimmed.lastIndex(where: { $0 == "-" || $0 == "_" }),
              trimmed[trimmed.index(after: dash)...].allSatisfy({ $0.isNumber || $0 == "." }) {
            trimmed = String(trimmed[..<dash])
            if !trimmed.isEmpty, !bases.contains(trimmed) { bases.append(trimmed) }
        }
        // `xml-2.0`: Debian names it by the major version (libxml2-dev).
        if let dash = bare(name).lastIndex(of: "-"), let major = bare(name)[bare(name).index(after: dash)...].split(separator: ".").first,
           major.allSatisfy(\.isNumber) {
            let joined = String(bare(name)[..<dash]) + major
            if !bases.contains(joined) { bases.append(joined) }
        }
        return bases
    }

    static func bare(_ name: String) -> String { name.hasPrefix("lib") && name.count > 3 ? String(name.dropFirst(3)) : name }

    /// What the source builds as other -dev packages, which this one does not depend on:
    /// parts a build of this library can leave out, named after this package
    /// (`libxkbcommon-x11-dev` next to `libxkbcommon-dev`: `x11`) or on their own
    /// (`libxkbregistry-dev`: `xkbregistry`).
    /// A source that builds a `gir1.2-*` package ships its GObject introspection data there
    /// (typelibs, read at run time by language bindings): `introspection` is no part of the
    /// static library either.
    func separateParts(of info: BinaryPackage) -> [String] {
        guard info.name.hasSuffix("-dev") else { return [] }
        let stem = String(info.name.dropLast(4)) + "-"
        let depends = Set(info.depends.flatMap { $0 })
        let siblings = index.binaries(ofSource: info.source)
        let parts = siblings.compactMap { sibling -> String? in
            guard sibling != info.name, sibling.hasSuffix("-dev"), !depends.contains(sibling) else { return nil }
            let part = sibling.hasPrefix(stem) ? String(sibling.dropFirst(stem.count).dropLast(4)) : Self.bare(String(sibling.dropLast(4)))
            return part.isEmpty ? nil : part
        }
        let introspection = siblings.contains { $0.hasPrefix(Self.introspectionPackagePrefix) } ? [Self.introspectionPart] : []
        return (parts + introspection).sorted()
    }

    static let introspectionPart = "introspection"
    static let introspectionPackagePrefix = "gir1.2-"

    /// Whether a dependency of a -dev package is there only for its introspection data (the
    /// .gir file the -dev package ships includes the .gir files of the dependency: Debian's
    /// libgraphene-1.0-dev depends on libgirepository1.0-dev for GObject-2.0.gir): the
    /// dependency ships .gir files and none of the pkg-config modules the library's .pc files
    /// require. With introspection switched off it is not needed.
    static func onlyForIntrospection(dependencyFiles: [String], requiredModules: [String]) -> Bool {
        let ships = dependencyFiles.contains { $0.hasPrefix("/usr/share/gir-1.0/") && $0.hasSuffix(".gir") }
        let modules = dependencyFiles.filter { $0.hasSuffix(".pc") }.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension }
        return ships && !modules.contains(where: requiredModules.contains)
    }

    /// A part of a -dev package's own: a library Debian ships as a runtime package of its own
    /// (libharfbuzz-icu0, libpangoxft-1.0-0) beside the main one (libharfbuzz0b,
    /// libpango-1.0-0), all in the one -dev package, and the source packages of the
    /// libraries only that part links (icu; libx11, xft, libxrender).
    struct AddOnPart: Equatable {
        /// What the part is called in the tree's options: the runtime package's name less the
        /// main one's (`icu`, `xft`, `cairo`).
        let part: String
        /// Its library's name (`harfbuzz-icu`, `pangoxft`): a need for it asks for the part.
        let stem: String
        let sources: [String]
    }

    /// `libpangoxft-1.0-0` -> `pangoxft`, `libharfbuzz0b` -> `harfbuzz`, `libharfbuzz-icu0` ->
    /// `harfbuzz-icu`, `libxkbcommon-x11-0` -> `xkbcommon-x11`: the library a runtime package is
    /// named for, without Debian's soname version.
    static func libraryStem(_ package: String) -> String {
        var name = Substring(package.hasPrefix("lib") ? String(package.dropFirst(3)) : package)
        if let range = name.range(of: #"-[0-9][0-9.]*-[0-9]+[a-z]?$"#, options: .regularExpression) {
            name = name[..<range.lowerBound]
        } else if let range = name.range(of: #"[0-9][0-9.]*[a-z]?$"#, options: .regularExpression), range.lowerBound > name.startIndex {
            name = name[..<range.lowerBound]
        }
        while name.hasSuffix("-") || name.hasSuffix(".") { name = name.dropLast() }
        return String(name)
    }

    /// The name of a need as a library stem (`pangocairo-1.0` -> `pangocairo`, `libharfbuzz-icu` -> `harfbuzz-icu`).
    static func needStem(_ name: String) -> String {
        let bare = Self.bare(name)
        guard let range = bare.range(of: #"-[0-9][0-9.]*$"#, options: .regularExpression) else { return bare }
        return String(bare[..<range.lowerBound])
    }

    /// The parts a build can leave out: among the runtime packages of the source that the
    /// -dev package depends on, those named after the main one (its stem and more) that link
    /// a library of another source which no other of these runtime packages links. A crate
    /// asking for harfbuzz builds no ICU, one asking for pango no Xft and X11; a part linking
    /// nothing of its own costs nothing and is kept (harfbuzz-gobject: GLib, which harfbuzz
    /// links too). `sourceOf`: a binary package's source package.
    static func addOnParts(runtimes: [BinaryPackage], sourceOf: (String) -> String?) -> [AddOnPart] {
        let stems = Dictionary(runtimes.map { ($0.name, libraryStem($0.name)) }) { a, _ in a }
        let own = Set(runtimes.map(\.source))
        func sources(_ package: BinaryPackage) -> Set<String> {
            Set(package.depends.compactMap { group in group.first.flatMap(sourceOf) }.filter { !own.contains($0) })
        }
        let linked = Dictionary(runtimes.map { ($0.name, sources($0)) }) { a, _ in a }
        return runtimes.sorted { $0.name < $1.name }.compactMap { package -> AddOnPart? in
            guard let stem = stems[package.name],
                  let main = runtimes.compactMap({ stems[$0.name] }).filter({ $0 != stem && stem.hasPrefix($0) }).max(by: { $0.count < $1.count })
            else { return nil }
            var part = Substring(stem.dropFirst(main.count))
            while part.hasPrefix("-") || part.hasPrefix("_") { part = part.dropFirst() }
            let others = Set(linked.filter { $0.key != package.name }.values.joined())
            let only = (linked[package.name] ?? []).filter { !others.contains($0) }.sorted()
            return part.isEmpty || only.isEmpty ? nil : AddOnPart(part: String(part), stem: stem, sources: only)
        }
    }

    /// The source packages of libraries already resolved and all they depend on.
    private func chainSources(_ names: [String]) -> Set<String> {
        var seen = Set<String>(), sources = Set<String>(), queue = names
        while let name = queue.popLast() {
            guard seen.insert(name).inserted, let lib = known[name] else { continue }
            sources.insert(lib.debianSource)
            queue += lib.dependencies
        }
        return sources
    }

    /// A package whose libraries are all in a compiler's private directory (libstdc++-12-dev,
    /// libgcc-12-dev: source gcc-12): the compiler's runtime, which the target's C toolchain
    /// brings; as a dependency it is never built (that would build the compiler).
    static func isCompilerRuntime(_ files: [String]) -> Bool {
        let libraries = files.filter(isLibraryFile)
        return !libraries.isEmpty && libraries.allSatisfy(SourcePart.isCompilerPrivate)
    }

    /// Dependencies that are never built: the libc and the kernel's headers come with the
    /// target's C toolchain.
    static let toolchainPackages: Set<String> = ["libc6-dev", "libc-dev", "linux-libc-dev", "libc6.1-dev", "libstdc++-dev", "libgcc-dev"]

    /// A library generated from a -dev package: the hand-written recipe of its source package
    /// if there is one, else the generic builder with that source's options.
    func library(fromDev info: BinaryPackage) throws -> NativeLibrary? {
        if let recipe = NativeLibrary.all.first(where: { $0.debianSource == info.source }) { return recipe }
        if let refusal = RefusalTable.refusal(for: info.source) { throw refusal.error(crate: nil) }
        if let done = known[info.source] { return done }
        // A transitional package (libjpeg-dev, which only depends on libjpeg62-turbo-dev):
        // the -dev package of the same source it depends on, which ships the library.
        if !(index.files(info.name) ?? []).contains(where: { Self.isLibraryFile($0) }),
           let real = info.depends.flatMap({ $0 }).first(where: { dep in
               dep.hasSuffix("-dev") && dep != info.name && index.binary(dep)?.source == info.source
                   && (index.files(dep) ?? []).contains(where: { Self.isLibraryFile($0) })
           }), let realInfo = index.binary(real) {
            return try library(fromDev: realInfo)
        }
        guard !resolving.contains(info.source) else { return nil }
        resolving.insert(info.source)
        defer { resolving.remove(info.source) }
        var options = GenericRecipes.options(for: info.source)
        let files = index.files(info.name) ?? []
        // Add-on parts that alone need a library (harfbuzz-icu: ICU) are left out with it,
        // unless a need asked for one of them.
        // Only a -dev package depending on several runtime packages of its source has parts:
        // for the others apt is not asked again (each answer costs a process).
        let siblings = Set(index.binaries(ofSource: info.source))
        // A shared library's package is named for its soname, which ends in its version
        // (libharfbuzz0b, libpango-1.0-0); programs (libglib2.0-bin) are no part.
        let runtimeNames = info.depends.compactMap { $0.first }.filter {
            siblings.contains($0) && $0.hasPrefix("lib") && $0.range(of: #"[0-9][a-z]?$"#, options: .regularExpression) != nil
        }
        let runtimes = runtimeNames.count < 2 ? [] : runtimeNames.compactMap { index.binary($0) }.filter { $0.source == info.source }
        let addOns = Self.addOnParts(runtimes: runtimes) { siblings.contains($0) ? info.source : self.index.binary($0)?.source }
        partsOf[info.source] = addOns
        let ownModules = Set(files.filter { $0.hasSuffix(".pc") }.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension })
        // With introspection switched off, a dependency there only for its .gir files is not built.
        let separate = separateParts(of: info)
        let required = index.pkgConfigRequires(info.name)
        let noIntrospection = separate.contains(Self.introspectionPart)
        func gather(leaving leftOut: Set<String>) throws -> [String] {
            var dependencies: [String] = []
            for group in info.depends {
                guard let dep = group.first(where: { $0.hasSuffix("-dev") }), !Self.toolchainPackages.contains(dep),
                      !Self.isCompilerRuntime(index.files(dep) ?? []),
                      !options.dropDependencies.contains(dep), let source = index.binary(dep)?.source, source != info.source,
                      !leftOut.contains(source) else { continue }
                if noIntrospection, Self.onlyForIntrospection(dependencyFiles: index.files(dep) ?? [], requiredModules: required) { continue }
                if let lib = try library(for: .package(dep)), !dependencies.contains(lib.name) { dependencies.append(lib.name) }
            }
            // What its .pc files require, which Debian's Depends may leave out; a module that
            // resolves to nothing here is left to the build (which names it if it is missing).
            // A left-out part's library, or one the recipe drops, is not resolved at all: Xft's
            // chain is X11's, and glib's gio-2.0.pc names `mount`, whose libmount-dev would have
            // become util-linux's library for everyone (libuuid's too, with SELinux).
            let skipped = leftOut.union(options.dropDependencies.compactMap { index.binary($0)?.source })
            for module in required where !ownModules.contains(module) {
                if !skipped.isEmpty, Self.recipe(for: .pkgConfig(module)) == nil, let dev = devPackage(for: .pkgConfig(module)),
                   let source = index.binary(dev)?.source, skipped.contains(source) { continue }
                guard let lib = try? library(for: .pkgConfig(module)), lib.debianSource != info.source, !leftOut.contains(lib.debianSource),
                      !options.dropDependencies.contains(where: { index.binary($0)?.source == lib.debianSource }),
                      !dependencies.contains(lib.name) else { continue }
                dependencies.append(lib.name)
            }
            return dependencies
        }
        let wanted = wantedParts[info.source] ?? []
        var leftOutParts = addOns.filter { !wanted.contains($0.part) }
        var dependencies = try gather(leaving: Set(leftOutParts.flatMap(\.sources)))
        // A part whose library the rest builds anyway (pangoft2's freetype, which harfbuzz
        // needs) saves nothing: kept.
        let built = chainSources(dependencies)
        if leftOutParts.contains(where: { !built.isDisjoint(with: $0.sources) }) {
            leftOutParts = leftOutParts.filter { built.isDisjoint(with: $0.sources) }
            dependencies = try gather(leaving: Set(leftOutParts.flatMap(\.sources)))
        }
        options.separateParts = (separate + leftOutParts.map(\.part)).reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
        // What its .pc files link privately and its own shared library is linked against
        // (libleptonica-dev depends on liblept5 alone and lept.pc has no Requires, but
        // `Libs.private: -lpng16 -lgif …` and liblept5 depends on libpng16-16, libgif7, …):
        // without them configure builds the library without its image formats. Only where
        // Debian says nothing else: a -dev package that names no library -dev package of
        // another source, and a source whose recipe does not choose its features itself
        // (curl's and libxml2's recipes switch off what their .pc files list, and curl's
        // Libs.private would pull in GnuTLS, Kerberos and LDAP).
        let declaresLibraries = info.depends.contains { group in
            group.contains { $0.hasSuffix("-dev") && !Self.toolchainPackages.contains($0) && index.binary($0)?.source != info.source }
        }
        let privateLinks = declaresLibraries || GenericRecipes.tuned.contains(info.source) ? []
            : index.pkgConfigPrivateLinks(info.name).filter { !PkgConfigFixup.libcParts.contains($0) }
        let runtime = privateLinks.isEmpty ? [] : index.runtimeDependencies(of: info)
        for link in privateLinks {
            // Only a link its runtime package's dependencies are named for (libpng16-16 for
            // -lpng16, zlib1g for -lz) is resolved: each resolution asks apt.
            let named = runtime.filter { $0.hasPrefix("lib" + link) || $0.hasPrefix(link) }
            guard !named.isEmpty, let lib = try? library(for: .link(link)), lib.debianSource != info.source,
                  named.contains(where: { index.binary($0)?.source == lib.debianSource }),
                  !options.dropDependencies.contains(where: { index.binary($0)?.source == lib.debianSource }),
                  !dependencies.contains(lib.name) else { continue }
            dependencies.append(lib.name)
        }
        for extra in options.addDependencies {
            if let lib = try library(for: .name(extra)), !dependencies.contains(lib.name) { dependencies.append(lib.name) }
        }
        // Nothing compiled in it (headers, .pc files): Debian's .deb is the library.
        if HeaderPackages.takesFromDeb(info, files: files, text: { self.index.text(ofFile: $0, in: info.name) }) {
            return HeaderPackages.library(info: info, files: files, dependencies: dependencies)
        }
        return GenericRecipes.library(source: info.source, devPackage: info.name, files: files, dependencies: dependencies, options: options)
    }
}
