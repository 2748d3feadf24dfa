import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `cache export` and `cache import`: published entries (std, C libraries, generated
/// archives) carried between machines as one tar file. Entries hold no path of the cache
/// they were built in (keys name no cache path; C libraries are built for a logical
/// prefix), so an imported entry is a hit wherever the cache lives.
///
/// The archive mirrors the cache: `<area>/[<target>/]<name>/…` with each entry's
/// `entry.json` and `manifest.json`, and `cargo-static-export.json`, the index of the
/// entries with their manifests' digests. Import extracts into a private directory of
/// the receiving cache, checks every entry (its key against its name's fingerprint, every
/// file's size and SHA-256 against its manifest, nothing more, nothing missing) and only
/// then publishes each one with `CacheStore.adopt`: a tampered or incomplete archive
/// adds nothing.
public enum CacheTransfer {
    public static let indexName = "cargo-static-export.json"
    static let format = 1

    struct Index: Codable {
        let format: Int
        let entries: [IndexEntry]
    }

    struct IndexEntry: Codable, Equatable {
        let area: CacheArea
        let group: String?
        let name: String
        /// SHA-256 of the entry's manifest.json: ties the index to each entry.
        let manifest: String
        var directory: String { ([area.rawValue, group].compactMap { $0 } + [name]).joined(separator: "/") }
    }

    /// One entry written or read.
    public struct Moved: Codable {
        public let entry: String
        public let files: Int
        public let bytes: UInt64
        /// For imports: "imported", or "already cached" (the receiving cache had it).
        public let outcome: String?
    }

    // MARK: export

    /// Writes the published entries whose name or target contains one of `patterns` (all
    /// when there is none) to `file`, after checking each against its manifest (digests): a
    /// damaged entry is refused with its clean command rather than carried to other machines.
    @discardableResult
    public static func export(_ store: CacheStore, to file: String, matching patterns: [String], reporter: Reporter) throws -> [Moved] {
        let found = CacheArea.allCases.filter(\.transferable).flatMap(store.entries).filter { entry in
            patterns.isEmpty || patterns.contains { entry.name.contains($0) || (entry.group?.contains($0) ?? false) }
        }
        guard !found.isEmpty else {
            throw CargoStaticError(.badInput, patterns.isEmpty ? "the cache \(store.layout.shown) holds no entry to export"
                                   : "no cache entry in \(store.layout.shown) matches " + patterns.map { "`\($0)`" }.joined(separator: " or "),
                                   fix: "`cargo-static cache list` and `cargo-static deps list` show the entries; a build creates them")
        }
        var members: [TarEntry] = []
        var index: [IndexEntry] = []
        var moved: [Moved] = []
        let progress = reporter.task("checking \(found.count) cache entries before export", total: found.count, unit: "entries", estimate: nil)
        for (done, entry) in found.enumerated() {
            progress.update(done: done, item: entry.name)
            let (files, manifestDigest, size) = try exportMembers(entry, store: store)
            members += files
            index.append(IndexEntry(area: entry.area, group: entry.group, name: entry.name, manifest: manifestDigest))
            moved.append(Moved(entry: index.last!.directory, files: files.count, bytes: size, outcome: nil))
        }
        progress.finish()
        members.append(.file(indexName, bytes: try JSONEncoder.cache.encode(Index(format: format, entries: index))))
        let tmp = "\(file).tmp-\(getpid())"
        do {
            try FileSystem.makeDirectory((file as NSString).deletingLastPathComponent)
            try Tar.write(members, to: tmp)
            guard rename(tmp, file) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            unlink(tmp)
            throw FileSystem.explain(error, at: file)
        }
        return moved
    }

    /// An entry's files as archive members, after a full check against its manifest.
    private static func exportMembers(_ entry: CacheStore.Found, store: CacheStore) throws -> ([TarEntry], String, UInt64) {
        let problems = store.verify(entry, full: true)
        let label = ([entry.area.rawValue, entry.group].compactMap { $0 } + [entry.name]).joined(separator: "/")
        guard problems.isEmpty else {
            throw CargoStaticError(.cacheDamaged, "the cache entry \(label) is damaged: " + problems.prefix(3).joined(separator: "; "),
                                   fix: "remove it (\(CacheStore.cleanCommand(entry.area, name: entry.name))), build again, then export")
        }
        let manifestPath = entry.directory + "/manifest.json"
        let manifestData = try Data(contentsOf: URL(fileURLWithPath: manifestPath))
        let manifest = try JSONDecoder().decode(EntryManifest.self, from: manifestData)
        var members = [TarEntry.file(label + "/manifest.json", bytes: manifestData)]
        for file in manifest.files {
            if let link = file.link {
                members.append(.symlink(label + "/" + file.path, to: link))
            } else {
                let path = entry.directory + "/" + file.path
                let executable = FileManager.default.isExecutableFile(atPath: path)
                members.append(.file(label + "/" + file.path, mode: executable ? 0o755 : 0o644, from: path))
            }
        }
        return (members, SHA256.hex(manifestData), manifest.files.reduce(0) { $0 + $1.size })
    }

    // MARK: import

    /// Adds the entries of an archive written by `export` to `store`. Nothing is published
    /// unless every entry checks out.
    public static func importArchive(_ file: String, into store: CacheStore, reporter: Reporter) throws -> [Moved] {
        guard let handle = FileHandle(forReadingAtPath: file) else {
            throw CargoStaticError(.badInput, "cannot read \(file)", fix: "check the path (an archive written by `cargo-static cache export FILE`)")
        }
        defer { try? handle.close() }
        let scratch = store.layout.work + "/import-\(getpid())"
        try? FileManager.default.removeItem(atPath: scratch)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let index: Index
        do {
            try FileSystem.makeDirectory(scratch)
            index = try extract(TarInput(handle: handle), into: scratch)
        } catch let damaged as TarInput.Damaged {
            throw refusal(file, [damaged.description])
        } catch let refused as Refused {
            throw refusal(file, refused.problems)
        } catch {
            throw FileSystem.explain(error, at: store.layout.shown)
        }
        // Every entry is checked before any is published.
        var problems: [String] = []
        for entry in index.entries {
            let dir = scratch + "/" + entry.directory
            let id = entryID(entry, directory: dir)
            let manifest = FileManager.default.contents(atPath: dir + "/manifest.json").map(SHA256.hex)
            if manifest == nil { problems.append("\(entry.directory): missing from the archive"); continue }
            if manifest != entry.manifest { problems.append("\(entry.directory): manifest.json differs from the one the index names") }
            problems += CacheStore.problems(ofComplete: dir, as: id).map { "\(entry.directory): \($0)" }
        }
        guard problems.isEmpty else { throw refusal(file, problems) }
        return try index.entries.map { entry in
            let dir = scratch + "/" + entry.directory
            let id = entryID(entry, directory: dir)
            let size = directorySize(dir)
            let count = (try? EntryManifest.walk(dir).count) ?? 0
            let outcome = try store.adopt(id, from: dir, reporter: reporter)
            return Moved(entry: entry.directory, files: count, bytes: size, outcome: outcome == .built ? "imported" : "already cached")
        }
    }

    private struct Refused: Error { let problems: [String] }

    private static func refusal(_ file: String, _ problems: [String]) -> CargoStaticError {
        CargoStaticError(.cacheDamaged, "refusing \(file): it is not a complete, unmodified cache export; nothing was imported",
                         fix: "export again on the machine that built the entries (`cargo-static cache export FILE`), copy the whole file, and check it arrived intact (its size and sha256sum)",
                         detail: problems.prefix(8).map { "  " + $0 }.joined(separator: "\n")
                            + (problems.count > 8 ? "\n  … and \(problems.count - 8) more" : ""))
    }

    private static func entryID(_ entry: IndexEntry, directory: String) -> EntryID {
        let key = FileManager.default.contents(atPath: directory + "/entry.json")
            .flatMap { try? JSONDecoder().decode(CacheStore.StoredKey.self, from: $0) }?.key ?? ""
        return EntryID(area: entry.area, group: entry.group, name: entry.name, key: key)
    }

    /// Writes every member under `scratch` and returns the index. Members must lie inside
    /// an entry the index names; nothing is written through a symbolic link.
    private static func extract(_ input: TarInput, into scratch: String) throws -> Index {
        var members: [TarInput.Member] = []
        var links = Set<String>()
        var indexData: Data?
        while let member = try input.next() {
            if let link = links.first(where: { member.path.hasPrefix($0 + "/") }) {
                throw Refused(problems: ["\(member.path): inside the symbolic link \(link)"])
            }
            let path = scratch + "/" + member.path
            var st = stat()
            if member.kind != .directory, lstat(path, &st) == 0 {
                throw Refused(problems: ["\(member.path): appears twice"])
            }
            switch member.kind {
            case .directory:
                try FileSystem.makeDirectory(path)
            case .symlink(let target):
                guard !target.hasPrefix("/"), stays(target, within: member.path) else {
                    throw Refused(problems: ["\(member.path): a symbolic link out of its entry (\(target))"])
                }
                try FileSystem.makeDirectory((path as NSString).deletingLastPathComponent)
                try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
                links.insert(member.path)
            case .file:
                if member.path == indexName {
                    var data = Data()
                    try input.readContent { data.append($0) }
                    indexData = data
                    continue
                }
                try FileSystem.makeDirectory((path as NSString).deletingLastPathComponent)
                try writeContent(input, to: path)
            }
            members.append(member)
        }
        guard let indexData, let index = try? JSONDecoder().decode(Index.self, from: indexData) else {
            throw Refused(problems: ["it has no readable \(indexName): it was not written by `cargo-static cache export`"])
        }
        guard index.format == format else {
            throw Refused(problems: ["it is in export format \(index.format); this cargo-static reads format \(format)"])
        }
        let roots = Set(index.entries.map(\.directory))
        let ancestors = Set(roots.flatMap { root in root.split(separator: "/").indices.map { root.split(separator: "/").prefix($0 + 1).joined(separator: "/") } })
        for member in members where !ancestors.contains(member.path) && !roots.contains(where: { member.path.hasPrefix($0 + "/") }) {
            throw Refused(problems: ["\(member.path): belongs to no entry the index names"])
        }
        for entry in index.entries where !validName(entry) {
            throw Refused(problems: ["\(entry.directory): not a cache entry name"])
        }
        return index
    }

    private static func validName(_ entry: IndexEntry) -> Bool {
        let parts = [entry.group, entry.name].compactMap { $0 }
        // A toolchain directory runs the rustc it holds: only this machine makes them.
        return entry.area.transferable && (entry.area == .std) == (entry.group == nil)
            && parts.allSatisfy { !$0.isEmpty && !$0.hasPrefix(".") && !$0.contains("/") && $0 != ".." }
    }

    /// Whether a relative link at `path` resolves below the entry it is in (the first
    /// components `<area>/[<target>/]<name>` of `path`).
    static func stays(_ target: String, within path: String) -> Bool {
        var parts = path.split(separator: "/").dropLast().map(String.init)
        let entryDepth = parts.first == CacheArea.std.rawValue ? 2 : 3
        for component in target.split(separator: "/") {
            switch component {
            case ".": continue
            case "..":
                guard parts.count > entryDepth else { return false }
                parts.removeLast()
            default: parts.append(String(component))
            }
        }
        return parts.count >= entryDepth
    }

    private static func writeContent(_ input: TarInput, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let out = FileHandle(forWritingAtPath: path) else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        defer { try? out.close() }
        try input.readContent { try out.write(contentsOf: $0) }
    }
}
