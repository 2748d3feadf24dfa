import XCTest
@testable import CargoStaticCore

final class NativeLibraryTests: XCTestCase {
    func testDebianVersionsOrderAsDpkgDoes() {
        let sorted = ["3.0.17-1~deb12u2", "3.0.20-1~deb12u2", "3.0.9-1", "1:0.9-1", "3.0.20-1", "3.0.20~rc1-1"].map(DebianVersion.init).sorted()
        XCTAssertEqual(sorted.map(\.text), ["3.0.9-1", "3.0.17-1~deb12u2", "3.0.20~rc1-1", "3.0.20-1~deb12u2", "3.0.20-1", "1:0.9-1"])
        XCTAssertEqual(DebianVersion("1:1.2.13.dfsg-1").upstreamVersion, "1.2.13.dfsg")
        XCTAssertEqual(DebianVersion("3.1-20221030-2").upstreamVersion, "3.1-20221030")
    }

    func testShowsrcVersionsNewestFirstWithoutDuplicates() {
        let text = "Package: openssl\nVersion: 3.0.17-1~deb12u2\n\nPackage: openssl\nVersion: 3.0.20-1~deb12u2\n\nVersion: 3.0.17-1~deb12u2\n"
        XCTAssertEqual(SourceStore.versions(inShowsrc: text).map(\.text), ["3.0.20-1~deb12u2", "3.0.17-1~deb12u2"])
    }

    /// The mirror lacks pixman's .diff.gz but has its upstream tarball: that one is found in
    /// apt's URI list (not a signature, not a component tarball, not the .dsc).
    func testUpstreamTarballInPrintURIs() {
        let text = """
        Reading package lists...
        NOTICE: 'pixman' packaging is maintained in the 'Git' version control system at:
        'http://deb.debian.org/debian/pool/main/p/pixman/pixman_0.42.2-1.dsc' pixman_0.42.2-1.dsc 1938 SHA256:aa
        'http://deb.debian.org/debian/pool/main/p/pixman/pixman_0.42.2.orig.tar.gz.asc' pixman_0.42.2.orig.tar.gz.asc 833 SHA256:bb
        'http://deb.debian.org/debian/pool/main/g/glib2.0/glib2.0_2.74.6.orig-unicode-data.tar.xz' glib2.0_2.74.6.orig-unicode-data.tar.xz 1 SHA256:cc
        'http://deb.debian.org/debian/pool/main/p/pixman/pixman_0.42.2.orig.tar.gz' pixman_0.42.2.orig.tar.gz 936720 SHA256:dd
        'http://deb.debian.org/debian/pool/main/p/pixman/pixman_0.42.2-1.diff.gz' pixman_0.42.2-1.diff.gz 9000 SHA256:ee
        """
        let found = SourceStore.upstreamTarball(inPrintURIs: text)
        XCTAssertEqual(found?.file, "pixman_0.42.2.orig.tar.gz")
        XCTAssertEqual(found?.uri, "http://deb.debian.org/debian/pool/main/p/pixman/pixman_0.42.2.orig.tar.gz")
        XCTAssertNil(SourceStore.upstreamTarball(inPrintURIs: "'http://x/a_1-1.dsc' a_1-1.dsc 1 SHA256:a\n'http://x/a_1-1.tar.xz' a_1-1.tar.xz 2 SHA256:b"),
                     "a native package has no upstream tarball")
    }

    func testVersionFromTarballName() {
        XCTAssertEqual(SourceStore.versionInName("zlib-1.3.1.tar.gz"), "1.3.1")
        XCTAssertEqual(SourceStore.versionInName("sqlite-autoconf-3450000.tar.xz"), "3450000")
        XCTAssertNil(SourceStore.versionInName("my-zlib"))
    }

    func testNamesAliasesAndDependencyOrder() throws {
        XCTAssertEqual(try NativeLibrary.named("lzma").name, "xz")
        XCTAssertEqual(try NativeLibrary.named("SQLite").name, "sqlite3")
        let offline = LibraryResolver(index: FakeIndex())
        XCTAssertEqual(try offline.closure(["libedit", "zlib", "ncurses"]).map(\.name), ["ncurses", "libedit", "zlib"])
        XCTAssertThrowsError(try offline.named("libfoo")) { error in
            XCTAssertTrue("\(error)".contains("known recipes: zlib"), "\(error)")
        }
        XCTAssertEqual(NativeLibrary.providing(link: "ssl")?.name, "openssl")
        XCTAssertEqual(NativeLibrary.providing(link: "ncurses")?.name, "ncurses")
        XCTAssertNil(NativeLibrary.providing(link: "pcre2-8"))
    }

    /// The -sys crates of the resolved graph, minus those whose self-building feature is on,
    /// plus what a workspace member declares.
    func testRequirementsFromCargoMetadata() throws {
        let json: JSONValue = [
            "packages": [
                ["id": "a", "name": "libz-sys", "version": "1.1.8"],
                ["id": "b", "name": "openssl-sys", "version": "0.9.80"],
                ["id": "c", "name": "libsqlite3-sys", "version": "0.25.1"],
                ["id": "me", "name": "app", "version": "0.1.0", "metadata": ["cargo-static": ["deps": ["editline"]]]],
            ],
            "resolve": ["nodes": [
                ["id": "a", "features": ["libc"]],
                ["id": "b", "features": ["vendored"]],
                ["id": "c", "features": ["bundled"]],
                ["id": "me", "features": []],
            ]],
            "workspace_members": ["me"],
        ]
        let found = try NativeDependencyScan.requirements(inMetadata: .testing(json), resolver: LibraryResolver(index: FakeIndex()))
        XCTAssertEqual(found.map(\.library), ["zlib", "libedit"])
        XCTAssertEqual(found.first?.reason, "crate libz-sys 1.1.8")
        XCTAssertEqual(found.last?.reason, "[package.metadata.cargo-static] of app")
        // Debian's bzip2-sys with `static` on still links the system's libbz2 (its bundled
        // sources are removed), so cargo-static provides bzip2.
        let debian: JSONValue = [
            "packages": [["id": "z", "name": "bzip2-sys", "version": "0.1.11", "manifest_path": "/usr/share/cargo/registry/bzip2-sys-0.1.11/Cargo.toml"]],
            "resolve": ["nodes": [["id": "z", "features": ["static"]]]],
        ]
        XCTAssertEqual(try NativeDependencyScan.requirements(inMetadata: .testing(debian), resolver: LibraryResolver(index: FakeIndex())).map(\.library), ["bzip2"])
        let bad: JSONValue = ["packages": [["id": "me", "name": "app", "metadata": ["cargo-static": ["dep": "zlib"]]]],
                              "resolve": ["nodes": [["id": "me", "features": []]]], "workspace_members": ["me"]]
        XCTAssertThrowsError(try NativeDependencyScan.requirements(inMetadata: .testing(bad), resolver: LibraryResolver(index: FakeIndex())))
    }

    func testMetadataGetsOnlyTheArgumentsItUnderstands() throws {
        let args = ["--release", "--features", "a,b", "-p", "x", "--offline", "--manifest-path=sub/Cargo.toml", "--bin", "y", "--locked"]
        XCTAssertEqual(try CargoArguments.parse(args, mode: .build).metadataArguments,
                       ["--features", "a,b", "--offline", "--manifest-path=sub/Cargo.toml", "--locked"])
    }

    /// pkg-config is confined to the cache for the target, and each crate gets its variables.
    func testCargoEnvironmentForProvidedLibraries() throws {
        let target = try Target("aarch64-unknown-linux-musl")
        let libs = [ProvidedLibrary(name: "openssl", version: "3", outcome: .hit, prefix: "/c/ssl", entry: "ssl-1"),
                    ProvidedLibrary(name: "zlib", version: "1", outcome: .built, prefix: "/c/z", entry: "z-1")]
        let env = CargoInvocation.nativeLibraryEnvironment(libs, target: target)
        XCTAssertEqual(env["PKG_CONFIG_LIBDIR_aarch64_unknown_linux_musl"], "/c/ssl/lib/pkgconfig:/c/z/lib/pkgconfig")
        XCTAssertEqual(env["PKG_CONFIG_PATH_aarch64_unknown_linux_musl"], "")
        XCTAssertEqual(env["PKG_CONFIG_ALL_STATIC"], "1")
        XCTAssertEqual(env["SYSTEM_DEPS_LINK"], "static", "system-deps crates link their Requires.private too")
        XCTAssertEqual(env["AARCH64_UNKNOWN_LINUX_MUSL_OPENSSL_DIR"], "/c/ssl")
        XCTAssertEqual(env["AARCH64_UNKNOWN_LINUX_MUSL_OPENSSL_STATIC"], "1")
        XCTAssertEqual(env["LIBZ_SYS_STATIC"], "1")
        XCTAssertNil(env["SQLITE3_STATIC"])
        // Without libraries pkg-config still finds nothing of the host's for the target.
        XCTAssertEqual(CargoInvocation.nativeLibraryEnvironment([], target: target)["PKG_CONFIG_LIBDIR_aarch64_unknown_linux_musl"], "")
    }

    /// The cache key is the recipe's commands: another target or toolchain is another entry.
    func testLibraryKeyFollowsTargetToolchainAndRecipe() throws {
        let source = LibrarySource(package: "zlib", version: "1:1.2.13.dfsg-1", upstreamVersion: "1.2.13.dfsg", origin: "debian", path: "/s")
        func spec(_ triple: String, _ version: String) throws -> LibraryBuildSpec {
            let t = try Target(triple)
            let driver = CompilerDriver(c: ["/nonexistent/zig", "cc"], cxx: ["/nonexistent/zig", "c++"], ar: ["/nonexistent/zig", "ar"],
                                        ranlib: ["/nonexistent/zig", "ranlib"], environment: [:], identity: version)
            let cc = CToolchain(kind: .zig, target: t, version: version, driver: driver, directory: "/cache/cc/zig-\(triple)",
                                files: [], zigLibDirectory: nil)
            return LibraryBuildSpec(library: try NativeLibrary.named("zlib"), source: source, target: t, toolchain: cc, dependencies: [])
        }
        let a = try spec("x86_64-unknown-linux-musl", "zig 0.17.1")
        XCTAssertEqual(a.keyText, try spec("x86_64-unknown-linux-musl", "zig 0.17.1").keyText)
        XCTAssertNotEqual(a.entry.name, try spec("aarch64-unknown-linux-musl", "zig 0.17.1").entry.name)
        XCTAssertNotEqual(a.entry.name, try spec("x86_64-unknown-linux-musl", "zig 0.18.0").entry.name)
        XCTAssertTrue(a.entry.name.hasPrefix("zlib-1.2.13.dfsg-"))
        XCTAssertFalse(a.keyText.contains("/cache/"), "the key must not depend on where the cache is")
        XCTAssertFalse(a.keyText.contains("/s/"), "the key must not depend on where the source was copied")
    }

    /// Generated autotools files end up newer than every input, so make never reruns autoconf.
    func testAutotoolsOutputsAreMadeNewest() throws {
        let dir = NSTemporaryDirectory() + "cs-autotools-\(getpid())-\(UUID().uuidString)"
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/src", withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: dir) }
        for file in ["configure", "aclocal.m4", "src/Makefile.in", "configure.ac", "src/Makefile.am"] {
            try "x".write(toFile: dir + "/" + file, atomically: false, encoding: .utf8)
        }
        let old = Date(timeIntervalSince1970: 1_600_000_000), patched = Date(timeIntervalSince1970: 1_700_000_000)
        for file in ["configure", "aclocal.m4", "src/Makefile.in"] { try fm.setAttributes([.modificationDate: old], ofItemAtPath: dir + "/" + file) }
        for file in ["configure.ac", "src/Makefile.am"] { try fm.setAttributes([.modificationDate: patched], ofItemAtPath: dir + "/" + file) }
        try AutotoolsTimestamps.settle(dir)
        func date(_ f: String) throws -> Date { try fm.attributesOfItem(atPath: dir + "/" + f)[.modificationDate] as! Date }
        for generated in ["configure", "aclocal.m4", "src/Makefile.in"] {
            XCTAssertGreaterThan(try date(generated), try date("configure.ac"), generated)
            XCTAssertGreaterThan(try date(generated), try date("src/Makefile.am"), generated)
        }
    }

    /// The LFS64 source defines every name the old libc crate asks for, each once.
    func testLargeFileCompatDefinesEachNameOnce() {
        let source = LargeFileCompat.source
        for name in ["open64", "openat64", "fstat64", "stat64", "lseek64", "readdir64", "mmap64", "prlimit64", "sendfile64"] {
            XCTAssertEqual(source.components(separatedBy: " \(name)(").count - 1, 1, name)
        }
        XCTAssertFalse(source.contains("_LARGEFILE64_SOURCE"), "musl's headers would turn open64 into a macro")
    }

    /// SysCrates.swift says the README's "C libraries" table is its documentation: keep them in step.
    func testReadmeTableNamesEveryCrateAndLibrary() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        guard let start = text.range(of: "## C libraries"), let end = text.range(of: "\n## ", range: start.upperBound..<text.endIndex) else {
            return XCTFail("README.md has no \"## C libraries\" section")
        }
        let section = text[start.upperBound..<end.lowerBound]
        for binding in SysCrateTable.bindings {
            XCTAssertTrue(section.contains("| \(binding.crate)"), "README's C libraries table lacks the crate \(binding.crate)")
        }
        for library in NativeLibrary.all where Allocator(rawValue: library.name) == nil {
            XCTAssertTrue(section.contains("\(library.name) (`\(library.debianSource)`)"), "README's C libraries table lacks \(library.name)")
        }
        for source in GenericRecipes.tuned {
            XCTAssertTrue(section.contains("\n| \(source) | "), "README's adjustments table lacks \(source)")
            let o = GenericRecipes.options(for: source)
            XCTAssertFalse(o.prefer.isEmpty && o.flags.isEmpty && o.steps == nil && o.makeTargets.isEmpty, "\(source) has no adjustment in GenericRecipes")
        }
        for refusal in RefusalTable.all {
            XCTAssertTrue(section.contains("\n| \(refusal.library) | "), "README's refusals table lacks \(refusal.library)")
        }
    }
}
