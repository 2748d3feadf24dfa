import XCTest
@testable import CargoStaticCore

/// What a build that changes nothing reads from remembered answers instead of the disk.
final class NoOpMemoTests: XCTestCase {
    private var root = ""
    override func setUpWithError() throws {
        root = try scratchDirectory("noop")
    }

    private func tree(_ dir: String) throws -> LibrarySource {
        try FileManager.default.createDirectory(atPath: root + "/\(dir)/tree", withIntermediateDirectories: true)
        try "all:\n".write(toFile: root + "/\(dir)/tree/Makefile", atomically: true, encoding: .utf8)
        return LibrarySource(package: "p", version: "1.0-1", upstreamVersion: "1.0", origin: "debian", path: root + "/\(dir)/tree")
    }

    func testAFetchedTreesLayoutIsReadOnceForTheSameToolAndPreference() throws {
        let source = try tree("p_1.0-1")
        var reads = 0
        let detect = { () -> SourceLayout? in reads += 1; return SourceLayout.detect(source.path) }
        let first = SourceLayoutMemo.layout(source, prefer: [], tool: "t1", detect: detect)
        XCTAssertEqual(first?.buildSystem, .make)
        XCTAssertEqual(SourceLayoutMemo.layout(source, prefer: [], tool: "t1", detect: detect), first)
        XCTAssertEqual(reads, 1)
        // Another tool, or another preference, reads the tree again.
        _ = SourceLayoutMemo.layout(source, prefer: [], tool: "t2", detect: detect)
        _ = SourceLayoutMemo.layout(source, prefer: [.cmake], tool: "t2", detect: detect)
        XCTAssertEqual(reads, 3)
        // A tree fetched again (another directory in its place) is read again.
        try FileManager.default.removeItem(atPath: source.path)
        _ = try tree("p_1.0-1")
        _ = SourceLayoutMemo.layout(source, prefer: [.cmake], tool: "t2", detect: detect)
        XCTAssertEqual(reads, 4)
        // A damaged memo is a miss, not an error.
        try Data("{".utf8).write(to: URL(fileURLWithPath: root + "/p_1.0-1/layout.json"))
        XCTAssertEqual(SourceLayoutMemo.layout(source, prefer: [.cmake], tool: "t2", detect: detect)?.buildSystem, .make)
        XCTAssertEqual(reads, 5)
    }

    func testALocalSourceIsNeverRemembered() throws {
        let fetched = try tree("local")
        let local = LibrarySource(package: "p", version: "1.0", upstreamVersion: "1.0", origin: "local \(fetched.path) (x)", path: fetched.path)
        var reads = 0
        for _ in 0..<2 { _ = SourceLayoutMemo.layout(local, prefer: [], tool: "t") { reads += 1; return nil } }
        XCTAssertEqual(reads, 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/local/layout.json"))
    }

    func testEntriesAreListedForOneGroupAndTheNamesAskedFor() throws {
        let store = CacheStore(layout: CacheLayout(root: root + "/cache"))
        for (group, name) in [("x86_64-unknown-linux-musl", "zlib-1-aa"), ("x86_64-unknown-linux-musl", "xz-5-bb"), ("aarch64-unknown-linux-musl", "zlib-1-cc")] {
            let dir = root + "/cache/deps/\(group)/\(name)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try "{}".write(toFile: dir + "/entry.json", atomically: true, encoding: .utf8)
        }
        XCTAssertEqual(store.entries(.deps).map(\.name).sorted(), ["xz-5-bb", "zlib-1-aa", "zlib-1-cc"])
        XCTAssertEqual(store.entries(.deps, group: "x86_64-unknown-linux-musl").map(\.name), ["xz-5-bb", "zlib-1-aa"])
        XCTAssertEqual(store.entries(.deps, group: "x86_64-unknown-linux-musl", named: { $0.hasPrefix("zlib-") }).map(\.name), ["zlib-1-aa"])
        XCTAssertTrue(store.entries(.deps, group: "riscv64gc-unknown-linux-musl").isEmpty)
    }

    func testObjcopyHandlesATargetOnlyWhenInfoNamesItsFormat() {
        let info = "BFD header file version (GNU Binutils) 2.40\nelf64-x86-64\n (header little endian, data little endian)\n  i386\nelf32-i386\n"
        XCTAssertTrue(Discovery.objcopyInfo(info, lists: "elf64-x86-64"))
        XCTAssertFalse(Discovery.objcopyInfo(info, lists: "elf64-littleaarch64"))
        XCTAssertFalse(Discovery.objcopyInfo(info, lists: "elf64-x86"))
    }

    func testQuotingByBytesKeepsWhatAShellReadsBack() throws {
        XCTAssertEqual(Shell.quote("a-b_c./=:,+@%9"), "a-b_c./=:,+@%9")
        XCTAssertEqual(Shell.quote(""), "''")
        XCTAssertEqual(Shell.quote("it's é"), "'it'\\''s é'")
        XCTAssertEqual(Shell.quote("a\u{1F}b"), "\"$(printf '%b' 'a\\037b')\"")
        for word in ["plain", "two words", "it's", "é ü", "$HOME", "a\\b", "a\u{1F}b'c", "line\nbreak", "*"] {
            let r = try Runner(context: Context.process).capture(Command("/bin/sh", ["-c", "printf %s \(Shell.quote(word))"]))
            XCTAssertEqual(r.output, word, word)
        }
    }

    func testFirstLinkRecordDropsKeysWithLibraryDirectories() throws {
        let layout = CacheLayout(root: root)
        try FileManager.default.createDirectory(atPath: layout.locks, withIntermediateDirectories: true)
        let old = "zig 0.17.1 -target x86_64-linux-musl | -L/c/deps/zlib/prefix/lib -static -pie -lunwind"
        try JSONEncoder().encode(RuntimeRecord(done: [old: 50])).write(to: URL(fileURLWithPath: layout.runtimes))
        try RuntimeRecord.mark("zig 0.17.1 -target x86_64-linux-musl | -static -pie -lunwind", seconds: 40, layout)
        XCTAssertEqual(Array(RuntimeRecord.load(layout).done.keys), ["zig 0.17.1 -target x86_64-linux-musl | -static -pie -lunwind"])
    }
}
