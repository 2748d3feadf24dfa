import Foundation
import XCTest
@testable import CargoStaticCore

/// zig's link line kept from one link and replayed on the next of the same shape, without
/// a disk: directories and zig's cache are dictionaries.
final class LinkReplayTests: XCTestCase {
    let rustlib = "/cache/toolchains/x/lib/rustlib/x86_64-unknown-linux-musl/lib"
    let zigFiles = ["/cache/zig/o/aa/rcrt1.o", "/cache/zig/o/bb/libunwind.a", "/cache/zig/o/cc/libc.a", "/cache/zig/o/dd/libcompiler_rt.a"]

    /// What the wrapper hands zig for a crate's link (the shape of rustc's line).
    func driverArguments(crate: String, objects: Int, temp: String) -> [String] {
        var args = ["cc", "-target", "x86_64-linux-musl", "-O2", "-m64", "/p/target/release/deps/\(temp)/symbols.o"]
        args += (0..<objects).map { "/p/target/release/deps/\(crate)-1234.\(crate).cgu.\($0).rcgu.o" }
        args += ["-Wl,-Bstatic", rustlib + "/libstd-9.rlib", "-lunwind", rustlib + "/libcore-9.rlib", "-lc",
                 "-L", "/p/target/release/deps/\(temp)/raw-dylibs", "-L", rustlib,
                 "-o", "/p/target/release/deps/\(crate)-1234", "-Wl,--gc-sections", "-static-pie"]
        return args
    }

    /// What zig prints for it with ZIG_VERBOSE_LINK (libc lines first on a cold cache).
    func verbose(for args: [String]) -> String {
        let inputs = args.filter { $0.hasPrefix("/") && !$0.hasSuffix("raw-dylibs") && $0 != rustlib }
        let output = args[args.firstIndex(of: "-o")! + 1]
        let objects = inputs.filter { $0 != output }
        let lld = ["ld.lld", "--error-limit=0", "-O3", "--gc-sections", "-static", "-pie", "-o", output, zigFiles[0]] + objects
            + ["--as-needed", "-L/"] + zigFiles.dropFirst()
        return "warning: ignoring deprecated linker optimization setting \"1\"\n"
            + "ar rcs /cache/zig/o/cc/libc.a /cache/zig/o/ee/aio.o\n"
            + "ld.lld -r -o /cache/zig/o/aa/rcrt1.o /cache/zig/o/ff/rcrt1.o\n"
            + lld.joined(separator: " ") + "\n"
    }

    let directories: [String: [String]] = [
        "/cache/toolchains/x/lib/rustlib/x86_64-unknown-linux-musl/lib": ["libstd-9.rlib", "libcore-9.rlib", "self-contained"],
    ]
    func listing(_ dir: String) -> [String]? { directories[dir] ?? [] }

    func testALaterLinkOfTheSameShapeReplaysZigsLineWithItsOwnInputs() throws {
        let first = driverArguments(crate: "hello", objects: 3, temp: "rustcAAAA")
        let shape = try XCTUnwrap(LinkReplay.shape(first, environment: ["ZIG_GLOBAL_CACHE_DIR": "/cache/zig"], listing: listing))
        let lld = try XCTUnwrap(LinkReplay.linkerLine(in: verbose(for: first), output: "/p/target/release/deps/hello-1234"))
        XCTAssertEqual(lld.first, "--error-limit=0", "the final link's line, not the ones that built zig's libc")
        let template = try XCTUnwrap(LinkReplay.template(shape, lld: lld))
        XCTAssertFalse(template.lld.contains { $0.contains("hello") }, "no input of the first link is kept")

        // Another crate with as many objects, in another temporary directory: the same shape.
        let second = driverArguments(crate: "other", objects: 3, temp: "rustcBBBB")
        let secondShape = try XCTUnwrap(LinkReplay.shape(second, environment: ["ZIG_GLOBAL_CACHE_DIR": "/cache/zig"], listing: listing))
        XCTAssertEqual(secondShape.name, shape.name)
        let replayed = try XCTUnwrap(LinkReplay.replay(template, shape: secondShape, exists: { _ in true }))
        let expected = try XCTUnwrap(LinkReplay.linkerLine(in: verbose(for: second), output: "/p/target/release/deps/other-1234"))
        XCTAssertEqual(replayed, expected, "exactly the line zig would have run")
    }

    func testAnythingThatCouldChangeZigsAnswerChangesTheShape() throws {
        let base = driverArguments(crate: "hello", objects: 3, temp: "rustcAAAA")
        let env = ["ZIG_GLOBAL_CACHE_DIR": "/cache/zig"]
        let baseKey = try XCTUnwrap(LinkReplay.shape(base, environment: env, listing: listing)).key
        func key(_ args: [String], env: [String: String] = ["ZIG_GLOBAL_CACHE_DIR": "/cache/zig"],
                 listing: (String) -> [String]? = { _ in [] }) -> [String]? {
            LinkReplay.shape(args, environment: env, listing: { self.directories[$0] ?? listing($0) })?.key
        }
        XCTAssertNotEqual(key(driverArguments(crate: "hello", objects: 4, temp: "rustcAAAA")), baseKey, "one more object")
        XCTAssertNotEqual(key(base + ["-Wl,-z,nodelete"]), baseKey, "another flag")
        XCTAssertNotEqual(key(base.map { $0 == rustlib + "/libcore-9.rlib" ? "/elsewhere/libcore-9.a" : $0 }), baseKey, "an input's extension")
        XCTAssertNotEqual(key(base.map { $0 == rustlib + "/libcore-9.rlib" ? rustlib + "/libstd-9.rlib" : $0 }), baseKey, "an input named twice")
        XCTAssertNotEqual(key(base, env: env.merging(["ZIG_LIB_DIR": "/other"]) { $1 }), baseKey, "zig's environment")
        XCTAssertEqual(key(base, env: env.merging(["ZIG_VERBOSE_LINK": "1", "PATH": "/bin"]) { $1 }), baseKey, "not zig's, or the switch itself")
        // A library appearing in a searched directory may change what -lunwind finds.
        var more = directories
        more[rustlib, default: []].append("libunwind.a")
        XCTAssertNotEqual(LinkReplay.shape(base, environment: env, listing: { more[$0] ?? [] })?.key, baseKey, "a new library in a -L directory")
        // An empty -L directory finds nothing: rustc's temporary raw-dylibs is left out.
        XCTAssertEqual(key(driverArguments(crate: "hello", objects: 3, temp: "rustcZZZZ")), baseKey)
        // A directory that cannot be read gives no shape (the driver runs).
        XCTAssertNil(LinkReplay.shape(base, environment: env, listing: { $0 == self.rustlib ? nil : [] }))
    }

    func testNoTemplateWhenTheLineCannotBeReadBackExactly() throws {
        let args = driverArguments(crate: "hello", objects: 1, temp: "rustcAAAA")
        let shape = try XCTUnwrap(LinkReplay.shape(args, environment: [:], listing: listing))
        let lld = try XCTUnwrap(LinkReplay.linkerLine(in: verbose(for: args), output: "/p/target/release/deps/hello-1234"))
        XCTAssertNotNil(LinkReplay.template(shape, lld: lld))
        // An input zig read but did not pass on.
        XCTAssertNil(LinkReplay.template(shape, lld: lld.filter { !$0.hasSuffix("libcore-9.rlib") }))
        // An input inside another word would not be replaced.
        XCTAssertNil(LinkReplay.template(shape, lld: lld + ["--Map=/p/target/release/deps/hello-1234.map"]))
        // The dropped temporary directory in zig's line would be stale next time.
        XCTAssertNil(LinkReplay.template(shape, lld: lld + ["-L/p/target/release/deps/rustcAAAA/raw-dylibs"]))
        // An argument file of zig's.
        XCTAssertNil(LinkReplay.template(shape, lld: lld + ["@/cache/zig/tmp/args.rsp"]))
        // zig prints words joined by spaces: a path with a space cannot be read back.
        XCTAssertNil(LinkReplay.shape(args + ["/p/with space/x.o"], environment: [:], listing: listing))
        // No final line for this output: nothing to keep.
        XCTAssertNil(LinkReplay.linkerLine(in: verbose(for: args), output: "/p/target/release/deps/other"))
    }

    func testAReplayNeedsZigsOwnFilesStillInItsCache() throws {
        let args = driverArguments(crate: "hello", objects: 2, temp: "rustcAAAA")
        let shape = try XCTUnwrap(LinkReplay.shape(args, environment: [:], listing: listing))
        let lld = try XCTUnwrap(LinkReplay.linkerLine(in: verbose(for: args), output: "/p/target/release/deps/hello-1234"))
        let template = try XCTUnwrap(LinkReplay.template(shape, lld: lld))
        XCTAssertNotNil(LinkReplay.replay(template, shape: shape, exists: { Set(self.zigFiles).contains($0) }))
        XCTAssertNil(LinkReplay.replay(template, shape: shape, exists: { $0 != self.zigFiles[2] }), "zig's libc.a was removed")
        let other = try XCTUnwrap(LinkReplay.shape(args + ["-s"], environment: [:], listing: listing))
        XCTAssertNil(LinkReplay.replay(template, shape: other, exists: { _ in true }), "another shape's template")
        XCTAssertEqual(LinkReplay.directory(forSpecFile: "/c/cc/zig-x/static-link-ab12.json"), "/c/cc/zig-x/static-link-ab12.links")
    }
}
