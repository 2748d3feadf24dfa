import XCTest
@testable import CargoStaticCore

/// The writers never follow a link they did not make, and `cache import` is all or
/// nothing: the exploits of issue 20 reproduced, and a fuzz test of import.
final class ImportSafetyTests: XCTestCase {
    private var base = ""
    private let quiet = Reporter(quiet: true)
    private struct Meta: Codable { let key: String }

    override func setUpWithError() throws {
        base = try scratchDirectory("import-safety")
    }

    /// A small synthetic cache: a std entry with a nested file and a C library entry.
    private func populated(_ root: String) throws -> (CacheStore, [EntryID]) {
        let store = CacheStore(root: root)
        let std = EntryID(area: .std, group: nil, prefix: "x86_64-unknown-linux-musl-1.0-default", key: "std key")
        let lib = EntryID(area: .deps, group: "x86_64-unknown-linux-musl", prefix: "mimalloc-2.1", key: "lib key")
        try store.ensure(std, reporter: quiet, waitMessage: "") { staging in
            try FileSystem.write(Data(repeating: 1, count: 700), to: staging + "/sysroot/lib/rustlib/libstd-abc.rlib")
            try FileSystem.write("#!/bin/sh\n", to: staging + "/sysroot/bin/tool", mode: 0o755)
            return Meta(key: std.key)
        }
        try store.ensure(lib, reporter: quiet, waitMessage: "") { staging in
            try FileSystem.write(Data(repeating: 2, count: 300), to: staging + "/prefix/lib/libmimalloc.a")
            return Meta(key: lib.key)
        }
        return (store, [std, lib])
    }

    /// Everything below `root`: type, mode, and contents' digest or link target.
    static func listing(_ root: String) -> [String] {
        var out: [String] = []
        var pending = [""]
        while let relative = pending.popLast() {
            let dir = relative.isEmpty ? root : root + "/" + relative
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() {
                let rel = relative.isEmpty ? name : relative + "/" + name
                let path = root + "/" + rel
                var st = stat()
                guard lstat(path, &st) == 0 else { continue }
                let mode = String(st.st_mode, radix: 8)
                switch st.st_mode & S_IFMT {
                case S_IFDIR: out.append("d \(mode) \(rel)"); pending.append(rel)
                case S_IFLNK: out.append("l \(rel) -> \((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?")")
                default: out.append("f \(mode) \(rel) \((try? SHA256.hex(file: path)) ?? "?")")
                }
            }
        }
        return out.sorted()
    }

    /// The cache's state that an import may change: everything but the locks and the work directory.
    static func cacheListing(_ store: CacheStore) -> [String] {
        listing(store.layout.root).filter { !$0.contains(" locks") && !$0.contains(" work") && !$0.hasPrefix("l locks") && !$0.hasPrefix("l work") }
    }

    private func members(of file: String) throws -> [TarEntry] {
        let handle = FileHandle(forReadingAtPath: file)!
        defer { try? handle.close() }
        let input = TarInput(handle: handle)
        var out: [TarEntry] = []
        while let member = try input.next() {
            switch member.kind {
            case .directory: out.append(.directory(member.path))
            case .symlink(let target): out.append(.symlink(member.path, to: target))
            case .file:
                var data = Data()
                try input.readContent { data.append($0) }
                out.append(.file(member.path, mode: member.mode, bytes: data))
            }
        }
        return out
    }

    /// The members in this order, repeats kept (`Tar.data` sorts and refuses repeats): each
    /// member archived alone (with its parent directories), without its end-of-archive blocks.
    static func rawTar(_ members: [TarEntry]) throws -> Data {
        var out = Data()
        for member in members { out += try Tar.data([member]).dropLast(2 * Tar.blockSize) }
        return out + Data(count: 2 * Tar.blockSize)
    }

    private func index(_ entries: [(String, String?, String, String)]) -> TarEntry {
        let items = entries.map { area, group, name, manifest in
            "{\"area\":\"\(area)\",\(group.map { "\"group\":\"\($0)\"," } ?? "")\"name\":\"\(name)\",\"manifest\":\"\(manifest)\"}"
        }
        return .file(CacheTransfer.indexName, bytes: Data("{\"format\":1,\"entries\":[\(items.joined(separator: ","))]}".utf8))
    }

    // MARK: the exploits

    /// A chain of links that spells paths inside the entry but resolves outside it, then a
    /// directory member on the last link: the old import chmod-ed the file it reached to
    /// 0755. Now no link is taken from an archive, the victim keeps its mode, nothing is published.
    func testLinkChainInAnArchiveCannotChmodAFileOutsideTheCache() throws {
        let victim = base + "/victim"
        try Data("secret".utf8).write(to: URL(fileURLWithPath: victim))
        chmod(victim, 0o600)
        let store = CacheStore(root: base + "/cache")
        try FileSystem.makeDirectory(store.layout.root)
        let entry = "archives/t/libx-\(Fingerprint.hex("k"))"
        // scratch = cache/work/import-PID; entry = scratch/archives/t/libx-…: six levels below base.
        var members: [TarEntry] = [index([("archives", "t", "libx-\(Fingerprint.hex("k"))", "0")]),
                                   .directory(entry + "/d"), .symlink(entry + "/d/up", to: "..")]
        members.append(.symlink(entry + "/u1", to: "d/up/.."))
        for k in 2...6 { members.append(.symlink(entry + "/u\(k)", to: "d/up/u\(k - 1)/..")) }
        members.append(.symlink(entry + "/v", to: "d/up/u6/victim"))
        members.append(.directory(entry + "/v"))
        try Self.rawTar(members).write(to: URL(fileURLWithPath: base + "/evil.tar"))
        let before = Self.cacheListing(store)
        XCTAssertThrowsError(try CacheTransfer.importArchive(base + "/evil.tar", into: store, reporter: quiet)) { error in
            XCTAssertTrue("\(error)".contains("a symbolic link"), "\(error)")
        }
        var st = stat()
        XCTAssertEqual(lstat(victim, &st), 0)
        XCTAssertEqual(st.st_mode & 0o7777, 0o600, "the file outside the cache keeps its mode")
        XCTAssertEqual(Self.cacheListing(store), before)
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: store.layout.work)) ?? [], [])
    }

    /// A link member that leads out of its entry is refused at import.
    func testLinkLeavingItsEntryIsRefusedAtImport() throws {
        let (a, ids) = try populated(base + "/a")
        try CacheTransfer.export(a, to: base + "/ok.tar", matching: [], reporter: quiet)
        var members = try members(of: base + "/ok.tar")
        members.insert(.symlink(ids[1].description + "/prefix/lib/escape", to: "../../../../../../../etc"), at: 1)
        try Tar.data(members).write(to: URL(fileURLWithPath: base + "/link.tar"))
        let b = CacheStore(root: base + "/b")
        XCTAssertThrowsError(try CacheTransfer.importArchive(base + "/link.tar", into: b, reporter: quiet)) { error in
            XCTAssertTrue("\(error)".contains("prefix/lib/escape: a symbolic link"), "\(error)")
        }
        XCTAssertTrue(b.entries(.std).isEmpty && b.entries(.deps).isEmpty)
    }

    /// `cache verify` reports a link or a special file found in a published entry.
    func testCacheVerifyReportsLinksAndSpecialFiles() throws {
        let (store, ids) = try populated(base + "/a")
        XCTAssertTrue(CacheCommands.verify(store, full: true).problems.isEmpty)
        try FileManager.default.createSymbolicLink(atPath: store.layout.prefix(ids[1]) + "/lib/outside", withDestinationPath: "/etc")
        XCTAssertEqual(mkfifo(store.layout.sysroot(ids[0]) + "/fifo", 0o644), 0)
        let problems = CacheCommands.verify(store, full: false).problems.flatMap(\.problems)
        XCTAssertTrue(problems.contains { $0.contains("prefix/lib/outside: a symbolic link") }, "\(problems)")
        XCTAssertTrue(problems.contains { $0.contains("sysroot/fifo: a special file") }, "\(problems)")
        XCTAssertThrowsError(try CacheTransfer.export(store, to: base + "/x.tar", matching: [], reporter: quiet))
    }

    /// An index that lists the same entry twice: refused, and the cache is exactly as before.
    func testFailedImportLeavesTheCacheExactlyAsItWas() throws {
        let (a, ids) = try populated(base + "/a")
        try CacheTransfer.export(a, to: base + "/ok.tar", matching: [], reporter: quiet)
        var members = try members(of: base + "/ok.tar")
        let at = members.firstIndex { $0.path == CacheTransfer.indexName }!
        let indexData: Data = {
            if case .bytes(let data) = members[at].content { return data }
            return Data()
        }()
        let index = try decode(CacheTransfer.Index.self, from: indexData)
        let first = try XCTUnwrap(index.entries.first)
        let twice = CacheTransfer.Index(format: index.format, entries: index.entries + [first])
        members[at] = .file(CacheTransfer.indexName, bytes: try JSONEncoder().encode(twice))
        try Tar.data(members).write(to: URL(fileURLWithPath: base + "/twice.tar"))

        // The receiving cache already holds one unrelated entry.
        let b = CacheStore(root: base + "/b")
        let other = EntryID(area: .archives, group: "t", prefix: "liby", key: "y")
        try b.ensure(other, reporter: quiet, waitMessage: "") { staging in
            try FileSystem.write("y", to: staging + "/liby.a")
            return Meta(key: "y")
        }
        let before = Self.cacheListing(b)
        XCTAssertThrowsError(try CacheTransfer.importArchive(base + "/twice.tar", into: b, reporter: quiet)) { error in
            XCTAssertTrue("\(error)".contains("listed twice"), "\(error)")
        }
        XCTAssertEqual(Self.cacheListing(b), before)
        XCTAssertEqual(b.state(ids[0]), .missing)
    }

    // MARK: writers refuse what is in the way

    /// `--artifact-dir FILE` and `cache export FILE/x.tar`: refused, and the file keeps its mode.
    func testAFileWhereADirectoryBelongsIsRefusedUntouched() throws {
        let file = base + "/file"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: file))
        chmod(file, 0o600)
        XCTAssertThrowsError(try FileSystem.makeDirectory(file)) { error in
            XCTAssertTrue("\(error)".contains("refusing to write \(file): \(file) is not a directory"), "\(error)")
        }
        XCTAssertThrowsError(try FileSystem.write("x", to: file + "/x"))
        XCTAssertThrowsError(try FileSystem.copy(file, to: file + "/sub/y"))
        let (a, _) = try populated(base + "/a")
        XCTAssertThrowsError(try CacheTransfer.export(a, to: file + "/x.tar", matching: [], reporter: quiet)) { error in
            XCTAssertTrue("\(error)".contains("is not a directory"), "\(error)")
        }
        var st = stat()
        XCTAssertEqual(lstat(file, &st), 0)
        XCTAssertEqual(st.st_mode & 0o7777, 0o600)
        XCTAssertEqual(FileManager.default.contents(atPath: file), Data("keep".utf8))
    }

    /// The user's own link to a directory (`~/.cache -> /data/cache`, a project under a linked
    /// path) is followed, and what lies beyond it is walked by the same rules.
    func testTheUsersOwnLinksAreFollowed() throws {
        let real = base + "/real"
        try FileSystem.makeDirectory(real)
        try FileManager.default.createSymbolicLink(atPath: base + "/cache", withDestinationPath: real)
        try FileManager.default.createSymbolicLink(atPath: base + "/relative", withDestinationPath: "real")
        try FileSystem.write("a", to: base + "/cache/sub/file")
        try FileSystem.write("b", to: base + "/relative/other")
        XCTAssertEqual(FileManager.default.contents(atPath: real + "/sub/file"), Data("a".utf8))
        XCTAssertEqual(FileManager.default.contents(atPath: real + "/other"), Data("b".utf8))
        // A loop ends in a refusal, not a hang.
        try FileManager.default.createSymbolicLink(atPath: base + "/loop", withDestinationPath: base + "/loop")
        XCTAssertThrowsError(try FileSystem.write("c", to: base + "/loop/x"))
    }

    /// A link where a directory belongs (or as the file to write) is not followed when someone
    /// else could have made it: here it sits in a directory others may write to.
    func testLinksInTheWayAreNotFollowed() throws {
        let elsewhere = base + "/elsewhere"
        try FileSystem.makeDirectory(elsewhere)
        let target = elsewhere + "/target"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: target))
        chmod(target, 0o600)
        let shared = base + "/shared"
        try FileSystem.makeDirectory(shared)
        chmod(shared, 0o777)
        defer { chmod(shared, 0o755) }
        try FileManager.default.createSymbolicLink(atPath: shared + "/dirlink", withDestinationPath: elsewhere)
        try FileManager.default.createSymbolicLink(atPath: base + "/filelink", withDestinationPath: target)
        XCTAssertThrowsError(try FileSystem.write("x", to: shared + "/dirlink/new")) { error in
            XCTAssertTrue("\(error)".contains("\(shared)/dirlink is a symbolic link"), "\(error)")
        }
        XCTAssertThrowsError(try FileSystem.makeDirectory(shared + "/dirlink/sub"))
        XCTAssertThrowsError(try FileSystem.makeDirectory(base + "/filelink"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: elsewhere + "/new"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: elsewhere + "/sub"))
        // Writing a file over a link replaces the link; what it named is untouched.
        try FileSystem.write("new", to: base + "/filelink")
        XCTAssertEqual(FileSystem.kind(base + "/filelink"), .regular)
        XCTAssertEqual(FileManager.default.contents(atPath: target), Data("keep".utf8))
        // Permissions are normalised without following links.
        try FileSystem.makeDirectory(base + "/tree")
        try FileManager.default.createSymbolicLink(atPath: base + "/tree/link", withDestinationPath: target)
        try FileSystem.normalisePermissions(base + "/tree")
        var st = stat()
        XCTAssertEqual(stat(target, &st), 0)
        XCTAssertEqual(st.st_mode & 0o7777, 0o600)
        // ArtifactDirectory's writer: a link someone else could have made as the directory is refused.
        try FileManager.default.createSymbolicLink(atPath: shared + "/artifacts", withDestinationPath: elsewhere)
        XCTAssertThrowsError(try FileSystem.copy(target, to: shared + "/artifacts/prog"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: elsewhere), ["target"])
    }

    // MARK: fuzz

    /// A valid export mutated a thousand times (member kinds, link targets, path
    /// components, order, duplicates, index entries, bytes): each import either publishes
    /// complete, intact entries or fails and leaves the cache exactly as it was; nothing
    /// outside the cache ever changes. A fixed seed makes a failure reproducible.
    func testFuzzedImportsChangeNothingOutsideAndPublishNothingPartial() throws {
        let (a, ids) = try populated(base + "/a")
        try CacheTransfer.export(a, to: base + "/ok.tar", matching: [], reporter: quiet)
        let valid = try members(of: base + "/ok.tar")
        let outside = base + "/outside"
        try FileSystem.makeDirectory(outside + "/dir")
        try Data("victim".utf8).write(to: URL(fileURLWithPath: outside + "/victim"))
        chmod(outside + "/victim", 0o600)
        let store = CacheStore(root: base + "/cache")
        try FileSystem.makeDirectory(store.layout.root)
        try Data().write(to: URL(fileURLWithPath: base + "/fuzz.tar"))
        let outsideBefore = Self.listing(outside) + ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).sorted()
        let targets = ["..", "../..", "../../../../../../..", "/", outside, outside + "/victim", ".", "d/up/..", "sysroot",
                       "prefix/lib/libmimalloc.a", "../\(ids[0].name)", "x/../../..", ""]
        let components = ["..", ".", "", "work", "locks", ids[0].name, ids[1].name, "std", "deps", ".staging-\(ids[1].name)", "a b", "é"]
        var rng = SplitMix(seed: 0x5EED_2020)
        var imported = 0
        var refused = 0
        var known: [String]? = nil
        for round in 0..<1000 {
            var members = valid
            for _ in 0..<(1 + rng.next(3)) { mutate(&members, &rng, targets: targets, components: components) }
            var data: Data
            do { data = try Self.rawTar(members) } catch { continue }
            if rng.next(8) == 0, !data.isEmpty {
                let at = rng.next(data.count)
                data[at] ^= UInt8(1 + rng.next(255))
            }
            try data.write(to: URL(fileURLWithPath: base + "/fuzz.tar"))
            let before = known ?? Self.cacheListing(store)
            known = nil
            do {
                _ = try CacheTransfer.importArchive(base + "/fuzz.tar", into: store, reporter: quiet)
                imported += 1
                let problems = CacheCommands.verify(store, full: false).problems
                XCTAssertTrue(problems.isEmpty, "round \(round): a published entry is not intact: \(problems.map(\.problems))")
                for found in CacheArea.allCases.flatMap { store.entries($0) } {
                    XCTAssertTrue(ids.contains { $0.name == found.name }, "round \(round): \(found.name) published")
                }
            } catch {
                refused += 1
                let after = Self.cacheListing(store)
                known = after
                if after != before {
                    XCTFail("round \(round): a failed import changed the cache: \(Set(after).symmetricDifference(before).sorted().prefix(5))")
                    break
                }
            }
            let outsideAfter = Self.listing(outside) + ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).sorted()
            if outsideAfter != outsideBefore {
                XCTFail("round \(round): something outside the cache changed: \(Set(outsideAfter).symmetricDifference(outsideBefore).sorted().prefix(5))")
                break
            }
            // Start again from an empty cache now and then, so that imports keep publishing.
            if round % 50 == 0 { try FileSystem.removeTree(store.layout.root); try FileSystem.makeDirectory(store.layout.root); known = nil }
        }
        XCTAssertGreaterThan(refused, 250, "the mutations must produce refusals")
        XCTAssertGreaterThan(imported, 0, "some mutations (reordering) leave a valid archive")
    }

    private func mutate(_ members: inout [TarEntry], _ rng: inout SplitMix, targets: [String], components: [String]) {
        guard !members.isEmpty else { return }
        let i = rng.next(members.count)
        let path = members[i].path
        switch rng.next(9) {
        case 0: members[i] = .symlink(path, to: targets[rng.next(targets.count)])
        case 1: members[i] = .directory(path)
        case 2: members[i] = .file(path, bytes: Data("x".utf8))
        case 3:
            var parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            parts[rng.next(parts.count)] = components[rng.next(components.count)]
            if rng.next(2) == 0 { parts.insert(components[rng.next(components.count)], at: rng.next(parts.count + 1)) }
            members[i] = TarEntry(path: parts.joined(separator: "/"), mode: members[i].mode, content: members[i].content)
        case 4: members.swapAt(i, rng.next(members.count))
        case 5: members.insert(members[i], at: rng.next(members.count + 1))
        case 6: members.remove(at: i)
        case 7:
            // A link, then a member through it or on it.
            let dir = (path as NSString).deletingLastPathComponent
            let link = (dir.isEmpty ? "" : dir + "/") + "l\(rng.next(4))"
            members.insert(.symlink(link, to: targets[rng.next(targets.count)]), at: i)
            members.insert(rng.next(2) == 0 ? .directory(link) : .file(link + "/victim", bytes: Data("y".utf8)), at: i + 1)
        default:
            // The index: an entry twice, or one dropped.
            guard let last = members.lastIndex(where: { $0.path == CacheTransfer.indexName }),
                  case .bytes(let data) = members[last].content,
                  // An earlier mutation may have broken the index already: then there is nothing to reorder.
                  let index = try? JSONDecoder().decode(CacheTransfer.Index.self, from: data), !index.entries.isEmpty else { return }
            var entries = index.entries
            if rng.next(2) == 0 { entries.append(entries[rng.next(entries.count)]) } else { entries.remove(at: rng.next(entries.count)) }
            if let encoded = try? JSONEncoder().encode(CacheTransfer.Index(format: index.format, entries: entries)) {
                members[last] = .file(CacheTransfer.indexName, bytes: encoded)
            }
        }
    }
}

/// A small deterministic generator (SplitMix64), so a fuzz failure can be replayed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Int(z % UInt64(max(bound, 1)))
    }
}
