import XCTest
@testable import CargoStaticCore

final class CacheStoreTests: XCTestCase {
    private var root = ""
    override func setUpWithError() throws {
        root = try scratchDirectory("cache")
    }

    private struct Meta: Codable { let key: String; let note: String }

    private func build(_ store: CacheStore, _ id: EntryID, bytes: Int = 1000) throws -> CacheStore.Outcome {
        try store.ensure(id, reporter: Reporter(quiet: true), waitMessage: "waiting") { staging in
            try FileSystem.write(Data(repeating: 7, count: bytes), to: staging + "/lib/libx.a")
            return Meta(key: id.key, note: "built")
        }
    }

    func testBuildPublishesOnceThenHits() throws {
        let store = CacheStore(root: root)
        let id = EntryID(area: .archives, group: "x86_64-unknown-linux-musl", prefix: "x", key: "the key")
        XCTAssertEqual(store.state(id), .missing)
        XCTAssertEqual(try build(store, id), .built)
        XCTAssertEqual(store.state(id), .published)
        XCTAssertEqual(try build(store, id), .hit)
        XCTAssertEqual(store.entries(.archives).map(\.name), [id.name])
        let manifest = try decode(EntryManifest.self, fromFile: store.layout.manifestFile(id))
        XCTAssertEqual(manifest.files.map(\.path), ["entry.json", "lib/libx.a"])
        XCTAssertEqual(manifest.files.last?.sha256, SHA256.hex(Data(repeating: 7, count: 1000)))
    }

    /// `cache list`: every kind of entry, zig's cache included, with sizes and a total.
    func testListingShowsEveryKindWithATotal() throws {
        let store = CacheStore(root: root)
        XCTAssertEqual(try build(store, EntryID(area: .archives, group: "x86_64-unknown-linux-musl", prefix: "lfs", key: "k"), bytes: 3000), .built)
        try FileSystem.write(Data(repeating: 1, count: 5000), to: store.layout.zigCache + "/o/abc/libc.a")
        let listing = CacheCommands.listing(store)
        XCTAssertEqual(listing.entries.map(\.kind), ["archive", "zig-cache"])
        let zig = try XCTUnwrap(listing.entries.last)
        XCTAssertEqual(zig.sizeBytes, 5000)
        XCTAssertGreaterThanOrEqual(listing.entries[0].sizeBytes, 3000)
        XCTAssertEqual(listing.totalBytes, listing.entries.map(\.sizeBytes).reduce(0, +))
        XCTAssertTrue(listing.human.contains("zig's cache: 1, 4.9 KiB"), listing.human)
        XCTAssertTrue(listing.human.contains("standard libraries: none"), listing.human)
        XCTAssertTrue(listing.human.hasSuffix("total: \(humanSize(listing.totalBytes))"), listing.human)
        let json = try decode(JSONValue.self, from: encodeJSON(listing))
        XCTAssertEqual(json["totalBytes"], .int(Int(listing.totalBytes)))
        let decoded = try decode(CacheCommands.CacheListing.self, from: encodeJSON(listing))
        XCTAssertEqual(decoded.entries, listing.entries)
    }

    func testAnotherKeyUnderTheSameNameIsNotAHit() throws {
        let store = CacheStore(root: root)
        let id = EntryID(area: .std, group: nil, name: "e1", key: "key one")
        _ = try build(store, id)
        XCTAssertEqual(store.state(EntryID(area: .std, group: nil, name: "e1", key: "key two")), .unusable("its key differs"))
    }

    /// A truncated file is found on use (sizes) and rebuilt; a changed byte only by verify.
    func testDamagedEntriesAreFoundAndRebuilt() throws {
        let store = CacheStore(root: root)
        let id = EntryID(area: .deps, group: "t", prefix: "lib", key: "k")
        _ = try build(store, id)
        let file = store.layout.entry(id) + "/lib/libx.a"
        try Data(repeating: 7, count: 10).write(to: URL(fileURLWithPath: file))
        guard case .unusable(let why) = store.state(id) else { return XCTFail("a truncated file must make the entry unusable") }
        XCTAssertTrue(why.contains("lib/libx.a: 10 bytes, 1000 expected"), why)
        XCTAssertEqual(try build(store, id), .built)
        XCTAssertEqual(store.state(id), .published)
        try Data(repeating: 8, count: 1000).write(to: URL(fileURLWithPath: file))
        XCTAssertEqual(store.state(id), .published, "the cheap check looks at sizes only")
        let found = store.entries(.deps).first!
        XCTAssertEqual(store.verify(found, full: true), ["lib/libx.a: contents changed (SHA-256 differs)"])
    }

    func testInterruptedBuildLeavesNothingPublished() throws {
        let store = CacheStore(root: root)
        let id = EntryID(area: .std, group: nil, name: "e2", key: "k")
        struct Boom: Error {}
        XCTAssertThrowsError(try store.ensure(id, reporter: Reporter(quiet: true), waitMessage: "") { staging -> Meta in
            try FileSystem.write("half", to: staging + "/half")
            throw Boom()
        })
        XCTAssertEqual(store.state(id), .missing)
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.layout.staging(id)))
        XCTAssertTrue(store.entries(.std).isEmpty)
    }

    func testPermissionsIgnoreTheUmask() throws {
        let old = umask(0)
        defer { umask(old) }
        let store = CacheStore(root: root)
        let id = EntryID(area: .archives, group: "t", prefix: "p", key: "k")
        _ = try build(store, id)
        let attrs = try FileManager.default.attributesOfItem(atPath: store.layout.entry(id) + "/lib/libx.a")
        XCTAssertEqual((attrs[.posixPermissions] as? Int).map { $0 & 0o777 }, 0o644)
        let dir = try FileManager.default.attributesOfItem(atPath: store.layout.entry(id) + "/lib")
        XCTAssertEqual((dir[.posixPermissions] as? Int).map { $0 & 0o777 }, 0o755)
    }

    func testCacheWritableByOthersIsRefused() throws {
        chmod(root, 0o777)
        XCTAssertThrowsError(try CacheSafety.check(CacheLayout(root: root))) { error in
            XCTAssertTrue((error as? CargoStaticError)?.fix?.contains("chmod go-w") ?? false, "\(error)")
        }
        chmod(root, 0o755)
        XCTAssertNoThrow(try CacheSafety.check(CacheLayout(root: root)))
    }

    func testCleanRemovesEntriesStagingAndWorkUnderTheirLocks() throws {
        let store = CacheStore(root: root)
        let id = EntryID(area: .std, group: nil, name: "x86_64-e3", key: "k")
        _ = try build(store, id)
        try FileSystem.makeDirectory(store.layout.work(id))
        try FileSystem.makeDirectory(store.layout.staging(EntryID(area: .std, group: nil, name: "x86_64-e4", key: "")))
        XCTAssertEqual(try store.clean(.std, matching: "x86_64"), ["x86_64-e3"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.layout.work(id)))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.layout.area(.std)), [])
    }

    /// `cache clean PATTERN` matches names: a target's archive directory is not a match for
    /// every archive in it (C libraries are chosen by target too, with `deps clean`).
    func testCleanMatchesArchivesByNameAndLibrariesByTarget() throws {
        let store = CacheStore(root: root)
        let lfs = EntryID(area: .archives, group: "x86_64-unknown-linux-musl", name: "lfs64-compat-1", key: "k")
        let stub = EntryID(area: .archives, group: "x86_64-unknown-linux-musl", name: "unwind-stub-2", key: "k")
        let zlib = EntryID(area: .deps, group: "x86_64-unknown-linux-musl", name: "zlib-1.2.13-3", key: "k")
        for id in [lfs, stub, zlib] { _ = try build(store, id) }
        XCTAssertEqual(try store.clean(.archives, matching: "x86_64"), [])
        XCTAssertEqual(try store.clean(.archives, matching: "lfs64"), ["x86_64-unknown-linux-musl/lfs64-compat-1"])
        XCTAssertEqual(try store.clean(.deps, matching: "x86_64"), ["x86_64-unknown-linux-musl/zlib-1.2.13-3"])
    }

    /// `deps clean --sources` says when it drops a `--source` choice (builds go back to Debian's).
    func testCleaningSourcesNamesALocalSourceChoice() throws {
        let layout = CacheLayout(root: root)
        let sources = SourceStore(layout: layout, runner: Runner(), reporter: Reporter(quiet: true))
        let local = root + "/zlib-1.3.1"
        try FileSystem.makeDirectory(local)
        _ = try sources.useLocal(local, for: try NativeLibrary.named("zlib"))
        let removed = try sources.clean(matching: "zlib")
        XCTAssertEqual(removed, ["the choice of --source \(local) for zlib (builds use Debian's source again)"])
        XCTAssertNil(sources.selected(try NativeLibrary.named("zlib")))
    }

    func testLockMakesSecondHolderWait() throws {
        let path = root + "/locks/x.lock"
        var first: FileLock? = try FileLock(path: path)
        XCTAssertNotNil(first)
        let taken = expectation(description: "second lock taken")
        final class Seen: @unchecked Sendable { var waited = false; var takenAt = Date.distantPast }
        let seen = Seen()
        DispatchQueue.global().async {
            let second = try? FileLock(path: path) { seen.waited = true }
            seen.takenAt = Date()
            XCTAssertNotNil(second)
            taken.fulfill()
        }
        usleep(300_000)
        let releasedAt = Date()
        first = nil
        wait(for: [taken], timeout: 10)
        XCTAssertTrue(seen.waited, "the second holder must be told it waits")
        XCTAssertGreaterThanOrEqual(seen.takenAt, releasedAt, "the second lock was taken before the first was released")
    }

    func testCacheRootFollowsEnvironment() {
        XCTAssertEqual(Context(variables: ["CARGO_STATIC_CACHE": "/x"], directory: "/").cacheRoot, "/x")
        XCTAssertEqual(Context(variables: ["CARGO_STATIC_CACHE": "rel"], directory: "/w").cacheRoot, "/w/rel")
        XCTAssertEqual(Context(variables: ["XDG_CACHE_HOME": "/y"], directory: "/").cacheRoot, "/y/cargo-static")
        XCTAssertEqual(Context(variables: [:], directory: "/", home: "/h").cacheRoot, "/h/.cache/cargo-static")
    }

    /// zig's libc is kept in the cache, unless the user's ZIG_GLOBAL_CACHE_DIR says where
    /// they keep zig's cache (relative to the working directory, as zig reads it).
    func testZigCacheFollowsZigsOwnVariable() {
        XCTAssertEqual(Session(context: Context(variables: ["CARGO_STATIC_CACHE": "/c"], directory: "/")).layout.zigCache, "/c/zig")
        XCTAssertEqual(Session(context: Context(variables: ["CARGO_STATIC_CACHE": "/c", "ZIG_GLOBAL_CACHE_DIR": "z"], directory: "/w")).layout.zigCache, "/w/z")
        XCTAssertEqual(Session(context: Context(variables: ["CARGO_STATIC_CACHE": "/c", "ZIG_GLOBAL_CACHE_DIR": ""], directory: "/")).layout.zigCache, "/c/zig")
    }

    /// Foundation's failures (NSCocoaErrorDomain 513, 640, 642, POSIX underneath) become a
    /// message with the path and the fix, without Foundation's own text.
    func testFileErrorsAreExplainedWithThePathAndTheFix() {
        let cases: [(Error, String, String)] = [
            (CocoaError(.fileWriteOutOfSpace), "the disk holding /c/x is full", "free some space"),
            (NSError(domain: NSCocoaErrorDomain, code: 513), "cannot write to /c/x: permission denied", "chmod u+w"),
            (CocoaError(.fileWriteVolumeReadOnly), "cannot write to /c/x: it is on a read-only file system", "writable file system"),
            (POSIXError(.ENOSPC), "the disk holding /c/x is full", "cargo-static cache clean"),
            (NSError(domain: NSCocoaErrorDomain, code: 512, userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(EROFS))]),
             "read-only file system", "CARGO_STATIC_CACHE"),
        ]
        for (error, message, fix) in cases {
            let explained = FileSystem.explain(error, at: "/c/x") as? CargoStaticError
            let text = explained?.description ?? "not explained: \(error)"
            XCTAssertTrue(text.contains(message), text)
            XCTAssertTrue(explained?.fix?.contains(fix) ?? false, text)
            XCTAssertFalse(text.contains("NSCocoaErrorDomain") || text.contains("Code=") || text.contains("couldn’t"), text)
        }
    }

    /// A write that fails reports the path and errno's reason, and leaves no temporary file.
    func testFailedWriteNamesThePathAndLeavesNothing() throws {
        try FileSystem.makeDirectory(root + "/taken")
        XCTAssertThrowsError(try FileSystem.write("x", to: root + "/taken")) { error in
            XCTAssertEqual((error as? CargoStaticError)?.message, "refusing to write \(root)/taken: it is a directory", "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root), ["taken"])
    }

    /// An awkward cache path is used through a plain symbolic link in a directory of ours;
    /// a plain one as it is; an alias directory someone else could write is not used.
    func testAwkwardCachePathIsUsedThroughAPlainAlias() throws {
        let awkward = root + "/my cache 'q' \"d\" $x `y` é"
        let aliases = root + "/aliases"
        let alias = CacheAlias.usable(awkward, aliases: aliases)
        XCTAssertTrue(CacheAlias.isPlain(alias), alias)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: alias), awkward)
        XCTAssertEqual(CacheAlias.usable(awkward, aliases: aliases), alias, "the same alias every time")
        let attributes = try FileManager.default.attributesOfItem(atPath: aliases)
        XCTAssertEqual((attributes[.posixPermissions] as? Int).map { $0 & 0o777 }, 0o700)
        XCTAssertEqual(CacheAlias.usable(root + "/plain", aliases: aliases), root + "/plain")

        let layout = CacheLayout(root: alias, shown: awkward)
        XCTAssertEqual(layout.shown(alias + "/std/e"), awkward + "/std/e")
        try FileSystem.write("x", to: layout.root + "/std/e/f")
        XCTAssertEqual(FileManager.default.contents(atPath: awkward + "/std/e/f"), Data("x".utf8))

        try FileManager.default.createSymbolicLink(atPath: root + "/linked", withDestinationPath: aliases)
        XCTAssertEqual(CacheAlias.usable(awkward, aliases: root + "/linked"), awkward, "a link is not a directory of ours")
        if geteuid() == 0 {
            chown(aliases, 65534, 65534)
            XCTAssertEqual(CacheAlias.usable(awkward, aliases: aliases), awkward, "another user's directory is not used")
        }
    }

    /// Each installed cargo-static has its own wrappers: they call back the binary that wrote them.
    func testWrappersAreTheToolsOwn() throws {
        let layout = CacheLayout(root: "/c"), target = try Target("x86_64-unknown-linux-musl")
        let a = layout.wrappers(.zig, target, tool: "/usr/bin/cargo-static")
        XCTAssertEqual(a, layout.wrappers(.zig, target, tool: "/usr/bin/cargo-static"))
        XCTAssertNotEqual(a, layout.wrappers(.zig, target, tool: "/home/me/.local/bin/cargo-static"))
        XCTAssertNotEqual(a, layout.wrappers(.muslGcc, target, tool: "/usr/bin/cargo-static"))
        XCTAssertTrue(a.hasPrefix("/c/cc/zig-x86_64-unknown-linux-musl-"), a)
    }
}
