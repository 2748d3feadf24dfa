import XCTest
@testable import CargoStaticCore

final class CacheStoreTests: XCTestCase {
    private var root = ""
    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "cs-cache-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: root) }

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
        let manifest = try JSONDecoder().decode(EntryManifest.self, from: Data(contentsOf: URL(fileURLWithPath: store.layout.manifestFile(id))))
        XCTAssertEqual(manifest.files.map(\.path), ["entry.json", "lib/libx.a"])
        XCTAssertEqual(manifest.files.last?.sha256, SHA256.hex(Data(repeating: 7, count: 1000)))
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
}
