import XCTest
@testable import CargoStaticCore

/// A library whose configure step fails because a library is missing: the output read for
/// what is missing, and the decision to build it first. Pure: real output excerpts, no disk.
final class ConfigureFailureTests: XCTestCase {
    /// postgresql-15's configure (for libpq), cross-compiling for musl.
    let postgresql = """
    checking for strip... strip
    checking whether it is possible to strip libraries... yes
    checking for library containing setproctitle... no
    checking for library containing dlsym... none required
    checking for library containing shm_open... none required
    checking for library containing readline... no
    configure: error: readline library not found
    If you have readline already installed, see config.log for details on the failure.
    Use --without-readline to disable readline support.
    """

    func testAutoconfSearchLibsNamedInTheError() {
        let missing = ConfigureFailure.missing(inOutput: postgresql)
        // setproctitle said "no" too, but is optional: only what the error names.
        XCTAssertEqual(missing, [ConfigureMissing(needs: [.link("readline")], said: "checking for library containing readline... no")])
    }

    /// AC_CHECK_LIB, with an error that does not repeat the link name: the check just before it.
    func testAutoconfCheckLibJustBeforeTheError() {
        let out = """
        checking for gss_init_sec_context in -lgssapi_krb5... no
        checking zlib.h usability... yes
        checking for inflate in -lz... no
        configure: error: zlib library not found
        """
        XCTAssertEqual(ConfigureFailure.missing(inOutput: out).map(\.needs), [[.link("z")]])
    }

    /// krb5's `--with-system-et` (libzmq's chain): AC_CHECK_LIB's error names the library
    /// without its -l (`… in com_err library`); the check's link name is the need.
    func testAutoconfCannotFindFunctionInLibrary() {
        let out = """
        checking if C compiler supports -Werror-implicit-function-declaration... yes
        checking for add_error_table in -lcom_err... no
        configure: error: cannot find add_error_table in com_err library
        """
        XCTAssertEqual(ConfigureFailure.missing(inOutput: out),
                       [ConfigureMissing(needs: [.link("com_err")], said: "checking for add_error_table in -lcom_err... no")])
    }

    /// PKG_CHECK_MODULES with its own error (krb5's `--with-system-verto`): the module, when
    /// the error names it; a function check the error does not name is nothing.
    func testAutoconfPkgConfigCheckNamedInTheError() {
        let out = """
        checking for strlcpy... no
        checking for libverto... no
        configure: error: cannot detect system libverto
        """
        XCTAssertEqual(ConfigureFailure.missing(inOutput: out),
                       [ConfigureMissing(needs: [.pkgConfig("libverto")], said: "checking for libverto... no")])
        let versioned = "checking for glib-2.0 >= 2.56... no\nconfigure: error: GLib (glib-2.0) is required\n"
        XCTAssertEqual(ConfigureFailure.missing(inOutput: versioned).map(\.needs), [[.pkgConfig("glib-2.0")]])
        let unnamed = "checking for libfoo... no\nchecking for stdio.h... no\nconfigure: error: something else broke\n"
        XCTAssertEqual(ConfigureFailure.missing(inOutput: unnamed), [])
        XCTAssertTrue(ConfigureFailure.mentions("cannot find libz.so or libz.a", "z"), "a file name still names its library")
        XCTAssertNil(ConfigureFailure.pkgConfigCheck("checking for stdio.h... no"))
        XCTAssertNil(ConfigureFailure.pkgConfigCheck("checking for a BSD-compatible install... no"))
    }

    /// "no" answers with no `configure: error` are no failure of a library.
    func testAutoconfWithoutErrorFindsNothing() {
        XCTAssertEqual(ConfigureFailure.missing(inOutput: "checking for library containing readline... no\nconfig.status: creating Makefile\n"), [])
    }

    /// PKG_CHECK_MODULES: pkg-config's words in configure's error (pkg-config and pkgconf).
    func testAutoconfPkgConfigModules() {
        let out = """
        checking for LIBXML... no
        configure: error: Package requirements (libxml-2.0 >= 2.9) were not met:

        No package 'libxml-2.0' found
        Package 'liblzma', required by 'libarchive', not found
        """
        XCTAssertEqual(ConfigureFailure.missing(inOutput: out).map(\.needs), [[.pkgConfig("libxml-2.0")], [.pkgConfig("liblzma")]])
    }

    func testMesonDependencyNotFound() {
        let out = """
        Library m found: YES
        Run-time dependency libsystemd found: NO (tried pkgconfig)
        Run-time dependency threads found: YES
        Run-time dependency zlib found: NO (tried pkgconfig and cmake)

        meson.build:62:0: ERROR: Dependency "zlib" not found, tried pkgconfig and cmake
        """
        // libsystemd is optional (the setup went on): only zlib.
        XCTAssertEqual(ConfigureFailure.missing(inOutput: out).map(\.needs), [[.pkgConfig("zlib")]])
    }

    /// `Run-time dependency X found: NO` then an error of the project's own.
    func testMesonNoFollowedByAnError() {
        let out = """
        Run-time dependency libpcre2-8 found: NO (tried pkgconfig)
        Library pcre2-8 found: NO

        meson.build:101:4: ERROR: Problem encountered: pcre2 is required
        """
        XCTAssertEqual(ConfigureFailure.missing(inOutput: out).map(\.needs), [[.link("pcre2-8")]])
    }

    func testCMakeRequiredPackageOnly() {
        let out = """
        -- Could NOT find Doxygen (missing: DOXYGEN_EXECUTABLE)
        CMake Error at /usr/share/cmake-3.25/Modules/FindPackageHandleStandardArgs.cmake:230 (message):
          Could NOT find ZLIB (missing: ZLIB_LIBRARY ZLIB_INCLUDE_DIR)
        Call Stack (most recent call first):
        """
        XCTAssertEqual(ConfigureFailure.missing(inOutput: out).map(\.needs), [[.name("zlib"), .link("zlib"), .pkgConfig("zlib")]])
    }

    /// pkg_check_modules prints every module it did not find; only the REQUIRED one failed.
    func testCMakePkgCheckModules() {
        let out = """
        -- Checking for module 'libbrotlienc'
        --   No package 'libbrotlienc' found
        -- Checking for module 'libzstd'
        --   No package 'libzstd' found
        CMake Error at /usr/share/cmake-3.25/Modules/FindPkgConfig.cmake:607 (message):
          A required package was not found
        """
        XCTAssertEqual(ConfigureFailure.missing(inOutput: out).map(\.needs), [[.pkgConfig("libzstd")]])
    }

    func testSetupSteps() {
        XCTAssertTrue(ConfigureFailure.isSetupStep(Command("./configure", ["--host=x86_64-linux-musl"])))
        XCTAssertTrue(ConfigureFailure.isSetupStep(Command("meson", ["setup", "build-static"])))
        XCTAssertTrue(ConfigureFailure.isSetupStep(Command("cmake", ["-S", ".", "-B", "build-static"])))
        XCTAssertFalse(ConfigureFailure.isSetupStep(Command("cmake", ["--build", "build-static"])))
        XCTAssertFalse(ConfigureFailure.isSetupStep(Command("make", ["-j2"])))
        XCTAssertFalse(ConfigureFailure.isSetupStep(Command("meson", ["install", "-C", "build-static"])))
    }

    // MARK: the decision

    let readline = GenericRecipes.library(source: "readline", devPackage: "libreadline-dev", files: ["/usr/lib/x86_64-linux-gnu/libreadline.a"],
                                          dependencies: ["ncurses"], options: GenericRecipes.options(for: "readline"))

    func resolve(_ need: LibraryNeed) throws -> NativeLibrary? {
        switch need {
        case .link("readline"): return readline
        case .link("ncursesw"), .pkgConfig("ncursesw"): return try NativeLibrary.named("ncurses")
        default: return nil
        }
    }

    func testLearnsAResolvableLibrary() {
        let missing = ConfigureFailure.missing(inOutput: postgresql)
        let decision = ConfigureDecision.decide(missing, library: "postgresql-15", dependencies: ["openssl", "zlib"], resolve: resolve)
        XCTAssertEqual(decision.learned, [.init(said: "checking for library containing readline... no", library: "readline")])
        XCTAssertEqual(decision.notLearned, [])
    }

    /// Already a dependency (learned before, configure still fails): not learned again, no loop.
    func testNeverLearnsTheSameLibraryTwice() {
        let missing = ConfigureFailure.missing(inOutput: postgresql)
        let decision = ConfigureDecision.decide(missing, library: "postgresql-15", dependencies: ["readline", "ncurses"], resolve: resolve)
        XCTAssertEqual(decision.learned, [])
        XCTAssertEqual(decision.notLearned.count, 1)
        XCTAssertTrue(decision.notLearned[0].contains("already built for it"), decision.notLearned[0])
    }

    /// A candidate that depends on the failing library would make a cycle.
    func testRefusesACycle() {
        let missing = [ConfigureMissing(needs: [.link("readline")], said: "checking for library containing readline... no")]
        let decision = ConfigureDecision.decide(missing, library: "ncurses", dependencies: [], resolve: resolve, reachesBack: { $0.dependencies.contains("ncurses") })
        XCTAssertEqual(decision.learned, [])
        XCTAssertTrue(decision.notLearned[0].contains("depends on ncurses"), decision.notLearned[0])
    }

    /// Nothing resolvable: the original error stays, with one line naming what was missing.
    func testUnknownKeepsTheErrorWithOneLine() {
        let missing = ConfigureFailure.missing(inOutput: "checking for foo_init in -lnosuchlib... no\nconfigure: error: nosuchlib is required\n")
        let decision = ConfigureDecision.decide(missing, library: "demo", dependencies: [], resolve: resolve)
        XCTAssertEqual(decision.learned, [])
        let original = CargoStaticError(.libraryBuildFailed, "building demo 1.0 for x86_64-unknown-linux-musl failed at step 1 of 3", fix: "see above")
        let failure = LibraryConfigureFailed(library: LibraryID(resolvedName: "demo"),
                                             source: LibrarySource(package: "demo", version: "1.0-1", upstreamVersion: "1.0", origin: "debian", path: "/x"),
                                             dependencies: [], missing: missing, error: original)
        let reported = failure.reported(decision)
        XCTAssertEqual(reported.kind, .libraryBuildFailed)
        XCTAssertTrue(reported.message.hasPrefix(original.message))
        XCTAssertTrue(reported.message.contains("checking for foo_init in -lnosuchlib... no"), reported.message)
        XCTAssertTrue(reported.message.contains("no recipe or Debian -dev package provides it"), reported.message)
        XCTAssertEqual(reported.fix, original.fix)
    }

    /// A refused library (no static build possible) is never learned.
    func testRefusedIsNotLearned() {
        let missing = [ConfigureMissing(needs: [.link("GL")], said: "checking for glBegin in -lGL... no")]
        let decision = ConfigureDecision.decide(missing, library: "demo", dependencies: [], resolve: { _ in XCTFail("resolved a refused library"); return nil })
        XCTAssertEqual(decision.learned, [])
        XCTAssertEqual(decision.notLearned.count, 1)
    }

    /// The memo's lookup is by source package and exact version.
    func testLearnedDependenciesByVersion() throws {
        var learned = LearnedLibraryDependencies()
        learned.bySource["postgresql-15"] = ["15.14-0+deb12u1": ["readline"]]
        XCTAssertEqual(learned.dependencies(source: "postgresql-15", version: "15.14-0+deb12u1"), ["readline"])
        XCTAssertEqual(learned.dependencies(source: "postgresql-15", version: "15.15-0+deb12u1"), [])
        XCTAssertEqual(learned.dependencies(source: "postgresql-15", version: nil), [])
        let decoded = try JSONDecoder().decode(LearnedLibraryDependencies.self, from: JSONEncoder().encode(learned))
        XCTAssertEqual(decoded, learned)
    }

    // MARK: planning with what was learned

    private func zig(_ target: Target) -> CToolchain {
        let driver = CompilerDriver(c: ["/z/zig", "cc"], cxx: ["/z/zig", "c++"], ar: ["/z/zig", "ar"], ranlib: ["/z/zig", "ranlib"],
                                    environment: [:], identity: "zig 0.14.0 \(target.triple)")
        return CToolchain(kind: .zig, target: target, version: "zig 0.14.0", driver: driver, directory: "/cache/cc/zig-\(target.triple)",
                          files: [], zigLibDirectory: "/z/lib")
    }

    /// A learned dependency (for the selected version) joins the closure, becomes a dependency
    /// of the library's step (built first), and changes that library's cache key.
    func testLearnedDependencyIsPlannedFirstAndChangesTheKey() throws {
        let target = try Target("x86_64-unknown-linux-musl")
        let layout = CacheLayout(root: "/cache")
        let resolver = LibraryResolver(index: FakeIndex())
        var facts = LibraryFacts(sourcesRoot: layout.sources, jobs: 2)
        facts.selected["zlib"] = LibrarySource(package: "zlib", version: "1:1.2.13.dfsg-1", upstreamVersion: "1.2.13.dfsg", origin: "debian", path: "/cache/sources/zlib/tree")
        facts.selected["ncurses"] = LibrarySource(package: "ncurses", version: "6.4-4", upstreamVersion: "6.4", origin: "debian", path: "/cache/sources/ncurses/tree")
        facts.closure = .success(try resolver.closure(["zlib"]))
        let before = try LibraryPlanner.plan(target: target, toolchain: zig(target), facts: facts, cache: CacheView(layout: layout))

        var learned = LearnedLibraryDependencies()
        learned.bySource["zlib"] = ["1:1.2.13.dfsg-1": ["ncurses"]]
        let extra = LibraryPlanner.learnedExtra(try facts.closure.get(), facts: facts, learned: learned)
        XCTAssertEqual(extra, ["zlib": ["ncurses"]])
        facts.closure = .success(try resolver.closure(["zlib"], extra: extra))
        XCTAssertEqual(facts.closureNames, ["ncurses", "zlib"])
        let after = try LibraryPlanner.plan(target: target, toolchain: zig(target), facts: facts, cache: CacheView(layout: layout))
        XCTAssertEqual(after.map(\.library.name), ["ncurses", "zlib"])
        XCTAssertEqual(after[1].dependencies.map(\.name), ["ncurses"])
        XCTAssertNotEqual(after[1].build?.entry, before[0].build?.entry, "its dependencies are part of its key")
        // Another version of the source learned nothing.
        learned.bySource["zlib"] = ["1:1.3-1": ["ncurses"]]
        XCTAssertEqual(LibraryPlanner.learnedExtra(try facts.closure.get(), facts: facts, learned: learned), [:])
    }
}
