import XCTest
@testable import CargoStaticCore

/// The link rewrite on argument lists captured from rustc 1.96 (`-Clinker=` a script that
/// logs its arguments; long paths shortened): hello for each target with cargo-static's flags.
final class StaticPieTests: XCTestCase {
    private let linkageFlags: Set<String> = ["-static", "-static-pie", "-no-pie", "-pie"]

    private func rewrite(_ args: [String], _ linkage: Linkage, _ driver: CToolchain.Kind = .zig,
                         existing: Set<String>? = nil) throws -> [String] {
        try StaticPie.rewrite(args, linkage: linkage, driver: driver, fileExists: { existing?.contains($0) ?? true })
    }

    private func withoutLinkageFlags(_ args: [String]) -> [String] { args.filter { !linkageFlags.contains($0) } }

    /// The linkage flags and where they sit (index of the first one).
    private func linkagePart(_ args: [String]) -> (flags: [String], at: Int?) {
        (args.filter { linkageFlags.contains($0) }, args.firstIndex { linkageFlags.contains($0) })
    }

    func testRustcLinksStaticNoPieWhereItsSpecHasNoStaticPie() {
        // What the rewrite starts from: the built-in specs' two shapes.
        XCTAssertEqual(linkagePart(RustcLinkLines.aarch64).flags, ["-static", "-no-pie"])
        XCTAssertEqual(linkagePart(RustcLinkLines.i686).flags, ["-static", "-no-pie"])
        XCTAssertEqual(linkagePart(RustcLinkLines.x86_64).flags, ["-static-pie"])
    }

    /// The linkage flags rustc 1.96 put on the hello link line of each target, default
    /// relocation model (`-Crelocation-model=static` gives `-static -no-pie` everywhere).
    static let capturedLinkageFlags: [String: [String]] = [
        "x86_64-unknown-linux-musl": ["-static-pie"], "s390x-unknown-linux-musl": ["-static-pie"],
        "aarch64-unknown-linux-musl": ["-static", "-no-pie"], "armv7-unknown-linux-musleabihf": ["-static", "-no-pie"],
        "arm-unknown-linux-musleabihf": ["-static", "-no-pie"], "i686-unknown-linux-musl": ["-static", "-no-pie"],
        "riscv64gc-unknown-linux-musl": ["-static", "-no-pie"], "loongarch64-unknown-linux-musl": ["-static", "-no-pie"],
        "powerpc64-unknown-linux-musl": ["-static", "-no-pie"], "powerpc64le-unknown-linux-musl": ["-static", "-no-pie"],
    ]

    func testEveryTargetsLinkBecomesStaticPie() throws {
        XCTAssertEqual(Set(Self.capturedLinkageFlags.keys), Set(TargetTable.known.keys))
        for (triple, flags) in Self.capturedLinkageFlags {
            let target = try Target(triple)
            XCTAssertEqual(target.info.rustcStaticPie, flags == ["-static-pie"], triple)
            let line = ["main.o", "-o", "hello", "-Wl,--gc-sections"] + flags + ["-Wl,-z,relro,-z,now", "-nodefaultlibs"]
            let linkage = StaticPie.linkage(for: target, request: .verified)
            XCTAssertEqual(linkage, .staticPie, triple)
            XCTAssertEqual(try rewrite(line, linkage), ["main.o", "-o", "hello", "-Wl,--gc-sections", "-static", "-pie",
                                                        "-Wl,-z,relro,-z,now", "-nodefaultlibs"], triple)
        }
    }

    func testStaticNoPieBecomesZigStaticPieInPlace() throws {
        for args in [RustcLinkLines.aarch64, RustcLinkLines.i686] {
            let out = try rewrite(args, .staticPie)
            XCTAssertEqual(linkagePart(out).flags, ["-static", "-pie"])
            XCTAssertEqual(linkagePart(out).at, linkagePart(args).at, "the flags stay where rustc put them")
            XCTAssertEqual(withoutLinkageFlags(out), withoutLinkageFlags(args), "nothing else changes")
            XCTAssertEqual(out.count, args.count)
        }
    }

    func testBuiltinStaticPieBecomesZigSpelling() throws {
        let out = try rewrite(RustcLinkLines.x86_64, .staticPie)
        XCTAssertEqual(linkagePart(out).flags, ["-static", "-pie"])
        XCTAssertFalse(out.contains("-static-pie"), "zig ignores -static-pie and would link a plain static executable")
        XCTAssertEqual(withoutLinkageFlags(out), withoutLinkageFlags(RustcLinkLines.x86_64))
    }

    func testGccGetsStaticPieFlag() throws {
        for driver in [CToolchain.Kind.muslGcc, .crossGcc] {
            XCTAssertEqual(linkagePart(try rewrite(RustcLinkLines.aarch64, .staticPie, driver)).flags, ["-static-pie"])
            XCTAssertEqual(try rewrite(RustcLinkLines.x86_64, .staticPie, driver), RustcLinkLines.x86_64)
        }
    }

    func testStaticLinkageKeepsOrTurnsBackToNoPie() throws {
        XCTAssertEqual(try rewrite(RustcLinkLines.aarch64, .staticExecutable), RustcLinkLines.aarch64)
        let x86 = try rewrite(RustcLinkLines.x86_64, .staticExecutable)
        XCTAssertEqual(linkagePart(x86).flags, ["-static", "-no-pie"])
        XCTAssertEqual(withoutLinkageFlags(x86), withoutLinkageFlags(RustcLinkLines.x86_64))
    }

    func testRewriteIsIdempotent() throws {
        for args in [RustcLinkLines.aarch64, RustcLinkLines.x86_64] {
            let once = try rewrite(args, .staticPie)
            XCTAssertEqual(try rewrite(once, .staticPie), once)
        }
    }

    func testSelfContainedStartFilesSwappedForStaticPie() throws {
        let dir = "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/self-contained/"
        let out = try rewrite(RustcLinkLines.aarch64SelfContained, .staticPie)
        XCTAssertEqual(Array(out.prefix(3)), [dir + "rcrt1.o", dir + "crti.o", dir + "crtbeginS.o"])
        XCTAssertEqual(Array(out.suffix(2)), [dir + "crtendS.o", dir + "crtn.o"])
        XCTAssertEqual(linkagePart(out).flags, ["-static", "-pie"])
        XCTAssertFalse(out.contains { $0.hasSuffix("/crt1.o") || $0.hasSuffix("/crtbegin.o") || $0.hasSuffix("/crtend.o") })
    }

    func testSelfContainedStartFilesSwappedBackForStatic() throws {
        let dir = "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/self-contained/"
        let out = try rewrite(RustcLinkLines.x86_64SelfContained, .staticExecutable)
        XCTAssertEqual(Array(out.prefix(4)), ["-m64", dir + "crt1.o", dir + "crti.o", dir + "crtbegin.o"])
        XCTAssertEqual(Array(out.suffix(2)), [dir + "crtend.o", dir + "crtn.o"])
        XCTAssertEqual(linkagePart(out).flags, ["-static", "-no-pie"])
    }

    func testMissingPieStartFileNamesCauseAndFix() {
        let dir = "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/self-contained/"
        XCTAssertThrowsError(try rewrite(RustcLinkLines.aarch64SelfContained, .staticPie, existing: [dir + "crtbeginS.o", dir + "crtendS.o"])) { error in
            let e = error as? CargoStaticError
            XCTAssertTrue(e?.message.contains("no rcrt1.o") ?? false, "\(error)")
            XCTAssertTrue(e?.fix?.contains("--no-pie") ?? false)
        }
    }

    func testMissingPlainStartFileForStaticNamesTheOtherFix() {
        XCTAssertThrowsError(try rewrite(RustcLinkLines.x86_64SelfContained, .staticExecutable, existing: [])) { error in
            let e = error as? CargoStaticError
            XCTAssertTrue(e?.message.hasPrefix("cannot link a static executable") ?? false, "\(error)")
            XCTAssertFalse(e?.fix?.contains("--no-pie") ?? true)
        }
    }

    func testStartFilesUntouchedWhenTheToolchainSuppliesThem() throws {
        // Without -nostartfiles, a crt1.o on the line is the user's business.
        let args = ["main.o", "/x/crt1.o", "-static", "-no-pie"]
        XCTAssertEqual(try rewrite(args, .staticPie), ["main.o", "/x/crt1.o", "-static", "-pie"])
    }

    func testLinkageForEachRequest() throws {
        let aarch64 = try Target("aarch64-unknown-linux-musl"), x86 = try Target("x86_64-unknown-linux-musl")
        XCTAssertEqual(StaticPie.linkage(for: aarch64, request: .verified), .staticPie)
        XCTAssertEqual(StaticPie.linkage(for: aarch64, request: .builtinSpec), .staticExecutable)
        XCTAssertEqual(StaticPie.linkage(for: x86, request: .builtinSpec), .staticPie)
        XCTAssertEqual(StaticPie.linkage(for: x86, request: .none), .staticExecutable)
        XCTAssertEqual(StaticPie.rustflags(for: .none), ["-Crelocation-model=static"])
        XCTAssertEqual(StaticPie.rustflags(for: .verified), [], "PIC, the specs' default, is what a static-pie needs")
        XCTAssertEqual(StaticPie.rustflags(for: .builtinSpec), [], "rustc's own behaviour")
    }
}

/// rustc 1.96's linker arguments for the hello fixture (`--sysroot` cargo-static's std,
/// `-Ctarget-feature=+crt-static -Clink-self-contained=no`, the LFS64 archive as a link-arg),
/// and, for the self-contained shape, against a sysroot with `self-contained/crt1.o` & co.
enum RustcLinkLines {
    static let aarch64: [String] = [
        "/tmp/rustcXXXX/symbols.o",
        "/tmp/hello.main.c90c65e954db9b8c-cgu.0.rcgu.o",
        "/tmp/hello.08kfx9rm5upoivw20xdtrg9di.rcgu.o",
        "-Wl,--as-needed",
        "-Wl,-Bstatic",
        "/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libpanic_unwind.rlib",
        "/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libstd.rlib",
        "/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libobject.rlib",
        "/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libmemchr.rlib",
        "/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libaddr2line.rlib",
        "/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libgimli.rlib",
        "/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libcfg_if.rlib",
        "/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/librustc_demangle.rlib",
        "/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libstd_detect.rlib",
        "/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libhashbrown.rlib",
        "/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/librustc_std_workspace_alloc.rlib",
        "/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libminiz_oxide.rlib",
        "/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libadler2.rlib",
        "/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libunwind.rlib",
        "-lunwind",
        "/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/liblibc.rlib",
        "-lc",
        "/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/librustc_std_workspace_core.rlib",
        "/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/liballoc.rlib",
        "/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libcore.rlib",
        "/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libcompiler_builtins.rlib",
        "-L",
        "/tmp/rustcXXXX/raw-dylibs",
        "-Wl,-Bdynamic",
        "-Wl,--eh-frame-hdr",
        "-Wl,-z,noexecstack",
        "-L",
        "/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib",
        "-o",
        "/tmp/hello",
        "-Wl,--gc-sections",
        "-static",
        "-no-pie",
        "-Wl,-z,relro,-z,now",
        "-Wl,-O1",
        "-nodefaultlibs",
        "/cache/cc/zig-aarch64-unknown-linux-musl/libcargo_static_lfs64.a",
    ]

    static let x86_64: [String] = [
        "-m64",
        "/tmp/rustcXXXX/symbols.o",
        "/tmp/hello.main.c90c65e954db9b8c-cgu.0.rcgu.o",
        "/tmp/hello.08kfx9rm5upoivw20xdtrg9di.rcgu.o",
        "-Wl,--as-needed",
        "-Wl,-Bstatic",
        "/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libpanic_unwind.rlib",
        "/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libstd.rlib",
        "/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libobject.rlib",
        "/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libmemchr.rlib",
        "/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libaddr2line.rlib",
        "/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libgimli.rlib",
        "/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libcfg_if.rlib",
        "/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/librustc_demangle.rlib",
        "/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libstd_detect.rlib",
        "/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libhashbrown.rlib",
        "/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/librustc_std_workspace_alloc.rlib",
        "/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libminiz_oxide.rlib",
        "/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libadler2.rlib",
        "/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libunwind.rlib",
        "-lunwind",
        "/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/liblibc.rlib",
        "-lc",
        "/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/librustc_std_workspace_core.rlib",
        "/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/liballoc.rlib",
        "/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libcore.rlib",
        "/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libcompiler_builtins.rlib",
        "-L",
        "/tmp/rustcXXXX/raw-dylibs",
        "-Wl,-Bdynamic",
        "-Wl,--eh-frame-hdr",
        "-Wl,-z,noexecstack",
        "-L",
        "/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib",
        "-o",
        "/tmp/hello",
        "-Wl,--gc-sections",
        "-static-pie",
        "-Wl,-z,relro,-z,now",
        "-Wl,-O1",
        "-nodefaultlibs",
        "/cache/cc/zig-x86_64-unknown-linux-musl/libcargo_static_lfs64.a",
    ]

    static let i686: [String] = [
        "-m32",
        "-Wl,-melf_i386",
        "/tmp/rustcXXXX/symbols.o",
        "/tmp/hello.main.c90c65e954db9b8c-cgu.0.rcgu.o",
        "/tmp/hello.08kfx9rm5upoivw20xdtrg9di.rcgu.o",
        "-Wl,--as-needed",
        "-Wl,-Bstatic",
        "/sysroot/lib/rustlib/i686-unknown-linux-musl/lib/libpanic_unwind.rlib",
        "/sysroot/lib/rustlib/i686-unknown-linux-musl/lib/libstd.rlib",
        "/sysroot/lib/rustlib/i686-unknown-linux-musl/lib/libobject.rlib",
        "/sysroot/lib/rustlib/i686-unknown-linux-musl/lib/libmemchr.rlib",
        "/sysroot/lib/rustlib/i686-unknown-linux-musl/lib/libaddr2line.rlib",
        "/sysroot/lib/rustlib/i686-unknown-linux-musl/lib/libgimli.rlib",
        "/sysroot/lib/rustlib/i686-unknown-linux-musl/lib/libcfg_if.rlib",
        "/sysroot/lib/rustlib/i686-unknown-linux-musl/lib/librustc_demangle.rlib",
        "/sysroot/lib/rustlib/i686-unknown-linux-musl/lib/libstd_detect.rlib",
        "/sysroot/lib/rustlib/i686-unknown-linux-musl/lib/libhashbrown.rlib",
        "/sysroot/lib/rustlib/i686-unknown-linux-musl/lib/librustc_std_workspace_alloc.rlib",
        "/sysroot/lib/rustlib/i686-unknown-linux-musl/lib/libminiz_oxide.rlib",
        "/sysroot/lib/rustlib/i686-unknown-linux-musl/lib/libadler2.rlib",
        "/sysroot/lib/rustlib/i686-unknown-linux-musl/lib/libunwind.rlib",
        "-lunwind",
        "/sysroot/lib/rustlib/i686-unknown-linux-musl/lib/liblibc.rlib",
        "-lc",
        "/sysroot/lib/rustlib/i686-unknown-linux-musl/lib/librustc_std_workspace_core.rlib",
        "/sysroot/lib/rustlib/i686-unknown-linux-musl/lib/liballoc.rlib",
        "/sysroot/lib/rustlib/i686-unknown-linux-musl/lib/libcore.rlib",
        "/sysroot/lib/rustlib/i686-unknown-linux-musl/lib/libcompiler_builtins.rlib",
        "-L",
        "/tmp/rustcXXXX/raw-dylibs",
        "-Wl,-Bdynamic",
        "-Wl,--eh-frame-hdr",
        "-Wl,-z,noexecstack",
        "-L",
        "/sysroot/lib/rustlib/i686-unknown-linux-musl/lib",
        "-o",
        "/tmp/hello",
        "-Wl,--gc-sections",
        "-static",
        "-no-pie",
        "-Wl,-z,relro,-z,now",
        "-Wl,-O1",
        "-nodefaultlibs",
        "/cache/cc/zig-i686-unknown-linux-musl/libcargo_static_lfs64.a",
    ]

    static let aarch64SelfContained: [String] = [
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/self-contained/crt1.o",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/self-contained/crti.o",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/self-contained/crtbegin.o",
        "/tmp/rustcXXXX/symbols.o",
        "/tmp/hello.main.c90c65e954db9b8c-cgu.0.rcgu.o",
        "/tmp/hello.08kfx9rm5upoivw20xdtrg9di.rcgu.o",
        "-Wl,--as-needed",
        "-Wl,-Bstatic",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libpanic_unwind.rlib",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libstd.rlib",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libobject.rlib",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libmemchr.rlib",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libaddr2line.rlib",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libgimli.rlib",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libcfg_if.rlib",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/librustc_demangle.rlib",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libstd_detect.rlib",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libhashbrown.rlib",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/librustc_std_workspace_alloc.rlib",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libminiz_oxide.rlib",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libadler2.rlib",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libunwind.rlib",
        "-lunwind",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/liblibc.rlib",
        "-lc",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/librustc_std_workspace_core.rlib",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/liballoc.rlib",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libcore.rlib",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/libcompiler_builtins.rlib",
        "-L",
        "/tmp/rustcXXXX/raw-dylibs",
        "-Wl,-Bdynamic",
        "-Wl,--eh-frame-hdr",
        "-Wl,-z,noexecstack",
        "-nostartfiles",
        "-L",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/self-contained",
        "-L",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib",
        "-o",
        "/tmp/hello",
        "-Wl,--gc-sections",
        "-static",
        "-no-pie",
        "-Wl,-z,relro,-z,now",
        "-Wl,-O1",
        "-nodefaultlibs",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/self-contained/crtend.o",
        "/rustup/sysroot/lib/rustlib/aarch64-unknown-linux-musl/lib/self-contained/crtn.o",
    ]

    static let x86_64SelfContained: [String] = [
        "-m64",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/self-contained/rcrt1.o",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/self-contained/crti.o",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/self-contained/crtbeginS.o",
        "/tmp/rustcXXXX/symbols.o",
        "/tmp/hello.main.c90c65e954db9b8c-cgu.0.rcgu.o",
        "/tmp/hello.08kfx9rm5upoivw20xdtrg9di.rcgu.o",
        "-Wl,--as-needed",
        "-Wl,-Bstatic",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libpanic_unwind.rlib",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libstd.rlib",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libobject.rlib",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libmemchr.rlib",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libaddr2line.rlib",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libgimli.rlib",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libcfg_if.rlib",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/librustc_demangle.rlib",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libstd_detect.rlib",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libhashbrown.rlib",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/librustc_std_workspace_alloc.rlib",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libminiz_oxide.rlib",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libadler2.rlib",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libunwind.rlib",
        "-lunwind",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/liblibc.rlib",
        "-lc",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/librustc_std_workspace_core.rlib",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/liballoc.rlib",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libcore.rlib",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/libcompiler_builtins.rlib",
        "-L",
        "/tmp/rustcXXXX/raw-dylibs",
        "-Wl,-Bdynamic",
        "-Wl,--eh-frame-hdr",
        "-Wl,-z,noexecstack",
        "-nostartfiles",
        "-L",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/self-contained",
        "-L",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib",
        "-o",
        "/tmp/hello",
        "-Wl,--gc-sections",
        "-static-pie",
        "-Wl,-z,relro,-z,now",
        "-Wl,-O1",
        "-nodefaultlibs",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/self-contained/crtendS.o",
        "/rustup/sysroot/lib/rustlib/x86_64-unknown-linux-musl/lib/self-contained/crtn.o",
    ]
}
