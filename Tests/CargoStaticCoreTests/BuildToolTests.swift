import XCTest
@testable import CargoStaticCore

/// A library build that stops because a program (an assembler) is not installed: the
/// output read for the program, debian/control for the package. Pure: real excerpts.
final class BuildToolTests: XCTestCase {
    /// dav1d's debian/control (the source stanza, then a binary one).
    let dav1dControl = """
    Source: dav1d
    Section: libs
    Build-Depends: debhelper-compat (= 13),
                   meson (>= 0.47),
                   ninja-build,
                   nasm (>= 2.14) [any-amd64 any-i386]
    Standards-Version: 4.6.0

    Package: libdav1d-dev
    Depends: libdav1d6 (= ${binary:Version}), nothing-else
    """

    /// dav1d's meson setup without nasm.
    let mesonOutput = """
    Fetching value of define "__AVX__" :
    Program nasm found: NO

    meson.build:412:4: ERROR: Program 'nasm' not found or not executable
    """

    /// aom's CMake configure without an assembler.
    let cmakeOutput = """
    -- Performing Test HAVE_C_FLAG_WALL - Success
    CMake Error at build/cmake/aom_optimization.cmake:222 (message):
      Unable to find assembler.  Install 'yasm' or 'nasm.'  To build without
      optimizations, add -DAOM_TARGET_CPU=generic to your cmake command line.
    -- Configuring incomplete, errors occurred!
    """

    func testBuildDependsOfTheSourceStanzaWithArchitectures() {
        let deps = BuildTools.buildDepends(control: dav1dControl)
        XCTAssertEqual(deps.map(\.package), ["debhelper-compat", "meson", "ninja-build", "nasm"])
        XCTAssertEqual(deps.last?.architectures, ["any-amd64", "any-i386"])
        XCTAssertFalse(deps.contains { $0.package == "nothing-else" }, "binary stanzas are not the source's Build-Depends")
    }

    func testAlternativesAndBuildDependsArch() {
        let control = "Source: x\nBuild-Depends: cmake | cmake3, yasm [!arm64] <!nocheck>\nBuild-Depends-Arch: bison\n"
        XCTAssertEqual(BuildTools.buildDepends(control: control).map(\.package), ["cmake", "cmake3", "yasm", "bison"])
    }

    func testArchitectureRestrictions() throws {
        let nasm = BuildTools.Dependency(package: "nasm", architectures: ["any-amd64", "any-i386"])
        XCTAssertTrue(BuildTools.applies(nasm, to: "amd64"))
        XCTAssertFalse(BuildTools.applies(nasm, to: "arm64"))
        XCTAssertTrue(BuildTools.applies(.init(package: "a", architectures: []), to: "riscv64"))
        XCTAssertFalse(BuildTools.applies(.init(package: "a", architectures: ["!arm64"]), to: "arm64"))
        XCTAssertTrue(BuildTools.applies(.init(package: "a", architectures: ["!arm64"]), to: "amd64"))
        XCTAssertEqual(BuildTools.debianArchitecture(try Target("x86_64-unknown-linux-musl")), "amd64")
        XCTAssertEqual(BuildTools.debianArchitecture(try Target("aarch64-unknown-linux-musl")), "arm64")
    }

    func testMesonProgramNotFoundNamesThePackage() {
        let deps = BuildTools.buildDepends(control: dav1dControl)
        let missing = BuildTools.missing(inOutput: mesonOutput, buildDepends: deps, installed: { $0 != "nasm" }, onPath: { _ in false })
        XCTAssertEqual(missing.map(\.program), ["nasm"])
        XCTAssertEqual(missing.first?.package, "nasm")
        XCTAssertTrue(missing.first?.explanation.contains("apt-get install nasm") == true)
        XCTAssertTrue(missing.first?.said.contains("Program 'nasm' not found") == true)
    }

    func testCMakeErrorNamingUninstalledBuildDependency() {
        let deps = BuildTools.buildDepends(control: "Source: aom\nBuild-Depends: cmake (>= 3.6), debhelper-compat (= 13), libyuv-dev, yasm [any-amd64 any-i386]\n")
        let missing = BuildTools.missing(inOutput: cmakeOutput, buildDepends: deps, installed: { $0 != "yasm" && $0 != "libyuv-dev" }, onPath: { _ in false })
        XCTAssertEqual(missing.map(\.program), ["yasm"])
        XCTAssertEqual(missing.first?.package, "yasm")
        // Installed (or on PATH): the same output names nothing.
        XCTAssertEqual(BuildTools.missing(inOutput: cmakeOutput, buildDepends: deps, installed: { _ in true }, onPath: { _ in false }), [])
        XCTAssertEqual(BuildTools.missing(inOutput: cmakeOutput, buildDepends: deps, installed: { $0 == "cmake" }, onPath: { $0 == "yasm" }), [],
                       "a program on PATH is there, whatever dpkg says (a -dev package is never a program)")
    }

    func testShellCommandNotFound() {
        let output = "make[2]: Entering directory '/src/doc'\n/bin/sh: 1: gperf: not found\nbash: line 1: xsltproc: command not found\nmake: *** [Makefile:12: all] Error 127\n"
        let missing = BuildTools.missing(inOutput: output, buildDepends: [], installed: { _ in false }, onPath: { _ in false })
        XCTAssertEqual(missing.map(\.program), ["gperf", "xsltproc"])
        XCTAssertNil(missing.first?.package, "no Build-Depends names it: no package guessed")
        XCTAssertEqual(BuildTools.missing(inOutput: output, buildDepends: [], installed: { _ in false }, onPath: { _ in true }), [])
    }

    /// giflib's doc/ Makefile without xmlto (in giflib's Build-Depends).
    func testMakeCannotStartAProgram() {
        let output = "make[1]: Entering directory '/src/doc'\nxmlto xhtml-nochunks giffilter.xml\nmake[1]: xmlto: No such file or directory\nmake[1]: *** [Makefile:4: giffilter.html] Error 127\n"
        let deps = BuildTools.buildDepends(control: "Source: giflib\nBuild-Depends: debhelper-compat (= 13), xmlto\n")
        let missing = BuildTools.missing(inOutput: output, buildDepends: deps, installed: { $0 != "xmlto" }, onPath: { _ in false })
        XCTAssertEqual(missing.map(\.program), ["xmlto"])
        XCTAssertEqual(missing.first?.package, "xmlto")
        XCTAssertEqual(BuildTools.missing(inOutput: "cc: error: foo.c: No such file or directory\n", buildDepends: deps,
                                          installed: { _ in true }, onPath: { _ in false }), [], "a compiler's missing file is no program")
    }

    func testNothingForALibraryFailure() {
        let output = "configure: error: readline library not found\n"
        let deps = [BuildTools.Dependency(package: "libreadline-dev", architectures: [])]
        XCTAssertEqual(BuildTools.missing(inOutput: output, buildDepends: deps, installed: { _ in false }, onPath: { _ in false }), [])
    }

    func testDpkgInstalledReadsTheFileLists() throws {
        let dir = NSTemporaryDirectory() + "dpkg-info-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: dir + "/nasm.list", contents: Data())
        FileManager.default.createFile(atPath: dir + "/libfoo1:amd64.list", contents: Data())
        XCTAssertTrue(BuildTools.dpkgInstalled("nasm", admin: dir))
        XCTAssertTrue(BuildTools.dpkgInstalled("libfoo1", admin: dir))
        XCTAssertFalse(BuildTools.dpkgInstalled("yasm", admin: dir))
        XCTAssertFalse(BuildTools.dpkgInstalled("libfoo", admin: dir))
    }
}
