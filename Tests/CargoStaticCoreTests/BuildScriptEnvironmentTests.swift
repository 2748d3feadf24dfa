import XCTest
@testable import CargoStaticCore

final class BuildScriptEnvironmentTests: XCTestCase {
    /// C compiles find the built headers only after everything else (`-idirafter`), after the
    /// user's flags and ours; bindgen finds them before the host's /usr/include (`-isystem`).
    func testBuiltHeadersReachCompilesAndBindgen() throws {
        let target = try Target("aarch64-unknown-linux-musl")
        let env = BuildScriptEnvironment.environment(target: target, includeDirectories: ["/c/mbedtls/include", "/c/z/include"],
                                                     cflags: ["-ffile-prefix-map=/w=."], user: ["CFLAGS_aarch64_unknown_linux_musl": "-O1"])
        XCTAssertEqual(env["CFLAGS_aarch64_unknown_linux_musl"],
                       "-O1 -ffile-prefix-map=/w=. -idirafter /c/mbedtls/include -idirafter /c/z/include")
        XCTAssertEqual(env["CXXFLAGS_aarch64_unknown_linux_musl"],
                       "-ffile-prefix-map=/w=. -idirafter /c/mbedtls/include -idirafter /c/z/include")
        XCTAssertEqual(env["BINDGEN_EXTRA_CLANG_ARGS_aarch64_unknown_linux_musl"], "-isystem /c/mbedtls/include -isystem /c/z/include")
        XCTAssertNil(env["BINDGEN_EXTRA_CLANG_ARGS"], "the user's plain variable is left to the user")
        XCTAssertEqual(env["DEB_HOST_MULTIARCH"], "aarch64-linux-musl")
    }

    /// bindgen reads only the first of its variables that is set: the user's (dashed, then
    /// underscored, then plain) comes first in ours, under the name bindgen would read.
    func testUsersBindgenArgumentsAreKept() throws {
        let target = try Target("x86_64-unknown-linux-musl")
        let plain = BuildScriptEnvironment.environment(target: target, includeDirectories: ["/c/my dir/include"], cflags: [],
                                                       user: ["BINDGEN_EXTRA_CLANG_ARGS": "-DX=1"])
        XCTAssertEqual(plain["BINDGEN_EXTRA_CLANG_ARGS_x86_64_unknown_linux_musl"], "-DX=1 -isystem '/c/my dir/include'")
        XCTAssertNil(plain["CFLAGS_x86_64_unknown_linux_musl"], "a directory with a space cannot be said to the cc crate")
        let dashed = BuildScriptEnvironment.environment(target: target, includeDirectories: ["/c/z/include"], cflags: [],
                                                        user: ["BINDGEN_EXTRA_CLANG_ARGS_x86_64-unknown-linux-musl": "-DY",
                                                               "BINDGEN_EXTRA_CLANG_ARGS": "-DX=1"])
        XCTAssertEqual(dashed["BINDGEN_EXTRA_CLANG_ARGS_x86_64-unknown-linux-musl"], "-DY -isystem /c/z/include")
        XCTAssertNil(dashed["BINDGEN_EXTRA_CLANG_ARGS_x86_64_unknown_linux_musl"])
        XCTAssertEqual(BuildScriptEnvironment.shellQuoted("/a'b"), #"'/a'\''b'"#)
    }

    /// The cc crate reads CFLAGS_<triple>, CFLAGS_<triple_>, TARGET_CFLAGS, CFLAGS, first found
    /// wins: the user's plain or TARGET_ value is carried into ours, a dashed one gets ours.
    func testUsersCFlagsUnderAnyNameAreKept() throws {
        let target = try Target("x86_64-unknown-linux-musl")
        let t = "x86_64_unknown_linux_musl"
        func env(_ user: [String: String]) -> [String: String] {
            BuildScriptEnvironment.environment(target: target, includeDirectories: ["/c/z/include"], cflags: [], user: user)
        }
        XCTAssertEqual(env(["CFLAGS": "-O1"])["CFLAGS_\(t)"], "-O1 -idirafter /c/z/include")
        XCTAssertEqual(env(["TARGET_CFLAGS": "-O3", "CFLAGS": "-O1"])["CFLAGS_\(t)"], "-O3 -idirafter /c/z/include")
        XCTAssertEqual(env(["CXXFLAGS": "-g"])["CXXFLAGS_\(t)"], "-g -idirafter /c/z/include")
        let dashed = env(["CFLAGS_x86_64-unknown-linux-musl": "-Os", "CFLAGS": "-O1"])
        XCTAssertEqual(dashed["CFLAGS_x86_64-unknown-linux-musl"], "-Os -idirafter /c/z/include")
        XCTAssertNil(dashed["CFLAGS_\(t)"])
        XCTAssertTrue(BuildScriptEnvironment.userKeys(target: target).contains("TARGET_CFLAGS"))
        XCTAssertFalse(BuildScriptEnvironment.userKeys(target: target).contains("TARGET_BINDGEN_EXTRA_CLANG_ARGS"), "bindgen has no TARGET_ name")
    }

    /// No built library: nothing about headers; the user's DEB_HOST_MULTIARCH is theirs.
    func testNothingBuiltAndUsersMultiarch() throws {
        let target = try Target("x86_64-unknown-linux-musl")
        let env = BuildScriptEnvironment.environment(target: target, includeDirectories: [], cflags: [], user: ["DEB_HOST_MULTIARCH": "x"])
        XCTAssertEqual(env, [:])
    }

    /// Debian's multiarch tuples: i386 for 32-bit x86, the ABI kept.
    func testDebianMultiarchTuples() throws {
        XCTAssertEqual(try Target("x86_64-unknown-linux-musl").debianMultiarch, "x86_64-linux-musl")
        XCTAssertEqual(try Target("i686-unknown-linux-musl").debianMultiarch, "i386-linux-musl")
        XCTAssertEqual(try Target("armv7-unknown-linux-musleabihf").debianMultiarch, "arm-linux-musleabihf")
        XCTAssertEqual(try Target("riscv64gc-unknown-linux-musl").debianMultiarch, "riscv64-linux-musl")
    }

    /// The cargo command carries them, with the plan's libraries' include directories.
    func testCargoCommandTellsBuildScriptsTheBuiltHeaders() throws {
        let target = try Target("x86_64-unknown-linux-musl")
        let tc = CargoCommandFixture.toolchain, link = CargoCommandFixture.zigLink(target)
        let libs = [ProvidedLibrary(name: "mbedtls", version: "2.28.3", outcome: .hit, prefix: "/c/mbedtls", entry: "m-1")]
        let command = CargoInvocation.command(mode: .build, toolchain: tc, link: link, cargo: CargoArguments(), libraries: libs,
                                              settings: .standard, strip: false, userRustflags: [], directory: "/w")
        XCTAssertEqual(command.environment["CFLAGS_x86_64_unknown_linux_musl"], "-idirafter /c/mbedtls/include")
        XCTAssertEqual(command.environment["BINDGEN_EXTRA_CLANG_ARGS_x86_64_unknown_linux_musl"], "-isystem /c/mbedtls/include")
        XCTAssertEqual(command.environment["DEB_HOST_MULTIARCH"], "x86_64-linux-musl")
    }
}
