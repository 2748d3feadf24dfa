import XCTest
@testable import CargoStaticCore

/// `cache export` / `cache import`: entries move between caches at different paths, and
/// an archive that was changed or cut short adds nothing.
final class CacheTransferTests: XCTestCase {
    private var base = ""
    override func setUpWithError() throws {
        base = try scratchDirectory("transfer")
    }

    private struct Meta: Codable { let key: String }
    private let quiet = Reporter(quiet: true)

    /// A std entry with a nested file and a symbolic link (published as a copy of its
    /// target: entries hold no links), and a C library entry.
    private func populated(_ root: String) throws -> (CacheStore, [EntryID]) {
        let store = CacheStore(root: root)
        let std = EntryID(area: .std, group: nil, prefix: "x86_64-unknown-linux-musl-1.0-default", key: "std key")
        let lib = EntryID(area: .deps, group: "x86_64-unknown-linux-musl", prefix: "mimalloc-2.1", key: "lib key")
        try store.ensure(std, reporter: quiet, waitMessage: "") { staging in
            try FileSystem.write(Data(repeating: 1, count: 5000), to: staging + "/sysroot/lib/rustlib/libstd-abc.rlib")
            try FileManager.default.createSymbolicLink(atPath: staging + "/sysroot/lib/current.rlib", withDestinationPath: "rustlib/libstd-abc.rlib")
            return Meta(key: std.key)
        }
        try store.ensure(lib, reporter: quiet, waitMessage: "") { staging in
            try FileSystem.write(Data(repeating: 2, count: 300), to: staging + "/prefix/lib/libmimalloc.a")
            return Meta(key: lib.key)
        }
        return (store, [std, lib])
    }

    func testExportedEntriesArePublishedInACacheElsewhereAndHit() throws {
        let (a, ids) = try populated(base + "/cache A")
        let file = base + "/out/entries.tar"
        let exported = try CacheTransfer.export(a, to: file, matching: [], reporter: quiet)
        XCTAssertEqual(exported.map(\.entry).sorted(), ids.map(\.description).sorted())

        let b = CacheStore(root: base + "/other place/cache 'B'")
        let imported = try CacheTransfer.importArchive(file, into: b, reporter: quiet)
        XCTAssertEqual(imported.map(\.outcome), ["imported", "imported"])
        for id in ids {
            XCTAssertEqual(b.state(id), .published, "\(id)")
            XCTAssertEqual(try b.ensure(id, reporter: quiet, waitMessage: "") { _ in Meta(key: "rebuilt") }, .hit)
        }
        XCTAssertEqual(FileSystem.kind(b.layout.sysroot(ids[0]) + "/lib/current.rlib"), .regular, "a link is published as a copy of its target")
        XCTAssertEqual(FileManager.default.contents(atPath: b.layout.sysroot(ids[0]) + "/lib/current.rlib"), Data(repeating: 1, count: 5000))
        XCTAssertEqual(FileManager.default.contents(atPath: b.layout.prefix(ids[1]) + "/lib/libmimalloc.a"), Data(repeating: 2, count: 300))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: b.layout.work), [], "the extraction directory is removed")
        // Importing again keeps what is there.
        XCTAssertEqual(try CacheTransfer.importArchive(file, into: b, reporter: quiet).map(\.outcome), ["already cached", "already cached"])
    }

    func testPatternSelectsEntries() throws {
        let (a, ids) = try populated(base + "/a")
        let exported = try CacheTransfer.export(a, to: base + "/m.tar", matching: ["mimalloc"], reporter: quiet)
        XCTAssertEqual(exported.map(\.entry), [ids[1].description])
        XCTAssertThrowsError(try CacheTransfer.export(a, to: base + "/n.tar", matching: ["openssl"], reporter: quiet)) { error in
            XCTAssertTrue("\(error)".contains("no cache entry in \(base)/a matches `openssl`"), "\(error)")
        }
    }

    func testDamagedEntryIsNotExported() throws {
        let (a, ids) = try populated(base + "/a")
        let file = a.layout.prefix(ids[1]) + "/lib/libmimalloc.a"
        try Data(repeating: 3, count: 300).write(to: URL(fileURLWithPath: file))
        XCTAssertThrowsError(try CacheTransfer.export(a, to: base + "/x.tar", matching: [], reporter: quiet)) { error in
            let e = error as? CargoStaticError
            XCTAssertTrue(e?.message.contains("prefix/lib/libmimalloc.a: contents changed") ?? false, "\(error)")
            XCTAssertTrue(e?.fix?.contains("cargo-static deps clean \(ids[1].name)") ?? false, "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: base + "/x.tar"))
    }

    /// One changed byte inside a member: refused, naming the file, and nothing is published.
    func testTamperedArchiveIsRefused() throws {
        let (a, _) = try populated(base + "/a")
        let file = base + "/t.tar"
        try CacheTransfer.export(a, to: file, matching: [], reporter: quiet)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let payload = bytes.firstRange(of: Data(repeating: 2, count: 300))!
        bytes[payload.lowerBound + 10] = 9
        try bytes.write(to: URL(fileURLWithPath: file))
        let b = CacheStore(root: base + "/b")
        XCTAssertThrowsError(try CacheTransfer.importArchive(file, into: b, reporter: quiet)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("refusing \(file): it is not a complete, unmodified cache export; nothing was imported"), text)
            XCTAssertTrue(text.contains("prefix/lib/libmimalloc.a: contents changed (SHA-256 differs)"), text)
        }
        XCTAssertTrue(b.entries(.std).isEmpty && b.entries(.deps).isEmpty, "nothing may be published from a tampered archive")
    }

    func testTruncatedArchiveIsRefused() throws {
        let (a, _) = try populated(base + "/a")
        let file = base + "/t.tar"
        try CacheTransfer.export(a, to: file, matching: [], reporter: quiet)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        for cut in [bytes.count - 1024, bytes.count / 2, 700] {
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: file))
            let b = CacheStore(root: base + "/b\(cut)")
            XCTAssertThrowsError(try CacheTransfer.importArchive(file, into: b, reporter: quiet)) { error in
                XCTAssertTrue("\(error)".contains("it is not a complete, unmodified cache export"), "cut at \(cut): \(error)")
            }
            XCTAssertTrue(b.entries(.std).isEmpty && b.entries(.deps).isEmpty)
        }
    }

    /// An entry renamed (its name no longer fingerprints its key) is refused.
    func testRenamedEntryIsRefused() throws {
        let root = base + "/a"
        let store = CacheStore(root: root)
        let id = EntryID(area: .archives, group: "t", prefix: "libx", key: "k")
        try store.ensure(id, reporter: quiet, waitMessage: "") { staging in
            try FileSystem.write("x", to: staging + "/libx.a")
            return Meta(key: "k")
        }
        try FileManager.default.moveItem(atPath: store.layout.entry(id), toPath: store.layout.parent(.archives, "t") + "/libx-0000000000000000")
        try CacheTransfer.export(store, to: base + "/r.tar", matching: [], reporter: quiet)
        XCTAssertThrowsError(try CacheTransfer.importArchive(base + "/r.tar", into: CacheStore(root: base + "/b"), reporter: quiet)) { error in
            XCTAssertTrue("\(error)".contains("its key does not match its name"), "\(error)")
        }
    }

    func testArchiveMembersCannotLeaveTheirEntry() throws {
        // A hand-made archive with a member outside every entry.
        let index = Data(#"{"format": 1, "entries": []}"#.utf8)
        let data = try Tar.data([.file(CacheTransfer.indexName, bytes: index), .file("std/evil", bytes: Data("x".utf8))])
        try data.write(to: URL(fileURLWithPath: base + "/evil.tar"))
        XCTAssertThrowsError(try CacheTransfer.importArchive(base + "/evil.tar", into: CacheStore(root: base + "/b"), reporter: quiet)) { error in
            XCTAssertTrue("\(error)".contains("belongs to no entry the index names"), "\(error)")
        }
    }

    func testNotAnArchive() throws {
        try Data("hello".utf8).write(to: URL(fileURLWithPath: base + "/x.tar"))
        XCTAssertThrowsError(try CacheTransfer.importArchive(base + "/x.tar", into: CacheStore(root: base + "/b"), reporter: quiet)) { error in
            XCTAssertTrue("\(error)".contains("the archive ends in the middle of a member header"), "\(error)")
        }
        XCTAssertThrowsError(try CacheTransfer.importArchive(base + "/none.tar", into: CacheStore(root: base + "/b"), reporter: quiet)) { error in
            XCTAssertTrue("\(error)".contains("cannot read \(base)/none.tar"), "\(error)")
        }
    }
}

