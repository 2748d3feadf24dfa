import CargoStaticCore
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The cache where real machines put it: under paths no shell word survives unquoted,
/// damaged, carried to another machine, read-only, on a full disk.
///
/// The std these tests need comes from the shared test cache through `cache export` and
/// `cache import` (so they also prove that an entry moves); only the damage test builds
/// a C library of its own, because rebuilding the damaged entry is what it checks.
final class CacheRobustnessTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    /// Every character a path may hold that a shell, a C build or a flags variable treats
    /// specially: spaces, both quotes, `$`, a backtick, non-ASCII letters.
    static let awkward = "a b 'q' \"d\" $HOME `x` é日本"

    // MARK: helpers

    /// Builds `fixture` with the shared cache and returns its result (std is then cached there).
    private func sharedBuild(_ fixture: String) throws -> TargetResult {
        let dir = try Harness.fixture(fixture)
        let out = try Harness.run(["build", "--json"], in: dir)
        XCTAssertEqual(out.status, 0, out.all)
        return try Harness.onlyResult(out)
    }

    /// A new cache at `root` holding the shared cache's entries that match `patterns`.
    private func seed(_ root: String, _ patterns: [String]) throws {
        let file = try Harness.temporaryDirectory("export") + "/entries.tar"
        let export = try Harness.run(["cache", "export", file] + patterns, in: "/")
        XCTAssertEqual(export.status, 0, export.all)
        let imported = try Harness.run(["cache", "import", file], in: "/", cache: root)
        XCTAssertEqual(imported.status, 0, imported.all)
        try? FileManager.default.removeItem(atPath: file)
    }

    private func copyFixture(_ name: String, to parent: String) throws -> String {
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(Harness.fixtures)/\(name)", toPath: parent + "/" + name)
        return parent + "/" + name
    }

    private func onlyExecutable(_ out: Harness.Output) throws -> String { try Harness.onlyExecutable(out).path }

    private func noFoundationText(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        for raw in ["NSCocoaErrorDomain", "Code=", "NSFilePath", "The operation could not be completed", "Error Domain"] {
            XCTAssertFalse(text.contains(raw), "Foundation's own error text leaked: \(text)", file: file, line: line)
        }
    }

    // MARK: point 3: awkward paths

    /// The cache, the project and --target-dir under awkward paths: hello and a crate
    /// whose C library (zlib) cargo-static builds in that cache, both run.
    func testCacheProjectAndTargetDirWithSpacesQuotesDollarBackticksAndNonASCII() throws {
        let std = try XCTUnwrap(sharedBuild("hello").stdCacheEntry)
        let base = try Harness.temporaryDirectory("paths")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let cache = base + "/cache " + Self.awkward
        try seed(cache, [std])
        let projects = base + "/projects " + Self.awkward
        let targetDir = base + "/target " + Self.awkward

        let hello = try copyFixture("hello", to: projects)
        let out = try Harness.run(["build", "--json", "--target-dir", targetDir], in: hello, cache: cache)
        XCTAssertEqual(out.status, 0, out.all)
        XCTAssertEqual(try Harness.onlyResult(out).std, .hit, out.stderr)
        let exe = try onlyExecutable(out)
        XCTAssertTrue(exe.hasPrefix(targetDir + "/"), exe)
        let ran = try Harness.runTool(exe, ["one", "two words"])
        XCTAssertTrue(ran.stdout.contains(#"Hello from a static executable! args=["one", "two words"]"#), ran.all)

        let flate = try copyFixture("zlib-flate2", to: projects)
        let zlib = try Harness.run(["build", "--json", "--target-dir", targetDir], in: flate, cache: cache)
        XCTAssertEqual(zlib.status, 0, zlib.all)
        let ranZlib = try Harness.runTool(try onlyExecutable(zlib), [])
        XCTAssertTrue(ranZlib.stdout.contains("round trip ok: true"), ranZlib.all)
        // zlib and the allocator were built in the awkward cache, not found elsewhere.
        let deps = try Harness.run(["deps", "list", "--json"], in: flate, cache: cache)
        let libraries = try Harness.decode([CacheCommands.LibraryListing].self, deps).map(\.library)
        XCTAssertEqual(Set(libraries), ["mimalloc", "zlib"], deps.all)
    }

    // MARK: point 5: damaged entries

    /// A truncated libstd rlib and a truncated libmimalloc.a are found by the next build
    /// (sizes), named, rebuilt; a changed byte is found by `cache verify` (digests), which
    /// prints the exact command that removes the entry.
    func testTruncatedEntriesAreRebuiltAndChangedBytesFoundByVerify() throws {
        let std = try XCTUnwrap(sharedBuild("hello").stdCacheEntry)
        let cache = try Harness.temporaryDirectory("damage")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        try seed(cache, [std, "mimalloc"])
        let dir = try Harness.fixture("hello")

        let rlib = try XCTUnwrap(try findFile(cache + "/std/" + std) { $0 == "libstd.rlib" })
        let deps = cache + "/deps/x86_64-unknown-linux-musl"
        // The shared cache may hold other mimalloc entries (built with musl-gcc by
        // AllocatorTests, or by older recipes): the plan names the one this build uses.
        let planned = try Harness.run(["plan", "--json"], in: dir, cache: cache)
        XCTAssertEqual(planned.status, 0, planned.all)
        let steps = try XCTUnwrap(try Harness.plan(planned).targets.first, planned.all).steps
        let mimallocEntry = try XCTUnwrap(steps.lazy.compactMap { step -> String? in
            if case .library(let library) = step { return library.build?.entry.name }
            return nil
        }.first { $0.hasPrefix("mimalloc-") }, planned.all)
        XCTAssertTrue(FileManager.default.fileExists(atPath: deps + "/" + mimallocEntry), "the planned mimalloc was not seeded: \(mimallocEntry)")
        let mimalloc = try XCTUnwrap(try findFile(deps + "/" + mimallocEntry) { $0 == "libmimalloc.a" })
        // A truncated std is found the same way (sizes, before each use); `cache verify`
        // shows it here, so the test does not pay for a second std build.
        try truncate(rlib, to: 1000)
        let damagedStd = try Harness.run(["cache", "verify"], in: dir, cache: cache)
        XCTAssertEqual(damagedStd.status, 1, damagedStd.all)
        XCTAssertTrue(damagedStd.stdout.contains("std/\(std):"), damagedStd.stdout)
        XCTAssertTrue(damagedStd.stdout.contains(".rlib: 1000 bytes, "), damagedStd.stdout)
        try seed(cache, [std])

        try truncate(mimalloc, to: 1000)
        let out = try Harness.run(["build", "--json"], in: dir, environment: Harness.sharedZigCache, cache: cache)
        XCTAssertEqual(out.status, 0, out.all)
        XCTAssertTrue(out.stderr.contains("the cache entry deps/x86_64-unknown-linux-musl/\(mimallocEntry) is unusable (prefix/lib/libmimalloc.a: 1000 bytes, "), out.stderr)
        XCTAssertEqual(try Harness.onlyResult(out).std, .hit, out.stderr)
        XCTAssertTrue(try Harness.runTool(try onlyExecutable(out), []).stdout.contains("Hello from a static executable!"))

        // Same size, one byte changed: builds cannot see it; verify can.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: mimalloc))
        bytes[bytes.count / 2] ^= 0x55
        try bytes.write(to: URL(fileURLWithPath: mimalloc))
        let verify = try Harness.run(["cache", "verify"], in: dir, cache: cache)
        XCTAssertEqual(verify.status, 1, verify.all)
        XCTAssertTrue(verify.stdout.contains("deps/x86_64-unknown-linux-musl/\(mimallocEntry):"), verify.stdout)
        XCTAssertTrue(verify.stdout.contains("prefix/lib/libmimalloc.a: contents changed (SHA-256 differs)"), verify.stdout)
        XCTAssertTrue(verify.stdout.contains("fix: cargo-static deps clean \(mimallocEntry)"), verify.stdout)
        // The printed command is the fix.
        let clean = try Harness.run(["deps", "clean", mimallocEntry], in: dir, cache: cache)
        XCTAssertEqual(clean.status, 0, clean.all)
        XCTAssertEqual(try Harness.run(["cache", "verify"], in: dir, cache: cache).status, 0)
    }

    private func findFile(_ root: String, _ matches: (String) -> Bool) throws -> String? {
        let e = FileManager.default.enumerator(atPath: root)
        while let item = e?.nextObject() as? String {
            if matches((item as NSString).lastPathComponent) { return root + "/" + item }
        }
        return nil
    }

    private func truncate(_ path: String, to size: Int) throws {
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: path))
        try handle.truncate(atOffset: UInt64(size))
        try handle.close()
    }

    // MARK: point 6: a cache that moves

    /// Cache A exports std and mimalloc; an empty cache B elsewhere imports them; a build
    /// with B uses both as they are (no rebuild) and produces the same bytes. (A release
    /// build: a debug build keeps zig's DWARF for its own runtime, which names zig's cache
    /// inside cargo-static's; README, "What is inside".)
    func testExportedEntriesAreHitsInAnotherCacheAndTheExecutableIsIdentical() throws {
        let dir = try Harness.fixture("hello")
        let first = try Harness.run(["build", "--release", "--json"], in: dir)
        XCTAssertEqual(first.status, 0, first.all)
        let std = try XCTUnwrap(try Harness.onlyResult(first).stdCacheEntry, first.all)
        let exe = try onlyExecutable(first)
        let bytesA = try Data(contentsOf: URL(fileURLWithPath: exe))

        let work = try Harness.temporaryDirectory("move")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let file = work + "/entries.tar"
        let export = try Harness.run(["cache", "export", "--json", file, std, "mimalloc"], in: dir)
        XCTAssertEqual(export.status, 0, export.all)
        let exported = try Harness.decode([CacheTransfer.Moved].self, export).map(\.entry)
        XCTAssertTrue(exported.contains("std/" + std), export.stdout)
        XCTAssertTrue(exported.contains { $0.hasPrefix("deps/x86_64-unknown-linux-musl/mimalloc-") }, export.stdout)

        let cacheB = work + "/elsewhere/cache B"
        let imported = try Harness.run(["cache", "import", file], in: dir, cache: cacheB)
        XCTAssertEqual(imported.status, 0, imported.all)
        XCTAssertEqual(imported.stdout.split(separator: "\n").filter { $0.hasPrefix("imported  ") }.count, exported.count, imported.all)

        let second = try Harness.run(["build", "--release", "--json", "--verbose"], in: dir, cache: cacheB)
        XCTAssertEqual(second.status, 0, second.all)
        XCTAssertEqual(try Harness.onlyResult(second).std, .hit, second.stderr)
        XCTAssertTrue(second.stderr.contains("allocator for x86_64-unknown-linux-musl: mimalloc"), second.stderr)
        XCTAssertTrue(second.stderr.contains("(cache hit)"), second.stderr)
        XCTAssertFalse(second.stderr.contains("Building mimalloc"), second.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: try onlyExecutable(second))), bytesA,
                       "the same project built with the imported entries must give the same executable")
        XCTAssertTrue(try Harness.runTool(try onlyExecutable(second), []).stdout.contains("Hello from a static executable!"))
    }

    /// A changed byte or a cut-off copy: refused, named, nothing imported.
    func testTamperedOrPartialArchiveIsRefused() throws {
        let std = try XCTUnwrap(sharedBuild("hello").stdCacheEntry)
        let work = try Harness.temporaryDirectory("tamper")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let file = work + "/std.tar"
        XCTAssertEqual(try Harness.run(["cache", "export", file, std], in: "/").status, 0)
        let original = try Data(contentsOf: URL(fileURLWithPath: file))
        let rlibName = Data("libstd.rlib".utf8)
        let at = try XCTUnwrap(original.firstRange(of: rlibName)).lowerBound
        // The member's contents start at the next 512-byte block after its header.
        var tampered = original
        let contents = (at / 512 + 1) * 512
        tampered[contents + 4000] ^= 0x01
        try tampered.write(to: URL(fileURLWithPath: work + "/tampered.tar"))
        try original.prefix(original.count / 2).write(to: URL(fileURLWithPath: work + "/partial.tar"))

        // The changed byte lands in a member's contents or in a header (depending on the
        // archive's layout): either way the archive is refused with the reason.
        for (name, reason) in [("tampered.tar", "SHA-256 differs|header is damaged"), ("partial.tar", "the archive ends in the middle of")] {
            let cache = work + "/cache-" + name
            let out = try Harness.run(["cache", "import", work + "/" + name], in: "/", cache: cache)
            XCTAssertEqual(out.status, 1, out.all)
            XCTAssertTrue(out.stderr.contains("refusing \(work)/\(name): it is not a complete, unmodified cache export; nothing was imported"), out.stderr)
            XCTAssertTrue(reason.split(separator: "|").contains { out.stderr.contains($0) }, out.stderr)
            XCTAssertTrue(out.stderr.contains("fix: export again"), out.stderr)
            let published = (try? FileManager.default.contentsOfDirectory(atPath: cache + "/std")) ?? []
            XCTAssertEqual(published, [], "nothing may be published from \(name)")
        }
    }

    // MARK: point 8: read-only cache, full disk, library crates, --target ""

    /// A cache on a read-only file system: the build names the cache and the way out; the
    /// entries can still be verified and exported from it.
    func testReadOnlyCacheIsNamedWithTheFix() throws {
        guard geteuid() == 0 else { throw XCTSkip("a read-only bind mount needs root") }
        let std = try XCTUnwrap(sharedBuild("hello").stdCacheEntry)
        let work = try Harness.temporaryDirectory("readonly")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try seed(work + "/cache", [std])
        let mountPoint = work + "/ro cache"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        guard try Self.mount(["--bind", work + "/cache", mountPoint]) else { throw XCTSkip("cannot bind-mount here") }
        defer { _ = try? Self.umount(mountPoint) }
        guard try Self.mount(["-o", "remount,bind,ro", mountPoint]) else { throw XCTSkip("cannot remount read-only here") }

        let dir = try Harness.fixture("hello")
        let out = try Harness.run(["build"], in: dir, cache: mountPoint)
        XCTAssertEqual(out.status, 1, out.all)
        XCTAssertTrue(out.stderr.contains("the cache \(mountPoint) cannot be written: it is on a read-only file system"), out.stderr)
        XCTAssertTrue(out.stderr.contains("fix: point CARGO_STATIC_CACHE at a writable directory"), out.stderr)
        XCTAssertTrue(out.stderr.contains("cargo-static cache export entries.tar, then cargo-static cache import entries.tar"), out.stderr)
        noFoundationText(out.stderr)
        let deps = try Harness.run(["deps", "build", "zlib"], in: dir, cache: mountPoint)
        XCTAssertTrue(deps.stderr.contains("cannot be written: it is on a read-only file system"), deps.stderr)
        let clean = try Harness.run(["cache", "clean"], in: dir, cache: mountPoint)
        XCTAssertEqual(clean.status, 1, clean.all)
        XCTAssertTrue(clean.stderr.contains("read-only file system"), clean.stderr)
        noFoundationText(clean.stderr)

        XCTAssertEqual(try Harness.run(["cache", "verify"], in: dir, cache: mountPoint).status, 0)
        let export = try Harness.run(["cache", "export", work + "/out.tar"], in: dir, cache: mountPoint)
        XCTAssertEqual(export.status, 0, export.all)
    }

    /// A full disk under the cache: each write says so with the path, never Foundation's
    /// "Code=640"; an import into it publishes nothing.
    func testFullDiskIsNamedWithTheFix() throws {
        guard geteuid() == 0 else { throw XCTSkip("mounting a small tmpfs needs root") }
        let std = try XCTUnwrap(sharedBuild("hello").stdCacheEntry)
        let work = try Harness.temporaryDirectory("fulldisk")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let file = work + "/std.tar"
        XCTAssertEqual(try Harness.run(["cache", "export", file, std], in: "/").status, 0)

        let tiny = work + "/tiny disk"
        try FileManager.default.createDirectory(atPath: tiny, withIntermediateDirectories: true)
        guard try Self.mount(["-t", "tmpfs", "-o", "size=4m", "tmpfs", tiny]) else { throw XCTSkip("cannot mount a tmpfs here") }
        defer { _ = try? Self.umount(tiny) }

        // An import larger than the disk.
        let imported = try Harness.run(["cache", "import", file], in: "/", cache: tiny + "/cache")
        XCTAssertEqual(imported.status, 1, imported.all)
        XCTAssertTrue(imported.stderr.contains("the disk holding \(tiny)/cache"), imported.stderr)
        XCTAssertTrue(imported.stderr.contains("is full"), imported.stderr)
        noFoundationText(imported.stderr)
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: tiny + "/cache/std")) ?? [], [])
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: tiny + "/cache/work")) ?? [], [], "the extraction is removed")

        // An export onto it.
        let export = try Harness.run(["cache", "export", tiny + "/out.tar", std], in: "/")
        XCTAssertEqual(export.status, 1, export.all)
        XCTAssertTrue(export.stderr.contains("the disk holding \(tiny)/out.tar is full"), export.stderr)
        noFoundationText(export.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tiny + "/out.tar"))

        // A build whose cache sits on a disk with no byte left.
        let filler = tiny + "/filler"
        FileManager.default.createFile(atPath: filler, contents: nil)
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: filler))
        while (try? handle.write(contentsOf: Data(count: 1 << 16))) != nil {}
        try? handle.close()
        let build = try Harness.run(["build"], in: try Harness.fixture("hello"), cache: tiny + "/cache")
        XCTAssertEqual(build.status, 1, build.all)
        XCTAssertTrue(build.stderr.contains("is full"), build.stderr)
        XCTAssertTrue(build.stderr.contains("fix: free some space"), build.stderr)
        noFoundationText(build.stderr)
    }

    /// Remembered answers (probes, notices, the first-link record, cargo metadata) that
    /// cannot be written cost time on the next build, never this build.
    func testMemosThatCannotBeWrittenDoNotFailTheBuild() throws {
        let std = try XCTUnwrap(sharedBuild("hello").stdCacheEntry)
        let cache = try Harness.temporaryDirectory("memos")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        try seed(cache, [std, "mimalloc"])
        // A directory where a memo file goes, a file where the memo directory goes.
        for memo in ["probes.json", "notices.json", "runtimes.json"] {
            try? FileManager.default.removeItem(atPath: cache + "/" + memo)
            try FileManager.default.createDirectory(atPath: cache + "/" + memo + "/blocked", withIntermediateDirectories: true)
        }
        try? FileManager.default.removeItem(atPath: cache + "/metadata")
        try Data("not a directory".utf8).write(to: URL(fileURLWithPath: cache + "/metadata"))
        let out = try Harness.run(["build", "--json"], in: try Harness.fixture("hello"), environment: Harness.sharedZigCache, cache: cache)
        XCTAssertEqual(out.status, 0, out.all)
        XCTAssertTrue(try Harness.runTool(try onlyExecutable(out), []).stdout.contains("Hello from a static executable!"))
    }

    /// A crate with no binary builds and says there was nothing to check.
    func testLibraryOnlyCrateBuildsWithANote() throws {
        _ = try sharedBuild("hello")
        let dir = try Harness.temporaryDirectory("libonly") + "/only-lib"
        try FileManager.default.createDirectory(atPath: dir + "/src", withIntermediateDirectories: true)
        try Data("[package]\nname = \"only-lib\"\nversion = \"0.1.0\"\nedition = \"2021\"\n".utf8).write(to: URL(fileURLWithPath: dir + "/Cargo.toml"))
        try Data("pub fn answer() -> u32 { 42 }\n".utf8).write(to: URL(fileURLWithPath: dir + "/src/lib.rs"))
        let out = try Harness.run(["build"], in: dir)
        XCTAssertEqual(out.status, 0, out.all)
        XCTAssertTrue(out.stderr.contains("no executable was built for x86_64-unknown-linux-musl (a library crate?): there was nothing to check"), out.stderr)
    }

    func testEmptyTargetIsAUsageError() throws {
        let out = try Harness.run(["build", "--target", ""], in: try Harness.fixture("hello"))
        XCTAssertEqual(out.status, 2, out.all)
        XCTAssertTrue(out.stderr.contains("--target needs a target triple"), out.stderr)
    }

    // MARK: mounts

    @discardableResult
    static func mount(_ args: [String]) throws -> Bool {
        try Harness.runTool("/bin/mount", args).status == 0
    }

    static func umount(_ path: String) throws -> Bool {
        try Harness.runTool("/bin/umount", [path]).status == 0
    }
}
