import XCTest
@testable import CargoStaticCore

/// The need found in build scripts' own words (cargo's stderr after a failed build), and
/// the pkg-config module resolved to a Debian source package: canned inputs, no subprocess.
final class PkgConfigRequestTests: XCTestCase {
    /// pkg-config-rs 0.3.25 with Debian's pkgconf, as cargo prints it (xxhash-c-sys).
    let xxhash = """
       Compiling libc v0.2.139
    error: failed to run custom build command for `xxhash-c-sys v0.8.3`

    Caused by:
      process didn't exit successfully: `/t/release/build/xxhash-c-sys-1/build-script-build` (exit status: 101)
      --- stderr
      thread 'main' panicked at build.rs:3:72:
      called `Result::unwrap()` on an `Err` value: `PKG_CONFIG_ALLOW_SYSTEM_CFLAGS="1" "pkg-config" "--libs" "--cflags" "libxxhash" "libxxhash >= 0.8.1"` did not exit successfully: exit status: 1
      error: could not find system library 'libxxhash' required by the 'xxhash-c-sys' crate

      --- stderr
      Package libxxhash was not found in the pkg-config search path.
      Perhaps you should add the directory containing `libxxhash.pc'
      to the PKG_CONFIG_PATH environment variable
      Package 'libxxhash', required by 'virtual:world', not found
    warning: build failed, waiting for other jobs to finish...
    """

    func testPkgConfigRsMessageNamesModuleAndCrate() {
        XCTAssertEqual(PkgConfigFailure.requests(inCargoStderr: xxhash),
                       [PkgConfigRequest(crate: "xxhash-c-sys 0.8.3", module: "libxxhash")])
    }

    /// Two build scripts failed; each module belongs to its own section, and pkgconf's
    /// "required by" names the missing module (a Requires of a library that was built).
    func testSeveralScriptsAndRequiresOfABuiltLibrary() {
        let text = """
        error: failed to run custom build command for `libdbus-sys v0.2.2`
        Caused by:
          --- stderr
          Package dbus-1 was not found in the pkg-config search path.
        error: failed to run custom build command for `gio-sys v0.16.3`
        Caused by:
          --- stderr
          Package 'libffi', required by 'gobject-2.0', not found
          Package 'libffi', required by 'gobject-2.0', not found
        """
        XCTAssertEqual(PkgConfigFailure.requests(inCargoStderr: text),
                       [PkgConfigRequest(crate: "libdbus-sys 0.2.2", module: "dbus-1"),
                        PkgConfigRequest(crate: "gio-sys 0.16.3", module: "libffi")])
    }

    /// pkg-config (freedesktop's) says `No package 'X' found`; with no cargo header the
    /// failed build script the tracker saw is the one that asked.
    func testClassicPkgConfigAndTrackerCrate() {
        let text = "  No package 'libpcsclite' found\n"
        XCTAssertEqual(PkgConfigFailure.requests(inCargoStderr: text, failedCrates: ["pcsc-sys 1.2.0"]),
                       [PkgConfigRequest(crate: "pcsc-sys 1.2.0", module: "libpcsclite")])
    }

    /// A failure that is not pkg-config's (a compile error, a missing header) asks for nothing.
    func testOtherFailuresAskForNothing() {
        let text = """
        error: failed to run custom build command for `foo-sys v1.0.0`
          --- stderr
          fatal error: foo.h: No such file or directory
          pkg-config exited with status code 1
        """
        XCTAssertEqual(PkgConfigFailure.requests(inCargoStderr: text), [])
        XCTAssertEqual(PkgConfigFailure.requests(inCargoStderr: ""), [])
    }

    private var index: FakeIndex {
        var i = FakeIndex()
        let lib = "/usr/lib/x86_64-linux-gnu/"
        i.add("libxxhash-dev", source: "xxhash", depends: [["libxxhash0"]], files: [lib + "libxxhash.so", lib + "libxxhash.a", lib + "pkgconfig/libxxhash.pc"])
        i.add("libxxhash0", source: "xxhash", files: [lib + "libxxhash.so.0"])
        i.add("libdbus-1-dev", source: "dbus", depends: [["libdbus-1-3"], ["pkg-config", "pkgconf"]],
              files: [lib + "libdbus-1.so", lib + "libdbus-1.a", lib + "pkgconfig/dbus-1.pc"])
        i.add("libdbus-1-3", source: "dbus", files: [lib + "libdbus-1.so.3"])
        i.add("libpcsclite-dev", source: "pcsc-lite", files: [lib + "libpcsclite.so", lib + "pkgconfig/libpcsclite.pc"])
        return i
    }

    /// The module resolves to the -dev package that ships `<module>.pc`, then to its source.
    func testModuleResolvesToTheSourcePackage() throws {
        let resolver = LibraryResolver(index: index)
        XCTAssertEqual(try resolver.library(for: .pkgConfig("libxxhash"))?.name, "xxhash")
        XCTAssertEqual(try resolver.library(for: .pkgConfig("dbus-1"))?.debianSource, "dbus")
        XCTAssertEqual(try resolver.library(for: .pkgConfig("dbus-1"))?.devPackage, "libdbus-1-dev")
        XCTAssertEqual(try resolver.library(for: .pkgConfig("libpcsclite"))?.debianSource, "pcsc-lite")
        XCTAssertNil(try resolver.library(for: .pkgConfig("libnosuch")))
    }

    /// Build, refuse or say what was tried: one line each, naming module and crate.
    func testResolutionVerdicts() {
        let resolver = LibraryResolver(index: index)
        let lookup: (String) throws -> NativeLibrary? = { try resolver.library(for: .pkgConfig($0)) }
        let ask = { (m: String) in PkgConfigRequest(crate: "demo-sys 1.0", module: m) }

        XCTAssertEqual(PkgConfigResolution.resolve([ask("libxxhash")], alreadyBuilt: [], library: lookup),
                       [.build(ask("libxxhash"), library: "xxhash")])

        guard case .unknown(_, let line)? = PkgConfigResolution.resolve([ask("libnosuch")], alreadyBuilt: [], library: lookup).first else {
            return XCTFail("an unknown module must end the build")
        }
        XCTAssertTrue(line.contains("`libnosuch`") && line.contains("demo-sys 1.0") && line.contains("libnosuch.pc"), line)
        XCTAssertFalse(line.contains("\n"), line)

        // Built already and still missing: no second build (the loop ends), one line says so.
        guard case .unknown(_, let again)? = PkgConfigResolution.resolve([ask("libxxhash")], alreadyBuilt: ["xxhash"], library: lookup).first else {
            return XCTFail("a library built once is not built again")
        }
        XCTAssertTrue(again.contains("installed no libxxhash.pc"), again)

        guard case .refused(_, let refused)? = PkgConfigResolution.resolve([ask("libpulse")], alreadyBuilt: [], library: lookup).first else {
            return XCTFail("libpulse is dynamic by design")
        }
        XCTAssertTrue(refused.contains("demo-sys 1.0") && refused.contains("`libpulse`"), refused)
    }

    /// A Debian patch that writes the host's prefix into the .pc (xxhash's `prefix=/usr`).
    func testHardCodedHostPrefixIsRelocated() {
        let pc = "prefix=/usr\nexec_prefix=${prefix}\nlibdir=${exec_prefix}/lib\nLibs: -L${libdir} -lxxhash\n"
        XCTAssertEqual(PkgConfigFiles.relocated(pc, logicalPrefix: "/opt/cargo-static"),
                       "prefix=${pcfiledir}/../..\nexec_prefix=${prefix}\nlibdir=${exec_prefix}/lib\nLibs: -L${libdir} -lxxhash\n")
    }
}

extension PkgConfigRequestTests {
    /// What a crate asked for is remembered in the target directory and becomes a requirement of the next plan.
    func testAskedModulesAreRememberedPerCrate() throws {
        let root = NSTemporaryDirectory() + "learned-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = LearnedPkgConfigNeeds.file(metadata: .testing(["packages": [], "target_directory": .string(root + "/target")]))
        XCTAssertEqual(file, root + "/target/cargo-static/pkgconfig-requests.json")
        XCTAssertEqual(LearnedPkgConfigNeeds.load(file: file), LearnedPkgConfigNeeds())
        LearnedPkgConfigNeeds.remember([(PkgConfigRequest(crate: "xxhash-c-sys 0.8.3", module: "libxxhash"), "xxhash")], file: file)
        let learned = LearnedPkgConfigNeeds.load(file: file)
        XCTAssertEqual(learned.requirements(crate: "xxhash-c-sys 0.8.3").map(\.library), ["xxhash"])
        XCTAssertEqual(learned.requirements(crate: "xxhash-c-sys 0.8.4"), [])
        // In the graph scan: the crate's node brings the library.
        let metadata: JSONValue = [
            "packages": [["id": "x 1", "name": "xxhash-c-sys", "version": "0.8.3", "manifest_path": "/nonexistent/Cargo.toml"]],
            "resolve": ["nodes": [["id": "x 1", "features": []]]], "workspace_members": [],
        ]
        var index = FakeIndex()
        index.add("libxxhash-dev", source: "xxhash", files: ["/usr/lib/libxxhash.a", "/usr/lib/pkgconfig/libxxhash.pc"])
        let found = try NativeDependencyScan.requirements(inMetadata: .testing(metadata), resolver: LibraryResolver(index: index), learned: learned)
        XCTAssertEqual(found.map(\.library), ["xxhash"])
        XCTAssertTrue(found[0].reason.contains("asked pkg-config for `libxxhash`"), found[0].reason)
    }
}

extension PkgConfigRequestTests {
    /// pcsc-lite's rules: a `$(shell …)` call is no flag; lmdb's: debhelper builds in a subdirectory.
    func testDebianRulesShellCallsAndSourceDirectory() {
        let rules = "%:\n\tdh $@\n\noverride_dh_auto_configure:\n\tdh_auto_configure -- --enable-ipcdir=/run/pcscd \\\n\t\t$(shell dpkg-buildflags --export=configure)\n"
        XCTAssertEqual(DebianRules.flags(in: rules, for: .autotools), ["--enable-ipcdir=/run/pcscd"])
        XCTAssertEqual(SourceLayout.debianSourceDirectory("%:\n\tdh $@ -Dlibraries/liblmdb/\n"), "libraries/liblmdb")
        XCTAssertEqual(SourceLayout.debianSourceDirectory("%:\n\tdh $@ --sourcedirectory=src --with autoreconf\n"), "src")
        XCTAssertNil(SourceLayout.debianSourceDirectory("%:\n\tdh $@ --buildsystem=cmake\n"))
    }

    /// lmdb's debian/lmdb.pc.in, filled as debian/rules does, with the library's prefix.
    func testDebianPkgConfigTemplate() {
        let template = "prefix=@prefix@\nexec_prefix=@prefix@\nlibdir=@libdir@\nincludedir=@includedir@\nVersion: @PACKAGE_VERSION@\nLibs: -L${libdir} -llmdb\n"
        XCTAssertEqual(DebianPkgConfigTemplate.fill(template, prefix: "/opt/cargo-static", version: "0.9.24"),
                       "prefix=/opt/cargo-static\nexec_prefix=/opt/cargo-static\nlibdir=${prefix}/lib\nincludedir=${prefix}/include\nVersion: 0.9.24\nLibs: -L${libdir} -llmdb\n")
    }
}

extension PkgConfigRequestTests {
    private func node(_ id: String, deps: [(String, String?)]) -> JSONValue {
        ["id": .string(id), "features": [],
         "deps": .array(deps.map { ["pkg": .string($0.0), "dep_kinds": [["kind": $0.1.map(JSONValue.string) ?? .null]]] })]
    }

    /// cryptoki-sys loads its PKCS#11 provider through libloading: the warning names it; a
    /// build-dependency on libloading (host side, e.g. bindgen's clang-sys) warns nothing.
    func testDlopenUsersFromTheGraph() {
        let packages: JSONValue = [
            ["id": "app", "name": "app", "version": "0.1.0"],
            ["id": "ck", "name": "cryptoki-sys", "version": "0.1.4"],
            ["id": "ll", "name": "libloading", "version": "0.7.4"],
            ["id": "bg", "name": "bindgen", "version": "0.60.1"],
            ["id": "cs", "name": "clang-sys", "version": "1.3.0"],
        ]
        let runtime: JSONValue = ["packages": packages, "workspace_members": ["app"], "resolve": ["nodes": [
            node("app", deps: [("ck", nil)]), node("ck", deps: [("ll", nil)]), node("ll", deps: []),
        ]]]
        XCTAssertEqual(DlopenUse.users(inMetadata: .testing(runtime)), ["cryptoki-sys 0.1.4"])
        let warning = DlopenUse.warning(inMetadata: .testing(runtime)) ?? ""
        XCTAssertTrue(warning.contains("crate cryptoki-sys 0.1.4") && warning.contains("dlopen") && warning.contains("static executable"), warning)

        let hostOnly: JSONValue = ["packages": packages, "workspace_members": ["app"], "resolve": ["nodes": [
            node("app", deps: [("bg", "build")]), node("bg", deps: [("cs", nil)]), node("cs", deps: [("ll", nil)]), node("ll", deps: []),
        ]]]
        XCTAssertEqual(DlopenUse.users(inMetadata: .testing(hostOnly)), [])
        XCTAssertNil(DlopenUse.warning(inMetadata: .testing(hostOnly)))
    }
}

extension PkgConfigRequestTests {
    /// A source that cannot be downloaded: the package, the planned version and who asked.
    func testSourceDownloadFailureSaysVersionAndWhoAsked() throws {
        let target = try Target("x86_64-unknown-linux-musl")
        let step = LibraryStep(library: LibraryID(resolvedName: "xxhash"), target: target, build: nil, source: nil,
                               fetch: SourceFetch(package: "xxhash", version: "0.8.1-1", command: Command("apt-get", ["source", "xxhash=0.8.1-1"])),
                               commands: [], dependencies: [], prefix: nil)
        let error = CargoStaticError(.commandFailed, "could not download the Debian source package xxhash for xxhash", fix: "check the mirror", detail: "xxhash=0.8.1-1: 404")
        let explained = SourceRequest.explained(error, steps: [step], requirements: [
            LibraryRequirement(library: "xxhash", reason: "crate xxhash-c-sys 0.8.3 asked pkg-config for `libxxhash`")])
        XCTAssertEqual(explained.message, "could not download the Debian source package xxhash for xxhash (version 0.8.1-1) (asked for by crate xxhash-c-sys 0.8.3 asked pkg-config for `libxxhash`)")
        XCTAssertEqual(explained.fix, "check the mirror")
        XCTAssertEqual(explained.detail, "xxhash=0.8.1-1: 404")
    }
}

extension PkgConfigRequestTests {
    /// dbus's configure without expat: the error names the module it asked pkg-config for.
    func testLibraryBuildThatMissesAModuleNamesIt() {
        let detail = "command: ./configure\n--- last lines of its output ---\nchecking for expat... no\nconfigure: error: Package requirements (expat) were not met:\nPackage 'expat', required by 'virtual:world', not found\n"
        let error = SourceRequest.missingModules(CargoStaticError(.libraryBuildFailed, "building dbus for x86_64-unknown-linux-musl failed", detail: detail))
        XCTAssertTrue(error.message.hasSuffix("its build asked pkg-config for `expat`, which is not among the libraries built for it"), error.message)
        let other = CargoStaticError(.libraryBuildFailed, "building foo failed", detail: "cc: error: x.c: No such file")
        XCTAssertEqual(SourceRequest.missingModules(other).message, "building foo failed")
    }
}
