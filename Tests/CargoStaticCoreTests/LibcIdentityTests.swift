import XCTest
@testable import CargoStaticCore

/// Which musl a toolchain links, and which fixes it carries, read from the toolchain's
/// own files; and the patches of Debian source packages.
final class LibcIdentityTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws { dir = try DepTestSupport.tempDirectory("libc") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// A zig-like lib directory whose iconv.c has the release's code or the fixed code.
    private func zigTree(version: String, iconv: String) throws -> String {
        let lib = dir + "/lib-\(UUID().uuidString.prefix(6))"
        try DepTestSupport.write(lib + "/libc/musl/src/internal/version.h", "#define VERSION \"\(version)\"\n")
        try DepTestSupport.write(lib + "/libc/musl/src/locale/iconv.c", iconv)
        return lib
    }

    static let releaseIconv = """
        \t\t\tif (c >= 93 || d >= 94) {
        \t\t\t\tc += (0xa1-0x81);
        \t\t\t\tif (c >= 93 || c>=0xc6-0x81 && d>0x52)
        \t\t\t\t\tgoto ilseq;
        \t\t\t} else k = wctomb_utf8(*out, c);
        \t\t\t*out += k;
        """

    static let fixedIconv = """
        \t\t\tif (c >= 93 || d >= 94) {
        \t\t\t\tc += (0xa1-0x81);
        \t\t\t\tif (c > 0xc6-0x81 || c==0xc6-0x81 && d>0x52)
        \t\t\t\t\tgoto ilseq;
        \t\t\t} else k = wctomb_utf8(*out, c);
        \t\t\tif (k>4) goto ilseq;
        \t\t\t*out += k;
        """

    func testZigTreeWithTheReleaseCodeHasNoFixes() throws {
        let id = try LibcIdentity.zig(libDirectory: try zigTree(version: "1.2.5", iconv: Self.releaseIconv), zigVersion: "0.13.0")
        XCTAssertEqual(id.version, "1.2.5")
        XCTAssertEqual(id.bundler, .zig)
        XCTAssertEqual(id.bundlerVersion, "0.13.0")
        XCTAssertEqual(id.patches, [])
        XCTAssertEqual(id.fixedCVEs, [])
    }

    func testZigTreeWithTheFixesIsCreditedWithThem() throws {
        let id = try LibcIdentity.zig(libDirectory: try zigTree(version: "1.2.5", iconv: Self.fixedIconv), zigVersion: "0.14.0")
        XCTAssertEqual(id.patches.map { String($0.id.prefix(8)) }, ["e5adcd97", "c47ad25e"])
        XCTAssertEqual(id.fixedCVEs, ["CVE-2025-26519"])
        XCTAssertTrue(id.evidence.contains { $0.hasSuffix("src/internal/version.h") })
    }

    func testMissingVersionFileNamesTheFix() throws {
        XCTAssertThrowsError(try LibcIdentity.zig(libDirectory: dir + "/nothing", zigVersion: "0.17.1")) { error in
            XCTAssertTrue("\(error)".contains("version.h"), "\(error)")
            XCTAssertTrue("\(error)".contains("fix:"), "\(error)")
        }
    }

    /// The installed zig: its musl release is read from its own tree, and zig 0.14 and later
    /// carry the CVE-2025-26519 fixes (zig pull request 22884, February 2025).
    func testInstalledZig() throws {
        guard let zig = ZigInstallation.locate(probes: nil, runner: Runner()) else {
            throw XCTSkip("zig is not installed (scripts/setup installs the ziglang package)")
        }
        let id = try LibcIdentity.zig(libDirectory: zig.libDirectory, zigVersion: zig.version)
        XCTAssertNotNil(id.version.range(of: #"^1\.[0-9]+\.[0-9]+$"#, options: .regularExpression), id.version)
        let parts = zig.version.split(separator: ".").compactMap { Int($0.prefix { $0.isNumber }) }
        if parts.count >= 2, parts[0] == 0, parts[1] >= 14, id.version == "1.2.5" {
            XCTAssertEqual(id.fixedCVEs, ["CVE-2025-26519"], "zig \(zig.version)")
        }
    }

    func testInstalledDebianMusl() throws {
        guard let owner = try DebianPackage.query("musl-dev", runner: Runner()) else {
            throw XCTSkip("musl-dev is not installed (scripts/setup installs musl-tools)")
        }
        let id = try LibcIdentity.debian(runner: Runner())
        XCTAssertEqual(id.bundler, .debian)
        XCTAssertEqual(id.debianSource, "musl")
        XCTAssertEqual(id.bundlerVersion, owner.sourceVersion)
        XCTAssertEqual(id.version, DebianVersion(owner.sourceVersion).upstreamVersion)
        XCTAssertFalse(id.version.contains("-"))
        XCTAssertNil(try DebianPackage.query("no-such-package-cargo-static", runner: Runner()))
    }

    func testDebianChangelogFixes() {
        let changelog = """
            musl (1.2.3-1+deb12u1) bookworm-security; urgency=medium

              * Fix CVE-2025-26519: iconv EUC-KR decoder out-of-bounds write.

             -- Someone <someone@example.org>  Sat, 15 Feb 2025 10:00:00 +0000

            musl (1.2.3-1) unstable; urgency=medium

              * New upstream release.

             -- Someone <someone@example.org>  Thu, 07 Apr 2022 22:48:37 +0200
            """
        let fixes = LibcIdentity.changelogFixes(changelog, source: "musl")
        XCTAssertEqual(fixes.count, 1)
        XCTAssertEqual(fixes.first?.id, "debian 1.2.3-1+deb12u1")
        XCTAssertEqual(fixes.first?.fixes, ["CVE-2025-26519"])
        XCTAssertEqual(fixes.first?.summary, "Fix CVE-2025-26519: iconv EUC-KR decoder out-of-bounds write.")
    }

    func testCVEIds() {
        XCTAssertEqual(CVE.ids(in: "CVE_2022_37434.patch fixes cve-2022-37434 and CVE-2023-1234567, not CVE-22-1"),
                       ["CVE-2022-37434", "CVE-2023-1234567"])
    }

    func testDebianPatchSeriesAndHeaders() throws {
        let tree = dir + "/tree"
        try DepTestSupport.write(tree + "/debian/patches/series", """
            # applied in order
            01-build.patch
            CVE-2022-37434.patch -p1

            upstream/fix-overread.patch
            #disabled.patch
            """)
        try DepTestSupport.write(tree + "/debian/patches/01-build.patch", """
            Description: Build with the flags Debian wants
             A longer explanation
             over two lines.
            Author: Someone
            Forwarded: not-needed
            ---
            --- a/Makefile
            +++ b/Makefile
            """)
        try DepTestSupport.write(tree + "/debian/patches/CVE-2022-37434.patch", """
            Description: fix a heap overflow in inflateGetHeader
            Origin: upstream, https://github.com/madler/zlib/commit/eff308a
            Bug-Debian: https://bugs.debian.org/1016710
            --- a/inflate.c
            """)
        try DepTestSupport.write(tree + "/debian/patches/upstream/fix-overread.patch", """
            From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001
            From: Dev <dev@example.org>
            Subject: [PATCH] Fix a buffer overread that could occur when
             processing a corrupt input (CVE-2023-7104).

            ---
             src/file.c | 2 +-
            diff --git a/src/file.c b/src/file.c
            mentions CVE-1999-0001 only in the diff
            """)
        let patches = DebianPatch.read(sourceTree: tree)
        XCTAssertEqual(patches.map(\.name), ["01-build.patch", "CVE-2022-37434.patch", "upstream/fix-overread.patch"])
        XCTAssertEqual(patches.map(\.summary), ["Build with the flags Debian wants", "fix a heap overflow in inflateGetHeader",
                                                "Fix a buffer overread that could occur when processing a corrupt input (CVE-2023-7104)."])
        XCTAssertEqual(patches.map(\.fromUpstream), [false, true, true])
        XCTAssertEqual(patches.map(\.fixes), [[], ["CVE-2022-37434"], ["CVE-2023-7104"]])
        XCTAssertEqual(DebianPatch.read(sourceTree: dir + "/no-tree"), [])
    }

    /// A real extracted source package, when the shared cache holds one.
    func testRealSourceTreeIfFetched() throws {
        let sources = (ProcessInfo.processInfo.environment["CARGO_STATIC_CACHE"] ?? "/work/shared-cache") + "/sources"
        guard let tree = (try? FileManager.default.contentsOfDirectory(atPath: sources))?.sorted()
            .map({ "\(sources)/\($0)/tree" }).first(where: { FileManager.default.fileExists(atPath: $0 + "/debian/patches/series") }) else {
            throw XCTSkip("no fetched Debian source tree with patches under \(sources)")
        }
        let series = try String(contentsOfFile: tree + "/debian/patches/series", encoding: .utf8)
        let patches = DebianPatch.read(sourceTree: tree)
        XCTAssertEqual(patches.count, DebianPatch.entries(series).count)
        XCTAssertTrue(patches.allSatisfy { FileManager.default.fileExists(atPath: tree + "/debian/patches/" + $0.name) }, tree)
    }
}
