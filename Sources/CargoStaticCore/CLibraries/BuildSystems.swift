import Foundation

/// The build systems cargo-static drives for a C library it has no hand-written recipe for.
public enum BuildSystem: String, Codable, Equatable {
    /// A shipped `configure` script.
    case autotools
    /// Only `configure.ac`: `autoreconf -fi` first.
    case autoreconf
    case cmake
    case meson
    /// A plain Makefile with the usual CC/AR/PREFIX/DESTDIR variables.
    case make
}

/// What a source tree looks like to the generic builder: where its build system is, which
/// one it is, what Debian passes to it, and which Debian patches were applied.
public struct SourceLayout: Codable, Equatable {
    /// The directory (relative to the tree, "" for its top) holding the build system.
    public let subdirectory: String
    public let buildSystem: BuildSystem
    /// Flags from debian/rules that are safe for a static build (see `DebianRules`).
    public let debianFlags: [String]
    /// debian/patches/series: what Debian changed (for the cache entry and SBOMs).
    public let patches: [String]
    /// configure's own switches that turn off its test suites (`--disable-gpg-test`): `make`
    /// builds them by default, and some run programs of the build machine (gpg) while doing so.
    public let testSwitches: [String]?
    /// configure's file checks answered for a cross build (`ac_cv_file__proc_cpuinfo=yes`):
    /// configure cannot look at the target's files and stops ("cannot check for file
    /// existence when cross compiling"). Only kernel files (/proc, /dev) are answered.
    public var fileAnswers: [String: String]? = nil
    /// Meson's boolean options (meson_options.txt), for switching off a part of the tree.
    public let mesonSwitches: [String]?
    /// Meson's feature options (`type : 'feature'`), switched off the same way (`=disabled`).
    public var mesonFeatures: [String]? = nil
    /// A plain Makefile that assigns CFLAGS itself (`CFLAGS = -std=gnu99 …`), so the
    /// environment's CFLAGS never reach its compiles (nil: not a plain Makefile, or it does not).
    public var makefileSetsCFlags: Bool? = nil
    /// A plain Makefile split by part (`make libgif.a libgif.so …`, `make install-include
    /// install-lib`): the library's targets and install targets, so its programs and
    /// documentation (giflib's doc/ needs xmlto) are not made. nil: `make`, `make install`.
    public var makeLibraryTargets: [String]? = nil
    public var makeInstallTargets: [String]? = nil

    public init(subdirectory: String, buildSystem: BuildSystem, debianFlags: [String], patches: [String], testSwitches: [String] = [],
                mesonSwitches: [String]? = nil, mesonFeatures: [String]? = nil, fileAnswers: [String: String]? = nil) {
        self.subdirectory = subdirectory
        self.buildSystem = buildSystem
        self.debianFlags = debianFlags
        self.patches = patches
        self.testSwitches = testSwitches
        self.mesonSwitches = mesonSwitches
        self.mesonFeatures = mesonFeatures?.isEmpty == true ? nil : mesonFeatures
        self.fileAnswers = fileAnswers?.isEmpty == true ? nil : fileAnswers
    }

    /// The files configure (or configure.ac, before autoreconf) checks with AC_CHECK_FILE(S)
    /// under /proc and /dev, answered as configure's cache variables. The target is Linux as
    /// the build machine is, so its kernel files are the ones `exists` finds here; any other
    /// path is the target's file system, which nobody can answer: left to configure.
    static func crossFileAnswers(configure: String?, configureAC: String?, exists: (String) -> Bool) -> [String: String] {
        var paths: [String] = []
        if let configure {
            // `if test -r "/proc/cpuinfo"; then` right after the cross-compiling refusal.
            for line in configure.split(separator: "\n") where line.hasPrefix("if test -r \"") && line.hasSuffix("\"; then") {
                paths.append(String(line.dropFirst("if test -r \"".count).dropLast("\"; then".count)))
            }
        } else if let configureAC {
            var rest = Substring(configureAC)
            while let call = rest.range(of: #"AC_CHECK_FILES?\("#, options: .regularExpression) {
                rest = rest[call.upperBound...]
                let argument = rest.prefix { $0 != "," && $0 != ")" }.trimmingCharacters(in: CharacterSet(charactersIn: "[] \t\n"))
                paths += argument.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
            }
        }
        var answers: [String: String] = [:]
        for path in paths where (path.hasPrefix("/proc/") || path.hasPrefix("/dev/")) && !path.contains("$") {
            answers["ac_cv_file_" + shellVariableName(path)] = exists(path) ? "yes" : "no"
        }
        return answers
    }

    /// autoconf's `as_tr_sh`: `*` and `+` become `p`, anything else not a letter, digit or `_` becomes `_`.
    static func shellVariableName(_ text: String) -> String {
        String(text.map { c -> Character in
            if c == "*" || c == "+" { return "p" }
            return c.isASCII && (c.isLetter || c.isNumber || c == "_") ? c : "_"
        })
    }

    /// `-D<switch>=false` for each part built as a library of its own that Debian ships in
    /// another -dev package (`x11` -> libxkbcommon's `enable-x11`), or as another runtime
    /// library of the same -dev package (`icu` -> harfbuzz's `icu`, see
    /// `LibraryResolver.addOnParts`), where the tree has such a boolean option:
    /// `enable-<part>`, `<part>`, `build-<part>`, `with-<part>`; `-D<switch>=disabled` where it
    /// is a feature option. Programs, tests, examples and documentation are no part of a
    /// static library (the entry keeps no bin/ or docs): their meson switches too
    /// (`enable-tools`, `tests`).
    static func partSwitches(_ parts: [String], booleans: [String], features: [String] = []) -> [String] {
        (parts + nonLibraryParts).flatMap { part in
            ["enable-\(part)", "enable_\(part)", part, "build-\(part)", "build_\(part)", "with-\(part)", "with_\(part)"].flatMap { name in
                (booleans.contains(name) ? ["-D\(name)=false"] : []) + (features.contains(name) ? ["-D\(name)=disabled"] : [])
            }
        }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    }

    /// The words of a CMake option naming a part that is not the library (`ENABLE_EXAMPLES`).
    static let nonLibraryWords: Set<String> = ["TOOLS", "PROGRAMS", "APPS", "UTILS", "EXAMPLES", "DEMOS", "BENCHMARKS", "DOCS", "DOC", "MAN", "MANPAGES",
                                               "SERVER", "SERVERS", "VIEWER", "VIEWERS"]

    static let nonLibraryParts = ["tools", "programs", "utils", "examples", "demos", "tests", "benchmarks", "docs", "man"]

    /// `--disable-X` for every option of configure (its `ac_user_opts` list, or configure.ac's
    /// `AC_ARG_ENABLE` when configure is not generated yet) named for tests or documentation:
    /// `tests`, `gpg-test`, `glibtest`, `installed-tests`, `doc`, `gtk-doc`, `man`.
    static func testSwitches(configure: String?, configureAC: String?) -> [String] {
        var names: [String] = []
        if let configure, let start = configure.range(of: "\nac_user_opts='") {
            let rest = configure[start.upperBound...]
            let list = rest[..<(rest.firstIndex(of: "'") ?? rest.endIndex)]
            names = list.split(whereSeparator: { $0 == "\n" || $0 == " " }).filter { $0.hasPrefix("enable_") }
                .map { String($0.dropFirst("enable_".count)).replacingEvery("_", with: "-") }
        } else if let configureAC {
            var rest = Substring(configureAC)
            while let call = rest.range(of: "AC_ARG_ENABLE(") {
                rest = rest[call.upperBound...]
                let name = rest.prefix { $0 != "," && $0 != ")" }.trimmingCharacters(in: CharacterSet(charactersIn: "[] \t\n"))
                if !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) { names.append(name.replacingEvery("_", with: "-")) }
            }
        }
        var seen = Set<String>()
        return names.filter { name in
            // `tests`, `gpg-test`; glued: AM_PATH_GLIB's `glibtest`, `selftest` (not `latest`).
            let last = name.split(separator: "-").last.map(String.init) ?? name
            let glued = ["glib", "gtk", "self", "unit"].contains { last == $0 + "test" || last == $0 + "tests" }
            // Documentation is no part of a static library either (tesseract's `--enable-doc`
            // ran a broken asciidoc found on PATH): `doc`, `docs`, `gtk-doc`, `man`.
            let docs = ["doc", "docs", "documentation", "man", "manpages"].contains(last)
            return (last == "test" || last == "tests" || glued || docs) && seen.insert(name).inserted
        }.map { "--disable-" + $0 }
    }

    /// `-D<option>=OFF` for a CMake project's own options that build its tests, its programs,
    /// examples and documentation, or turn its warnings into errors (`ENABLE_TESTING`,
    /// `BUILD_TESTING`, `FOO_BUILD_TESTS`, `ENABLE_EXAMPLES`, `ENABLE_TOOLS`, `ENABLE_PROGRAMS`,
    /// `MBEDTLS_FATAL_WARNINGS`, `FOO_WERROR`), read from the top CMakeLists.txt and the
    /// project's cmake/ and build/cmake/ modules: `option(`, and the wrappers projects declare
    /// options with (`cmake_dependent_option(`, aom's `set_aom_option_var(`). Tests and
    /// programs are no part of a static library (aom's unit tests are hundreds of C++ files),
    /// and a newer compiler's new warning (zig's clang) is not a reason for the library not
    /// to build. mbedtls's tests stopped on one.
    static func cmakeTestSwitches(_ cmakeLists: String) -> [String] {
        var names: [String] = []
        for name in cmakeCallArguments(cmakeLists, command: { $0.split(separator: "_").contains("option") })
            .map({ $0.prefix { $0.isLetter || $0.isNumber || $0 == "_" } }) {
            let upper = name.uppercased()
            let words = upper.split(separator: "_").map(String.init)
            let tests = words.contains { $0 == "TEST" || $0 == "TESTS" || $0 == "TESTING" }
            let programs = words.contains { ["ENABLE", "BUILD", "WITH", "INSTALL"].contains($0) }
                && words.contains { nonLibraryWords.contains($0) }
            let werror = words.contains("WERROR") || upper.hasSuffix("FATAL_WARNINGS") || upper.hasSuffix("WARNINGS_AS_ERRORS")
            if !name.isEmpty, tests || programs || werror, !names.contains(String(name)) { names.append(String(name)) }
        }
        if cmakeCallArguments(cmakeLists, command: { $0 == "include" }).contains(where: { $0.hasPrefix("CTest") && !$0.hasPrefix("CTest_") && $0.dropFirst(5).first.map { !$0.isLetter } ?? true }),
           !names.contains("BUILD_TESTING") {
            names.append("BUILD_TESTING")
        }
        return names.map { "-D\($0)=OFF" }
    }

    /// The text after `name(` (spaces skipped) at each call of a CMake command whose name,
    /// lowercased, `command` accepts (`option`, `cmake_dependent_option`, aom's
    /// `set_aom_option_var`). A plain scan: a regular expression per call cost a no-op build
    /// milliseconds on a large CMakeLists.txt.
    static func cmakeCallArguments(_ text: String, command: (String) -> Bool) -> [Substring] {
        let bytes = Array(text.utf8)
        func isWordByte(_ b: UInt8) -> Bool { b == 95 || (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) }
        var found: [Substring] = []
        var i = 0
        while i < bytes.count {
            guard isWordByte(bytes[i]) else { i += 1; continue }
            var j = i
            while j < bytes.count, isWordByte(bytes[j]) { j += 1 }
            let name = String(decoding: bytes[i..<j], as: UTF8.self).lowercased()
            i = j
            while j < bytes.count, bytes[j] == 32 || bytes[j] == 9 { j += 1 }
            guard j < bytes.count, bytes[j] == 40, command(name) else { continue }
            j += 1
            while j < bytes.count, bytes[j] == 32 || bytes[j] == 9 { j += 1 }
            var k = j
            while k < bytes.count, bytes[k] != 41, bytes[k] != 10 { k += 1 }
            found.append(Substring(String(decoding: bytes[j..<k], as: UTF8.self)))
            i = k
        }
        return found
    }

    /// Whether a Makefile assigns CFLAGS with `=`/`:=` (make then ignores the environment's
    /// CFLAGS); `+=` and `?=` keep them.
    static func assignsCFlags(_ makefile: String) -> Bool {
        makefile.split(separator: "\n").contains { line in
            line.range(of: #"^\s*(override\s+)?CFLAGS\s*(:{0,2}=)"#, options: .regularExpression) != nil
        }
    }

    /// For a Makefile whose `all` lists its libraries (`all: libgif.so libgif.a $(UTILS)`) and
    /// which installs by part (`install-lib` and `install-include`/`install-headers`): those
    /// library files, and those install targets. nil otherwise (the Makefile's own defaults).
    static func libraryTargets(_ makefile: String) -> (build: [String], install: [String])? {
        var targets: Set<String> = []
        var all: [String] = []
        for line in makefile.split(separator: "\n") where !line.hasPrefix("\t") {
            guard let colon = line.firstIndex(of: ":"), !line[colon...].hasPrefix(":="), !line[colon...].hasPrefix("::=") else { continue }
            let names = line[..<colon].split(separator: " ").map(String.init)
            guard names.allSatisfy({ !$0.contains("=") && !$0.contains("$") }) else { continue }
            targets.formUnion(names)
            if names == ["all"] { all = line[line.index(after: colon)...].split(separator: " ").map(String.init) }
        }
        let libraries = all.filter { $0.hasPrefix("lib") && ($0.hasSuffix(".a") || $0.hasSuffix(".so")) && !$0.contains("$") }
        guard libraries.contains(where: { $0.hasSuffix(".a") }), targets.contains("install-lib"),
              let headers = ["install-include", "install-headers", "install-includes"].first(where: targets.contains) else { return nil }
        return (libraries, [headers, "install-lib"])
    }

    /// The top CMakeLists.txt and the modules of the project's cmake/ and build/cmake/
    /// directories, where projects declare their options (aom: build/cmake/aom_config_defaults.cmake).
    static func cmakeOptionFiles(_ dir: String) -> [String] {
        let top = (try? String(contentsOfFile: dir + "/CMakeLists.txt", encoding: .utf8)) ?? ""
        let modules = ["cmake", "build/cmake", "CMake"].flatMap { sub -> [String] in
            ((try? FileManager.default.contentsOfDirectory(atPath: dir + "/" + sub)) ?? []).sorted().filter { $0.hasSuffix(".cmake") }
                .compactMap { try? String(contentsOfFile: dir + "/" + sub + "/" + $0, encoding: .utf8) }
        }
        return [top] + modules
    }

    /// Reads the tree (a directory; nil for a tarball or a tree without a known build system).
    /// `prefer` picks a build system when a tree ships several (CMake and autotools, ...).
    /// `only`: the one directory to look in (a `SourcePart`'s, such as libbacktrace/).
    public static func detect(_ tree: String, prefer: [BuildSystem] = [], only: String? = nil) -> SourceLayout? {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: tree, isDirectory: &isDir), isDir.boolValue else { return nil }
        let rules = (try? String(contentsOfFile: tree + "/debian/rules", encoding: .utf8)) ?? ""
        let series = (try? String(contentsOfFile: tree + "/debian/patches/series", encoding: .utf8)) ?? ""
        let patches = series.split(separator: "\n").map { $0.trimmingSpaces() }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }.map { String($0.split(separator: " ").first ?? "") }
        func subdirectories(_ sub: String) -> [String] {
            let dir = sub.isEmpty ? tree : tree + "/" + sub
            return ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).sorted().filter { !$0.hasPrefix(".") && $0 != "debian" }
                .map { sub.isEmpty ? $0 : sub + "/" + $0 }
        }
        // The top, its directories, then theirs: an upstream tarball may wrap its project
        // twice (libpgm's openpgm/pgm).
        // Listed level by level, only when the one above has no build system.
        let levels: [() -> [String]] = (only ?? debianSourceDirectory(rules)).map { only in [{ [only] }] }
            ?? [{ [""] }, { subdirectories("") }, { subdirectories("").flatMap(subdirectories) }]
        let order = prefer + debianChoice(rules)
        for sub in levels.lazy.flatMap({ $0() }) {
            let dir = sub.isEmpty ? tree : tree + "/" + sub
            guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else { continue }
            let present = Set(((try? fm.contentsOfDirectory(atPath: dir)) ?? []))
            guard let system = choose(present: present, prefer: order) else { continue }
            var flags = DebianRules.flags(in: rules, for: system)
            var booleans: [String]? = nil
            var features: [String]? = nil
            if system == .meson {
                let options = (try? String(contentsOfFile: dir + "/meson_options.txt", encoding: .utf8))
                    ?? (try? String(contentsOfFile: dir + "/meson.options", encoding: .utf8)) ?? ""
                flags = DebianRules.mesonFeaturesOptional(flags, options: options)
                booleans = DebianRules.mesonOptions(options, type: "boolean").sorted()
                features = DebianRules.mesonOptions(options, type: "feature").sorted()
            }
            let autotools = [.autotools, .autoreconf].contains(system)
            let configure = autotools ? try? String(contentsOfFile: dir + "/configure", encoding: .utf8) : nil
            let configureAC = autotools ? (try? String(contentsOfFile: dir + "/configure.ac", encoding: .utf8))
                ?? (try? String(contentsOfFile: dir + "/configure.in", encoding: .utf8)) : nil
            let tests = autotools ? testSwitches(configure: configure, configureAC: configureAC)
                : system == .cmake ? cmakeTestSwitches(cmakeOptionFiles(dir).joined(separator: "\n")) : []
            let files = autotools ? SourceLayout.crossFileAnswers(configure: configure, configureAC: configureAC) { fm.fileExists(atPath: $0) } : [:]
            var layout = SourceLayout(subdirectory: sub, buildSystem: system, debianFlags: flags, patches: patches, testSwitches: tests,
                                      mesonSwitches: booleans, mesonFeatures: features, fileAnswers: files)
            if system == .make, let makefile = ["Makefile", "GNUmakefile", "makefile"].lazy
                .compactMap({ try? String(contentsOfFile: dir + "/" + $0, encoding: .utf8) }).first, assignsCFlags(makefile) {
                layout.makefileSetsCFlags = true
            }
            if system == .make, let makefile = ["Makefile", "GNUmakefile", "makefile"].lazy
                .compactMap({ try? String(contentsOfFile: dir + "/" + $0, encoding: .utf8) }).first,
               let split = libraryTargets(makefile) {
                layout.makeLibraryTargets = split.build
                layout.makeInstallTargets = split.install
            }
            return layout
        }
        return nil
    }

    /// The files `choose` looks for, per build system (in the order it tries them).
    static let markers: [(BuildSystem, [String])] = [
        (.autotools, ["configure"]), (.autoreconf, ["configure.ac", "configure.in"]), (.cmake, ["CMakeLists.txt"]),
        (.meson, ["meson.build"]), (.make, ["Makefile", "GNUmakefile", "makefile"]),
    ]

    /// The error for a tree in which `detect` found no build system: the generic builder has
    /// nothing to run (its steps are placeholders), so the library's name, the tree, where
    /// it looked and the files it looked for say why nothing was installed.
    static func noBuildSystem(library: String, tree: String, rules: String? = nil) -> CargoStaticError {
        let rules = rules ?? ((try? String(contentsOfFile: tree + "/debian/rules", encoding: .utf8)) ?? "")
        let places = debianSourceDirectory(rules).map { "in \(tree)/\($0) (the directory debian/rules builds in)" }
            ?? "in \(tree), its subdirectories and theirs"
        let files = markers.flatMap(\.1).joined(separator: ", ")
        return CargoStaticError(.libraryBuildFailed,
                                "no build system found for \(library): none of \(files) is \(places)",
                                fix: "pass a source tree that has one of these files with `cargo-static deps build \(library) --source DIR`, "
                                    + "or give \(library) a recipe of its own (GenericOptions.steps) when its build system is another")
    }

    /// The directory debhelper builds in (`dh $@ -Dlibraries/liblmdb/`, `--sourcedirectory=src`):
    /// a tree whose build system is not at its top.
    static func debianSourceDirectory(_ rules: String) -> String? {
        for line in rules.split(separator: "\n") where line.trimmingSpaces().hasPrefix("dh ") {
            for word in line.split(separator: " ") {
                var value: Substring?
                if word.hasPrefix("--sourcedirectory=") { value = word.dropFirst("--sourcedirectory=".count) }
                else if word.hasPrefix("-D"), word.count > 2 { value = word.dropFirst(2) }
                guard var dir = value.map(String.init) else { continue }
                while dir.hasSuffix("/") { dir.removeLast() }
                if dir.hasPrefix("./") { dir.removeFirst(2) }
                if !dir.isEmpty, !dir.contains(".."), !dir.contains("$") { return dir }
            }
        }
        return nil
    }

    /// The build system debian/rules names (`dh $@ --buildsystem=cmake`), if any: Debian's
    /// patches are tested with it (a tree may ship another that the patches never touched).
    static func debianChoice(_ rules: String) -> [BuildSystem] {
        if rules.contains("--buildsystem=cmake") || rules.contains("-Scmake") { return [.cmake] }
        if rules.contains("--buildsystem=meson") || rules.contains("-Smeson") { return [.meson] }
        return []
    }

    /// The order: what the recipe prefers, what debian/rules names, then debhelper's own
    /// order: a shipped configure, configure.ac (autoreconf, as debhelper does by default),
    /// CMake, Meson, a Makefile.
    static func choose(present: Set<String>, prefer: [BuildSystem]) -> BuildSystem? {
        func has(_ system: BuildSystem) -> Bool {
            markers.first { $0.0 == system }?.1.contains(where: present.contains) ?? false
        }
        return (prefer + [.autotools, .autoreconf, .cmake, .meson, .make]).first(where: has)
    }
}

/// The configure flags Debian's `debian/rules` passes (`dh_auto_configure -- FLAGS`), where
/// they can be read without running make: top-level variable assignments are expanded, lines
/// inside conditionals are skipped, and anything still naming a make variable is dropped.
/// Flags that only make sense for shared libraries, Debian's file layout or its language
/// bindings are dropped too: the static build sets its own.
public enum DebianRules {
    public static func flags(in rules: String, for system: BuildSystem) -> [String] {
        let lines = joinedLines(rules)
        var variables: [String: String] = [:]
        var depth = 0
        var raw: [String] = []
        for line in lines {
            let trimmed = line.trimmingSpaces()
            if trimmed.hasPrefix("ifeq") || trimmed.hasPrefix("ifneq") || trimmed.hasPrefix("ifdef") || trimmed.hasPrefix("ifndef") {
                depth += 1; continue
            }
            if trimmed.hasPrefix("endif") { depth = max(0, depth - 1); continue }
            if depth > 0 || trimmed.hasPrefix("#") { continue }
            if !line.hasPrefix("\t"), let assignment = assignment(trimmed) {
                let value = assignment.append ? (variables[assignment.name].map { $0 + " " } ?? "") + assignment.value : assignment.value
                variables[assignment.name] = value
                continue
            }
            if line.hasPrefix("\t"), trimmed.contains("dh_auto_configure"), let dashes = trimmed.range(of: " -- ") {
                raw.append(String(trimmed[dashes.upperBound...]))
            }
        }
        // A later dh_auto_configure line is another flavour of the build (harfbuzz's udeb:
        // `-Dgraphite2=disabled` after the main build's `enabled`): an option keeps the value
        // of the first line that sets it.
        var seen = Set<String>()
        return raw.flatMap { shellWords(withoutShellCalls(expand($0, variables))) }
            .filter { $0.hasPrefix("-") && !$0.contains("$") && !$0.contains("`") && keep($0, system) }
            .filter { flag in
                let name = flag.split(separator: "=", maxSplits: 1).first.map(String.init) ?? flag
                return seen.insert(flag.contains("=") ? name : flag).inserted
            }
    }

    /// Continuation lines joined (a trailing backslash continues the line).
    static func joinedLines(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasSuffix("\\") {
                current += line.dropLast() + " "
            } else {
                out.append(current + line)
                current = ""
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    static func assignment(_ line: String) -> (name: String, value: String, append: Bool)? {
        let text = line.hasPrefix("export ") ? String(line.dropFirst(7)) : line
        for op in ["+=", ":=", "?=", "="] {
            guard let range = text.range(of: op) else { continue }
            let name = text[..<range.lowerBound].trimmingSpaces()
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
            return (name, text[range.upperBound...].trimmingSpaces(), op == "+=")
        }
        return nil
    }

    /// The words the shell makes of a make recipe line: quotes group words and are removed
    /// (`--enable-languages="python cpp qt"` is one argument, `--enable-languages=python cpp qt`),
    /// a backslash keeps the next character. Nothing else of the shell is interpreted.
    static func shellWords(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for ch in text {
            if escaped { current.append(ch); escaped = false; inWord = true; continue }
            if let q = quote {
                if ch == q { quote = nil } else if ch == "\\" && q == "\"" { escaped = true } else { current.append(ch) }
                continue
            }
            switch ch {
            case "\\": escaped = true; inWord = true
            case "\"", "'": quote = ch; inWord = true
            case " ", "\t":
                if inWord { words.append(current); current = ""; inWord = false }
            default: current.append(ch); inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }

    /// `$(shell dpkg-buildflags --export=configure)`: what make would run, never a flag (whole,
    /// nested parentheses included, so none of its words is taken for one).
    static func withoutShellCalls(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let start = rest.range(of: "$(shell ") {
            out += rest[..<start.lowerBound]
            var depth = 1
            var i = start.upperBound
            while i < rest.endIndex, depth > 0 {
                if rest[i] == "(" { depth += 1 } else if rest[i] == ")" { depth -= 1 }
                i = rest.index(after: i)
            }
            rest = rest[i...]
        }
        return out + rest
    }

    static func expand(_ text: String, _ variables: [String: String], depth: Int = 0) -> String {
        guard depth < 8 else { return text }
        var out = text
        for (name, value) in variables {
            out = out.replacingEvery("$(\(name))", with: value).replacingEvery("${\(name)}", with: value)
        }
        return out == text ? out : expand(out, variables, depth: depth + 1)
    }

    /// Debian's `-Dfeature=enabled` for a Meson feature option becomes `auto`: Debian turns on
    /// parts whose dependencies its -dev package does not need (gobject-introspection's
    /// `-Dcairo=enabled`, for its tests), and the plan builds only what the -dev package
    /// depends on. `auto` keeps a feature whose dependency is built and leaves out one whose
    /// dependency is not, where `enabled` stopped meson setup. Only options that
    /// meson_options.txt declares `type : 'feature'` are changed.
    /// Debian's `-Dauto_features=enabled` (every `auto` feature required: harfbuzz's chafa,
    /// cairo and introspection, none of which its -dev package depends on) is dropped for the
    /// same reason: meson's own `auto` finds what the plan built.
    static func mesonFeaturesOptional(_ flags: [String], options: String) -> [String] {
        let features = mesonFeatureOptions(options)
        return flags.filter { $0 != "-Dauto_features=enabled" }.map { flag in
            let parts = flag.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[1] == "enabled", parts[0].hasPrefix("-D"), features.contains(String(parts[0].dropFirst(2))) else { return flag }
            return parts[0] + "=auto"
        }
    }

    /// The names of `option('name', type : 'feature', …)` in a meson_options.txt.
    static func mesonFeatureOptions(_ text: String) -> Set<String> { mesonOptions(text, type: "feature") }

    /// The names of the options of one type in a meson_options.txt.
    static func mesonOptions(_ text: String, type: String) -> Set<String> {
        var names = Set<String>()
        var rest = Substring(text)
        while let call = rest.range(of: "option(") {
            rest = rest[call.upperBound...]
            let words = optionArguments(rest).map { $0.trimmed() }
            guard let first = words.first, first.count > 2, first.first == "'" || first.first == "\"" else { continue }
            let name = String(first.dropFirst().dropLast())
            let isFeature = words.dropFirst().contains { word in
                let pair = word.split(separator: ":", maxSplits: 1).map { $0.trimmingSpaces() }
                return pair.count == 2 && pair[0] == "type" && ["'\(type)'", "\"\(type)\""].contains(pair[1])
            }
            if isFeature { names.insert(name) }
        }
        return names
    }

    /// The arguments of one `option(` call, up to its closing parenthesis: commas and
    /// parentheses inside quotes are text (gdk-pixbuf's `description: 'Whether to generate
    /// the API introspection data (requires GObject-Introspection)'` comes before its type).
    static func optionArguments(_ text: Substring) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        for c in text {
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
            } else if c == "," {
                words.append(current); current = ""; continue
            } else if c == ")" {
                break
            }
            current.append(c)
        }
        words.append(current)
        return words
    }

    /// Shared libraries, installation directories, documentation, tests, language bindings:
    /// the static build decides these itself.
    static func keep(_ flag: String, _ system: BuildSystem) -> Bool {
        let name = String(flag.split(separator: "=", maxSplits: 1).first ?? "")
        let dropped = ["--enable-shared", "--disable-static", "--prefix", "--libdir", "--includedir", "--docdir", "--mandir",
                       "--sysconfdir", "--localstatedir", "--libexecdir", "--bindir", "--datadir", "--host", "--build",
                       "--enable-rebuild-docs", "--infodir", "--htmldir", "--pdfdir"]
        if dropped.contains(name) { return false }
        // Flags of another build system (a tree may ship several; Debian may use the other one).
        let isDefine = name.hasPrefix("-D")
        switch system {
        case .cmake, .meson: if !isDefine { return false }
        case .autotools, .autoreconf: if !name.hasPrefix("--") { return false }
        case .make: break
        }
        if name.hasPrefix("--with-python") || name.hasPrefix("--enable-python") || name.hasPrefix("--enable-gtk-doc") { return false }
        // Bindings for other languages (gpgme's `--enable-languages="python cpp qt"`): the C library only.
        if name == "--enable-languages" { return false }
        // The programs Debian's package also ships (nghttp2's --enable-app needs libev,
        // jansson and c-ares): only the library is built here.
        if ["--enable-app", "--enable-apps", "--enable-examples", "--enable-hpack-tools", "--enable-tools", "--enable-programs"].contains(name) {
            return false
        }
        // Programs linked against the shared library (libarchive's `--enable-bsdtar=shared`):
        // configure refuses them when only the static library is built.
        if name.hasPrefix("--enable-"), flag.hasSuffix("=shared") { return false }
        if name.hasPrefix("-D") {
            let key = String(name.dropFirst(2).split(separator: ":").first ?? "")
            // Documentation (Meson's usual option names; gobject-introspection's
            // `-Dgtk_doc=true` needs gtkdoc-scan): the project's default, which is off.
            if ["gtk_doc", "gtk-doc", "gtkdoc", "docs", "doc", "documentation", "man", "man-pages", "manpages", "api_docs"]
                .contains(key.lowercased()) { return false }
            // Java bindings (libjpeg-turbo's `-DWITH_JAVA=1` makes CMake look for a JDK's JNI):
            // the C library only, as for other languages' bindings.
            let words = key.lowercased().split(whereSeparator: { $0 == "_" || $0 == "-" })
            if words.contains("java") || words.contains("jni") { return false }
            if key.hasPrefix("CMAKE_") || key == "BUILD_SHARED_LIBS" || key.hasPrefix("BUILD_TEST") || key.hasPrefix("ENABLE_TEST")
                || key.contains("INSTALL") || key.hasPrefix("ENABLE_REPRODUCIBLE") || key == "DISABLE_ONLINE_TESTS" { return false }
        }
        return true
    }
}

/// Recipe options for a library built by the generic builder: how Debian's choices are
/// adjusted for a static musl build (every one of these says why where it is used).
public struct GenericOptions {
    /// Build systems to try first.
    public var prefer: [BuildSystem] = []
    /// Flags appended after Debian's (they win where a build system takes the last value).
    public var flags: [String] = []
    /// Debian's flags to drop (by name: `--with-icu`, `-DUSE_HTTPS`).
    public var dropFlags: [String] = []
    /// Debian -dev packages not built (optional parts turned off by `flags`).
    public var dropDependencies: [String] = []
    /// Libraries needed although Debian's -dev package does not say so (or says another).
    public var addDependencies: [String] = []
    /// Extra environment for every step.
    public var environment: [String: String] = [:]
    /// For plain Makefiles: the targets that build the static library, and the install line's targets.
    public var makeTargets: [String] = []
    public var installTargets: [String] = ["install"]
    /// For plain Makefiles: variables given on every make line.
    public var makeVariables: [String] = []
    /// The archives and .pc modules to expect (empty: what Debian's -dev package ships).
    public var archives: [String] = []
    /// Steps of its own, for a tree whose build system installs no static library.
    public var steps: ((LibraryBuildContext) -> [Command])? = nil
    /// Parts of the tree Debian ships as another -dev package of the same source, which this
    /// library does not depend on (`x11` for libxkbcommon-dev: libxkbcommon-x11-dev): their
    /// meson switches are turned off, so their dependencies are not needed.
    public var separateParts: [String] = []

    public init() {}
}

extension LibraryBuildContext {
    /// The commands of the generic builder for the detected build system.
    func genericSteps(_ options: GenericOptions) -> [Command] {
        guard let layout else {
            return [Command("true", ["(the build system is detected once the source is fetched)"])]
        }
        let dir = layout.subdirectory.isEmpty ? source : source + "/" + layout.subdirectory
        // The recipe's own flags win over these switches.
        let ownNames = options.flags.map { String($0.split(separator: "=").first ?? "") }
        let parts = (layout.buildSystem == .meson
            ? SourceLayout.partSwitches(options.separateParts, booleans: layout.mesonSwitches ?? [], features: layout.mesonFeatures ?? []) : [])
            .filter { !ownNames.contains(String($0.split(separator: "=").first ?? "")) }
        let partNames = parts.map { String($0.split(separator: "=").first ?? "") }
        // Debian's `-DBUILD_JPIP_SERVER:BOOL=ON` gives way to the switch that turns the program
        // off (openjpeg2's JPIP server requires curl and FastCGI).
        let switchNames = (layout.testSwitches ?? []).filter { $0.hasPrefix("-D") }.map { String($0.split(separator: "=").first ?? "") }
        let flags = layout.debianFlags.filter { flag in
            let name = String(flag.split(separator: "=", maxSplits: 1).first ?? "")
            let key = name.hasPrefix("-D") ? String(name.split(separator: ":").first ?? "") : name
            return !options.dropFlags.contains(key) && !options.dropFlags.contains(name) && !partNames.contains(key) && !switchNames.contains(key)
        } + (layout.testSwitches ?? []).filter { !options.flags.contains($0) } + parts + options.flags
        let env = options.environment
        switch layout.buildSystem {
        case .autotools, .autoreconf:
            var steps: [Command] = []
            if layout.buildSystem == .autoreconf { steps.append(command("autoreconf", ["-fi"], in: dir, extra: env)) }
            // The dependencies are static archives: a program the build links (fontconfig's
            // fc-cache against freetype, which needs brotli) needs their private libraries too.
            // configure keeps $PKG_CONFIG for make.
            steps.append(command("./configure", Self.configureTriples(target: target) + ["--prefix=\(prefix)",
                                                 "--libdir=\(prefix)/lib", "--disable-shared", "--enable-static", "--with-pic"] + flags,
                                 in: dir, extra: configureEnvironment.merging(layout.fileAnswers ?? [:]) { ours, _ in ours }.merging(env) { _, recipe in recipe }))
            // Info manuals are not part of a static library: a tree whose .texi Debian patched
            // would otherwise need makeinfo (gpgme).
            let noManuals = ["MAKEINFO=true"]
            steps.append(make(options.makeTargets + noManuals, in: dir, extra: env))
            steps.append(make(options.installTargets + noManuals + ["DESTDIR=\(destdir)"], in: dir, extra: env))
            return steps
        case .cmake:
            return [
                command("cmake", ["-S", ".", "-B", "build-static", "-G", "Unix Makefiles"] + cmakeCrossFlags() + flags, in: dir, extra: env),
                command("cmake", ["--build", "build-static", "--parallel", "\(jobs)"], in: dir, extra: env),
                command("cmake", ["--install", "build-static"], in: dir, extra: env.merging(["DESTDIR": destdir]) { _, n in n }),
            ]
        case .meson:
            // Meson 1.0 names pkg-config `pkgconfig` in a cross file (`pkg-config` from 1.3 on);
            // subprojects are never downloaded (offline), and static archives are preferred.
            // Meson knows a linker by the first line `cc -Wl,--version` prints; zig's ("zig ld")
            // is not one it knows, so meson runs the compilers through a wrapper that answers
            // that question as LLD (whose GNU-style options zig's linker takes).
            return [
                command("/bin/sh", ["-c", "printf '%s' \"$MESON_CROSS_FILE\" > cross-static.txt && "
                                        + "printf '%s' \"$MESON_CC\" > cc-meson && printf '%s' \"$MESON_CXX\" > cxx-meson && chmod +x cc-meson cxx-meson"],
                        in: dir,
                        extra: ["MESON_CROSS_FILE": mesonCrossFile(wrappers: dir),
                                "MESON_CC": Self.mesonCompilerWrapper(toolchain.cc, libraryDirectories: dependencyPrefixes.map { $0 + "/lib" }),
                                "MESON_CXX": Self.mesonCompilerWrapper(toolchain.cxx, libraryDirectories: dependencyPrefixes.map { $0 + "/lib" })]),
                command("meson", ["setup", "build-static", "--cross-file", "cross-static.txt", "--prefix", prefix, "--libdir", "lib",
                                  "--default-library=static", "--buildtype=release", "-Db_staticpic=true",
                                  "-Dprefer_static=true", "--wrap-mode=nodownload"] + flags, in: dir, extra: env),
                command("ninja", ["-C", "build-static", "-j\(jobs)"], in: dir, extra: env),
                command("meson", ["install", "-C", "build-static", "--destdir", destdir], in: dir, extra: env),
            ]
        case .make:
            // A Makefile that assigns CFLAGS never sees ours: the warnings that stay warnings
            // go with the compiler, and so does `-Wno-error=date-time` (zig's clang makes
            // __DATE__ an error; giflib's utilities print it).
            let cc = layout.makefileSetsCFlags == true ? ([toolchain.cc] + Self.olderCWarnings + ["-Wno-error=date-time"]).joined(separator: " ") : toolchain.cc
            let vars = ["CC=\(cc)", "AR=\(toolchain.ar)", "RANLIB=\(toolchain.ranlib)", "PREFIX=\(prefix)", "prefix=\(prefix)"]
                + options.makeVariables
            return [
                make((options.makeTargets.isEmpty ? layout.makeLibraryTargets ?? [] : options.makeTargets) + vars + flags, in: dir, extra: env),
                make((options.makeTargets.isEmpty ? layout.makeInstallTargets ?? options.installTargets : options.installTargets)
                     + vars + ["DESTDIR=\(destdir)"], in: dir, extra: env),
            ]
        }
    }

    /// configure's environment: pkg-config for static dependencies, and the answers a cross
    /// build cannot find by itself: the float word order (autoconf-archive's
    /// AX_C_FLOAT_WORDS_BIGENDIAN greps an object file, which zig's objects defeat; cairo
    /// stops at "unknown") is the target's byte order.
    /// C's tentative definitions are common symbols (`-fcommon`, gcc's default before 10):
    /// programs an autotools tree links against its own static libraries define the same
    /// global as a library does (krb5's kdb5_util and libkadm5srv's `master_keyblock`), which a
    /// shared link resolves by interposition and a static one reports as a duplicate symbol.
    /// C++ gets C99's `restrict` as clang's `__restrict`: C headers included from C++ (libpgm's
    /// pgm/types.h, in libzmq) define it away for g++, which Debian builds with, but assume
    /// clang++ knows the keyword, which it does not ("redefinition of parameter 'restrict'").
    var configureEnvironment: [String: String] {
        ["PKG_CONFIG": "pkg-config --static", "ax_cv_c_float_words_bigendian": targetIsBigEndian ? "yes" : "no",
         "CFLAGS": (environment["CFLAGS"] ?? "") + " " + Self.commonSymbols,
         "CXXFLAGS": (environment["CXXFLAGS"] ?? "") + " " + Self.cxxRestrict]
    }

    static let commonSymbols = "-fcommon"
    static let cxxRestrict = "-Drestrict=__restrict"

    var targetIsBigEndian: Bool {
        let cpu = String(target.info.gnuTriple.split(separator: "-").first ?? "")
        return ["powerpc64", "powerpc", "s390x", "mips", "mips64", "sparc64"].contains(cpu)
    }

    /// CMake cross-compiling for the target: its compilers, an install prefix with lib/ (not
    /// lib64/ or a Debian multiarch directory), static libraries, and find_package and
    /// find_library looking only in the dependencies' prefixes, never in the host's /usr.
    /// The lib directory is typed PATH: an untyped `-DCMAKE_INSTALL_LIBDIR=lib` that a project
    /// then declares as a PATH cache entry (libjpeg-turbo) is made absolute against the build
    /// directory, and the archives were installed into the source tree, not under DESTDIR.
    func cmakeCrossFlags() -> [String] {
        let roots = dependencyPrefixes.isEmpty ? [prefix] : dependencyPrefixes
        return [
            "-DCMAKE_SYSTEM_NAME=Linux", "-DCMAKE_SYSTEM_PROCESSOR=\(target.info.gnuTriple.split(separator: "-").first ?? "")",
            "-DCMAKE_C_COMPILER=\(toolchain.cc)", "-DCMAKE_CXX_COMPILER=\(toolchain.cxx)",
            "-DCMAKE_AR=\(toolchain.ar)", "-DCMAKE_RANLIB=\(toolchain.ranlib)",
            "-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_INSTALL_PREFIX=\(prefix)", "-DCMAKE_INSTALL_LIBDIR:PATH=lib",
            "-DBUILD_SHARED_LIBS=OFF", "-DCMAKE_POSITION_INDEPENDENT_CODE=ON",
            "-DCMAKE_FIND_ROOT_PATH=\(roots.joined(separator: ";"))", "-DCMAKE_PREFIX_PATH=\(dependencyPrefixes.joined(separator: ";"))",
            "-DCMAKE_FIND_ROOT_PATH_MODE_PROGRAM=NEVER", "-DCMAKE_FIND_ROOT_PATH_MODE_LIBRARY=ONLY",
            "-DCMAKE_FIND_ROOT_PATH_MODE_INCLUDE=ONLY", "-DCMAKE_FIND_ROOT_PATH_MODE_PACKAGE=ONLY",
        ]
    }

    /// Meson's cross file: the target's compilers and CPU, and pkg-config confined to the dependencies.
    /// A compiler as meson sees it: `-Wl,--version` answered with an LLD version line (meson
    /// cannot identify "zig ld"); `-print-search-dirs` answered with the dependencies' lib
    /// directories only (meson resolves a pkg-config `-lffi` to a file in the directories the
    /// compiler reports, and zig's clang reports the build machine's /lib/<multiarch>, whose
    /// glibc-built libffi.a then went into gobject-introspection's link); everything else
    /// passed to the compiler unchanged.
    static func mesonCompilerWrapper(_ compiler: String, libraryDirectories: [String] = []) -> String {
        let libraries = Shell.quote("libraries: =" + libraryDirectories.joined(separator: ":"))
        return """
        #!/bin/sh
        for a in "$@"; do
          [ "$a" = -Wl,--version ] && { echo 'LLD 0.0.0 (the C toolchain linker, GNU-compatible options)'; exit 0; }
          [ "$a" = -print-search-dirs ] || [ "$a" = --print-search-dirs ] && { echo 'programs: ='; echo \(libraries); exit 0; }
        done
        exec '\(compiler)' "$@"

        """
    }

    /// `wrappers`: the directory of the first step's cc-meson and cxx-meson (nil: the compilers themselves).
    func mesonCrossFile(wrappers: String? = nil) -> String {
        let cpu = String(target.info.gnuTriple.split(separator: "-").first ?? "x86_64")
        let family = cpu.hasPrefix("i") && cpu.hasSuffix("86") ? "x86" : (cpu.hasPrefix("arm") ? "arm" : cpu)
        return """
        [binaries]
        c = '\(wrappers.map { $0 + "/cc-meson" } ?? toolchain.cc)'
        cpp = '\(wrappers.map { $0 + "/cxx-meson" } ?? toolchain.cxx)'
        ar = '\(toolchain.ar)'
        ranlib = '\(toolchain.ranlib)'
        pkg-config = 'pkg-config'
        pkgconfig = 'pkg-config'

        [properties]
        pkg_config_libdir = '\(dependencyPrefixes.map { $0 + "/lib/pkgconfig" }.joined(separator: ":"))'

        [host_machine]
        system = 'linux'
        cpu_family = '\(family)'
        cpu = '\(cpu)'
        endian = '\(targetIsBigEndian ? "big" : "little")'

        """
    }
}
