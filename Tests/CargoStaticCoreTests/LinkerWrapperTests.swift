import XCTest
@testable import CargoStaticCore

final class LinkerWrapperTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "cs-linker-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// A toolchain whose "compiler" prints its arguments, one per line.
    private func toolchain(_ kind: CToolchain.Kind) throws -> CToolchain {
        try Wrapper.write(dir + "/cc", "#!/bin/sh\nprintf '%s\\n' \"$@\"\n")
        return CToolchain(kind: kind, target: try Target("x86_64-unknown-linux-musl"), cc: dir + "/cc", cxx: dir + "/c++",
                          ar: dir + "/ar", ranlib: dir + "/ranlib", version: "test", providesUnwinder: true)
    }

    private func link(_ wrapper: String, _ args: [String]) throws -> [String] {
        let out = try Runner().capture(Command(wrapper, args))
        XCTAssertEqual(out.status, 0, out.output)
        return out.output.split(separator: "\n").map(String.init)
    }

    func testStandInsReplaceOnlyTheUnwinder() throws {
        let cc = try toolchain(.zig)
        let stub = dir + "/stub dir/libstub.a"
        let wrapper = try LinkerWrapper.write(allocator: .musl, library: nil, unwinderStub: stub, toolchain: cc)
        XCTAssertEqual(wrapper, dir + "/link-nounwind")
        XCTAssertEqual(try link(wrapper, ["a b.o", "-lunwind", "-lc", "-Wl,-lunwind", "-o", "out"]),
                       ["a b.o", stub, "-lc", "-Wl,-lunwind", "-o", "out"])
    }

    func testAllocatorGoesFirstAndGccRuntimeLast() throws {
        let cc = try toolchain(.muslGcc)
        let heap = ProvidedLibrary(name: "jemalloc", version: "5", outcome: .hit, prefix: dir + "/prefix", entry: "jemalloc-5-abc")
        let wrapper = try LinkerWrapper.write(allocator: .jemalloc, library: heap, unwinderStub: nil, toolchain: cc)
        XCTAssertEqual(wrapper, dir + "/link-jemalloc-5-abc")
        XCTAssertEqual(try link(wrapper, ["x.o", "-lunwind"]),
                       ["-Wl,--whole-archive", dir + "/prefix/lib/libjemalloc_pic.a", "-Wl,--no-whole-archive", "x.o", "-lunwind", "-lgcc"])
        let both = try LinkerWrapper.write(allocator: .jemalloc, library: heap, unwinderStub: dir + "/s.a", toolchain: cc)
        XCTAssertEqual(try link(both, ["x.o", "-lunwind"]).dropFirst(3), ["x.o", dir + "/s.a", "-lgcc"])
    }

    func testNothingToAddLinksWithTheCompilerWrapper() throws {
        let cc = try toolchain(.zig)
        XCTAssertEqual(try LinkerWrapper.write(allocator: .musl, library: nil, unwinderStub: nil, toolchain: cc), cc.cc)
    }

    func testOnlyTheSizeProfilesGoWithoutAnUnwinder() {
        XCTAssertTrue(StdSettings.standard.needsUnwinder)
        XCTAssertFalse(StdSettings.size.needsUnwinder)
        XCTAssertFalse(StdSettings.min.needsUnwinder)
    }

    /// Weak definitions: a real unwinder linked for C++ exceptions must win over them.
    func testStandInsAreWeak() throws {
        guard let gcc = Runner.which("cc") ?? Runner.which("gcc"), let nm = Runner.which("nm") else {
            throw XCTSkip("no host C compiler or nm")
        }
        try UnwinderStub.source.write(toFile: dir + "/stub.c", atomically: true, encoding: .utf8)
        let compiled = try Runner().capture(Command(gcc, ["-c", "-Wall", "-Werror", dir + "/stub.c", "-o", dir + "/stub.o"]))
        XCTAssertEqual(compiled.status, 0, compiled.output)
        let symbols = try Runner().capture(Command(nm, [dir + "/stub.o"])).output
        for name in ["_Unwind_Backtrace", "_Unwind_GetIP", "_Unwind_GetIPInfo", "_Unwind_GetCFA", "_Unwind_FindEnclosingFunction", "_Unwind_VRS_Get"] {
            XCTAssertTrue(symbols.contains(" W \(name)\n"), "\(name) is not weak:\n\(symbols)")
        }
    }
}
