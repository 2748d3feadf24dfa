import XCTest
@testable import CargoStaticCore

final class ResponseFileTests: XCTestCase {
    /// rustc's argument file: one argument per line, `\` before spaces and backslashes.
    func testRustcArgumentFileIsSplitAsGNUToolsSplitIt() {
        let text = "-nodefaultlibs\n/t/a\\ b/x.o\nC:\\\\dir\n-Wl,--as-needed\n'quoted arg'\n\"dq \\\"x\\\"\"\n\n"
        XCTAssertEqual(ResponseFile.parseGNU(text), ["-nodefaultlibs", "/t/a b/x.o", "C:\\dir", "-Wl,--as-needed", "quoted arg", "dq \"x\""])
        XCTAssertEqual(ResponseFile.parseGNU("''\n"), [""])
    }

    func testExpansionReplacesEveryFileAndKeepsUnreadableOnes() {
        let files = ["/r/one": "a.o\n@/r/two\n", "/r/two": "-lc\n"]
        let (args, expanded) = ResponseFile.expand(["-o", "out", "@/r/one", "@/missing", "@"], read: { files[$0] })
        XCTAssertTrue(expanded)
        XCTAssertEqual(args, ["-o", "out", "a.o", "-lc", "@/missing", "@"])
        XCTAssertFalse(ResponseFile.expand(["x.o"], read: { _ in nil }).expanded)
        // A file that names itself stops after a bounded number of reads.
        XCTAssertEqual(ResponseFile.expand(["@/loop"], read: { _ in "@/loop\n" }).arguments, ["@/loop"])
    }

    func testRenderingRoundTripsForGNUAndQuotesForZig() {
        let args = ["a b.o", "back\\slash", "it's", "say \"hi\"", "", "-lc"]
        XCTAssertEqual(ResponseFile.parseGNU(ResponseFile.render(args, syntax: .gnu)!), args)
        XCTAssertEqual(ResponseFile.render(["a b.o", "it's"], syntax: .zig), "'a b.o'\n\"it's\"\n")
        XCTAssertNil(ResponseFile.render(["both ' and \""], syntax: .zig))
    }

    /// Options zig's linker rejects ("unsupported linker arg") go, in every spelling; the rest stay.
    func testZigRejectedLinkerOptionsAreDropped() {
        let args = ["-Wl,--fix-cortex-a53-843419", "-Wl,--as-needed,--fix-cortex-a53-843419,-z,relro", "-Wl,-z,nostart-stop-gc",
                    "-Wl,-znostart-stop-gc", "-Xlinker", "--icf=all", "-z", "pack-relative-relocs", "-z", "now", "-Xlinker", "--gc-sections",
                    "-Wl,--exclude-libs=ALL,-Bstatic", "x.o"]
        XCTAssertEqual(ZigLinkerFlags.filter(args),
                       ["-Wl,--as-needed,-z,relro", "-z", "now", "-Xlinker", "--gc-sections", "-Wl,-Bstatic", "x.o"])
    }

    func testOnlyZigGetsTheFilter() {
        let arm = ["-Wl,--fix-cortex-a53-843419", "x.o"]
        XCTAssertEqual(ArgumentRewriter.compile(arm, kind: .zig), ["x.o"])
        XCTAssertEqual(ArgumentRewriter.compile(arm, kind: .crossGcc), arm)
    }

    /// A line that came from an argument file goes to the driver in one, in its syntax.
    func testLongLinesGoOnThroughAFileInTheDriversSyntax() throws {
        let dir = NSTemporaryDirectory() + "rsp-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let line = ["/z/zig", "cc", "a b.o", "-o", dir + "/out"]
        let via = ArgumentRewriter.viaResponseFile(line, prefixCount: 2, kind: .zig, output: dir + "/out")
        XCTAssertEqual(via, ["/z/zig", "cc", "@" + dir + "/out.link-arguments"])
        XCTAssertEqual(try String(contentsOfFile: dir + "/out.link-arguments", encoding: .utf8), "'a b.o'\n'-o'\n'\(dir)/out'\n")
        XCTAssertEqual(ArgumentRewriter.viaResponseFile(line, prefixCount: 2, kind: .zig, output: nil), line)
    }

    /// Cross gcc is named by the GNU triple, not Rust's architecture.
    func testCrossGccNamesFollowTheGNUTriple() throws {
        XCTAssertEqual(CToolchainDiscovery.crossGccName(try Target("armv7-unknown-linux-musleabihf")), "arm-linux-musleabihf-gcc")
        XCTAssertEqual(CToolchainDiscovery.crossGccName(try Target("riscv64gc-unknown-linux-musl")), "riscv64-linux-musl-gcc")
        XCTAssertEqual(CToolchainDiscovery.crossGccName(try Target("i686-unknown-linux-musl")), "i686-linux-musl-gcc")
    }
}
