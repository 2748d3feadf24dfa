import XCTest
@testable import CargoStaticCore

/// A fixed slice of Debian's package database (names, sources, dependencies and files as
/// bookworm has them), so resolution is tested without apt.
struct FakeIndex: PackageIndex {
    var packages: [String: BinaryPackage] = [:]
    var fileLists: [String: [String]] = [:]
    var installed: [String: String] = [:]   // file suffix -> package
    var texts: [String: String] = [:]       // path -> an installed file's text

    mutating func add(_ name: String, source: String, depends: [[String]] = [], files: [String], version: String = "1.0-1", architecture: String = "amd64") {
        packages[name] = BinaryPackage(name: name, version: version, source: source, depends: depends, architecture: architecture)
        fileLists[name] = files
    }

    func binary(_ name: String) -> BinaryPackage? { packages[name] }
    func names(prefix: String) -> [String] { packages.keys.filter { $0.hasPrefix(prefix) }.sorted() }
    func files(_ package: String) -> [String]? { fileLists[package] }
    func installedOwner(ofFileEndingWith suffix: String) -> String? { installed.first { suffix.hasSuffix($0.key) }?.value }
    func binaries(ofSource source: String) -> [String] { packages.values.filter { $0.source == source }.map(\.name).sorted() }
    func text(ofFile path: String, in package: String) -> String? { fileLists[package]?.contains(path) == true ? texts[path] : nil }

    static var bookworm: FakeIndex {
        let lib = "/usr/lib/x86_64-linux-gnu/"
        var i = FakeIndex()
        i.add("libgit2-dev", source: "libgit2",
              depends: [["libgit2-1.5"], ["zlib1g-dev"], ["libmbedtls-dev"], ["libssh2-1-dev"], ["libhttp-parser-dev"], ["libpcre2-dev"]],
              files: [lib + "libgit2.so", lib + "pkgconfig/libgit2.pc", "/usr/include/git2.h"])
        i.add("libgit2-1.5", source: "libgit2", files: [lib + "libgit2.so.1.5"])
        i.add("zlib1g-dev", source: "zlib", depends: [["libc6-dev", "libc-dev"]], files: [lib + "libz.a", lib + "libz.so", lib + "pkgconfig/zlib.pc"])
        i.add("libmbedtls-dev", source: "mbedtls", files: [lib + "libmbedtls.so"])
        i.add("libssh2-1-dev", source: "libssh2", depends: [["libssh2-1"], ["libssl-dev"], ["zlib1g-dev"]],
              files: [lib + "libssh2.so", lib + "libssh2.a", lib + "pkgconfig/libssh2.pc"])
        i.add("libssh2-1", source: "libssh2", files: [lib + "libssh2.so.1"])
        i.add("libssl-dev", source: "openssl", files: [lib + "libssl.so", lib + "libcrypto.so", lib + "pkgconfig/openssl.pc"])
        i.add("libhttp-parser-dev", source: "http-parser", files: [lib + "libhttp_parser.so", "/usr/include/http_parser.h"])
        i.add("libpcre2-dev", source: "pcre2", depends: [["libc-dev"], ["libpcre2-8-0"]],
              files: [lib + "libpcre2-8.so", lib + "libpcre2-16.so", lib + "libpcre2-posix.so", lib + "pkgconfig/libpcre2-8.pc",
                      lib + "pkgconfig/libpcre2-16.pc"])
        i.add("libpcre2-8-0", source: "pcre2", files: [lib + "libpcre2-8.so.0"])
        i.add("libcurl4-gnutls-dev", source: "curl", files: [lib + "libcurl-gnutls.so", lib + "libcurl.so", lib + "pkgconfig/libcurl.pc"])
        i.add("libcurl4-openssl-dev", source: "curl", files: [lib + "libcurl.so", lib + "pkgconfig/libcurl.pc"])
        i.add("nettle-dev", source: "nettle", depends: [["libnettle8"], ["libhogweed6"], ["libgmp-dev"]],
              files: [lib + "libnettle.so", lib + "libhogweed.so", lib + "pkgconfig/nettle.pc", lib + "pkgconfig/hogweed.pc"])
        i.add("libgmp-dev", source: "gmp", files: [lib + "libgmp.so", lib + "libgmpxx.so", "/usr/include/gmp.h"])
        i.add("libpcap0.8-dev", source: "libpcap", depends: [["libc6-dev"], ["libdbus-1-dev"], ["libpcap0.8"]],
              files: [lib + "libpcap.so", lib + "pkgconfig/libpcap.pc"])
        i.add("libpcap-dev", source: "libpcap", depends: [["libpcap0.8-dev"]], files: ["/usr/share/doc/libpcap-dev/copyright"])
        i.add("libdbus-1-dev", source: "dbus", files: [lib + "libdbus-1.so"])
        i.add("libxml2-dev", source: "libxml2", depends: [["libicu-dev"], ["libxml2"]], files: [lib + "libxml2.so", lib + "pkgconfig/libxml-2.0.pc"])
        i.add("libpam0g-dev", source: "pam", files: [lib + "libpam.so"])
        i.add("libclang-14-dev", source: "llvm-toolchain-14", files: ["/usr/lib/llvm-14/lib/libclang.so", "/usr/lib/llvm-14/lib/libclang.a"])
        return i
    }
}

final class GenericLibraryTests: XCTestCase {
    let resolver = LibraryResolver(index: FakeIndex.bookworm)

    /// libgit2 from its `links` key: Debian's dependencies, with mbedTLS replaced by the
    /// OpenSSL git2's `https` feature uses; hand-written recipes for zlib and OpenSSL.
    func testLinksKeyResolvesThroughDebianWithDependencies() throws {
        let git2 = try XCTUnwrap(try resolver.library(for: .link("git2")))
        XCTAssertEqual(git2.name, "libgit2")
        XCTAssertEqual(git2.devPackage, "libgit2-dev")
        XCTAssertEqual(git2.dependencies, ["zlib", "libssh2", "http-parser", "pcre2", "openssl"])
        XCTAssertEqual(git2.archives, ["libgit2.a"])
        XCTAssertEqual(git2.pkgConfigModules, ["libgit2"])
        let order = try resolver.closure(["libgit2"]).map(\.name)
        XCTAssertEqual(order, ["zlib", "openssl", "libssh2", "http-parser", "pcre2", "libgit2"])
        XCTAssertNil(try resolver.library(for: .link("mbedtls")).flatMap { order.contains($0.name) ? $0 : nil })
        XCTAssertTrue(try resolver.named("zlib").devPackage == nil, "zlib keeps its hand-written recipe")
    }

    /// A .pc file's Requires: a dependency even where Debian's -dev package does not
    /// depend on it (libslirp-dev: slirp.pc requires glib-2.0, Depends names libslirp0 only).
    func testPkgConfigRequiresAreDependencies() throws {
        let lib = "/usr/lib/x86_64-linux-gnu/"
        var index = FakeIndex.bookworm
        index.add("libslirp-dev", source: "libslirp", depends: [["libslirp0"]], files: [lib + "libslirp.so", lib + "pkgconfig/slirp.pc"])
        index.add("libslirp0", source: "libslirp", files: [lib + "libslirp.so.0"])
        index.add("libglib2.0-dev", source: "glib2.0", files: [lib + "libglib-2.0.so", lib + "pkgconfig/glib-2.0.pc", lib + "pkgconfig/gobject-2.0.pc"])
        index.texts[lib + "pkgconfig/slirp.pc"] = "prefix=/usr\nName: slirp\nVersion: 4.7.0\nRequires: glib-2.0 >= 2.50, slirp\nRequires.private: zlib\nLibs: -lslirp\n"
        let slirp = try XCTUnwrap(try LibraryResolver(index: index).library(for: .link("slirp")))
        XCTAssertEqual(slirp.dependencies, ["glib2.0", "zlib"], "glib-2.0 and zlib from slirp.pc; slirp itself is not its own dependency")
        // Unreadable (not installed): nothing added, nothing fails.
        index.texts = [:]
        XCTAssertEqual(try LibraryResolver(index: index).library(for: .link("slirp"))?.dependencies, [])
    }

    /// A .pc file's `Libs.private` libraries that the library's own shared library is linked
    /// against: dependencies even where neither Depends nor Requires names them
    /// (libleptonica-dev depends on liblept5 alone; lept.pc: `Libs.private: -lz -lpng16 -lgif`).
    func testPkgConfigPrivateLibsOfTheRuntimeLibraryAreDependencies() throws {
        let lib = "/usr/lib/x86_64-linux-gnu/"
        var index = FakeIndex.bookworm
        index.add("libleptonica-dev", source: "leptonlib", depends: [["liblept5"]], files: [lib + "liblept.so", lib + "pkgconfig/lept.pc"])
        index.add("liblept5", source: "leptonlib", depends: [["libc6"], ["libgif7"], ["libpng16-16"], ["zlib1g"]], files: [lib + "liblept.so.5"])
        index.add("libgif7", source: "giflib", files: [lib + "libgif.so.7"])
        index.add("libgif-dev", source: "giflib", depends: [["libgif7"]], files: [lib + "libgif.so", lib + "libgif.a", "/usr/include/gif_lib.h"])
        index.add("libpng16-16", source: "libpng1.6", depends: [["zlib1g"]], files: [lib + "libpng16.so.16"])
        index.add("libpng-dev", source: "libpng1.6", depends: [["libpng16-16"], ["zlib1g-dev"]], files: [lib + "libpng16.so", lib + "libpng.so", lib + "pkgconfig/libpng.pc"])
        index.add("zlib1g", source: "zlib", files: [lib + "libz.so.1"])
        index.add("libc6", source: "glibc", files: [lib + "libc.so.6"])
        index.add("libwebp-dev", source: "libwebp", files: [lib + "libwebp.so", lib + "pkgconfig/libwebp.pc"])
        index.installed["/libpng16.so"] = "libpng-dev"
        index.texts[lib + "pkgconfig/lept.pc"] = "Name: leptonica\nLibs: -L${libdir} -llept\nLibs.private: -lz  -lpng16  -lgif -lwebp -lm -pthread\n"
        let lept = try XCTUnwrap(try LibraryResolver(index: index).library(for: .package("libleptonica-dev")))
        XCTAssertEqual(lept.dependencies, ["zlib", "libpng1.6", "giflib"],
                       "libwebp is in Libs.private but liblept5 does not depend on it: left out; -lm is the libc's")
        XCTAssertEqual(PkgConfigRequires.privateLinks(inPcFile: "Libs: -lfoo\nLibs.private: -lz  -L/x -lpng16 -pthread -l${x}\n"), ["z", "png16"])
        // A -dev package that names its library dependencies itself: those, not Libs.private.
        var declared = index
        declared.add("libleptonica-dev", source: "leptonlib", depends: [["liblept5"], ["libgif-dev"]], files: [lib + "liblept.so", lib + "pkgconfig/lept.pc"])
        XCTAssertEqual(try LibraryResolver(index: declared).library(for: .package("libleptonica-dev"))?.dependencies, ["giflib"])
        // A recipe that chooses its features (curl: --without-libidn2, …): nothing added.
        var curl = index
        curl.add("libcurl4-openssl-dev", source: "curl", depends: [["libcurl4"]], files: [lib + "libcurl.so", lib + "pkgconfig/libcurl.pc"])
        curl.add("libcurl4", source: "curl", depends: [["libgif7"], ["zlib1g"]], files: [lib + "libcurl.so.4"])
        curl.texts[lib + "pkgconfig/libcurl.pc"] = "Name: libcurl\nLibs: -lcurl\nLibs.private: -lgif -lz\n"
        XCTAssertFalse(try XCTUnwrap(try LibraryResolver(index: curl).library(for: .package("libcurl4-openssl-dev"))).dependencies.contains("giflib"))
        // A .pc file that cannot be read (not installed): nothing added.
        index.texts = [:]
        XCTAssertEqual(try LibraryResolver(index: index).library(for: .package("libleptonica-dev"))?.dependencies, [])
    }

    /// A transitional -dev package (libjpeg-dev, libpcap-dev: no files, a dependency on the
    /// real -dev package of the same source) is the real one: its archives are expected.
    func testTransitionalDevPackageIsTheOneItDependsOn() throws {
        let pcap = try XCTUnwrap(try LibraryResolver(index: FakeIndex.bookworm).library(for: .package("libpcap-dev")))
        XCTAssertEqual(pcap.devPackage, "libpcap0.8-dev")
        XCTAssertEqual(pcap.archives, ["libpcap.a"])
        let lib = "/usr/lib/x86_64-linux-gnu/"
        var index = FakeIndex.bookworm
        index.add("libjpeg-dev", source: "libjpeg-turbo", depends: [["libjpeg62-turbo-dev"]], files: ["/usr/share/doc/libjpeg-dev/copyright"])
        index.add("libjpeg62-turbo-dev", source: "libjpeg-turbo", depends: [["libc-dev"]], files: [lib + "libjpeg.a", lib + "libjpeg.so", lib + "pkgconfig/libjpeg.pc"])
        index.add("libgdk-pixbuf-2.0-dev", source: "gdk-pixbuf", depends: [["libjpeg-dev"]], files: [lib + "libgdk_pixbuf-2.0.so"])
        let pixbuf = try XCTUnwrap(try LibraryResolver(index: index).library(for: .package("libgdk-pixbuf-2.0-dev")))
        XCTAssertEqual(pixbuf.dependencies, ["libjpeg-turbo"])
        XCTAssertEqual(try LibraryResolver(index: index).library(for: .package("libjpeg-dev"))?.archives, ["libjpeg.a"])
    }

    func testPkgConfigRequiresParsing() {
        let text = "Name: x\nRequires: glib-2.0 >= 2.56.0, gobject-2.0,gio-2.0>=2.1 pixman-1 ${extra}\nRequires.private: zlib = 1.2, libpng16\nRequires.privately: no\n"
        XCTAssertEqual(PkgConfigRequires.modules(inPcFile: text), ["glib-2.0", "gobject-2.0", "gio-2.0", "pixman-1", "zlib", "libpng16"])
        XCTAssertEqual(PkgConfigRequires.modules(inPcFile: "Name: x\nLibs: -lx\n"), [])
    }

    func testNamesModulesAndVersionedPackages() throws {
        XCTAssertEqual(try resolver.library(for: .pkgConfig("libpcre2-8"))?.name, "pcre2")
        XCTAssertEqual(try resolver.library(for: .link("pcre2-8"))?.name, "pcre2")
        XCTAssertEqual(try resolver.library(for: .link("ssh2"))?.name, "libssh2")
        XCTAssertEqual(try resolver.library(for: .link("pcap"))?.devPackage, "libpcap0.8-dev")
        XCTAssertEqual(try LibraryResolver(index: FakeIndex.bookworm).named("libpcap").devPackage, "libpcap0.8-dev",
                       "the source package's -dev package that ships the library, not the transitional libpcap-dev")
        XCTAssertEqual(try resolver.library(for: .link("curl"))?.devPackage, "libcurl4-openssl-dev", "the OpenSSL flavour first")
        XCTAssertEqual(try resolver.library(for: .pkgConfig("libxml-2.0"))?.name, "libxml2")
        XCTAssertEqual(try resolver.named("libgit2").name, "libgit2", "a source package's name")
        XCTAssertEqual(try LibraryResolver(index: FakeIndex.bookworm).named("llvm-toolchain-14").devPackage, "libclang-14-dev",
                       "a source package whose -dev package follows no naming rule")
        XCTAssertEqual(try resolver.named("git2").name, "libgit2", "an alias: the link name")
        XCTAssertNil(try resolver.library(for: .link("nosuchthing")))
        XCTAssertThrowsError(try resolver.named("nosuchthing")) { error in
            XCTAssertTrue("\(error)".contains("does not know how to build the C library `nosuchthing`"), "\(error)")
            XCTAssertTrue("\(error)".contains("libnosuchthing.a"), "\(error)")
        }
    }

    /// nettle brings gmp (Debian's Depends); libpcap's D-Bus and libxml2's ICU are left out.
    func testDependenciesFollowDebianMinusOptionalParts() throws {
        XCTAssertEqual(try resolver.closure(["nettle"]).map(\.name), ["gmp", "nettle"])
        XCTAssertEqual(try resolver.named("nettle").aliases.filter { ["hogweed", "nettle-dev"].contains($0) }, ["nettle-dev", "hogweed"])
        XCTAssertEqual(try resolver.named("libpcap").dependencies, [])
        XCTAssertEqual(try resolver.named("libxml2").dependencies, [])
        XCTAssertEqual(try resolver.named("gmp").archives, ["libgmp.a"], "libgmpxx comes from a second configure of Debian's rules")
    }

    func testRefusedLibrariesAreNamedWithTheReason() {
        XCTAssertThrowsError(try resolver.named("pam")) { error in
            let e = error as? CargoStaticError
            XCTAssertEqual(e?.kind, .notStatic)
            XCTAssertTrue(e?.message.contains("dlopen") ?? false, "\(error)")
        }
        XCTAssertNotNil(RefusalTable.refusal(for: "wayland-client"))
        XCTAssertNotNil(RefusalTable.refusal(for: "gtk-sys"))
        XCTAssertNotNil(RefusalTable.refusal(for: "libpulse"))
        // Static by build: libX11/libxcb and ALSA's libasound (dmix, dsnoop are inside it).
        for name in ["x11", "xcb", "xkbcommon", "asound", "alsa-sys", "alsa"] {
            XCTAssertNil(RefusalTable.refusal(for: name), name)
        }
        XCTAssertNil(RefusalTable.refusal(for: "git2"))
    }

    // MARK: the dependency graph

    private func metadata(_ packages: [[String: JSONValue]], features: [String: [String]] = [:], deps: [String: [String]] = [:]) -> JSONValue {
        ["packages": .array(packages.map { .object($0) }),
         "resolve": ["nodes": .array(packages.map { p -> JSONValue in
             let id = p["id"]!.stringValue!
             return ["id": .string(id), "features": .strings(features[id] ?? []), "dependencies": .strings(deps[id] ?? [])]
         })],
         "workspace_members": ["me"]]
    }

    func testGraphFindsLinksKeysAndSysNames() throws {
        let json = metadata([
            ["id": "me", "name": "app", "version": "0.1.0"],
            ["id": "g", "name": "libgit2-sys", "version": "0.14.1", "links": "git2"],
            ["id": "c", "name": "curl-sys", "version": "0.4.58", "links": "curl"],
            ["id": "p", "name": "pcap-sys", "version": "0.1.3"],
            ["id": "v", "name": "zmq-sys", "version": "0.1.0", "links": "zmq"],
            ["id": "u", "name": "unknown-sys", "version": "1.0.0", "links": "nosuchthing"],
        ], features: ["v": ["vendored"]])
        let found = try NativeDependencyScan.requirements(inMetadata: .testing(json), resolver: resolver)
        XCTAssertEqual(found.map(\.library), ["libgit2", "curl", "libpcap"])
        XCTAssertEqual(found[1].reason, "crate curl-sys 0.4.58 (links curl)")
    }

    /// `links = "c"` (fts-sys) or `"m"`: the target's libc, which the C toolchain brings;
    /// Debian would answer glibc (libc6-dev ships libc.a), which is never built for musl.
    func testLibcPartsAreNotLibrariesToBuild() throws {
        let lib = "/usr/lib/x86_64-linux-gnu/"
        var index = FakeIndex.bookworm
        index.add("libc6-dev", source: "glibc", files: [lib + "libc.a", lib + "libc.so", lib + "libm.a", lib + "libm.so"])
        let withLibc = LibraryResolver(index: index)
        XCTAssertEqual(try withLibc.library(for: .link("c"))?.debianSource, "glibc", "the index does answer glibc for `c`")
        let json = metadata([
            ["id": "me", "name": "app", "version": "0.1.0"],
            ["id": "f", "name": "fts-sys", "version": "0.2.1", "links": "c"],
            ["id": "m", "name": "libm-sys", "version": "0.1.0", "links": "m"],
            ["id": "z", "name": "libz-sys", "version": "1.1.8", "links": "z"],
        ])
        XCTAssertEqual(try NativeDependencyScan.requirements(inMetadata: .testing(json), resolver: withLibc).map(\.library), ["zlib"])
    }

    /// bindgen's clang-sys (a build-dependency) and a proc macro's -sys crate run on the host.
    func testBuildDependenciesAndProcMacrosAreHostSide() throws {
        func dep(_ pkg: String, _ kind: String?) -> JSONValue { ["pkg": .string(pkg), "dep_kinds": [["kind": kind.map(JSONValue.string) ?? .null]]] }
        let json: JSONValue = [
            "packages": [
                ["id": "me", "name": "app", "version": "0.1.0"],
                ["id": "n", "name": "nettle-sys", "version": "2.1.0", "links": "nettle"],
                ["id": "b", "name": "bindgen", "version": "0.60.1"],
                ["id": "c", "name": "clang-sys", "version": "1.4.0", "links": "clang"],
                ["id": "m", "name": "macros", "version": "1.0.0", "targets": [["kind": ["proc-macro"]]]],
                ["id": "z", "name": "libz-sys", "version": "1.1.8", "links": "z"],
            ],
            "resolve": ["nodes": [
                ["id": "me", "features": [], "deps": [dep("n", nil), dep("m", nil)]],
                ["id": "n", "features": [], "deps": [dep("b", "build")]],
                ["id": "b", "features": [], "deps": [dep("c", nil)]],
                ["id": "c", "features": [], "deps": []],
                ["id": "m", "features": [], "deps": [dep("z", nil)]],
                ["id": "z", "features": [], "deps": []],
            ]],
            "workspace_members": ["me"],
        ]
        XCTAssertEqual(try NativeDependencyScan.requirements(inMetadata: .testing(json), resolver: resolver).map(\.library), ["nettle"])
    }

    func testGraphRefusesPamBeforeBuildingAndNamesWhoPulledItIn() {
        let json = metadata([
            ["id": "me", "name": "app", "version": "0.1.0"],
            ["id": "pam", "name": "pam", "version": "0.7.0"],
            ["id": "sys", "name": "pam-sys", "version": "0.5.6", "links": "pam"],
        ], deps: ["me": ["pam"], "pam": ["sys"]])
        XCTAssertThrowsError(try NativeDependencyScan.requirements(inMetadata: .testing(json), resolver: resolver)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("crate pam-sys 0.5.6 (used by pam 0.7.0) needs PAM (libpam)"), text)
            XCTAssertTrue(text.contains("dlopen"), text)
            XCTAssertTrue(text.contains("fix: "), text)
        }
    }

    /// Refused by what a crate links, never by its name alone.
    func testRefusalIsByNativeDependencyNotByName() throws {
        let plain = metadata([
            ["id": "me", "name": "app", "version": "0.1.0"],
            ["id": "pam", "name": "pam", "version": "0.1.0", "dependencies": []],
            ["id": "wl", "name": "wayland-client", "version": "0.1.0", "dependencies": [["name": "libc", "kind": .null]]],
            ["id": "gtk", "name": "gtk", "version": "0.1.0"],
        ], deps: ["me": ["pam", "wl", "gtk"]])
        XCTAssertEqual(try NativeDependencyScan.requirements(inMetadata: .testing(plain), resolver: resolver).map(\.library), [])
        func refused(_ package: [String: JSONValue]) -> String? {
            let json = metadata([["id": "me", "name": "app", "version": "0.1.0"], package.merging(["id": "c", "version": "1.0.0"]) { a, _ in a }],
                                deps: ["me": ["c"]])
            do { _ = try NativeDependencyScan.requirements(inMetadata: .testing(json), resolver: resolver); return nil } catch { return "\(error)" }
        }
        XCTAssertTrue(refused(["name": "my-auth", "links": "pam"])?.contains("crate my-auth 1.0.0 (used by app 0.1.0) needs PAM (libpam)") ?? false)
        XCTAssertNotNil(refused(["name": "wayland-sys"]), "a -sys binding")
        XCTAssertNotNil(refused(["name": "libpulse-sys"]))
        XCTAssertNotNil(refused(["name": "wayland-client", "dependencies": [["name": "pkg-config", "kind": "build"]]]), "asks pkg-config for Wayland")
        XCTAssertNil(refused(["name": "wayland-client", "dependencies": [["name": "pkg-config", "kind": .null]]]), "pkg-config as a normal dependency asks nothing at build time")
    }

    func testOwnCSourcesMeanTheCrateBuildsItsCopy() throws {
        let dir = NSTemporaryDirectory() + "cs-ownc-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/vendor/src", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/tests", withIntermediateDirectories: true)
        for i in 0..<6 { try "".write(toFile: dir + "/tests/t\(i).c", atomically: false, encoding: .utf8) }
        try "".write(toFile: dir + "/shim.c", atomically: false, encoding: .utf8)
        XCTAssertFalse(NativeDependencyScan.shipsOwnCSources(dir + "/Cargo.toml"), "a shim and tests are not a library")
        for i in 0..<5 { try "".write(toFile: dir + "/vendor/src/f\(i).c", atomically: false, encoding: .utf8) }
        XCTAssertTrue(NativeDependencyScan.shipsOwnCSources(dir + "/Cargo.toml"))
    }

    // MARK: Debian's rules and the build systems

    func testDebianRulesFlagsAreExpandedAndFiltered() {
        let rules = """
        BUILD_TESTS = $(if $(filter nocheck,$(DEB_BUILD_OPTIONS)),OFF,ON)
        COMMON_CMAKE_FLAGS = \\
        \t-DBUILD_CLI=OFF \\
        \t-DBUILD_TESTS=$(BUILD_TESTS) \\
        \t-DREGEX_BACKEND=pcre2 \\
        \t-DUSE_HTTPS=mbedTLS

        override_dh_auto_configure:
        \tdh_auto_configure --builddirectory=build-debian-devel -- \\
        \t\t-DBUILD_SHARED_LIBS=OFF \\
        \t\t$(COMMON_CMAKE_FLAGS)
        \tdh_auto_configure --builddirectory=build-debian-release -- \\
        \t\t-DBUILD_SHARED_LIBS=ON \\
        \t\t$(COMMON_CMAKE_FLAGS)
        """
        XCTAssertEqual(DebianRules.flags(in: rules, for: .cmake), ["-DBUILD_CLI=OFF", "-DREGEX_BACKEND=pcre2", "-DUSE_HTTPS=mbedTLS"])
        let pcre2 = """
        deb_maint_conf_args = --enable-pcre2-16 --enable-pcre2-32 --disable-pcre2grep-callout
        ifneq ($(filter amd64, $(DEB_HOST_ARCH)),)
        deb_maint_conf_args +=--enable-jit
        endif
        CONFIGURE_EXTRA_FLAGS += --libdir=\\$${prefix}/lib/$(DEB_HOST_MULTIARCH)
        override_dh_auto_configure:
        \tdh_auto_configure -- $(deb_maint_conf_args) --disable-static --with-python=/usr/bin/python3 $(CONFIGURE_EXTRA_FLAGS)
        """
        XCTAssertEqual(DebianRules.flags(in: pcre2, for: .autotools), ["--enable-pcre2-16", "--enable-pcre2-32", "--disable-pcre2grep-callout"])
        XCTAssertEqual(DebianRules.flags(in: pcre2, for: .cmake), [], "autotools flags never reach CMake")
        // nghttp2: the programs need libraries the library does not (libev, jansson, c-ares).
        let nghttp2 = "override_dh_auto_configure:\n\tdh_auto_configure -- \\\n\t\t--enable-python-bindings=no --disable-failmalloc --enable-app\n"
        XCTAssertEqual(DebianRules.flags(in: nghttp2, for: .autotools), ["--disable-failmalloc"])
        // libarchive: programs linked against the shared library ("Shared linking of bsdtar requires shared libarchive").
        let libarchive = "override_dh_auto_configure:\n\tdh_auto_configure -- --without-openssl --with-nettle \\\n\t\t--enable-bsdtar=shared --enable-bsdcpio=shared \\\n\t\t--enable-bsdcat=shared\n"
        XCTAssertEqual(DebianRules.flags(in: libarchive, for: .autotools), ["--without-openssl", "--with-nettle"])
        // gpgme: a quoted value is one argument (split on its spaces, configure saw
        // `--enable-languages="python` and refused it); other languages' bindings are dropped.
        let gpgme = "override_dh_auto_configure:\n\tdh_auto_configure --builddirectory=build -- \\\n\t    --enable-static \\\n\t    --enable-languages=\"python cpp qt\" \\\n\t    --infodir=/usr/share/info --with-foo='a b' --x=c\\ d\n"
        XCTAssertEqual(DebianRules.flags(in: gpgme, for: .autotools), ["--enable-static", "--with-foo=a b", "--x=c d"])
        XCTAssertEqual(DebianRules.shellWords(#"a "b c"d 'e "f' g\ h  "" i"#), ["a", "b cd", #"e "f"#, "g h", "", "i"])
        // harfbuzz: the udeb flavour's second line does not undo the main build's graphite2.
        let harfbuzz = "override_dh_auto_configure:\n\tdh_auto_configure --builddir build-main -- -Dauto_features=enabled -Dgraphite2=enabled\n"
            + "\tdh_auto_configure --builddir build-udeb -- -Dauto_features=enabled -Dgraphite2=disabled -Dchafa=disabled\n"
        XCTAssertEqual(DebianRules.flags(in: harfbuzz, for: .meson), ["-Dauto_features=enabled", "-Dgraphite2=enabled", "-Dchafa=disabled"])
    }

    func testBuildSystemDetection() throws {
        let fm = FileManager.default
        let dir = NSTemporaryDirectory() + "cs-layout-\(UUID().uuidString)"
        defer { try? fm.removeItem(atPath: dir) }
        func tree(_ name: String, _ files: [String]) throws -> String {
            let root = dir + "/" + name
            for f in files {
                try fm.createDirectory(atPath: (root + "/" + f as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try "x\n".write(toFile: root + "/" + f, atomically: false, encoding: .utf8)
            }
            return root
        }
        XCTAssertEqual(SourceLayout.detect(try tree("a", ["configure", "CMakeLists.txt"]))?.buildSystem, .autotools)
        XCTAssertEqual(SourceLayout.detect(try tree("b", ["configure", "CMakeLists.txt"]), prefer: [.cmake])?.buildSystem, .cmake)
        XCTAssertEqual(SourceLayout.detect(try tree("c", ["configure.ac", "CMakeLists.txt"]))?.buildSystem, .autoreconf, "debhelper's order")
        let named = try tree("c2", ["configure", "CMakeLists.txt", "debian/rules"])
        try "%:\n\tdh $@ --buildsystem=cmake\n".write(toFile: named + "/debian/rules", atomically: false, encoding: .utf8)
        XCTAssertEqual(SourceLayout.detect(named)?.buildSystem, .cmake, "the one debian/rules names")
        XCTAssertEqual(SourceLayout.detect(try tree("d", ["configure.ac", "Makefile.am"]))?.buildSystem, .autoreconf)
        XCTAssertEqual(SourceLayout.detect(try tree("e", ["meson.build"]))?.buildSystem, .meson)
        XCTAssertEqual(SourceLayout.detect(try tree("f", ["Makefile"]))?.buildSystem, .make)
        let expat = try XCTUnwrap(SourceLayout.detect(try tree("g", ["README.md", "debian/patches/series", "expat/CMakeLists.txt", "expat/configure.ac"])))
        XCTAssertEqual(expat.subdirectory, "expat")
        XCTAssertEqual(SourceLayout.detect(try tree("i", ["openpgm/README", "openpgm/pgm/configure.ac", "openpgm/pgm/Makefile.am"]))?.subdirectory,
                       "openpgm/pgm", "a project two directories down")
        try "fix-a.patch\n# comment\nfix-b.patch -p1\n".write(toFile: dir + "/g/debian/patches/series", atomically: false, encoding: .utf8)
        XCTAssertEqual(SourceLayout.detect(dir + "/g")?.patches, ["fix-a.patch", "fix-b.patch"])
        XCTAssertNil(SourceLayout.detect(try tree("h", ["README"])))
    }

    /// A tree without any build system: the error names the library, the tree, where it
    /// looked and every file it looked for, with a fix (not "the install step put nothing").
    func testNoBuildSystemNamesTheTreeAndTheFilesLookedFor() throws {
        let fm = FileManager.default
        let tree = NSTemporaryDirectory() + "cs-nobuild-\(UUID().uuidString)"
        defer { try? fm.removeItem(atPath: tree) }
        try fm.createDirectory(atPath: tree + "/src", withIntermediateDirectories: true)
        try "x\n".write(toFile: tree + "/README", atomically: false, encoding: .utf8)
        XCTAssertNil(SourceLayout.detect(tree))
        let error = SourceLayout.noBuildSystem(library: "libfoo", tree: tree)
        XCTAssertEqual(error.kind, .libraryBuildFailed)
        XCTAssertTrue(error.message.contains("no build system found for libfoo"), error.message)
        XCTAssertTrue(error.message.contains(tree), error.message)
        for file in ["configure", "configure.ac", "CMakeLists.txt", "meson.build", "Makefile"] {
            XCTAssertTrue(error.message.contains(file), "\(file) missing from: \(error.message)")
        }
        XCTAssertFalse(error.message.contains("install step"), error.message)
        XCTAssertTrue(error.fix?.contains("--source") == true, "\(error.fix ?? "no fix")")
        // Where debian/rules says the build happens, that directory is the one named.
        let sub = SourceLayout.noBuildSystem(library: "libfoo", tree: tree, rules: "%:\n\tdh $@ --sourcedirectory=src\n")
        XCTAssertTrue(sub.message.contains(tree + "/src (the directory debian/rules builds in)"), sub.message)
        // The markers are the ones detection uses: each one alone is found.
        for (system, files) in SourceLayout.markers {
            for file in files { XCTAssertEqual(SourceLayout.choose(present: [file], prefer: []), system, file) }
        }
    }

    /// Debian's `-Dfeature=enabled` is `auto` for Meson feature options only: a part whose
    /// dependency the plan does not build is left out instead of stopping meson setup.
    func testMesonFeaturesDebianEnablesBecomeAuto() throws {
        let options = """
        option('cairo', type: 'feature', value : 'auto',
          description: 'Use cairo for tests')
        option("doctool", type : "feature", value : "auto")
        option('mode', type : 'combo', choices : ['enabled', 'disabled'], value : 'disabled')
        option('gtk_doc', type: 'boolean', value: false)
        """
        XCTAssertEqual(DebianRules.mesonFeatureOptions(options), ["cairo", "doctool"])
        XCTAssertEqual(DebianRules.mesonFeaturesOptional(["-Dgtk_doc=true", "-Dcairo=enabled", "-Ddoctool=enabled", "-Dmode=enabled", "-Dx=disabled"],
                                                         options: options),
                       ["-Dgtk_doc=true", "-Dcairo=auto", "-Ddoctool=auto", "-Dmode=enabled", "-Dx=disabled"])
        // Debian's `auto_features=enabled` would require every `auto` feature: meson's own default instead.
        XCTAssertEqual(DebianRules.mesonFeaturesOptional(["-Dauto_features=enabled", "-Dcairo=enabled"], options: options), ["-Dcairo=auto"])
        // Through detection: the tree's own option file decides.
        let fm = FileManager.default
        let tree = NSTemporaryDirectory() + "cs-meson-\(UUID().uuidString)"
        defer { try? fm.removeItem(atPath: tree) }
        try fm.createDirectory(atPath: tree + "/debian", withIntermediateDirectories: true)
        try "project('x', 'c')\n".write(toFile: tree + "/meson.build", atomically: false, encoding: .utf8)
        try options.write(toFile: tree + "/meson_options.txt", atomically: false, encoding: .utf8)
        try "%:\n\tdh $@\noverride_dh_auto_configure:\n\tdh_auto_configure -- -Dcairo=enabled -Dmode=enabled\n"
            .write(toFile: tree + "/debian/rules", atomically: false, encoding: .utf8)
        XCTAssertEqual(SourceLayout.detect(tree)?.debianFlags, ["-Dcairo=auto", "-Dmode=enabled"])
        // Documentation switches are the project's own default (gtk-doc's tools are not installed).
        XCTAssertEqual(DebianRules.flags(in: "%:\n\tdh $@\noverride_dh_auto_configure:\n\tdh_auto_configure -- -Dgtk_doc=true -Ddocs=true -Dman=true -Dx=1\n", for: .meson),
                       ["-Dx=1"])
        // Java bindings are not built: no JDK's JNI is looked for (libjpeg-turbo's -DWITH_JAVA=1).
        XCTAssertEqual(DebianRules.flags(in: "%:\n\tdh $@\noverride_dh_auto_configure:\n\tdh_auto_configure -- -DWITH_JAVA=1 -DENABLE_JNI=ON -DWITH_JPEG8=1 -DJAVASCRIPT_X=1\n", for: .cmake),
                       ["-DWITH_JPEG8=1", "-DJAVASCRIPT_X=1"])
    }

    /// A Makefile that ignores PREFIX and installs under DESTDIR/usr: that tree is the install,
    /// its multiarch lib directory flattened.
    func testMakefileInstallingUnderUsrIsFound() throws {
        let fm = FileManager.default
        let destdir = NSTemporaryDirectory() + "cs-usr-\(UUID().uuidString)"
        defer { try? fm.removeItem(atPath: destdir) }
        XCTAssertNil(LibraryBuilder.hardCodedUsrInstall(destdir: destdir))
        try fm.createDirectory(atPath: destdir + "/usr/lib/x86_64-linux-gnu", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: destdir + "/usr/include", withIntermediateDirectories: true)
        try "a".write(toFile: destdir + "/usr/lib/x86_64-linux-gnu/libjbig.a", atomically: false, encoding: .utf8)
        try "h".write(toFile: destdir + "/usr/include/jbig.h", atomically: false, encoding: .utf8)
        let usr = try XCTUnwrap(LibraryBuilder.hardCodedUsrInstall(destdir: destdir))
        XCTAssertEqual(usr, destdir + "/usr")
        XCTAssertTrue(fm.fileExists(atPath: usr + "/lib/libjbig.a"))
        XCTAssertFalse(fm.fileExists(atPath: usr + "/lib/x86_64-linux-gnu"))
        XCTAssertTrue(fm.fileExists(atPath: usr + "/include/jbig.h"))
    }

    private func context(_ layout: SourceLayout, deps: [String] = ["/c/dep"], target: String = "x86_64-unknown-linux-musl") throws -> LibraryBuildContext {
        let t = try Target(target)
        let driver = CompilerDriver(c: ["/z/zig", "cc"], cxx: ["/z/zig", "c++"], ar: ["/z/zig", "ar"], ranlib: ["/z/zig", "ranlib"],
                                    environment: [:], identity: "zig 0.x")
        let cc = CToolchain(kind: .zig, target: t, version: "zig 0.x", driver: driver, directory: "/w", files: [], zigLibDirectory: nil)
        var c = LibraryBuildContext(source: "/src", prefix: "/p", destdir: "/d", version: "1", target: t, toolchain: cc, jobs: 2, dependencyPrefixes: deps)
        c.layout = layout
        return c
    }

    /// Debian's flag that turns on a program gives way to the switch that turns it off
    /// (openjpeg2's `-DBUILD_JPIP_SERVER:BOOL=ON`, which requires curl).
    func testDebianFlagGivesWayToTheProgramSwitch() throws {
        let c = try context(SourceLayout(subdirectory: "", buildSystem: .cmake, debianFlags: ["-DBUILD_JPIP_SERVER:BOOL=ON", "-DBUILD_JPIP:BOOL=ON"],
                                         patches: [], testSwitches: ["-DBUILD_JPIP_SERVER=OFF"]))
        let configure = c.genericSteps(GenericOptions())[0].arguments
        XCTAssertTrue(configure.contains("-DBUILD_JPIP_SERVER=OFF"))
        XCTAssertTrue(configure.contains("-DBUILD_JPIP:BOOL=ON"))
        XCTAssertFalse(configure.contains("-DBUILD_JPIP_SERVER:BOOL=ON"))
    }

    /// CMake cross-compiles with the target's compilers and finds dependencies only in their prefixes.
    func testCMakeStepsConfineFindPackageToDependencies() throws {
        var options = GenericOptions()
        options.dropFlags = ["-DUSE_HTTPS"]
        options.flags = ["-DUSE_HTTPS=OpenSSL"]
        let c = try context(SourceLayout(subdirectory: "", buildSystem: .cmake, debianFlags: ["-DUSE_HTTPS=mbedTLS", "-DUSE_SSH=ON"], patches: []))
        let steps = c.genericSteps(options)
        XCTAssertEqual(steps.count, 3)
        let configure = steps[0].arguments
        for flag in ["-DCMAKE_C_COMPILER=/w/cc", "-DCMAKE_AR=/w/ar", "-DBUILD_SHARED_LIBS=OFF", "-DCMAKE_INSTALL_PREFIX=/p", "-DCMAKE_INSTALL_LIBDIR:PATH=lib",
                     "-DCMAKE_FIND_ROOT_PATH=/c/dep", "-DCMAKE_FIND_ROOT_PATH_MODE_LIBRARY=ONLY", "-DUSE_SSH=ON", "-DUSE_HTTPS=OpenSSL"] {
            XCTAssertTrue(configure.contains(flag), flag)
        }
        XCTAssertFalse(configure.contains("-DUSE_HTTPS=mbedTLS"))
        XCTAssertEqual(steps[0].environment["PKG_CONFIG_LIBDIR"], "/c/dep/lib/pkgconfig")
        XCTAssertEqual(steps[2].environment["DESTDIR"], "/d")
        // CMake itself: a project declaring the lib directory a PATH cache entry keeps it
        // relative (untyped, it became <build dir>/lib and the install missed DESTDIR).
        guard let libdir = configure.first(where: { $0.hasPrefix("-DCMAKE_INSTALL_LIBDIR") }),
              FileManager.default.isExecutableFile(atPath: "/usr/bin/cmake") else { throw XCTSkip("no cmake") }
        let dir = NSTemporaryDirectory() + "cs-cmake-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "cmake_minimum_required(VERSION 3.10)\nproject(x NONE)\nset(CMAKE_INSTALL_LIBDIR \"lib64\" CACHE PATH \"libdir\")\n"
            .write(toFile: dir + "/CMakeLists.txt", atomically: false, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/cmake")
        p.arguments = ["-S", dir, "-B", dir + "/b", libdir]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let cache = try String(contentsOfFile: dir + "/b/CMakeCache.txt", encoding: .utf8)
        XCTAssertTrue(cache.contains("CMAKE_INSTALL_LIBDIR:PATH=lib\n"), cache.split(separator: "\n").filter { $0.contains("INSTALL_LIBDIR") }.joined(separator: "\n"))
    }

    /// A target whose programs run here (x86_64 musl on x86_64) is configured as a native
    /// build, so configure's run checks run; another stays a cross build from this machine.
    func testConfigureIsNativeWhereTheTargetRunsHere() throws {
        let layout = SourceLayout(subdirectory: "", buildSystem: .autotools, debianFlags: [], patches: [])
        let triples: (String) throws -> [String] = { target in
            try self.context(layout, target: target).genericSteps(GenericOptions())[0].arguments.filter { $0.hasPrefix("--host=") || $0.hasPrefix("--build=") }
        }
        #if arch(x86_64)
        XCTAssertEqual(try triples("x86_64-unknown-linux-musl"), ["--host=x86_64-linux-musl", "--build=x86_64-linux-musl"])
        XCTAssertEqual(try triples("aarch64-unknown-linux-musl"), ["--host=aarch64-linux-musl", "--build=x86_64-pc-linux-gnu"])
        #endif
        // autoconf itself: with --build equal to --host, a run check without a cross answer
        // runs (krb5's constructor check); as a cross build it stops.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/autoconf"), FileManager.default.isExecutableFile(atPath: "/usr/bin/cc")
        else { throw XCTSkip("no autoconf or cc") }
        let dir = NSTemporaryDirectory() + "cs-runcheck-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try """
        AC_INIT([t], [1])
        AC_PROG_CC
        AC_RUN_IFELSE([AC_LANG_PROGRAM([], [return 0;])], [echo RAN], [AC_MSG_ERROR([failed])],
                      [AC_MSG_ERROR([Cannot test when cross compiling])])
        AC_OUTPUT

        """.write(toFile: dir + "/configure.ac", atomically: false, encoding: .utf8)
        func run(_ args: [String]) throws -> (Int32, String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", "autoconf && CC=cc ./configure \"$@\" 2>&1", "sh"] + args
            p.currentDirectoryURL = URL(fileURLWithPath: dir)
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return (p.terminationStatus, text)
        }
        let native = try run(["--host=x86_64-linux-musl", "--build=x86_64-linux-musl"])
        XCTAssertEqual(native.0, 0, native.1)
        XCTAssertTrue(native.1.contains("RAN"), native.1)
        let cross = try run(["--host=x86_64-linux-musl", "--build=x86_64-pc-linux-gnu"])
        XCTAssertNotEqual(cross.0, 0)
        XCTAssertTrue(cross.1.contains("Cannot test when cross compiling"), cross.1)
    }

    /// configure's switches for its test suites are turned off (gpgme's tests/ runs the
    /// build machine's gpg while building), from configure's option list or configure.ac.
    func testConfigureTestSuitesAreSwitchedOff() {
        let configure = "#! /bin/sh\nac_user_opts='\nenable_option_checking\nenable_glibtest\nenable_languages\nenable_gpg_test\nenable_g13_test\nenable_latest\nwith_pic\nenable_tests\n'\nac_precious_vars='build_alias'\n"
        XCTAssertEqual(SourceLayout.testSwitches(configure: configure, configureAC: nil),
                       ["--disable-glibtest", "--disable-gpg-test", "--disable-g13-test", "--disable-tests"])
        let ac = "AC_ARG_ENABLE(gpgsm-test,\n  AS_HELP_STRING(...))\nAC_ARG_ENABLE([installed_tests], [x])\nAC_ARG_ENABLE([fixed-path], [y])\n"
        XCTAssertEqual(SourceLayout.testSwitches(configure: nil, configureAC: ac), ["--disable-gpgsm-test", "--disable-installed-tests"])
        XCTAssertEqual(SourceLayout.testSwitches(configure: nil, configureAC: nil), [])
        // Documentation too (tesseract's `--enable-doc` ran asciidoc); `docker` is not a doc.
        let docs = "AC_ARG_ENABLE([doc], [x])\nAC_ARG_ENABLE([gtk-doc], [x])\nAC_ARG_ENABLE([man], [x])\nAC_ARG_ENABLE([docker], [x])\n"
        XCTAssertEqual(SourceLayout.testSwitches(configure: nil, configureAC: docs), ["--disable-doc", "--disable-gtk-doc", "--disable-man"])
        // They reach configure after Debian's flags, before the recipe's own.
        var options = GenericOptions()
        options.flags = ["--disable-tests", "--with-x"]
        let c = try? context(SourceLayout(subdirectory: "", buildSystem: .autotools, debianFlags: ["--enable-tests"], patches: [],
                                          testSwitches: ["--disable-tests", "--disable-gpg-test"]))
        let args = c?.genericSteps(options)[0].arguments ?? []
        XCTAssertEqual(Array(args.suffix(4)), ["--enable-tests", "--disable-gpg-test", "--disable-tests", "--with-x"])
    }

    /// Debian's postgresql installs libpgcommon.a and libpgport.a (which libpq.a needs) in
    /// /usr/lib/postgresql/15/lib whatever the prefix: they join the entry's lib/.
    func testArchivesInstalledOutsideThePrefixJoinTheEntry() throws {
        let moves = StrayArchives.moves(found: ["usr/lib/postgresql/15/lib/libpgcommon.a", "usr/lib/postgresql/15/lib/libpgport.a",
                                                "usr/lib/postgresql/15/lib/plpgsql.so", "usr/lib/postgresql/15/lib/libpq.a",
                                                "a/libtwice.a", "b/libtwice.a", "usr/share/x.a", "usr/lib/lib.a"],
                                        present: ["libpq.a", "pkgconfig"])
        XCTAssertEqual(moves.map(\.name), ["libpgcommon.a", "libpgport.a"], "libpq.a is in lib/ already; libtwice.a is ambiguous")
        XCTAssertEqual(moves.first?.from, "usr/lib/postgresql/15/lib/libpgcommon.a")
        let fm = FileManager.default
        let root = NSTemporaryDirectory() + "cs-stray-\(UUID().uuidString)"
        defer { try? fm.removeItem(atPath: root) }
        try fm.createDirectory(atPath: root + "/destdir/usr/lib/postgresql/15/lib", withIntermediateDirectories: true)
        try "a".write(toFile: root + "/destdir/usr/lib/postgresql/15/lib/libpgport.a", atomically: false, encoding: .utf8)
        try fm.createSymbolicLink(atPath: root + "/destdir/usr/lib/postgresql/15/lib/liblink.a", withDestinationPath: "/etc/passwd")
        try StrayArchives.adopt(destdir: root + "/destdir", lib: root + "/prefix/lib")
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: root + "/prefix/lib"), ["libpgport.a"], "a link is not followed")
    }

    /// brotli's CMake installs libbrotlicommon-static.a: it stands for libbrotlicommon.a.
    func testStaticArchivesUnderAnotherNameGetTheExpectedOne() {
        let names = StaticArchiveNames.secondNames(expected: ["libbrotlicommon.a", "libbrotlidec.a", "libz.a", "libuv.a", "libq.a"],
                                                   installed: ["libbrotlicommon-static.a", "libbrotlidec-static.a", "libz.a", "libuv_a.a",
                                                               "libq-static.a", "libq_static.a", "pkgconfig"])
        XCTAssertEqual(names.map(\.name), ["libbrotlicommon.a", "libbrotlidec.a", "libuv.a"], "libz.a is there; libq is ambiguous")
        XCTAssertEqual(names.map(\.original), ["libbrotlicommon-static.a", "libbrotlidec-static.a", "libuv_a.a"])
        XCTAssertTrue(StaticArchiveNames.secondNames(expected: ["libfoo.a"], installed: ["libfoo.so", "libbar-static.a"]).isEmpty)
        XCTAssertEqual(["libz.so", "libz.so.1", "libz.so.1.2.13", "libfoo.socket.a", "libz.a", "libsodium.a", "pkgconfig"].filter(StaticArchiveNames.isSharedObject),
                       ["libz.so", "libz.so.1", "libz.so.1.2.13"])
    }

    /// Older C (libffi's tramp.c calls a function declared in another file) compiles as it
    /// does in Debian's gcc 12 build: a warning, not zig clang's default error. C only.
    func testOlderCIsAWarningInCOnly() throws {
        let env = try context(SourceLayout(subdirectory: "", buildSystem: .autotools, debianFlags: [], patches: [])).environment
        let cflags = env["CFLAGS"]?.split(separator: " ").map(String.init) ?? []
        XCTAssertTrue(cflags.contains("-Wno-error=implicit-function-declaration"), "\(cflags)")
        XCTAssertTrue(cflags.contains("-fPIC"))
        XCTAssertFalse(env["CXXFLAGS"]?.contains("implicit-function-declaration") ?? true, "C++ has no implicit declarations to relax")
        XCTAssertTrue(env["CXXFLAGS"]?.contains("-fPIC") ?? false)
        // glibc's large-file names (gpgme's posix-io.c uses ino64_t, off64_t), in C and C++.
        XCTAssertTrue(cflags.contains("-D_LARGEFILE64_SOURCE"))
        XCTAssertTrue(env["CXXFLAGS"]?.contains("-D_LARGEFILE64_SOURCE") ?? false)
    }

    func testAutotoolsAndMesonSteps() throws {
        let auto = try context(SourceLayout(subdirectory: "expat", buildSystem: .autoreconf, debianFlags: ["--enable-x"], patches: []))
        let steps = auto.genericSteps(GenericOptions())
        XCTAssertEqual(steps.map(\.executable), ["autoreconf", "./configure", "make", "make"])
        XCTAssertEqual(steps[1].directory, "/src/expat")
        XCTAssertTrue(steps[1].arguments.contains("--host=x86_64-linux-musl"))
        XCTAssertTrue(steps[1].arguments.contains("--disable-shared"))
        XCTAssertEqual(steps[1].arguments.last, "--enable-x")
        XCTAssertEqual(steps[1].environment["PKG_CONFIG"], "pkg-config --static", "programs of the build link static dependencies")
        XCTAssertEqual(steps[1].environment["ax_cv_c_float_words_bigendian"], "no", "x86_64 is little-endian (cairo's configure cannot tell)")
        // Tentative definitions are common symbols for configure (krb5's kdb5_util), on top of the usual flags.
        let cflags = steps[1].environment["CFLAGS"] ?? ""
        XCTAssertTrue(cflags.hasSuffix(" -fcommon") && cflags.contains("-D_LARGEFILE64_SOURCE"), cflags)
        XCTAssertFalse((steps[2].environment["CFLAGS"] ?? "").contains("-fcommon"), "make takes configure's CFLAGS from its Makefiles")
        XCTAssertTrue((steps[1].environment["CXXFLAGS"] ?? "").hasSuffix(" -Drestrict=__restrict"), "C headers' restrict in C++ (libpgm in libzmq)")
        XCTAssertTrue(steps[2].arguments.contains("MAKEINFO=true") && steps[3].arguments.contains("MAKEINFO=true"), "no info manuals: \(steps[2].arguments)")
        XCTAssertTrue(steps[3].arguments.contains("DESTDIR=/d"))
        let meson = try context(SourceLayout(subdirectory: "", buildSystem: .meson, debianFlags: [], patches: []))
        let cross = meson.mesonCrossFile()
        XCTAssertTrue(cross.contains("c = '/w/cc'") && cross.contains("cpu_family = 'x86_64'") && cross.contains("pkg_config_libdir = '/c/dep/lib/pkgconfig'"), cross)
        XCTAssertTrue(meson.genericSteps(GenericOptions())[1].arguments.contains("--default-library=static"))
        XCTAssertTrue(meson.genericSteps(GenericOptions())[1].arguments.contains("--wrap-mode=nodownload"), "offline: no subproject downloads")
        XCTAssertTrue(cross.contains("\npkgconfig = 'pkg-config'"), "meson 1.0's key: \(cross)")
        let write = meson.genericSteps(GenericOptions())[0]
        XCTAssertTrue(write.environment["MESON_CROSS_FILE"]?.contains("c = '\(write.directory ?? "?")/cc-meson'") == true, "\(write.environment)")
        // The wrapper: meson's linker question answered as LLD, anything else run by the compiler.
        let wrapper = NSTemporaryDirectory() + "cc-meson-\(getpid())"
        try LibraryBuildContext.mesonCompilerWrapper("/bin/echo").write(toFile: wrapper, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: wrapper) }
        func run(_ args: [String]) throws -> String { try shellScriptOutput(wrapper, args) }
        XCTAssertTrue(try run(["-Wl,--version"]).hasPrefix("LLD "))
        XCTAssertEqual(try run(["-c", "x.c", "-Wl,-v"]), "-c x.c -Wl,-v\n")
    }

    func testDpkgOwnerSkipsTheCompilersPrivateRuntime() {
        let gcc = "libgcc-12-dev:amd64: /usr/lib/gcc/x86_64-linux-gnu/12/libbacktrace.a\n"
        XCTAssertNil(AptIndex.owner(inDpkgSearch: gcc, ofFileEndingWith: "/libbacktrace.a"), "not a -dev package's library (SourcePartTests: built from its directory of gcc's source)")
        let lz4 = "liblz4-dev:amd64: /usr/lib/x86_64-linux-gnu/liblz4.a\n"
        XCTAssertEqual(AptIndex.owner(inDpkgSearch: gcc + lz4, ofFileEndingWith: "/liblz4.a"), "liblz4-dev")
    }

    // MARK: the last line after a failed build script

    func testDiagnosisNamesCrateLibraryAndWhatCargoStaticCanDo() {
        let verdict: (String) -> LibraryDiagnosis.Verdict = { LibraryDiagnosis.verdict($0, resolver: self.resolver) }
        let git2 = BuildScriptTracker.Script(crate: "libgit2-sys 0.14.1", name: "libgit2-sys", links: "git2")
        let line = LibraryDiagnosis.line(failed: [git2], linked: [], provided: [], verdict: verdict) ?? ""
        XCTAssertTrue(line.contains("crate libgit2-sys 0.14.1") && line.contains("`git2`") && line.contains("cargo-static can build it (libgit2"), line)
        let built = LibraryDiagnosis.line(failed: [git2], linked: [], provided: ["libgit2"], verdict: verdict) ?? ""
        XCTAssertTrue(built.contains("although cargo-static built libgit2"), built)
        let pam = BuildScriptTracker.Script(crate: "pam-sys 0.5.6", name: "pam-sys", links: "pam")
        let refused = LibraryDiagnosis.line(failed: [pam], linked: [], provided: [], verdict: verdict) ?? ""
        XCTAssertTrue(refused.contains("cannot build PAM") && refused.contains("dlopen"), refused)
        let unknown = BuildScriptTracker.Script(crate: "weird-sys 1.0.0", name: "weird-sys", links: nil)
        let other = LibraryDiagnosis.line(failed: [unknown], linked: [], provided: [], verdict: verdict) ?? ""
        XCTAssertTrue(other.contains("`weird`") && other.contains("cargo-static cannot build it"), other)
        let plain = BuildScriptTracker.Script(crate: "mything 1.0.0", name: "mything", links: nil)
        XCTAssertTrue(LibraryDiagnosis.line(failed: [plain], linked: [], provided: [], verdict: verdict)?.contains("declares no C library") ?? false)
        let linked = LibraryDiagnosis.line(failed: [], linked: [("seccomp-sys 0.1.3", ["static=ssh2"])], provided: [], verdict: verdict) ?? ""
        XCTAssertTrue(linked.contains("crate seccomp-sys 0.1.3 links the C library `ssh2`: cargo-static can build it"), linked)
        XCTAssertNil(LibraryDiagnosis.line(failed: [], linked: [("x 1", ["z"])], provided: ["zlib"], verdict: verdict))
    }

    func testTrackerFindsTheBuildScriptThatDidNotFinish() throws {
        let dir = NSTemporaryDirectory() + "cs-tracker-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "[package]\nname = \"libgit2-sys\"\nlinks = \"git2\"\n[dependencies]\nlinks = 1\n".write(toFile: dir + "/Cargo.toml", atomically: false, encoding: .utf8)
        var tracker = BuildScriptTracker()
        func artifact(_ id: String) -> String {
            #"{"reason":"compiler-artifact","package_id":"\#(id)","manifest_path":"\#(dir)/Cargo.toml","target":{"kind":["custom-build"],"name":"build-script-build"}}"#
        }
        tracker.consume(artifact("registry+https://x#libc@0.2.1"))
        tracker.consume(#"{"reason":"build-script-executed","package_id":"registry+https://x#libc@0.2.1","linked_libs":[]}"#)
        tracker.consume(artifact("registry+https://x#libgit2-sys@0.14.1"))
        XCTAssertEqual(tracker.failed, [BuildScriptTracker.Script(crate: "libgit2-sys 0.14.1", name: "libgit2-sys", links: "git2")])
    }

    func testAptShowParsing() {
        let text = """
        Package: libssh2-1-dev
        Source: libssh2 (1.10.0-3)
        Version: 1.10.0-3+b1
        Depends: libssh2-1 (= 1.10.0-3+b1), libssl-dev, zlib1g-dev | libz-dev:any
        Provides: libssh2-dev

        Package: libssh2-1-dev
        Source: libssh2
        Version: 1.10.0-3+deb12u1
        Depends: libssh2-1 (= 1.10.0-3+deb12u1), libssl-dev
        """
        let p = BinaryPackage.newest(inShow: text)
        XCTAssertEqual(p?.version, "1.10.0-3+deb12u1")
        XCTAssertEqual(p?.source, "libssh2")
        XCTAssertEqual(BinaryPackage.newest(inShow: text.components(separatedBy: "\n\n")[0])?.depends,
                       [["libssh2-1"], ["libssl-dev"], ["zlib1g-dev", "libz-dev"]])
    }

    /// libpgm's configure checks /proc/cpuinfo, /dev/rtc and /dev/hpet with AC_CHECK_FILES,
    /// which stops a cross build: the kernel's files are answered as configure's cache variables.
    func testConfigureFileChecksAreAnsweredForKernelFiles() throws {
        let configure = """
          test "$cross_compiling" = yes &&
          as_fn_error $? "cannot check for file existence when cross compiling" "$LINENO" 5
        if test -r "/proc/cpuinfo"; then
          ac_cv_file__proc_cpuinfo=yes
        if test -r "/dev/rtc"; then
        if test -r "/usr/share/zoneinfo/UTC"; then
        if test -r "$with_foo/x.h"; then
        """
        let here: Set<String> = ["/proc/cpuinfo"]
        XCTAssertEqual(SourceLayout.crossFileAnswers(configure: configure, configureAC: nil, exists: here.contains),
                       ["ac_cv_file__proc_cpuinfo": "yes", "ac_cv_file__dev_rtc": "no"], "only /proc and /dev, literal paths")
        // Before autoreconf: configure.ac's calls, several files in one AC_CHECK_FILES.
        let configureAC = "AC_CHECK_FILES([/proc/cpuinfo])\nAC_CHECK_FILE([/dev/hpet], [x=1])\nAC_CHECK_FILES([/dev/ptmx /dev/ptc])\n"
        XCTAssertEqual(SourceLayout.crossFileAnswers(configure: nil, configureAC: configureAC, exists: ["/proc/cpuinfo", "/dev/ptmx"].contains),
                       ["ac_cv_file__proc_cpuinfo": "yes", "ac_cv_file__dev_hpet": "no", "ac_cv_file__dev_ptmx": "yes", "ac_cv_file__dev_ptc": "no"])
        XCTAssertEqual(SourceLayout.shellVariableName("/dev/a+b*c.d"), "_dev_apbpc_d")
        // The answers reach configure's environment, and only configure's.
        let layout = SourceLayout(subdirectory: "", buildSystem: .autotools, debianFlags: [], patches: [], fileAnswers: ["ac_cv_file__proc_cpuinfo": "yes"])
        XCTAssertNil(SourceLayout(subdirectory: "", buildSystem: .autotools, debianFlags: [], patches: [], fileAnswers: [:]).fileAnswers,
                     "no answers: the layout (and the cache key) is what it was")
        XCTAssertEqual(try decode(SourceLayout.self, from: try JSONEncoder().encode(layout)), layout)
    }

    /// A CMake project's test and warnings-as-errors options are switched off (mbedtls's tests
    /// stopped on a warning zig's newer clang makes an error under MBEDTLS_FATAL_WARNINGS).
    func testCMakeTestAndWerrorOptionsAreSwitchedOff() {
        let lists = """
        option(ENABLE_PROGRAMS "Build mbed TLS programs." ON)
        option(MBEDTLS_FATAL_WARNINGS "Compiler warnings treated as errors" ON)
        if(CMAKE_HOST_WIN32)
            option(ENABLE_TESTING "Build mbed TLS tests." OFF)
        else()
            option(ENABLE_TESTING "Build mbed TLS tests." ON)
        endif()
        OPTION( FOO_BUILD_TESTS "tests" ON)
        option(USE_LATEST_API "not a test" ON)
        option(JSON_WERROR "werror" OFF)
        include(CTest)
        """
        XCTAssertEqual(SourceLayout.cmakeTestSwitches(lists),
                       ["-DENABLE_PROGRAMS=OFF", "-DMBEDTLS_FATAL_WARNINGS=OFF", "-DENABLE_TESTING=OFF", "-DFOO_BUILD_TESTS=OFF", "-DJSON_WERROR=OFF", "-DBUILD_TESTING=OFF"])
        XCTAssertEqual(SourceLayout.cmakeTestSwitches("project(x C)\nadd_library(x x.c)\n"), [])
        // Not a call: a word ending in "option", a variable; and CTestUseLaunchers is another module.
        XCTAssertEqual(SourceLayout.cmakeTestSwitches("myoption(A_TESTS ON)\nset(option_TESTS 1)\ninclude(CTestUseLaunchers)\n"), [])
        XCTAssertEqual(SourceLayout.cmakeTestSwitches("INCLUDE ( CTest )\n"), ["-DBUILD_TESTING=OFF"])
        // aom declares its options through a wrapper, in build/cmake/aom_config_defaults.cmake;
        // a target's compile options and its own library options are not switches.
        let aom = """
        set_aom_option_var(ENABLE_EXAMPLES "Enables build of example code." ON)
        set_aom_option_var(ENABLE_TESTS "Enables unit tests." ON)
        set_aom_option_var(ENABLE_TOOLS "Enable applications in tools sub directory." ON)
        set_aom_option_var(ENABLE_NASM "Use nasm instead of yasm for x86 assembly." OFF)
        set_aom_option_var(ENABLE_SSE2 "Enables SSE2 optimizations." ON)
        cmake_dependent_option(BUILD_DOC "docs" ON "DOXYGEN_FOUND" OFF)
        target_compile_options(aom_test PRIVATE -Wall)
        """
        XCTAssertEqual(SourceLayout.cmakeTestSwitches(aom),
                       ["-DENABLE_EXAMPLES=OFF", "-DENABLE_TESTS=OFF", "-DENABLE_TOOLS=OFF", "-DBUILD_DOC=OFF"])
        // openjpeg2: the JPIP server is a program (it requires curl and FastCGI).
        XCTAssertEqual(SourceLayout.cmakeTestSwitches("option(BUILD_CODEC \"Build the CODEC executables\" ON)\n  option(BUILD_JPIP_SERVER \"Build the JPIP server.\" OFF)\n"),
                       ["-DBUILD_JPIP_SERVER=OFF"])
    }

    /// A plain Makefile that assigns CFLAGS (giflib: `CFLAGS = -std=gnu99 -fPIC -Wall …`)
    /// ignores the environment's: the compiler carries the warnings that stay warnings, and
    /// zig's date-time error is a warning again (giflib's utilities print __DATE__).
    func testMakefileThatAssignsCFlagsGetsTheFlagsWithTheCompiler() throws {
        XCTAssertTrue(SourceLayout.assignsCFlags("OFLAGS = -O2\nCFLAGS  = -std=gnu99 -fPIC -Wall $(OFLAGS)\n"))
        XCTAssertTrue(SourceLayout.assignsCFlags("CFLAGS:=-O2\n"))
        XCTAssertFalse(SourceLayout.assignsCFlags("CFLAGS += -Wall\nCFLAGS ?= -O2\nXCFLAGS = -g\n# CFLAGS = x\n"))
        let tree = NSTemporaryDirectory() + "make-tree-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: tree, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tree) }
        try "CFLAGS = -std=gnu99 -fPIC\nall: libgif.a\n".write(toFile: tree + "/Makefile", atomically: true, encoding: .utf8)
        XCTAssertEqual(try XCTUnwrap(SourceLayout.detect(tree)).makefileSetsCFlags, true)
        try "CFLAGS += -fPIC\nall: libx.a\n".write(toFile: tree + "/Makefile", atomically: true, encoding: .utf8)
        XCTAssertNil(try XCTUnwrap(SourceLayout.detect(tree)).makefileSetsCFlags)
    }

    /// A Makefile whose `all` lists its libraries and which installs by part (giflib): only
    /// the libraries are made and installed, not its utilities and documentation (xmlto).
    func testMakefileSplitByPartBuildsTheLibrariesOnly() throws {
        let giflib = """
        CFLAGS  = -std=gnu99 -fPIC -Wall
        LIBDIR = $(PREFIX)/lib
        all: libgif.so libgif.a libutil.so libutil.a $(UTILS)
        \t$(MAKE) -C doc
        $(UTILS):: libutil.a libgif.so
        install: all install-bin install-include install-lib install-man
        install-include:
        \t$(INSTALL) -m 644 gif_lib.h "$(DESTDIR)$(INCDIR)"
        install-lib:
        \t$(INSTALL) -m 644 libgif.a "$(DESTDIR)$(LIBDIR)/libgif.a"
        """
        let split = try XCTUnwrap(SourceLayout.libraryTargets(giflib))
        XCTAssertEqual(split.build, ["libgif.so", "libgif.a", "libutil.so", "libutil.a"])
        XCTAssertEqual(split.install, ["install-include", "install-lib"])
        XCTAssertNil(SourceLayout.libraryTargets("all: liblmdb.a mdb_stat\ninstall: $(ILIBS)\n"), "no install by part: the defaults")
        XCTAssertNil(SourceLayout.libraryTargets("all: prog\ninstall-lib:\ninstall-include:\n"), "no library in all")
    }

    /// The options of a CMake tree are read from its cmake modules too (aom's are in
    /// build/cmake/aom_config_defaults.cmake, not in CMakeLists.txt).
    func testCMakeOptionsDeclaredInModulesAreRead() throws {
        let tree = NSTemporaryDirectory() + "cmake-tree-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: tree + "/build/cmake", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tree) }
        try "project(aom C)\ninclude(build/cmake/defaults.cmake)\nadd_library(aom a.c)\n".write(toFile: tree + "/CMakeLists.txt", atomically: true, encoding: .utf8)
        try "set_aom_option_var(ENABLE_TESTS \"Enables unit tests.\" ON)\n".write(toFile: tree + "/build/cmake/defaults.cmake", atomically: true, encoding: .utf8)
        let layout = try XCTUnwrap(SourceLayout.detect(tree))
        XCTAssertEqual(layout.buildSystem, .cmake)
        XCTAssertEqual(layout.testSwitches, ["-DENABLE_TESTS=OFF"])
    }

    /// A part of the tree Debian ships as another -dev package of the same source, which the
    /// requested one does not depend on (libxkbcommon-x11-dev next to libxkbcommon-dev), is
    /// switched off where meson has a boolean option for it; one it depends on is kept.
    func testSeparatelyPackagedPartIsSwitchedOff() throws {
        let lib = "/usr/lib/x86_64-linux-gnu/"
        var index = FakeIndex.bookworm
        index.add("libxkbcommon-dev", source: "libxkbcommon", depends: [["libxkbcommon0"]], files: [lib + "libxkbcommon.so", lib + "pkgconfig/xkbcommon.pc"])
        index.add("libxkbcommon0", source: "libxkbcommon", files: [lib + "libxkbcommon.so.0"])
        index.add("libxkbcommon-x11-dev", source: "libxkbcommon", depends: [["libxkbcommon-dev"], ["libxcb-xkb-dev"]],
                  files: [lib + "libxkbcommon-x11.so", lib + "pkgconfig/xkbcommon-x11.pc"])
        index.add("libxkbcommon-tools-dev", source: "libxkbcommon", files: [])
        index.add("libxkbregistry-dev", source: "libxkbcommon", files: [lib + "libxkbregistry.so"])
        let resolver = LibraryResolver(index: index)
        let info = try XCTUnwrap(index.binary("libxkbcommon-dev"))
        XCTAssertEqual(resolver.separateParts(of: info), ["tools", "x11", "xkbregistry"])
        XCTAssertEqual(resolver.separateParts(of: try XCTUnwrap(index.binary("libxkbcommon-x11-dev"))), ["xkbcommon-tools", "xkbregistry"],
                       "libxkbcommon-dev, which it depends on, is not a part to leave out")
        let xkb = try XCTUnwrap(try resolver.library(for: .link("xkbcommon")))
        let c = try context(SourceLayout(subdirectory: "", buildSystem: .meson, debianFlags: ["-Denable-x11=true", "-Dxkb-config-root=/usr/share/X11/xkb"],
                                         patches: [], mesonSwitches: ["enable-docs", "enable-tools", "enable-wayland", "enable-x11", "enable-xkbregistry"]), deps: [])
        let setup = try XCTUnwrap(xkb.steps(c).first { $0.arguments.first == "setup" }).arguments
        XCTAssertTrue(setup.contains("-Denable-x11=false"), "\(setup)")
        XCTAssertTrue(setup.contains("-Denable-tools=false"), "\(setup)")
        XCTAssertTrue(setup.contains("-Denable-xkbregistry=false"), "\(setup)")
        XCTAssertFalse(setup.contains("-Denable-x11=true"), "Debian's switch is replaced")
        XCTAssertTrue(setup.contains("-Denable-docs=false"), "documentation is no part of a static library")
        XCTAssertFalse(setup.contains("-Denable-wayland=false"), "no -dev package for it, not a program: left as Debian has it")
        XCTAssertTrue(setup.contains("-Dxkb-config-root=/usr/share/X11/xkb"))
        // Autotools, or a tree with no such option: nothing added.
        XCTAssertEqual(SourceLayout.partSwitches(["x11"], booleans: ["wayland"]), [])
        XCTAssertEqual(SourceLayout.partSwitches(["introspection"], booleans: ["tests"], features: ["introspection", "png"]),
                       ["-Dintrospection=disabled", "-Dtests=false"], "a feature option is disabled")
        XCTAssertEqual(SourceLayout.partSwitches([], booleans: ["tests", "man", "x11"]), ["-Dtests=false", "-Dman=false"])
        XCTAssertEqual(DebianRules.mesonOptions("option('enable-x11', type: 'boolean', value: true)\noption('f', type : 'feature')\n", type: "boolean"), ["enable-x11"])
        // gdk-pixbuf's: a parenthesis and commas in the description, before the type.
        let pixbuf = """
        option('introspection',
               description: 'Whether to generate the API introspection data (requires GObject-Introspection)',
               type: 'feature',
               value: 'auto')
        option('builtin_loaders',
               description: 'Comma-separated list, of loaders (all, none)',
               type: 'array', value: ['png', 'jpeg'])
        option('gio_sniffing', description: "Perform file type detection (Unused on MacOS)", type: 'boolean', value: true)
        """
        XCTAssertEqual(DebianRules.mesonOptions(pixbuf, type: "feature"), ["introspection"])
        XCTAssertEqual(DebianRules.mesonOptions(pixbuf, type: "array"), ["builtin_loaders"])
        XCTAssertEqual(DebianRules.mesonOptions(pixbuf, type: "boolean"), ["gio_sniffing"])
    }
}

extension GenericLibraryTests {
    /// A source that ships its introspection data in a gir1.2 package (graphene): the
    /// `introspection` part is switched off (a meson feature option here), and the -dev
    /// package's dependency that is there only for the .gir file (libgirepository1.0-dev,
    /// whose module graphene's .pc files do not require) is not built; glib, which they
    /// require, is.
    func testIntrospectionIsASeparatePartAndItsDependencyIsDropped() throws {
        let lib = "/usr/lib/x86_64-linux-gnu/"
        var index = FakeIndex.bookworm
        index.add("libgraphene-1.0-dev", source: "graphene",
                  depends: [["libgraphene-1.0-0"], ["gir1.2-graphene-1.0"], ["libglib2.0-dev"], ["libgirepository1.0-dev"]],
                  files: [lib + "libgraphene-1.0.so", lib + "pkgconfig/graphene-1.0.pc", lib + "pkgconfig/graphene-gobject-1.0.pc",
                          "/usr/share/gir-1.0/Graphene-1.0.gir", "/usr/include/graphene-1.0/graphene.h"])
        index.texts[lib + "pkgconfig/graphene-1.0.pc"] = "Name: Graphene\nRequires.private: gobject-2.0 >=  2.30.0\nLibs: -L${libdir} -lgraphene-1.0\n"
        index.texts[lib + "pkgconfig/graphene-gobject-1.0.pc"] = "Name: Graphene-GObject\nRequires: graphene-1.0, gobject-2.0\n"
        index.add("libgraphene-1.0-0", source: "graphene", files: [lib + "libgraphene-1.0.so.0"])
        index.add("gir1.2-graphene-1.0", source: "graphene", files: [lib + "girepository-1.0/Graphene-1.0.typelib"])
        index.add("libglib2.0-dev", source: "glib2.0", files: [lib + "libglib-2.0.a", lib + "pkgconfig/glib-2.0.pc", lib + "pkgconfig/gobject-2.0.pc"])
        index.add("libgirepository1.0-dev", source: "gobject-introspection", depends: [["libglib2.0-dev"]],
                  files: [lib + "libgirepository-1.0.so", lib + "pkgconfig/gobject-introspection-1.0.pc", "/usr/share/gir-1.0/GObject-2.0.gir"])
        index.add("gir1.2-glib-2.0", source: "gobject-introspection", files: [lib + "girepository-1.0/GObject-2.0.typelib"])
        let resolver = LibraryResolver(index: index)
        XCTAssertEqual(resolver.separateParts(of: try XCTUnwrap(index.binary("libgraphene-1.0-dev"))), ["introspection"])
        let graphene = try XCTUnwrap(try resolver.library(for: .pkgConfig("graphene-1.0")))
        XCTAssertEqual(graphene.dependencies, ["glib2.0"], "libgirepository1.0-dev is there for the .gir file")
        XCTAssertTrue(LibraryResolver.onlyForIntrospection(dependencyFiles: index.fileLists["libgirepository1.0-dev"]!, requiredModules: ["gobject-2.0"]))
        XCTAssertFalse(LibraryResolver.onlyForIntrospection(dependencyFiles: index.fileLists["libgirepository1.0-dev"]!,
                                                            requiredModules: ["gobject-introspection-1.0"]), "a required module keeps it")
        XCTAssertFalse(LibraryResolver.onlyForIntrospection(dependencyFiles: index.fileLists["libglib2.0-dev"]!, requiredModules: []), "no .gir file")
        let c = try context(SourceLayout(subdirectory: "", buildSystem: .meson, debianFlags: ["-Dintrospection=enabled"], patches: [],
                                         mesonSwitches: ["gobject_types", "installed_tests", "tests"], mesonFeatures: ["introspection"]), deps: [])
        let setup = try XCTUnwrap(graphene.steps(c).first { $0.arguments.first == "setup" }).arguments
        XCTAssertTrue(setup.contains("-Dintrospection=disabled"), "\(setup)")
        XCTAssertFalse(setup.contains("-Dintrospection=enabled"), "Debian's switch is replaced: \(setup)")
        XCTAssertFalse(setup.contains("-Dgobject_types=false"), "graphene's GObject types are part of the library")
    }

    /// The meson wrapper answers `-print-search-dirs` with the dependencies' lib directories,
    /// never the build machine's (meson turned gobject-introspection's `-lffi` into the host's
    /// /lib/x86_64-linux-gnu/libffi.a from zig's answer).
    func testMesonWrapperReportsOnlyTheDependenciesLibraryDirectories() throws {
        let wrapper = NSTemporaryDirectory() + "cc-meson-dirs-\(getpid())"
        try LibraryBuildContext.mesonCompilerWrapper("/bin/echo", libraryDirectories: ["/c/ffi/lib", "/c/glib/lib"])
            .write(toFile: wrapper, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: wrapper) }
        func run(_ args: [String]) throws -> String { try shellScriptOutput(wrapper, args) }
        XCTAssertEqual(try run(["--print-search-dirs"]), "programs: =\nlibraries: =/c/ffi/lib:/c/glib/lib\n")
        XCTAssertEqual(try run(["-O2", "-print-search-dirs"]), "programs: =\nlibraries: =/c/ffi/lib:/c/glib/lib\n")
        XCTAssertTrue(try run(["-Wl,--version"]).hasPrefix("LLD "))
        XCTAssertEqual(try run(["-c", "x.c"]), "-c x.c\n", "anything else goes to the compiler")
        let meson = try context(SourceLayout(subdirectory: "", buildSystem: .meson, debianFlags: [], patches: []))
        let cc = try XCTUnwrap(meson.genericSteps(GenericOptions())[0].environment["MESON_CC"])
        XCTAssertTrue(cc.contains("libraries: =/c/dep/lib") && !cc.contains("/usr/lib") && !cc.contains("x86_64-linux-gnu"), cc)
    }

    /// A .pc requirement whose -dev package the recipe drops is never resolved: glib's
    /// gio-2.0.pc names `mount`, and libmount-dev resolved first had become util-linux's
    /// library (with SELinux) for libuuid's users too.
    func testDroppedRequirementIsNotResolved() throws {
        let lib = "/usr/lib/x86_64-linux-gnu/"
        var index = FakeIndex.bookworm
        index.add("libglib2.0-dev", source: "glib2.0", depends: [["libglib2.0-0"], ["libmount-dev"]],
                  files: [lib + "libglib-2.0.so", lib + "pkgconfig/glib-2.0.pc", lib + "pkgconfig/gio-2.0.pc"])
        index.add("libglib2.0-0", source: "glib2.0", files: [lib + "libglib-2.0.so.0"])
        index.texts[lib + "pkgconfig/gio-2.0.pc"] = "Name: gio\nRequires.private: mount\n"
        index.add("libmount-dev", source: "util-linux", depends: [["libselinux1-dev"]], files: [lib + "libmount.so", lib + "pkgconfig/mount.pc"])
        index.add("libuuid-dev", source: "util-linux", files: [lib + "libuuid.so", lib + "pkgconfig/uuid.pc"])
        index.add("libselinux1-dev", source: "libselinux", files: [lib + "libselinux.so", lib + "pkgconfig/libselinux.pc"])
        index.installed["/mount.pc"] = "libmount-dev"
        let resolver = LibraryResolver(index: index)
        XCTAssertEqual(try XCTUnwrap(try resolver.library(for: .pkgConfig("glib-2.0"))).dependencies, [])
        XCTAssertEqual(try XCTUnwrap(try resolver.library(for: .link("uuid"))).dependencies, [], "libuuid needs no SELinux")
    }

    /// A library Debian ships as a runtime package of its own beside the main one, in the same
    /// -dev package (libharfbuzz-icu0 beside libharfbuzz0b), that alone links a library of
    /// another source (ICU) is a part left out with that library: the chain of a crate asking
    /// for harfbuzz has no ICU, and meson's `icu` feature is disabled. A part whose libraries
    /// another one links too (harfbuzz-gobject: GLib) is kept; a need for the part keeps it.
    func testAddOnPartThatAloneNeedsALibraryIsLeftOut() throws {
        XCTAssertEqual(["libharfbuzz0b", "libharfbuzz-icu0", "libpango-1.0-0", "libpangoft2-1.0-0", "libxkbcommon-x11-0", "libicu72", "zlib1g"]
            .map(LibraryResolver.libraryStem), ["harfbuzz", "harfbuzz-icu", "pango", "pangoft2", "xkbcommon-x11", "icu", "zlib"])
        XCTAssertEqual(["pangocairo-1.0", "libharfbuzz-icu", "harfbuzz"].map(LibraryResolver.needStem), ["pangocairo", "harfbuzz-icu", "harfbuzz"])
        let sources = ["libc6": "glibc", "libglib2.0-0": "glib2.0", "libicu72": "icu", "libx11-6": "libx11", "libxft2": "xft", "libcairo2": "cairo",
                       "libpango-1.0-0": "pango1.0", "libpangoft2-1.0-0": "pango1.0", "libfreetype6": "freetype"]
        func runtime(_ name: String, _ source: String, _ depends: [String]) -> BinaryPackage {
            BinaryPackage(name: name, version: "1", source: source, depends: depends.map { [$0] })
        }
        let pango = [runtime("libpango-1.0-0", "pango1.0", ["libc6", "libglib2.0-0"]),
                     runtime("libpangoft2-1.0-0", "pango1.0", ["libc6", "libpango-1.0-0", "libfreetype6"]),
                     runtime("libpangoxft-1.0-0", "pango1.0", ["libc6", "libpango-1.0-0", "libpangoft2-1.0-0", "libx11-6", "libxft2"]),
                     runtime("libpangocairo-1.0-0", "pango1.0", ["libc6", "libglib2.0-0", "libcairo2"])]
        XCTAssertEqual(LibraryResolver.addOnParts(runtimes: pango) { sources[$0] },
                       [LibraryResolver.AddOnPart(part: "cairo", stem: "pangocairo", sources: ["cairo"]),
                        LibraryResolver.AddOnPart(part: "ft2", stem: "pangoft2", sources: ["freetype"]),
                        LibraryResolver.AddOnPart(part: "xft", stem: "pangoxft", sources: ["libx11", "xft"])],
                       "ft2 links freetype alone (here), so it is a part too; a need or the chain keeps it")
        // harfbuzz-gobject links GLib, which harfbuzz links too: no part to leave out.
        XCTAssertEqual(LibraryResolver.addOnParts(runtimes: [runtime("libharfbuzz0b", "harfbuzz", ["libglib2.0-0"]),
                                                             runtime("libharfbuzz-gobject0", "harfbuzz", ["libglib2.0-0", "libharfbuzz0b"])]) { sources[$0] }, [])

        let lib = "/usr/lib/x86_64-linux-gnu/"
        var index = FakeIndex.bookworm
        index.add("libharfbuzz-dev", source: "harfbuzz", depends: [["libharfbuzz0b"], ["libharfbuzz-icu0"], ["libicu-dev"], ["zlib1g-dev"]],
                  files: [lib + "libharfbuzz.so", lib + "libharfbuzz-icu.so", lib + "pkgconfig/harfbuzz.pc", lib + "pkgconfig/harfbuzz-icu.pc"])
        index.add("libharfbuzz0b", source: "harfbuzz", depends: [["libc6"], ["zlib1g"]], files: [lib + "libharfbuzz.so.0"])
        index.add("libharfbuzz-icu0", source: "harfbuzz", depends: [["libc6"], ["libharfbuzz0b"], ["libicu72"]], files: [lib + "libharfbuzz-icu.so.0"])
        index.add("libicu72", source: "icu", files: [lib + "libicuuc.so.72"])
        index.add("zlib1g", source: "zlib", files: [lib + "libz.so.1"])
        index.add("libc6", source: "glibc", files: [])
        index.add("libicu-dev", source: "icu", files: [lib + "libicuuc.so", lib + "pkgconfig/icu-uc.pc"])
        index.texts[lib + "pkgconfig/harfbuzz-icu.pc"] = "Name: harfbuzz-icu\nRequires: harfbuzz =  6.0.0\nRequires.private: icu-uc\nLibs: -lharfbuzz-icu\n"
        let resolver = LibraryResolver(index: index)
        let hb = try XCTUnwrap(try resolver.library(for: .pkgConfig("harfbuzz")))
        XCTAssertEqual(hb.dependencies, ["zlib"], "ICU, which only libharfbuzz-icu0 links, is not built")
        // A crate asking for harfbuzz-icu gets the library with its ICU part.
        index.installed["/harfbuzz-icu.pc"] = "libharfbuzz-dev"
        let withICU = LibraryResolver(index: index)
        XCTAssertEqual(try XCTUnwrap(try withICU.library(for: .pkgConfig("harfbuzz-icu"))).dependencies, ["icu", "zlib"])
        XCTAssertEqual(try withICU.named("harfbuzz").dependencies, ["icu", "zlib"], "the same library, with the part a need asked for")
        // The part's library is needed by the rest of the chain anyway: nothing saved, the part kept.
        var chained = index
        chained.add("libharfbuzz-dev", source: "harfbuzz", depends: [["libharfbuzz0b"], ["libharfbuzz-icu0"], ["libicu-dev"], ["libfoo-dev"]],
                    files: [lib + "libharfbuzz.so", lib + "libharfbuzz-icu.so", lib + "pkgconfig/harfbuzz.pc", lib + "pkgconfig/harfbuzz-icu.pc"])
        chained.add("libfoo-dev", source: "foo", depends: [["libicu-dev"]], files: [lib + "libfoo.so"])
        let keptResolver = LibraryResolver(index: chained)
        XCTAssertEqual(try XCTUnwrap(try keptResolver.library(for: .pkgConfig("harfbuzz"))).dependencies, ["icu", "foo"])
        let c = try context(SourceLayout(subdirectory: "", buildSystem: .meson, debianFlags: ["-Dgraphite2=auto"], patches: [],
                                         mesonSwitches: ["icu_builtin"], mesonFeatures: ["docs", "graphite2", "icu", "tests"]), deps: [])
        let setup = try XCTUnwrap(hb.steps(c).first { $0.arguments.first == "setup" }).arguments
        XCTAssertTrue(setup.contains("-Dicu=disabled"), "\(setup)")
        XCTAssertTrue(setup.contains("-Dtests=disabled") && setup.contains("-Ddocs=disabled"), "\(setup)")
        XCTAssertTrue(setup.contains("-Dgraphite2=auto"), "\(setup)")
        XCTAssertFalse(setup.contains { $0.hasPrefix("-Dicu_builtin") }, "\(setup)")
        // Feature options get `disabled`, booleans `false`.
        XCTAssertEqual(SourceLayout.partSwitches(["icu"], booleans: ["with-icu"], features: ["icu", "tests"]),
                       ["-Dicu=disabled", "-Dwith-icu=false", "-Dtests=disabled"])
    }
}

final class PkgConfigFixupTests: XCTestCase {
    /// CMake's .pc files quote their values; the prefix moves with the entry all the same.
    func testQuotedLogicalPrefixIsRelocated() {
        let pc = "prefix=\"/opt/cargo-static\"\nlibdir=\"/opt/cargo-static/lib\"\nincludedir=/opt/cargo-static/include\nother=\"/opt/cargo-static-x\"\nLibs: -L${libdir} -lgit2 -L/opt/cargo-static/lib/extra\n"
        XCTAssertEqual(PkgConfigFiles.relocated(pc, logicalPrefix: "/opt/cargo-static"),
                       "prefix=\"${pcfiledir}/../..\"\nlibdir=\"${pcfiledir}/../../lib\"\nincludedir=${pcfiledir}/../../include\nother=\"/opt/cargo-static-x\"\nLibs: -L${libdir} -lgit2 -L${pcfiledir}/../../lib/extra\n")
    }

    /// A failed link that also names -lrt blames the library that is really missing.
    func testLibcPartsAreNeverTheMissingLibrary() {
        let line = LibraryDiagnosis.line(failed: [], linked: [(package: "libgit2-sys", libs: ["rt", "dl", "static=pthread"])], provided: []) { _ in
            RefusalTable.refusal(for: "pam").map { .refused($0) } ?? .unknown
        }
        XCTAssertNil(line)
        // Any other name still gets the verdict.
        XCTAssertNotNil(LibraryDiagnosis.line(failed: [], linked: [(package: "pam-sys", libs: ["pam"])], provided: []) { _ in
            RefusalTable.refusal(for: "pam").map { .refused($0) } ?? .unknown
        })
    }

    /// libgit2.pc's `-lhttp_parser` gets http-parser's directory; names already found stay as they are.
    func testLibsPrivateGetsTheDependencyDirectory() {
        let files: Set<String> = ["/c/hp/lib/libhttp_parser.a", "/c/ssh/lib/libssh2.a", "/c/git/lib/libgit2.a"]
        let pc = "Name: libgit2\nLibs: -L${libdir} -lgit2\nLibs.private: -lhttp_parser -L/c/ssh/lib -lssh2 -lrt\nRequires.private: openssl\n"
        let fixed = PkgConfigFixup.fixed(pc, ownLib: "/c/git/lib", dependencyLibs: ["/c/ssh/lib", "/c/hp/lib"], exists: files.contains)
        XCTAssertEqual(fixed, "Name: libgit2\nLibs: -L${libdir} -lgit2\nLibs.private: -L/c/hp/lib -lhttp_parser -L/c/ssh/lib -lssh2 -lrt\nRequires.private: openssl\n")
        // libssh2.pc as Debian's patch writes it, for a libssh2 built on OpenSSL here.
        let ssh = "Libs: -L${libdir} -lssh2\nLibs.private:  -lgpg-error -ldl"
        XCTAssertEqual(PkgConfigFixup.fixed(ssh, ownLib: "/c/ssh/lib", dependencyLibs: ["/c/ssl/lib"], exists: files.contains),
                       "Libs: -L${libdir} -lssh2\nLibs.private: -ldl")
        // libzmq.pc: the C++ runtime is the toolchain's, kept.
        XCTAssertEqual(PkgConfigFixup.fixed("Libs.private: -lstdc++  -lpthread -lnowhere", ownLib: "/c/z/lib", dependencyLibs: [], exists: { _ in false }),
                       "Libs.private: -lstdc++ -lpthread")
        // norm's CMake: a bare archive name becomes its -l (found beside the library); a path stays.
        let norm = "Libs: -L${libdir} -lnorm\nLibs.private: libprotokit.a /x/libkeep.a\nRequires.private:   libxml-2.0"
        XCTAssertEqual(PkgConfigFixup.fixed(norm, ownLib: "/c/norm/lib", dependencyLibs: [], exists: ["/c/norm/lib/libnorm.a", "/c/norm/lib/libprotokit.a", "/x/libkeep.a"].contains),
                       "Libs: -L${libdir} -lnorm\nLibs.private: -lprotokit /x/libkeep.a\nRequires.private:   libxml-2.0")
    }

}

/// -dev packages with nothing compiled in them, taken from their .deb (`HeaderPackages`).
final class HeaderPackageTests: XCTestCase {
    /// The X11 headers' packages: libx11-dev (compiled) depends on x11proto-dev and xtrans-dev
    /// (Architecture: all, headers and .pc files only).
    private func x11Index() -> FakeIndex {
        let lib = "/usr/lib/x86_64-linux-gnu/"
        var index = FakeIndex.bookworm
        index.add("libx11-dev", source: "libx11", depends: [["libx11-6"], ["x11proto-dev"], ["xtrans-dev"]],
                  files: [lib + "libX11.a", lib + "libX11.so", lib + "pkgconfig/x11.pc", "/usr/include/X11/Xlib.h"], version: "2:1.8.4-2")
        index.add("libx11-6", source: "libx11", files: [lib + "libX11.so.6"])
        index.add("x11proto-dev", source: "xorgproto", depends: [["xorg-sgml-doctools"]],
                  files: ["/usr/include/X11/X.h", "/usr/include/X11/extensions/XI.h", "/usr/share/pkgconfig/xproto.pc",
                          "/usr/share/pkgconfig/xextproto.pc", "/usr/share/doc/x11proto-dev/copyright"],
                  version: "2022.1-1", architecture: "all")
        index.add("x11proto-core-dev", source: "xorgproto", depends: [["x11proto-dev"]], files: ["/usr/share/doc/x11proto-core-dev/copyright"],
                  version: "2022.1-1", architecture: "all")
        index.add("xtrans-dev", source: "xtrans", files: ["/usr/include/X11/Xtrans/Xtrans.c", "/usr/share/pkgconfig/xtrans.pc",
                                                          "/usr/share/aclocal/xtrans.m4"], version: "1.4.0-1", architecture: "all")
        index.add("xcb-proto", source: "xcb-proto", files: ["/usr/share/xcb/xproto.xml", "/usr/share/pkgconfig/xcb-proto.pc"],
                  version: "1.15.2-1", architecture: "all")
        // Architecture: all, but with an archive in it; and headers only, but per architecture.
        index.add("libfoo-dev", source: "foo", files: ["/usr/include/foo.h", "/usr/lib/libfoo.a", "/usr/share/pkgconfig/foo.pc"], architecture: "all")
        index.add("libbar-dev", source: "bar", files: ["/usr/include/bar.h", lib + "pkgconfig/bar.pc"], architecture: "amd64")
        return index
    }

    /// An Architecture: all -dev package with no library file is taken from its .deb; one
    /// with an archive, or built per architecture, is built from source.
    func testHeaderOnlyArchitectureAllPackageIsTakenFromItsDeb() throws {
        let resolver = LibraryResolver(index: x11Index())
        let x11 = try XCTUnwrap(try resolver.library(for: .pkgConfig("x11")))
        XCTAssertEqual(x11.dependencies, ["xorgproto", "xtrans"])
        XCTAssertNil(x11.binaryPackage, "libx11-dev is compiled: built from source")
        let proto = try resolver.named("xorgproto")
        XCTAssertEqual(proto.binaryPackage?.name, "x11proto-dev")
        XCTAssertEqual(proto.binaryPackage?.version, "2022.1-1")
        XCTAssertEqual(proto.archives, [])
        XCTAssertEqual(proto.pkgConfigModules, ["xextproto", "xproto"])
        XCTAssertEqual(try resolver.library(for: .package("x11proto-dev"))?.name, "xorgproto")
        XCTAssertEqual(try resolver.library(for: .package("x11proto-core-dev"))?.binaryPackage?.name, "x11proto-dev",
                       "a transitional package is the one it depends on")
        XCTAssertEqual(try resolver.library(for: .package("xcb-proto"))?.binaryPackage?.name, "xcb-proto", "data and a .pc file")
        XCTAssertNil(try resolver.library(for: .link("foo"))?.binaryPackage, "an archive is compiled code")
        XCTAssertNil(try resolver.library(for: .pkgConfig("bar"))?.binaryPackage, "per architecture: built")
    }

    /// A package built per architecture whose .pc files compile and link nothing
    /// (shared-mime-info: programs, data and shared-mime-info.pc with empty Libs and Cflags),
    /// named after its module and with no -dev package, is found for that module and taken
    /// from its .deb; one whose .pc file links something, or that ships headers, is not.
    func testDataOnlyPkgConfigPackageIsTakenFromItsDeb() throws {
        var index = x11Index()
        index.add("shared-mime-info", source: "shared-mime-info", depends: [["libc6"], ["libglib2.0-0"], ["libxml2"]],
                  files: ["/usr/bin/update-mime-database", "/usr/share/mime/packages/freedesktop.org.xml", "/usr/share/pkgconfig/shared-mime-info.pc",
                          "/usr/share/man/man1/update-mime-database.1.gz"], version: "2.2-1")
        index.texts["/usr/share/pkgconfig/shared-mime-info.pc"] = "prefix=/usr\n\nName: shared-mime-info\nVersion: 2.2\nRequires:\nLibs:\nCflags:\n"
        index.add("linky", source: "linky", files: ["/usr/share/pkgconfig/linky.pc", "/usr/lib/x86_64-linux-gnu/linky/plugin.bin"])
        index.texts["/usr/share/pkgconfig/linky.pc"] = "Name: linky\nVersion: 1\nLibs: -L/usr/lib/x86_64-linux-gnu/linky -llinky\n"
        let resolver = LibraryResolver(index: index)
        let mime = try XCTUnwrap(try resolver.library(for: .pkgConfig("shared-mime-info")), "the package named after the module")
        XCTAssertEqual(mime.binaryPackage?.name, "shared-mime-info")
        XCTAssertEqual(mime.pkgConfigModules, ["shared-mime-info"])
        XCTAssertEqual(mime.dependencies, [], "its Depends are runtime libraries, not -dev packages")
        XCTAssertTrue(mime.summary.contains("data only"), mime.summary)
        XCTAssertNil(try resolver.library(for: .pkgConfig("linky"))?.binaryPackage, "a .pc file that links something is compiled code")
        let info = try XCTUnwrap(index.binary("shared-mime-info"))
        XCTAssertFalse(HeaderPackages.takesFromDeb(info, files: index.fileLists["shared-mime-info"]!), "a .pc file that cannot be read: not taken")
        XCTAssertFalse(HeaderPackages.takesFromDeb(info, files: index.fileLists["shared-mime-info"]! + ["/usr/include/mime.h"],
                                                   text: { index.texts[$0] }), "headers per architecture: built")
        XCTAssertTrue(HeaderPackages.isDataOnly("Name: x\nLibs: \nCflags:\n"))
        XCTAssertFalse(HeaderPackages.isDataOnly("Name: x\nCflags: -I${includedir}\n"))
        XCTAssertFalse(HeaderPackages.isDataOnly("Name: x\nRequires: glib-2.0\n"))
    }

    /// `Architecture:` comes from apt's stanza.
    func testBinaryPackageArchitectureIsParsed() {
        let show = "Package: x11proto-dev\nSource: xorgproto\nVersion: 2022.1-1\nArchitecture: all\nDepends: xorg-sgml-doctools (>= 1:1.5)\n"
        let info = BinaryPackage.newest(inShow: show)
        XCTAssertEqual(info?.architecture, "all")
        XCTAssertTrue(info?.isArchitectureIndependent ?? false)
        XCTAssertFalse(BinaryPackage.newest(inShow: "Package: a\nVersion: 1\nArchitecture: amd64\n")?.isArchitectureIndependent ?? true)
    }

    /// The plan of a header package: `apt-get download NAME=VERSION`, then `dpkg-deb -x` and
    /// the copies, complete before the download, in an entry named by the package's version.
    func testHeaderPackagePlanDownloadsAndUnpacksTheDeb() throws {
        let resolver = LibraryResolver(index: x11Index())
        let layout = CacheLayout(root: "/cache")
        var facts = LibraryFacts(sourcesRoot: layout.sources, jobs: 2)
        facts.closure = .success(try resolver.closure(["xorgproto", "xtrans"]))
        let t = try Target("x86_64-unknown-linux-musl")
        let driver = CompilerDriver(c: ["/z/zig", "cc"], cxx: ["/z/zig", "c++"], ar: ["/z/zig", "ar"], ranlib: ["/z/zig", "ranlib"],
                                    environment: [:], identity: "zig 0.x")
        let cc = CToolchain(kind: .zig, target: t, version: "zig 0.x", driver: driver, directory: "/w", files: [], zigLibDirectory: nil)
        let steps = try LibraryPlanner.plan(target: t, toolchain: cc, facts: facts, cache: CacheView(layout: layout))
        XCTAssertEqual(steps.count, 2)
        let proto = steps[0]
        XCTAssertFalse(proto.pending)
        let fetch = try XCTUnwrap(proto.fetch)
        XCTAssertEqual(fetch.command.executable, "apt-get")
        XCTAssertEqual(fetch.command.arguments, ["download", "-q", "x11proto-dev=2022.1-1"])
        XCTAssertEqual(proto.source?.path, layout.sources + "/x11proto-dev_2022.1-1.deb")
        XCTAssertTrue(proto.build?.entry.name.hasPrefix("xorgproto-2022.1-") ?? false, proto.build?.entry.name ?? "no entry")
        let lines = proto.allCommands.map { $0.shellLine }
        XCTAssertEqual(proto.allCommands.first, fetch.command)
        XCTAssertTrue(lines[1].contains("dpkg-deb -x /cache/sources/x11proto-dev_2022.1-1.deb /cache/work/"), lines[1])
        XCTAssertTrue(lines.contains { $0.contains(" cp -R ") && $0.contains("/src/usr/include ") && $0.hasSuffix("/opt/cargo-static/include") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.contains("/src/usr/share/pkgconfig/xproto.pc ") && $0.hasSuffix("/opt/cargo-static/lib/pkgconfig/") }, "\(lines)")
        XCTAssertFalse(lines.contains { $0.contains("share/doc") }, "documentation is not copied")
        XCTAssertTrue(PlanView.lines(.library(proto)).contains(fetch.command.shellLine), "plan prints the download")
        XCTAssertTrue(steps[1].allCommands.map { $0.shellLine }.contains { $0.contains("/src/usr/share/aclocal ") }, "data is copied")

        // Downloaded: no fetch, same entry. Another version: another entry.
        facts.selected["xorgproto"] = proto.source
        let again = try LibraryPlanner.plan(target: t, toolchain: cc, facts: facts, cache: CacheView(layout: layout))[0]
        XCTAssertNil(again.fetch)
        XCTAssertEqual(again.build?.entry, proto.build?.entry)
        var newer = x11Index()
        newer.packages["x11proto-dev"] = BinaryPackage(name: "x11proto-dev", version: "2023.2-1", source: "xorgproto", depends: [], architecture: "all")
        facts = LibraryFacts(sourcesRoot: layout.sources, jobs: 2)
        facts.closure = .success(try LibraryResolver(index: newer).closure(["xorgproto"]))
        let other = try LibraryPlanner.plan(target: t, toolchain: cc, facts: facts, cache: CacheView(layout: layout))[0]
        XCTAssertNotEqual(other.build?.entry, proto.build?.entry)
        XCTAssertEqual(other.fetch?.command.arguments.last, "x11proto-dev=2023.2-1")
    }

    /// Debian's .pc files name /usr: rebased onto the logical prefix, which the relocation
    /// then makes relative to the file.
    func testHeaderPackagePkgConfigIsRebasedOntoThePrefix() {
        let text = "prefix=/usr\nincludedir=${prefix}/include\nlibdir=${prefix}/lib/x86_64-linux-gnu\ndatadir=/usr/share\n\nName: xproto\nCflags: -I${includedir} -I/usr/include/X11\n"
        let rebased = HeaderPackages.rebased(text, logicalPrefix: "/opt/cargo-static")
        XCTAssertEqual(rebased, "prefix=/opt/cargo-static\nincludedir=${prefix}/include\nlibdir=${prefix}/lib\ndatadir=/opt/cargo-static/share\n\nName: xproto\nCflags: -I${includedir} -I/opt/cargo-static/include/X11\n")
        let relocated = PkgConfigFiles.relocated(rebased, logicalPrefix: "/opt/cargo-static")
        XCTAssertTrue(relocated.hasPrefix("prefix=${pcfiledir}/../..\n"), relocated)
        XCTAssertFalse(relocated.contains("/usr"))
    }

}

/// What `sh SCRIPT ARGS…` prints on stdout (the generated wrapper scripts).
private func shellScriptOutput(_ script: String, _ args: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = [script] + args
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
