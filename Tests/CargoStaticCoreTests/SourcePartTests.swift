import XCTest
@testable import CargoStaticCore

/// A library Debian ships only in a compiler's private directory, built from one directory
/// of that package's source (gcc-12's libbacktrace/).
final class SourcePartTests: XCTestCase {
    /// FakeIndex with a compiler's private directory as dpkg answers for it.
    struct CompilerIndex: PackageIndex {
        var base = FakeIndex.bookworm
        var privateFiles: [String: String] = [:]   // path -> package
        func binary(_ name: String) -> BinaryPackage? { base.binary(name) }
        func names(prefix: String) -> [String] { base.names(prefix: prefix) }
        func files(_ package: String) -> [String]? { base.files(package) }
        func installedOwner(ofFileEndingWith suffix: String) -> String? { base.installedOwner(ofFileEndingWith: suffix) }
        func binaries(ofSource source: String) -> [String] { base.binaries(ofSource: source) }
        func text(ofFile path: String, in package: String) -> String? { base.text(ofFile: path, in: package) }
        func compilerPrivateFile(endingWith suffix: String) -> (package: String, path: String)? {
            privateFiles.first { $0.key.hasSuffix(suffix) }.map { ($0.value, $0.key) }
        }
    }

    static var gccIndex: CompilerIndex {
        let dir = "/usr/lib/gcc/x86_64-linux-gnu/12/"
        var i = CompilerIndex()
        i.base.add("libgcc-12-dev", source: "gcc-12", depends: [["libgcc-s1"], ["libgomp1"]],
                   files: [dir + "libbacktrace.a", dir + "include/backtrace.h", dir + "include/backtrace-supported.h",
                           dir + "libgcc.a", dir + "libgomp.a", dir + "libgomp.so", dir + "include/omp.h"], version: "12.2.0-14+deb12u1")
        i.privateFiles = [dir + "libbacktrace.a": "libgcc-12-dev", dir + "libgcc.a": "libgcc-12-dev", dir + "libgomp.a": "libgcc-12-dev"]
        return i
    }

    func testALibraryOnlyInTheCompilersDirectoryIsAPartOfItsSource() throws {
        let resolver = LibraryResolver(index: Self.gccIndex)
        let lib = try XCTUnwrap(try resolver.library(for: .link("backtrace")))
        XCTAssertEqual(lib.name, "libbacktrace")
        XCTAssertEqual(lib.debianSource, "gcc-12")
        XCTAssertEqual(lib.archives, ["libbacktrace.a"])
        XCTAssertEqual(lib.sourcePart, SourcePart(stem: "backtrace", headers: ["backtrace-supported.h", "backtrace.h"]))
        XCTAssertEqual(lib.dependencies, [], "the compiler's own runtime packages are not built")
        // A plan read back resolves it again by its name.
        let again = LibraryResolver(index: Self.gccIndex)
        XCTAssertEqual(try again.library(LibraryID(resolvedName: "libbacktrace")).sourcePart?.stem, "backtrace")
        // Typed by a user (`deps build backtrace`).
        XCTAssertEqual(try LibraryResolver(index: Self.gccIndex).named("backtrace").name, "libbacktrace")
        XCTAssertThrowsError(try LibraryResolver(index: Self.gccIndex).named("gcc_s"), "the toolchain's runtime is no library to build")
    }

    func testTheCompilersOwnRuntimeIsNeverBuiltFromItsSource() throws {
        let resolver = LibraryResolver(index: Self.gccIndex)
        XCTAssertNil(try resolver.library(for: .link("gcc")), "libgcc comes with the target's C toolchain")
        XCTAssertNotNil(try resolver.library(for: .link("gomp")), "not the toolchain's: a part like libbacktrace")
        XCTAssertNil(try resolver.library(for: .link("quadmath")), "not in the compiler's directory")
        XCTAssertNil(try resolver.library(for: .pkgConfig("backtrace")), "a pkg-config module is no file of the compiler's")
        // Without such a file nothing changes: a -dev package's library resolves as before.
        XCTAssertEqual(try resolver.library(for: .link("z"))?.debianSource, "zlib")
    }

    /// A C++ library's -dev package may depend on the compiler's libstdc++-12-dev: that is the
    /// toolchain's, never a library of the chain (it would build gcc-12).
    func testTheCompilersRuntimePackageIsNoDependency() throws {
        var index = Self.gccIndex
        index.base.add("libstdc++-12-dev", source: "gcc-12", files: ["/usr/lib/gcc/x86_64-linux-gnu/12/libstdc++.a",
                                                                    "/usr/lib/gcc/x86_64-linux-gnu/12/libstdc++.so", "/usr/include/c++/12/vector"])
        index.base.add("libcxxthing-dev", source: "cxxthing", depends: [["libstdc++-12-dev"], ["zlib1g-dev"]],
                       files: ["/usr/lib/x86_64-linux-gnu/libcxxthing.a", "/usr/include/cxxthing.h"])
        let lib = try XCTUnwrap(try LibraryResolver(index: index).library(for: .link("cxxthing")))
        XCTAssertEqual(lib.dependencies, ["zlib"])
        XCTAssertTrue(LibraryResolver.isCompilerRuntime(index.files("libstdc++-12-dev") ?? []))
        XCTAssertFalse(LibraryResolver.isCompilerRuntime(index.files("zlib1g-dev") ?? []))
        XCTAssertFalse(LibraryResolver.isCompilerRuntime(["/usr/include/c++/12/vector"]), "no library at all: not the compiler's runtime")
    }

    func testDpkgSearchGivesTheCompilersFileAndItsPackage() {
        let text = """
        lib32gcc-12-dev: /usr/lib/gcc/x86_64-linux-gnu/12/32/libbacktrace.a
        libgcc-12-dev:amd64: /usr/lib/gcc/x86_64-linux-gnu/12/libbacktrace.a
        libfoo-dev:amd64: /usr/lib/x86_64-linux-gnu/libbacktrace.a

        """
        let found = AptIndex.compilerPrivateOwner(inDpkgSearch: text, ofFileEndingWith: "/libbacktrace.a")
        XCTAssertEqual(found?.package, "libgcc-12-dev", "the shortest path: not the 32-bit multilib copy")
        XCTAssertEqual(found?.path, "/usr/lib/gcc/x86_64-linux-gnu/12/libbacktrace.a")
        XCTAssertNil(AptIndex.compilerPrivateOwner(inDpkgSearch: "libfoo-dev:amd64: /usr/lib/x86_64-linux-gnu/libfoo.a\n", ofFileEndingWith: "/libfoo.a"))
        // The -dev owner lookup still skips the compiler's directory.
        XCTAssertEqual(AptIndex.owner(inDpkgSearch: text, ofFileEndingWith: "/libbacktrace.a"), "libfoo-dev")
    }

    func testThePartsDirectoryIsTheOneNamedForTheLibraryWithABuildSystem() {
        let part = SourcePart(stem: "backtrace", headers: [])
        let members = ["gcc-12.2.0/", "gcc-12.2.0/configure", "gcc-12.2.0/config.guess", "gcc-12.2.0/backtrace/README",
                       "gcc-12.2.0/libbacktrace/", "gcc-12.2.0/libbacktrace/configure", "gcc-12.2.0/libbacktrace/dwarf.c",
                       "gcc-12.2.0/include/", "gcc-12.2.0/include/filenames.h", "gcc-12.2.0/gcc/testsuite/libbacktrace/configure"]
        let found = part.location(inListing: members)
        XCTAssertEqual(found?.top, "gcc-12.2.0")
        XCTAssertEqual(found?.directory, "libbacktrace", "backtrace/ has no build system, and a deeper libbacktrace/ is not the part")
        XCTAssertNil(SourcePart(stem: "iberty", headers: []).location(inListing: members))
        XCTAssertEqual(SourcePart.topFiles(inListing: members, top: "gcc-12.2.0"), ["gcc-12.2.0/configure", "gcc-12.2.0/config.guess"])
        let makefile = "AM_CPPFLAGS = -I $(top_srcdir)/../include -I $(top_srcdir)/../libgcc -I ../libgcc\nsrcdir/../libbacktrace/x ../missing-dir"
        XCTAssertEqual(SourcePart.siblings(named: [makefile], available: ["include", "libgcc", "gcc", "libbacktrace"], own: "libbacktrace"),
                       ["include", "libgcc"])
        XCTAssertEqual(SourcePart.headers(stem: "backtrace", in: ["/x/include/backtrace.h", "/x/include/omp.h", "/y/backtrace.h", "/x/libbacktrace.a"]),
                       ["backtrace.h"])
    }

    /// A source package holding its upstream tarball (as gcc-12's does): only the part's
    /// directory, the tarball's top-level files and the directories the part names are
    /// unpacked, next to the whole source, once.
    func testThePartIsUnpackedFromTheTarballInsideTheSource() throws {
        let root = NSTemporaryDirectory() + "source-part-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let upstream = root + "/make/bigc-1.0"
        for (file, text) in ["configure": "#!/bin/sh\n", "config.guess": "#!/bin/sh\n", "libfoo/configure": "#!/bin/sh\n",
                             "libfoo/Makefile.in": "CPPFLAGS = -I$(srcdir)/../include\n", "include/foo-helper.h": "\n",
                             "compiler/huge.c": "int x;\n"] {
            try FileManager.default.createDirectory(atPath: ((upstream + "/" + file) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: upstream + "/" + file, atomically: true, encoding: .utf8)
        }
        let whole = root + "/cache/sources/bigc_1.0-1/tree"
        try FileManager.default.createDirectory(atPath: whole + "/debian", withIntermediateDirectories: true)
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/bin/tar")
        tar.arguments = ["-czf", whole + "/bigc-1.0.tar.gz", "-C", root + "/make", "bigc-1.0"]
        try tar.run(); tar.waitUntilExit()
        XCTAssertEqual(tar.terminationStatus, 0)

        let store = SourceStore(layout: CacheLayout(root: root + "/cache"), runner: Runner(), reporter: Reporter(quiet: true))
        let source = LibrarySource(package: "bigc", version: "1.0-1", upstreamVersion: "1.0", origin: "debian", path: whole)
        let part = SourcePart(stem: "foo", headers: ["foo.h"])
        let got = try store.part(part, of: source, library: "libfoo")
        XCTAssertEqual(got.path, root + "/cache/sources/bigc_1.0-1-libfoo/tree")
        XCTAssertEqual(got.upstreamVersion, "1.0")
        let fm = FileManager.default
        XCTAssertTrue(fm.fileExists(atPath: got.path + "/libfoo/configure"))
        XCTAssertTrue(fm.fileExists(atPath: got.path + "/config.guess"), "configure's helper scripts in ..")
        XCTAssertTrue(fm.fileExists(atPath: got.path + "/include/foo-helper.h"), "a directory its Makefile names")
        XCTAssertFalse(fm.fileExists(atPath: got.path + "/compiler"), "nothing else of the big tree")
        XCTAssertEqual(part.directory(in: got.path), "libfoo")
        XCTAssertEqual(SourceLayout.detect(got.path, only: part.directory(in: got.path))?.subdirectory, "libfoo",
                       "the part's directory, not the top's configure")
        // Kept: asked again, the tarball is not read (it is gone now).
        try fm.removeItem(atPath: whole + "/bigc-1.0.tar.gz")
        XCTAssertEqual(try store.part(part, of: source, library: "libfoo").path, got.path)
        // A source without the part says which directories it looked for.
        XCTAssertThrowsError(try store.part(SourcePart(stem: "bar", headers: []), of: source, library: "libbar")) { error in
            XCTAssertTrue("\(error)".contains("libbar/ or bar/"), "\(error)")
        }
    }

    /// A part whose install leaves its archive out (gcc's libbacktrace is noinst): the
    /// archive and headers are taken from the build directory.
    func testTheArchiveAndHeadersATreeDoesNotInstallAreTaken() throws {
        let root = NSTemporaryDirectory() + "source-part-collect-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/src/libfoo/.libs", withIntermediateDirectories: true)
        try "archive".write(toFile: root + "/src/libfoo/.libs/libfoo.a", atomically: true, encoding: .utf8)
        try "header".write(toFile: root + "/src/libfoo/foo.h", atomically: true, encoding: .utf8)
        let t = try Target("x86_64-unknown-linux-musl")
        let driver = CompilerDriver(c: ["/z/zig", "cc"], cxx: ["/z/zig", "c++"], ar: ["/z/zig", "ar"], ranlib: ["/z/zig", "ranlib"],
                                    environment: [:], identity: "zig 0.x")
        let cc = CToolchain(kind: .zig, target: t, version: "zig 0.x", driver: driver, directory: "/w", files: [], zigLibDirectory: nil)
        var c = LibraryBuildContext(source: root + "/src", prefix: "/p", destdir: root + "/d", version: "1", target: t, toolchain: cc, jobs: 2,
                                    dependencyPrefixes: [])
        XCTAssertEqual(c.sourcePartCollect(SourcePart(stem: "foo", headers: ["foo.h"])), [], "no steps before the layout is known")
        c.layout = SourceLayout(subdirectory: "libfoo", buildSystem: .autotools, debianFlags: [], patches: [])
        let part = SourcePart(stem: "foo", headers: ["foo.h", "foo-missing.h"])
        let steps = GenericRecipes.library(part: part, source: "bigc", package: "libbigc-dev").steps(c)
        XCTAssertEqual(steps.first?.arguments.first, "--host=x86_64-linux-musl", "the generic configure first")
        XCTAssertEqual(steps.first?.environment["LIBS"], "-lunwind", "configure's link tests find the unwinder (zig)")
        let collect = try XCTUnwrap(steps.last)
        let result = try Runner().capture(collect)
        XCTAssertTrue(result.succeeded, result.output)
        XCTAssertEqual(try String(contentsOfFile: root + "/d/p/lib/libfoo.a", encoding: .utf8), "archive")
        XCTAssertEqual(try String(contentsOfFile: root + "/d/p/include/foo.h", encoding: .utf8), "header")
        XCTAssertFalse(fm.fileExists(atPath: root + "/d/p/include/foo-missing.h"))
        // What an install put in place is kept.
        try "installed".write(toFile: root + "/d/p/lib/libfoo.a", atomically: true, encoding: .utf8)
        XCTAssertTrue(try Runner().capture(collect).succeeded)
        XCTAssertEqual(try String(contentsOfFile: root + "/d/p/lib/libfoo.a", encoding: .utf8), "installed")
    }
}
