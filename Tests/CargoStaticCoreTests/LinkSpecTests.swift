import XCTest
@testable import CargoStaticCore

final class LinkSpecTests: XCTestCase {
    private func spec(pie: Bool = true, whole: [String] = []) throws -> LinkSpec {
        let driver = CompilerDriver(c: ["/z/zig", "cc"], cxx: ["/z/zig", "c++"], ar: ["/z/zig", "ar"], ranlib: ["/z/zig", "ranlib"],
                                    environment: [:], identity: "zig 0.17")
        return LinkSpec(target: try Target("x86_64-unknown-linux-musl"), kind: .zig, driver: driver, wrapperDirectory: "/my cache/cc/zig",
                        selfContainedCrt: false, pie: pie, wholeArchives: whole, unwinderStub: nil,
                        searchDirectories: [], trailing: [], objects: [], profileRustflags: ["-Copt-level=z"], tool: "/bin/cs")
    }

    /// Build scripts' C: the project also as a directory of its own (comp_dir has no
    /// trailing slash), before the mapping of its contents; paths with spaces left out.
    func testBuildScriptCFlagsMapTheProjectDirectoryItself() throws {
        var link = try spec()
        link.pathRemaps = [.init(from: "/home/u/.cargo", to: "/cargo"), .init(from: "/my cache", to: "/cargo-static"),
                           .init(from: "/src/proj/", to: ""), .init(from: "/tmp/t", to: "target")]
        XCTAssertEqual(link.buildScriptCFlags, ["-ffile-prefix-map=/home/u/.cargo=/cargo", "-ffile-prefix-map=/src/proj=.",
                                                "-ffile-prefix-map=/src/proj/=", "-ffile-prefix-map=/tmp/t=target"])
    }

    func testRustflagsKeepPathsWithSpacesWhole() throws {
        var link = try spec()
        link.pathRemaps = [.init(from: "/my cache", to: "/cargo-static")]
        XCTAssertEqual(link.rustflags, ["-Ctarget-feature=+crt-static", "-Clink-self-contained=no",
                                        "--remap-path-prefix=/my cache=/cargo-static", "-Copt-level=z"])
        XCTAssertEqual(try spec(pie: false).rustflags.prefix(2), ["-Ctarget-feature=+crt-static", "-Crelocation-model=static"])
        let encoded = CargoInvocation.encodedRustflags(user: ["-Cdebuginfo=1"], link: link)
        XCTAssertEqual(encoded.split(separator: "\u{1F}").count, 5)
        XCTAssertTrue(encoded.hasPrefix("-Cdebuginfo=1\u{1F}-Ctarget-feature"))
    }

    func testEnvironmentNamesTheWrappersForTheTarget() throws {
        let env = try spec().cargoEnvironment
        XCTAssertEqual(env["CC_x86_64_unknown_linux_musl"], "/my cache/cc/zig/cc")
        XCTAssertEqual(env["CXXSTDLIB_x86_64_unknown_linux_musl"], "c++")
        XCTAssertTrue(env["CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER"]?.hasPrefix("/my cache/cc/zig/static-link-") ?? false)
    }

    /// A different link (another allocator) is another linker path, so cargo relinks.
    func testLinkerPathFollowsTheLinkNotTheToolPath() throws {
        let a = try spec(), b = try spec(whole: ["/heap.a"])
        XCTAssertNotEqual(a.linker, b.linker)
        let moved = LinkSpec(target: a.target, kind: a.kind, driver: a.driver, wrapperDirectory: a.wrapperDirectory,
                             selfContainedCrt: a.selfContainedCrt, pie: a.pie, wholeArchives: a.wholeArchives, unwinderStub: nil,
                             searchDirectories: [], trailing: [], objects: [], profileRustflags: a.profileRustflags, tool: "/elsewhere/cs")
        XCTAssertEqual(a.linker, moved.linker)
    }

    /// rustc reads `NAME-<digits>` as NAME with a version and `link` as an ld-style linker:
    /// the wrapper's name must keep rustc on the C compiler's flavor whatever the fingerprint.
    func testLinkerNameNeverLooksLikeAVersionedLdLinker() throws {
        let name = ((try spec().linker) as NSString).lastPathComponent
        let parts = name.split(separator: "-", maxSplits: 1)
        XCTAssertEqual(parts.first, "static", name)
        XCTAssertFalse(parts.last?.allSatisfy(\.isNumber) ?? true, name)
    }

    func testWrappersQuoteTheirPaths() throws {
        let files = try spec().wrapperFiles
        let cc = files.first { $0.path == "/my cache/cc/zig/cc" }
        XCTAssertEqual(cc?.executable, true)
        XCTAssertTrue(cc?.text?.contains("exec /bin/cs __wrap '/my cache/cc/zig/compiler.json' cc \"$@\"") ?? false, cc?.text ?? "")
        XCTAssertTrue(files.contains { $0.path.hasSuffix(".json") && ($0.text ?? "").contains("\"wholeArchives\"") })
    }
}
