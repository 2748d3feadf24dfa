import XCTest
@testable import CargoStaticCore

final class ArgumentRewriterTests: XCTestCase {
    private func spec(kind: CToolchain.Kind = .zig, whole: [String] = [], stub: String? = nil, search: [String] = [],
                      trailing: [String] = [], objects: [String] = []) throws -> LinkSpec {
        let driver = CompilerDriver(c: ["/z/zig", "cc", "-target", "x86_64-linux-musl"], cxx: ["/z/zig", "c++"], ar: ["/z/zig", "ar"],
                                    ranlib: ["/z/zig", "ranlib"], environment: ["ZIG_GLOBAL_CACHE_DIR": "/c/zig"], identity: "zig test")
        return LinkSpec(target: try Target("x86_64-unknown-linux-musl"), kind: kind, driver: driver, wrapperDirectory: "/c/cc/w",
                        selfContainedCrt: false, pie: true, wholeArchives: whole, unwinderStub: stub,
                        searchDirectories: search, trailing: trailing, objects: objects, profileRustflags: [], tool: "/bin/cargo-static")
    }

    /// zig's clang names the build machine's library directories; the wrapper answers that
    /// nothing is searched there (meson and libtool resolve `-lffi` to a file from that list).
    func testZigIsNeverAskedForTheHostsLibraryDirectories() {
        XCTAssertEqual(ArgumentRewriter.searchAnswer(["-print-search-dirs"], kind: .zig), "programs: =\nlibraries: =\n")
        XCTAssertEqual(ArgumentRewriter.searchAnswer(["-O2", "--print-search-dirs"], kind: .zig), "programs: =\nlibraries: =\n")
        XCTAssertEqual(ArgumentRewriter.searchAnswer(["-print-file-name=libffi.a"], kind: .zig), "libffi.a\n", "not found, as gcc says")
        XCTAssertEqual(ArgumentRewriter.searchAnswer(["-print-file-name=libz.so.1"], kind: .zig), "libz.so.1\n")
        XCTAssertEqual(ArgumentRewriter.searchAnswer(["--print-file-name=crt1.o"], kind: .zig), "crt1.o\n")
        XCTAssertNil(ArgumentRewriter.searchAnswer(["-print-file-name=include"], kind: .zig), "the compiler's own directory: zig answers")
        XCTAssertNil(ArgumentRewriter.searchAnswer(["-c", "x.c", "-o", "x.o"], kind: .zig))
        XCTAssertNil(ArgumentRewriter.searchAnswer(["-print-search-dirs"], kind: .muslGcc), "musl-gcc's directories are musl's")
    }

    /// In a C library build with dependencies, the build's sysroot-like directory (their
    /// .pc files) is the one library directory and where the start files are, as GnuPG's
    /// configure macros expect of a cross compiler; other names are still not found.
    func testLibraryBuildsSeeTheirTargetLibraryDirectory() {
        let dir = "/cache/work/deps-x/sysroot/lib"
        XCTAssertEqual(ArgumentRewriter.searchAnswer(["-print-search-dirs"], kind: .zig, targetLibrary: dir), "programs: =\nlibraries: =\(dir)\n")
        XCTAssertEqual(ArgumentRewriter.searchAnswer(["-print-file-name=crt1.o"], kind: .zig, targetLibrary: dir), dir + "/crt1.o\n")
        XCTAssertEqual(ArgumentRewriter.searchAnswer(["-print-file-name=libffi.a"], kind: .zig, targetLibrary: dir), "libffi.a\n")
        XCTAssertEqual(ArgumentRewriter.searchAnswer(["-print-file-name=crt1.o"], kind: .zig, targetLibrary: ""), "crt1.o\n")
        XCTAssertEqual(TargetLibraryView.directory(source: "/cache/work/deps-x/src"), dir)
        XCTAssertEqual(TargetLibraryView.directory(source: "$SRC"), "$WORK/sysroot/lib")
    }

    /// The view's .pc files name their dependency's directories outright (gpgrt-config
    /// reads them and knows no `${pcfiledir}`); the first dependency's file of a name wins.
    func testTargetLibraryViewWritesEachDependencysPcFiles() throws {
        let base = try scratchDirectory("target-lib")
        let pc = "prefix=${pcfiledir}/../..\nlibdir=${pcfiledir}/../../lib\nName: gpg-error\nVersion: 1.46\nLibs: -L${libdir} -lgpg-error\n"
        for (dep, name, text) in [("a", "gpg-error.pc", pc), ("b", "libassuan.pc", "Name: libassuan\n"), ("b", "gpg-error.pc", "Name: other\n")] {
            try FileManager.default.createDirectory(atPath: "\(base)/\(dep)/lib/pkgconfig", withIntermediateDirectories: true)
            try text.write(toFile: "\(base)/\(dep)/lib/pkgconfig/\(name)", atomically: false, encoding: .utf8)
        }
        try TargetLibraryView.write(base + "/sysroot/lib", dependencyPrefixes: [base + "/a", base + "/b", base + "/missing"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: base + "/sysroot/lib/pkgconfig").sorted(), ["gpg-error.pc", "libassuan.pc"])
        let written = try String(contentsOfFile: base + "/sysroot/lib/pkgconfig/gpg-error.pc", encoding: .utf8)
        XCTAssertTrue(written.hasPrefix("prefix=\(base)/a/lib/pkgconfig/../..\nlibdir=\(base)/a/lib/pkgconfig/../../lib\n"), written)
        XCTAssertFalse(written.contains("pcfiledir"))
    }

    func testZigSpellsStaticPieAndDropsForeignTargetFlags() {
        let args = ["-static-pie", "--target=x86_64-unknown-linux-musl", "-target", "x86_64-unknown-linux-musl", "-Wl,-melf_i386",
                    "a b.o", "-o", "out"]
        XCTAssertEqual(ArgumentRewriter.compile(args, kind: .zig), ["-static", "-pie", "-fPIE", "a b.o", "-o", "out"])
    }

    /// zig takes -march= as a CPU name: ISA levels the cc crate passes for ARM and RISC-V are dropped.
    func testMarchIsDroppedForZigOutsideX86() throws {
        XCTAssertEqual(ArgumentRewriter.compile(["-march=rv64gc", "-c", "a.c"], kind: .zig, target: try Target("riscv64gc-unknown-linux-musl")),
                       ["-c", "a.c"])
        XCTAssertEqual(ArgumentRewriter.compile(["-march=haswell", "-c", "a.c"], kind: .zig, target: try Target("x86_64-unknown-linux-musl")),
                       ["-march=haswell", "-c", "a.c"])
    }

    /// zig searches its libc headers before the caller's -isystem directories: they become -I
    /// directories, so an overlay (libbsd's include/bsd/stdlib.h) is read first. gcc keeps them.
    func testIsystemBecomesIncludeDirectoryForZig() throws {
        XCTAssertEqual(ArgumentRewriter.compile(["-I.", "-isystem", "./include/bsd/", "-isystem/o/inc", "-isystem-after", "/x", "-c", "a.c"], kind: .zig),
                       ["-I.", "-I", "./include/bsd/", "-I/o/inc", "-isystem-after", "/x", "-c", "a.c"])
        XCTAssertEqual(ArgumentRewriter.compile(["-isystem", "/o", "-c", "a.c"], kind: .muslGcc), ["-isystem", "/o", "-c", "a.c"])
        // zig itself: with the rewrite, the overlay's header is the one included.
        if let missing = ELFFixtures.Tool.zig.missing { throw XCTSkip(missing) }
        let dir = NSTemporaryDirectory() + "cs-isystem-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/ov", withIntermediateDirectories: true)
        try "#define OVERLAY_READ 1\n#include_next <stdlib.h>\n".write(toFile: dir + "/ov/stdlib.h", atomically: false, encoding: .utf8)
        try "#include <stdlib.h>\n#ifndef OVERLAY_READ\n#error overlay not read\n#endif\nint f(void) { return abs(-1); }\n"
            .write(toFile: dir + "/t.c", atomically: false, encoding: .utf8)
        func compiles(_ args: [String]) -> Bool {
            ELFTestTools.run(ELFFixtures.Tool.zig.command + ["-target", "x86_64-linux-musl"] + args + ["-c", dir + "/t.c", "-o", dir + "/t.o"],
                             timeout: 120).status == 0
        }
        XCTAssertFalse(compiles(["-isystem", dir + "/ov"]), "zig's own order: the overlay is not read")
        XCTAssertTrue(compiles(ArgumentRewriter.compile(["-isystem", dir + "/ov"], kind: .zig)))
    }

    /// A compiler call that links an archive by name (krb5's configure: `-lss`) gets the
    /// private libraries its .pc file lists (ss.pc requires com_err); a compile does not, and
    /// nor does a link naming no archive with a .pc file.
    func testLinkingCompilerCallGetsPrivateLibrariesOfArchives() {
        let lib = "/e/prefix/lib"
        let pcs: [String: PrivateLibraries.PCFile] = [
            "ss": .init(directory: lib + "/pkgconfig", text: "libdir=${pcfiledir}/../../lib\nName: ss\nRequires.private: com_err\nLibs: -L${libdir} -lss\nLibs.private: -ldl\n"),
            "com_err": .init(directory: lib + "/pkgconfig", text: "libdir=${pcfiledir}/../../lib\nName: com_err\nLibs: -L${libdir} -lcom_err\n"),
        ]
        let files: Set<String> = [lib + "/libss.a", lib + "/libcom_err.a"]
        var asked: [[String]] = []
        let index: ([String]) -> [String: PrivateLibraries.PCFile] = { asked.append($0); return pcs }
        let link = ["-o", "conftest", "-L" + lib, "-L/usr/lib/x86_64-linux-gnu", "conftest.c", "-lss"]
        XCTAssertEqual(ArgumentRewriter.withPrivateLibraries(link, index: index, exists: files.contains),
                       link + ["-Wl,--start-group", "-lcom_err", "-Wl,--end-group"])
        XCTAssertEqual(asked, [[lib]], "the host's directory is not read")
        let compile = ["-c", "-L" + lib, "a.c", "-lss"]
        XCTAssertEqual(ArgumentRewriter.withPrivateLibraries(compile, index: index, exists: files.contains), compile)
        let both = link + ["-lcom_err"]
        XCTAssertEqual(ArgumentRewriter.withPrivateLibraries(both, index: index, exists: files.contains), both, "com_err is on the line already")
        XCTAssertEqual(ArgumentRewriter.withPrivateLibraries(["-o", "x", "x.c", "-lm"], index: index, exists: files.contains), ["-o", "x", "x.c", "-lm"])
    }

    func testGccKeepsStaticPieAndEmulationButDropsTarget() {
        XCTAssertEqual(ArgumentRewriter.compile(["-static-pie", "--target", "x", "-Wl,-melf_x86_64", "x.o"], kind: .muslGcc),
                       ["-static-pie", "-Wl,-melf_x86_64", "x.o"])
    }

    func testStandInsReplaceOnlyTheUnwinder() throws {
        let link = try spec(stub: "/a/stub dir/libstub.a")
        XCTAssertEqual(try ArgumentRewriter.link(["a b.o", "-lunwind", "-lc", "-Wl,-lunwind", "-static-pie", "-o", "out"], spec: link),
                       ["a b.o", "/a/stub dir/libstub.a", "-lc", "-Wl,-lunwind", "-static", "-pie", "-o", "out", "-Wl,--build-id=sha1"])
    }

    func testAllocatorGoesFirstObjectsAndTrailingArchivesLast() throws {
        let link = try spec(kind: .muslGcc, whole: ["/p/lib/libjemalloc_pic.a"], search: ["/c/unwind"], trailing: ["/c/compat.a", "-lgcc"],
                            objects: ["/t/dep-v0.o"])
        XCTAssertEqual(try ArgumentRewriter.link(["x.o", "-lunwind", "-static-pie"], spec: link),
                       ["-Wl,--whole-archive", "/p/lib/libjemalloc_pic.a", "-Wl,--no-whole-archive", "-L/c/unwind", "x.o", "-lunwind",
                        "-static-pie", "/t/dep-v0.o", "/c/compat.a", "-lgcc", "-Wl,--build-id=sha1"])
    }

    /// A build script's `-L` to the host's glibc libraries (pq-sys's `pg_config --libdir`)
    /// never reaches the link; other directories stay.
    func testHostLibraryDirectoriesNeverReachTheLink() throws {
        let link = try spec(search: ["/c/deps/pq/lib"])
        XCTAssertEqual(try ArgumentRewriter.link(["x.o", "-L", "/usr/lib/x86_64-linux-gnu", "-L/lib/x86_64-linux-gnu/", "-L", "/t/out",
                                                  "-L/usr/lib/gcc/x86_64-linux-gnu/12", "-lpq"], spec: link),
                       ["-L/c/deps/pq/lib", "x.o", "-L", "/t/out", "-lpq", "-static", "-pie", "-Wl,--build-id=sha1"])
    }

    /// A multiarch directory under /usr/lib is the host's too: musl-dev's
    /// /usr/lib/x86_64-linux-musl, which a script given DEB_HOST_MULTIARCH names, holds a
    /// libc that is not the link's. The same name under another root is not.
    func testMultiarchDirectoriesAreTheHosts() {
        XCTAssertTrue(HostLibraries.isHostDirectory("/usr/lib/x86_64-linux-musl"))
        XCTAssertTrue(HostLibraries.isHostDirectory("/lib/arm-linux-musleabihf/"))
        XCTAssertTrue(HostLibraries.isHostDirectory("/usr/local/lib/aarch64-linux-gnu"))
        XCTAssertFalse(HostLibraries.isHostDirectory("/c/deps/mbedtls/prefix/lib/x86_64-linux-musl"))
        XCTAssertFalse(HostLibraries.isHostDirectory("/usr/lib/x86_64-linux-musl/sub"))
        XCTAssertFalse(HostLibraries.isHostDirectory("/usr/lib/postgresql"), "not a multiarch tuple (not in the list either)")
    }

    /// rustc links a build script's `dylib=` request after `-Wl,-Bdynamic`, where zig looks
    /// for libfoo.so only; a static executable takes every library as an archive.
    func testSharedLibraryRequestsAreLinkedAsArchives() throws {
        XCTAssertEqual(ArgumentRewriter.archivesOnly(["-Wl,-Bstatic", "a.rlib", "-Wl,-Bdynamic", "-lmbedtls", "-Wl,-dy,-lz,-call_shared",
                                                      "-Wl,--as-needed", "-Bdynamic"]),
                       ["-Wl,-Bstatic", "a.rlib", "-Wl,-Bstatic", "-lmbedtls", "-Wl,-Bstatic,-lz,-Bstatic", "-Wl,--as-needed", "-Bdynamic"])
        let link = try spec(search: ["/c/deps/mbedtls/lib"])
        XCTAssertEqual(try ArgumentRewriter.link(["x.o", "-Wl,-Bdynamic", "-lmbedcrypto", "-L", "/usr/lib/x86_64-linux-musl", "-static-pie"], spec: link),
                       ["-L/c/deps/mbedtls/lib", "x.o", "-Wl,-Bstatic", "-lmbedcrypto", "-static", "-pie", "-Wl,--build-id=sha1"])
    }

    /// libpq.a linked by name gets what its libpq.pc lists for a static link: its Libs.private
    /// (archives of its own entry, and of another through -L) and its Requires.private modules'
    /// libraries; nothing the line names already, nothing of the libc, nothing found nowhere.
    func testArchivesLinkedByNameGetTheirPrivateLibraries() throws {
        let archives: Set<String> = ["/c/pq/lib/libpq.a", "/c/pq/lib/libpgcommon.a", "/c/pq/lib/libpgport.a", "/c/ssl/lib/libssl.a",
                                     "/c/ssl/lib/libcrypto.a", "/c/z/lib/libz.a", "/c/other/lib/libother.a"]
        let pq = PrivateLibraries.PCFile(directory: "/c/pq/lib/pkgconfig", text: """
            prefix=${pcfiledir}/../..
            libdir=${prefix}/lib
            Name: libpq
            Requires.private: libssl >= 1.1, libcrypto
            Libs: -L${libdir} -lpq
            Libs.private: -L${pcfiledir}/../../../z/lib -lpgcommon -lpgport -lz -lm -lgssapi_krb5
            """)
        let ssl = PrivateLibraries.PCFile(directory: "/c/ssl/lib/pkgconfig", text: "libdir=${pcfiledir}/..\nLibs: -L${libdir} -lssl\nRequires.private: libcrypto\n")
        let crypto = PrivateLibraries.PCFile(directory: "/c/ssl/lib/pkgconfig", text: "libdir=\"${pcfiledir}/..\"\nLibs: -L${libdir} -lcrypto\nLibs.private: -lpthread\n")
        let files = ["libpq": pq, "libssl": ssl, "libcrypto": crypto]
        let search = ["/c/pq/lib", "/c/ssl/lib"]
        let extra = PrivateLibraries.extra(arguments: ["x.o", "-l", "pq", "-lother"], searchDirectories: search, pcFiles: files,
                                           exists: archives.contains)
        XCTAssertEqual(extra, ["-L/c/z/lib", "-Wl,--start-group", "-lpgcommon", "-lpgport", "-lz", "-lssl", "-lcrypto", "-Wl,--end-group"])
        // A crate that asked pkg-config has them on its line already; one linking no such archive gets nothing.
        XCTAssertEqual(PrivateLibraries.extra(arguments: ["-lpq", "-lpgcommon", "-lpgport", "-lz", "-lssl", "-lcrypto"], searchDirectories: search,
                                              pcFiles: files, exists: archives.contains), [])
        XCTAssertEqual(PrivateLibraries.extra(arguments: ["-lother"], searchDirectories: search, pcFiles: files, exists: archives.contains), [])
        // In the final link line: after the line's own libraries, before the trailing archives.
        let dir = NSTemporaryDirectory() + "cs-private-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/lib/pkgconfig", withIntermediateDirectories: true)
        for name in ["libpq.a", "libpgport.a"] { try Data().write(to: URL(fileURLWithPath: dir + "/lib/" + name)) }
        try "Libs: -lpq\nLibs.private: -lpgport -lpgcommon\n".write(toFile: dir + "/lib/pkgconfig/libpq.pc", atomically: false, encoding: .utf8)
        let linkSpec = try spec(search: [dir + "/lib"], trailing: ["/c/compat.a"])
        let link = try ArgumentRewriter.link(["x.o", "-lpq"], spec: linkSpec, pcFiles: PrivateLibraries.index(searchDirectories: [dir + "/lib"]))
        XCTAssertEqual(link.dropLast().suffix(7), ["-lpq", "-static", "-pie", "-Wl,--start-group", "-lpgport", "-Wl,--end-group", "/c/compat.a"],
                       "libpgcommon.a is nowhere: left out")
        XCTAssertEqual(link.prefix(2), ["-L" + dir + "/lib", "x.o"])
    }

    /// A C++ library of the plan (libtesseract.a, bundled into tesseract-sys's rlib) gets zig's
    /// libc++ at the final link when nothing on the line links a C++ runtime.
    func testCxxLibraryOfThePlanGetsTheCxxRuntime() throws {
        let dir = NSTemporaryDirectory() + "cs-cxx-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/lib/pkgconfig", withIntermediateDirectories: true)
        try "!<arch>\n... U __gxx_personality_v0 _ZNSt3__112basic_stringIcE ...".write(toFile: dir + "/libtess_sys.rlib", atomically: false, encoding: .utf8)
        try "!<arch>\n... rust_eh_personality _ZN3std2io5stdio ... __cxa_thread_atexit_impl".write(toFile: dir + "/libplain.rlib", atomically: false, encoding: .utf8)
        try "!<arch>\n_ZNSt7__cxx1112basic_string".write(toFile: dir + "/lib/libgnucxx.a", atomically: false, encoding: .utf8)
        try "Libs: -lgnucxx\n".write(toFile: dir + "/lib/pkgconfig/gnucxx.pc", atomically: false, encoding: .utf8)
        XCTAssertTrue(CxxRuntime.fileHoldsCxx(dir + "/libtess_sys.rlib"))
        XCTAssertFalse(CxxRuntime.fileHoldsCxx(dir + "/libplain.rlib"), "Rust's own symbols and __cxa_thread_atexit_impl are no C++")
        XCTAssertTrue(CxxRuntime.fileHoldsCxx(dir + "/lib/libgnucxx.a"))
        XCTAssertFalse(CxxRuntime.fileHoldsCxx(dir + "/missing.a"))
        XCTAssertTrue(CxxRuntime.contains(Data("__a__gxx_personality_v0".utf8), Array("__gxx_personality_v0".utf8)), "a match after a false start")
        XCTAssertFalse(CxxRuntime.contains(Data("__gxx_personality_v".utf8), Array("__gxx_personality_v0".utf8)))

        let search = [dir + "/lib"]
        let pcFiles = PrivateLibraries.index(searchDirectories: search)
        let linkSpec = try spec(search: search, trailing: ["/c/compat.a"])
        let cxxLine = try ArgumentRewriter.link(["x.o", dir + "/libtess_sys.rlib", "/sysroot/lib/rustlib/x/lib/libstd.rlib"], spec: linkSpec,
                                                pcFiles: pcFiles, holdsCxx: CxxRuntime.fileHoldsCxx)
        XCTAssertEqual(cxxLine.suffix(3), ["-lc++", "/c/compat.a", "-Wl,--build-id=sha1"])
        // By name too (-lgnucxx found in the plan's directory); not twice; not for Rust alone.
        XCTAssertTrue(try ArgumentRewriter.link(["x.o", "-lgnucxx"], spec: linkSpec, pcFiles: pcFiles, holdsCxx: CxxRuntime.fileHoldsCxx).contains("-lc++"))
        XCTAssertEqual(try ArgumentRewriter.link(["x.o", dir + "/libtess_sys.rlib", "-lstdc++"], spec: linkSpec, pcFiles: pcFiles,
                                                 holdsCxx: CxxRuntime.fileHoldsCxx).filter { $0 == "-lc++" }, [], "the line has a runtime")
        XCTAssertFalse(try ArgumentRewriter.link(["x.o", dir + "/libplain.rlib"], spec: linkSpec, pcFiles: pcFiles,
                                                 holdsCxx: CxxRuntime.fileHoldsCxx).contains("-lc++"))
        XCTAssertFalse(try ArgumentRewriter.link(["x.o", dir + "/libtess_sys.rlib"], spec: linkSpec, pcFiles: [:],
                                                 holdsCxx: CxxRuntime.fileHoldsCxx).contains("-lc++"), "no C library in the plan: not looked at")
        XCTAssertFalse(try ArgumentRewriter.link(["x.o", dir + "/libtess_sys.rlib"], spec: try spec(kind: .muslGcc, search: search), pcFiles: pcFiles,
                                                 holdsCxx: CxxRuntime.fileHoldsCxx).contains("-lc++"), "musl-gcc has no libc++ to add")
        var read: [String] = []
        _ = CxxRuntime.extra(["x.o", dir + "/libtess_sys.rlib", "/s/lib/rustlib/t/lib/libcore.rlib", "-lgnucxx"], searchDirectories: search) { read.append($0); return false }
        XCTAssertEqual(read, [dir + "/libtess_sys.rlib", dir + "/lib/libgnucxx.a"], "std's rlibs are not read")
    }

    func testCommandLinePutsTheDriverFirst() throws {
        let link = try spec()
        XCTAssertEqual(try ArgumentRewriter.commandLine(mode: .link, arguments: ["-static-pie", "x.o"], compiler: nil, link: link),
                       ["/z/zig", "cc", "-target", "x86_64-linux-musl", "-static", "-pie", "x.o", "-Wl,--build-id=sha1"])
        XCTAssertEqual(try ArgumentRewriter.commandLine(mode: .cxx, arguments: ["-c", "a.cpp"], compiler: link.compilerSpec, link: nil),
                       ["/z/zig", "c++", "-c", "a.cpp"])
        XCTAssertNil(try ArgumentRewriter.commandLine(mode: .cc, arguments: [], compiler: nil, link: nil))
    }

    /// The real wrappers, end to end: the scripts call this cargo-static back, which runs the
    /// "compiler" (a script printing its arguments) with the rewritten arguments.
    func testWrapperScriptsCallBackAndExecTheDriver() throws {
        let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/cargo-static").path
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw XCTSkip("cargo-static is not built at \(binary)") }
        let dir = NSTemporaryDirectory() + "cs-wrap-\(getpid())-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileSystem.write("#!/bin/sh\nprintf '%s\\n' \"$ZIG_GLOBAL_CACHE_DIR\" \"$@\"\n", to: dir + "/fake-cc", mode: 0o755)
        let driver = CompilerDriver(c: [dir + "/fake-cc", "-target", "t"], cxx: [dir + "/fake-cc", "c++"], ar: ["/bin/true"], ranlib: ["/bin/true"],
                                    environment: ["ZIG_GLOBAL_CACHE_DIR": "/zig cache"], identity: "fake")
        let link = LinkSpec(target: try Target("x86_64-unknown-linux-musl"), kind: .zig, driver: driver, wrapperDirectory: dir + "/w w",
                            selfContainedCrt: false, pie: true, wholeArchives: ["/heap.a"], unwinderStub: nil,
                            searchDirectories: [], trailing: ["/compat.a"], objects: [], profileRustflags: [], tool: binary)
        for file in link.wrapperFiles { try file.apply() }
        let linked = try Runner().capture(Command(link.linker, ["-static-pie", "a b.o", "-o", "out"]))
        XCTAssertEqual(linked.status, 0, linked.output)
        XCTAssertEqual(linked.output.split(separator: "\n").map(String.init),
                       ["/zig cache", "-target", "t", "-Wl,--whole-archive", "/heap.a", "-Wl,--no-whole-archive", "-static", "-pie",
                        "a b.o", "-o", "out", "/compat.a", "-Wl,--build-id=sha1"])
        let compiled = try Runner().capture(Command(link.cc, ["--target=x86_64-unknown-linux-musl", "-c", "x.c"]))
        XCTAssertEqual(compiled.output.split(separator: "\n").map(String.init), ["/zig cache", "-target", "t", "-c", "x.c"])

        // rustc's argument file (a link line too long to execute): every edit still applies, and
        // the driver gets the rewritten line in a file of its own, in zig's syntax.
        try FileSystem.write("-static-pie\na\\ b.o\n-Wl,--fix-cortex-a53-843419,--gc-sections\n-o\n\(dir)/out\n", to: dir + "/linker-arguments")
        let viaFile = try Runner().capture(Command(link.linker, ["@" + dir + "/linker-arguments"]))
        XCTAssertEqual(viaFile.status, 0, viaFile.output)
        XCTAssertEqual(viaFile.output.split(separator: "\n").map(String.init), ["/zig cache", "-target", "t", "@\(dir)/out.link-arguments"])
        XCTAssertEqual(try String(contentsOfFile: dir + "/out.link-arguments", encoding: .utf8).split(separator: "\n").map(String.init),
                       ["'-Wl,--whole-archive'", "'/heap.a'", "'-Wl,--no-whole-archive'", "'-static'", "'-pie'", "'a b.o'",
                        "'-Wl,--gc-sections'", "'-o'", "'\(dir)/out'", "'/compat.a'", "'-Wl,--build-id=sha1'"])
    }
}

final class CompileLinkSplitTests: XCTestCase {
    /// A configure test (`cc $CFLAGS conftest.c -o conftest $LIBS`) with code-generation flags:
    /// compiled with every flag, linked with only what links need.
    func testConfigureStyleCallIsSplit() throws {
        let args = ["-O2", "-fPIC", "-mretpoline", "-fstack-protector", "-I/x/include", "-DX=1", "conftest.c", "-o", "conftest",
                    "-L/p/lib", "-lz", "-Wl,-z,relro", "-pthread"]
        let split = try XCTUnwrap(ArgumentRewriter.splitCompileAndLink(args))
        XCTAssertEqual(split.compiles, [["-O2", "-fPIC", "-mretpoline", "-fstack-protector", "-I/x/include", "-DX=1", "-pthread",
                                          "-c", "conftest.c", "-o", "conftest.cargo-static-0.o"]])
        XCTAssertEqual(split.link, ["-fPIC", "-L/p/lib", "-lz", "-Wl,-z,relro", "-pthread", "conftest.cargo-static-0.o", "-o", "conftest"])
    }

    func testCallsThatDoNotLinkOrHaveNothingToSplitStayWhole() {
        XCTAssertNil(ArgumentRewriter.splitCompileAndLink(["-O2", "-c", "a.c", "-o", "a.o"]))
        XCTAssertNil(ArgumentRewriter.splitCompileAndLink(["-E", "-O2", "a.c"]))
        XCTAssertNil(ArgumentRewriter.splitCompileAndLink(["a.o", "b.o", "-o", "prog", "-lz"]), "a link of objects only")
        XCTAssertNil(ArgumentRewriter.splitCompileAndLink(["-I.", "a.c", "-o", "prog"]), "only preprocessor flags")
        XCTAssertNil(ArgumentRewriter.splitCompileAndLink(["-O2", "-x", "c", "-", "-o", "prog"]), "source on stdin")
        XCTAssertNil(ArgumentRewriter.splitCompileAndLink(["-O2", "-print-file-name=libc.a"]))
    }
}
