import Foundation

/// A library a configure step said it could not find, in that step's own words.
public struct ConfigureMissing: Equatable {
    /// The ways to ask the resolver for it, tried in order (a CMake package name may be a
    /// recipe name, a link name or a pkg-config module).
    public let needs: [LibraryNeed]
    /// The line that said so (for the error and the notes).
    public let said: String
}

/// Reads the output of a failed configure/setup step (autoconf's configure, meson setup,
/// CMake's configure) for the libraries it reported missing. Only what led to the failure:
/// an optional check that said "no" earlier is not a missing library.
public enum ConfigureFailure {
    /// Whether a recipe step is a build system's configure/setup step.
    public static func isSetupStep(_ command: Command) -> Bool {
        let tool = (command.executable as NSString).lastPathComponent
        switch tool {
        case "configure": return true
        case "meson": return command.arguments.first == "setup"
        case "cmake": return !command.arguments.contains { $0 == "--build" || $0 == "--install" || $0 == "-P" || $0 == "-E" }
        default: return false
        }
    }

    /// The missing libraries, each once, in the order the output names them.
    public static func missing(inOutput text: String) -> [ConfigureMissing] {
        var out: [ConfigureMissing] = []
        func add(_ found: [ConfigureMissing]) {
            for m in found where !out.contains(where: { $0.needs == m.needs }) { out.append(m) }
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
        add(autoconf(lines))
        add(meson(lines))
        add(cmake(lines))
        add(pkgConfig(lines))
        return out
    }

    /// `checking for library containing F... no` (AC_SEARCH_LIBS: F is a function, most often
    /// named like its library) and `checking for F in -lY... no` (AC_CHECK_LIB), before
    /// `configure: error`: the checks whose name the error repeats, else the check just
    /// before it.
    static func autoconf(_ lines: [String]) -> [ConfigureMissing] {
        guard let error = lines.firstIndex(where: { $0.hasPrefix("configure: error:") }) else { return [] }
        let message = lines[error...].prefix(4).joined(separator: " ").lowercased()
        var failed: [(name: String, need: LibraryNeed, line: String)] = []
        var lastCheck: String?
        for line in lines[..<error] where line.hasPrefix("checking ") {
            lastCheck = line
            guard line.hasSuffix("... no") || line.hasSuffix("...no") else { continue }
            if let f = between(line, "checking for library containing ", "...") {
                failed.append((f, .link(f), line))
            } else if let lib = between(line, " in -l", "...") {
                failed.append((lib, .link(lib), line))
            } else if let module = pkgConfigCheck(line) {
                failed.append((module, .pkgConfig(module), line))
            }
        }
        // A PKG_CHECK_MODULES line counts only where the error names its module (`checking for
        // libverto... no`, then krb5's "cannot detect system libverto"): the same words are
        // any AC_CHECK_FUNC's or AC_CHECK_PROG's.
        let named = failed.filter { mentions(message, $0.name) }
        let chosen = named.isEmpty ? failed.filter { $0.line == lastCheck && !$0.need.isPkgConfig } : named
        return chosen.map { ConfigureMissing(needs: [$0.need], said: $0.line) }
    }

    /// `checking for libverto... no`, `checking for glib-2.0 >= 2.56... no`: PKG_CHECK_MODULES
    /// (pkg.m4 0.29 prints its modules) with one module; not a header (`checking for foo.h`).
    static func pkgConfigCheck(_ line: String) -> String? {
        guard line.hasPrefix("checking for "), line.hasSuffix("... no") else { return nil }
        let words = line.dropFirst("checking for ".count).dropLast("... no".count).split(separator: " ")
        guard let module = words.first.map(String.init), words.count == 1 || (words.count == 3 && [">=", "=", "<="].contains(words[1])),
              !module.hasSuffix(".h"), module.first?.isLetter == true,
              module.allSatisfy({ $0.isLetter || $0.isNumber || "-_.+".contains($0) }) else { return nil }
        return module
    }

    /// meson: `ERROR: Dependency "X" not found` (and `Dependency lookup for X ... failed`), or the
    /// `Run-time dependency X found: NO` / `Library X found: NO` line just before an `ERROR:`.
    static func meson(_ lines: [String]) -> [ConfigureMissing] {
        guard let error = lines.firstIndex(where: { $0.contains("ERROR:") }) else { return [] }
        var out: [ConfigureMissing] = []
        let line = lines[error]
        if let x = between(line, "Dependency \"", "\" not found") ?? between(line, "Dependency lookup for ", " with method") {
            out.append(ConfigureMissing(needs: [.pkgConfig(x)], said: line))
        }
        if let before = lines[..<error].last(where: { $0.contains(" found: ") }) {
            if let x = between(before, "Run-time dependency ", " found: NO") ?? between(before, "Dependency ", " found: NO"),
               !out.contains(where: { $0.needs == [.pkgConfig(x)] }) {
                out.append(ConfigureMissing(needs: [.pkgConfig(x)], said: before))
            } else if let x = between(before, "Library ", " found: NO") {
                out.append(ConfigureMissing(needs: [.link(x)], said: before))
            }
        }
        return out
    }

    /// CMake's `Could NOT find X` from a REQUIRED find_package (an optional one prints it as a
    /// `-- ` status line, which is no failure).
    static func cmake(_ lines: [String]) -> [ConfigureMissing] {
        lines.compactMap { line in
            guard !line.hasPrefix("--"), let range = line.range(of: "Could NOT find ") else { return nil }
            let rest = line[range.upperBound...]
            let name = String(rest.prefix { !$0.isWhitespace && $0 != ":" && $0 != "(" && $0 != "," })
            guard !name.isEmpty else { return nil }
            let lower = name.lowercased()
            return ConfigureMissing(needs: [.name(lower), .link(lower), .pkgConfig(lower)], said: line)
        }
    }

    /// pkg-config's own words, wherever a configure step quotes them (PKG_CHECK_MODULES,
    /// CMake's pkg_check_modules): the module is the need.
    /// CMake prints a status line (`--   No package 'x' found`) for optional modules too: those
    /// count only for the last one before "A required package was not found".
    static func pkgConfig(_ lines: [String]) -> [ConfigureMissing] {
        let found = lines.enumerated().flatMap { index, line in
            PkgConfigFailure.modules(in: line).map { (index: index, missing: ConfigureMissing(needs: [.pkgConfig($0)], said: line)) }
        }
        let plain = found.filter { !lines[$0.index].hasPrefix("--") }.map(\.missing)
        guard let required = lines.firstIndex(where: { $0.contains("A required package was not found") }),
              let last = found.last(where: { $0.index < required && lines[$0.index].hasPrefix("--") }) else { return plain }
        return [last.missing] + plain
    }

    /// Whether an error message names `name` as a word (`readline library not found`).
    static func mentions(_ message: String, _ name: String) -> Bool {
        // A dot inside a word may be part of it (`glib-2.0`) or not (`libz.so`): both readings.
        let dotted = message.split { !$0.isLetter && !$0.isNumber && $0 != "_" && $0 != "-" && $0 != "+" && $0 != "." }
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ".")) }
        let words = dotted + dotted.flatMap { $0.split(separator: ".").map(String.init) }
        let key = name.lowercased()
        return words.contains { $0 == key || $0 == "lib" + key || $0 == "-l" + key }
    }

    private static func between(_ line: String, _ open: String, _ close: String) -> String? {
        guard let a = line.range(of: open) else { return nil }
        let rest = line[a.upperBound...]
        guard let b = rest.range(of: close) else { return nil }
        let value = rest[..<b.lowerBound].trimmingSpaces()
        return value.isEmpty || value.contains(" ") ? nil : value
    }
}

/// What to do about a failed configure step: the libraries to build first, or why not.
public struct ConfigureDecision: Equatable {
    /// (what configure said, the library that provides it)
    public var learned: [Learned] = []
    /// One line per missing library that is not learned (unknown, refused, already a dependency).
    public var notLearned: [String] = []

    public struct Learned: Equatable {
        public let said: String
        public let library: String
    }

    /// `library`: the library whose configure failed; `dependencies`: the libraries it was
    /// already built against (a missing library that is one of them is not learned again:
    /// never a loop). Pure: the resolver is passed in.
    /// `reachesBack`: whether a candidate depends on the failing library (never a cycle).
    public static func decide(_ missing: [ConfigureMissing], library: String, dependencies: Set<String>,
                              resolve: (LibraryNeed) throws -> NativeLibrary?,
                              reachesBack: (NativeLibrary) -> Bool = { _ in false }) -> ConfigureDecision {
        var decision = ConfigureDecision()
        for m in missing {
            var found: NativeLibrary?
            var refused: String?
            for need in m.needs {
                let name: String
                switch need { case .link(let n), .pkgConfig(let n), .name(let n), .package(let n): name = n }
                if let r = RefusalTable.refusal(for: name) { refused = "\(r.library) cannot be linked into a static executable (\(r.reason))"; break }
                do { found = try resolve(need) } catch let error as CargoStaticError { refused = error.message; break } catch {}
                if found != nil { break }
            }
            let what = m.needs.first.map(\.description) ?? "?"
            if let refused {
                decision.notLearned.append("\(what): \(refused)")
            } else if let lib = found {
                if lib.name == library || dependencies.contains(lib.name) {
                    decision.notLearned.append("\(what): \(lib.name) is already built for it, and configure still did not find it")
                } else if reachesBack(lib) {
                    decision.notLearned.append("\(what): \(lib.name) itself depends on \(library)")
                } else if !decision.learned.contains(where: { $0.library == lib.name }) {
                    decision.learned.append(Learned(said: m.said, library: lib.name))
                }
            } else {
                decision.notLearned.append("\(what): no recipe or Debian -dev package provides it")
            }
        }
        return decision
    }

    /// The line added to the original error when nothing was learned.
    public func summary(_ missing: [ConfigureMissing]) -> String {
        "the configure step reported missing: " + missing.map(\.said).joined(separator: "; ")
            + (notLearned.isEmpty ? "" : " (" + notLearned.joined(separator: "; ") + ")")
    }
}

/// Thrown by a library build whose configure/setup step failed and named missing libraries:
/// the executor decides whether to build them first (`ConfigureDecision`).
public struct LibraryConfigureFailed: Error {
    public let library: LibraryID
    public let source: LibrarySource
    /// The libraries it was built against.
    public let dependencies: [LibraryID]
    public let missing: [ConfigureMissing]
    /// The step's own failure, reported when nothing can be learned.
    public let error: CargoStaticError

    /// The error to report: the original, with the missing libraries named.
    public func reported(_ decision: ConfigureDecision) -> CargoStaticError {
        CargoStaticError(error.kind, error.message + "; " + decision.summary(missing), fix: error.fix, detail: error.detail, exitCode: error.exitCode)
    }
}

/// Libraries configure steps reported missing, by Debian source package and version: the
/// next plan builds them first, as dependencies of that library (so its cache key changes).
/// Kept in the cache (`learned-dependencies.json`): a fact about the source, not the project.
public struct LearnedLibraryDependencies: Codable, Equatable {
    /// source package -> version -> library names
    public var bySource: [String: [String: [String]]] = [:]

    public init() {}

    public static func file(_ layout: CacheLayout) -> String { layout.root + "/learned-dependencies.json" }

    public static func load(_ layout: CacheLayout) -> LearnedLibraryDependencies {
        FileManager.default.contents(atPath: file(layout)).flatMap { try? JSONDecoder().decode(Self.self, from: $0) } ?? Self()
    }

    public func dependencies(source: String, version: String?) -> [String] {
        version.flatMap { bySource[source]?[$0] } ?? []
    }

    /// Adds the libraries (each once), under the cache's lock for this file.
    public static func remember(_ libraries: [String], source: String, version: String, layout: CacheLayout) throws {
        try FileSystem.makeDirectory(layout.locks)
        let lock = try FileLock(path: layout.locks + "/learned-dependencies.lock")
        defer { withExtendedLifetime(lock) {} }
        var learned = load(layout)
        var list = learned.bySource[source]?[version] ?? []
        for library in libraries where !list.contains(library) { list.append(library) }
        learned.bySource[source, default: [:]][version] = list
        try FileSystem.write(JSONEncoder.sorted.encode(learned), to: file(layout))
    }
}
