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

    /// One entry of an export, or one entry staged for `publishStaged`.
    public struct IndexEntry: Codable, Equatable {
        public let area: CacheArea
        public let group: String?
        public let name: String
        /// SHA-256 of the entry's manifest.json: ties the index to each entry.
        public let manifest: String
        public var directory: String { ([area.rawValue, group].compactMap { $0 } + [name]).joined(separator: "/") }

        public init(area: CacheArea, group: String?, name: String, manifest: String) {
            self.area = area
            self.group = group
            self.name = name
            self.manifest = manifest
        }
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
        let found = CacheArea.allCases.filter(\.transferable).flatMap { store.entries($0) }.filter { entry in
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
            let (files, manifestDigest, size) = try exportMembers(entry, store: store)
            members += files
            index.append(IndexEntry(area: entry.area, group: entry.group, name: entry.name, manifest: manifestDigest))
            moved.append(Moved(entry: index.last!.directory, files: files.count, bytes: size, outcome: nil))
            progress.update(done: done + 1, item: entry.name)
        }
        progress.finish()
        members.append(.file(indexName, bytes: try JSONEncoder.cache.encode(Index(format: format, entries: index))))
        do {
            try Tar.write(members, to: file)
        } catch {
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
            let path = entry.directory + "/" + file.path
            let executable = FileManager.default.isExecutableFile(atPath: path)
            members.append(.file(label + "/" + file.path, mode: executable ? 0o755 : 0o644, from: path))
        }
        return (members, SHA256.hex(manifestData), manifest.files.reduce(0) { $0 + $1.size })
    }

    // MARK: import

    /// Adds the entries of an archive written by `export` to `store`, all or nothing: the
    /// archive is extracted into a private staging directory of the receiving cache (regular
    /// files and directories only: a link, a device or a repeated member refuses the whole
    /// archive), every entry is checked there, and only then is each published with one
    /// rename (`publishStaged`).
    public static func importArchive(_ file: String, into store: CacheStore, reporter: Reporter) throws -> [Moved] {
        try importArchives([file], into: store, reporter: reporter)
    }

    /// Several archives as one import (`cache pull`'s blobs): all are extracted and checked
    /// before any entry is published, so a bad one leaves the cache as it was.
    public static func importArchives(_ files: [String], into store: CacheStore, reporter: Reporter) throws -> [Moved] {
        let scratch = store.layout.work + "/import-\(getpid())"
        try FileSystem.removeTree(scratch)
        defer { try? FileSystem.removeTree(scratch) }
        var staged: [(root: String, entry: IndexEntry)] = []
        for (n, file) in files.enumerated() {
            guard let handle = FileHandle(forReadingAtPath: file) else {
                throw CargoStaticError(.badInput, "cannot read \(file)", fix: "check the path (an archive written by `cargo-static cache export FILE`)")
            }
            defer { try? handle.close() }
            let root = files.count == 1 ? scratch : scratch + "/\(n)"
            do {
                let index = try extract(TarInput(handle: handle), into: try FileSystem.openDirectory(root, create: true))
                staged += index.entries.map { (root, $0) }
            } catch let damaged as TarInput.Damaged {
                throw refusal(file, [damaged.description])
            } catch let refused as Refused {
                throw refusal(file, refused.problems)
            } catch let error as CargoStaticError {
                throw error
            } catch {
                throw FileSystem.explain(error, at: store.layout.shown)
            }
        }
        do {
            return try publishStaged(staged, into: store, reporter: reporter)
        } catch let refused as Refused {
            throw refusal(files.count == 1 ? files[0] : "the \(files.count) archives", refused.problems)
        }
    }

    /// Checks every entry staged under `staging` (as `<area>/[<group>/]<name>/`, on the
    /// cache's file system) and, when all check out, publishes each with one rename
    /// (`CacheStore.adopt`). The checks: entry names, no entry twice, each entry's
    /// manifest.json the one `entries` names, its key the one its name fingerprints, its
    /// files exactly the manifest's (sizes and SHA-256), regular files and directories only.
    /// When a publication fails, the entries this call published are removed again, so the
    /// cache is left as it was. The entry directories are consumed.
    public static func publishStaged(_ staging: String, entries: [IndexEntry], into store: CacheStore, reporter: Reporter) throws -> [Moved] {
        try publishStaged(entries.map { (staging, $0) }, into: store, reporter: reporter)
    }

    /// The same for entries staged under several roots (one per archive).
    static func publishStaged(_ staged: [(root: String, entry: IndexEntry)], into store: CacheStore, reporter: Reporter) throws -> [Moved] {
        var problems: [String] = []
        var seen = Set<String>()
        for (_, entry) in staged {
            if !seen.insert(entry.directory).inserted { problems.append("\(entry.directory): listed twice in the index") }
            if !validName(entry) { problems.append("\(entry.directory): not a cache entry name") }
        }
        guard problems.isEmpty else { throw Refused(problems: problems) }
        for (staging, entry) in staged {
            let root = try FileSystem.openDirectory(staging)
            let dir = staging + "/" + entry.directory
            guard (try? root.subdirectory(entry.directory, create: false)) != nil else {
                problems.append("\(entry.directory): missing from the archive (or not a directory)"); continue
            }
            let id = entryID(entry, directory: dir)
            let manifest = FileSystem.kind(dir + "/manifest.json") == .regular ? FileManager.default.contents(atPath: dir + "/manifest.json").map(SHA256.hex) : nil
            if manifest == nil { problems.append("\(entry.directory): manifest.json is missing"); continue }
            if manifest != entry.manifest { problems.append("\(entry.directory): manifest.json differs from the one the index names") }
            problems += CacheStore.problems(ofComplete: dir, as: id).map { "\(entry.directory): \($0)" }
        }
        guard problems.isEmpty else { throw Refused(problems: problems) }
        var published: [EntryID] = []
        do {
            return try staged.map { staging, entry in
                let dir = staging + "/" + entry.directory
                let id = entryID(entry, directory: dir)
                let files = (try? EntryManifest.contents(dir))?.filter { $0.kind == .regular } ?? []
                let size = files.reduce(UInt64(0)) { total, file in
                    total + ((try? FileManager.default.attributesOfItem(atPath: dir + "/" + file.path)[.size] as? UInt64) ?? 0)
                }
                let wasMissing = store.state(id) == .missing
                let outcome = try store.adopt(id, from: dir, reporter: reporter)
                if outcome == .built, wasMissing { published.append(id) }
                return Moved(entry: entry.directory, files: files.count, bytes: size, outcome: outcome == .built ? "imported" : "already cached")
            }
        } catch {
            for id in published { try? FileSystem.removeTree(store.layout.entry(id)) }
            throw error
        }
    }

    struct Refused: Error { let problems: [String] }

    private static func refusal(_ file: String, _ problems: [String]) -> CargoStaticError {
        CargoStaticError(.cacheDamaged, "refusing \(file): it is not a complete, unmodified cache export; nothing was imported",
                         fix: "export again on the machine that built the entries (`cargo-static cache export FILE`), copy the whole file, and check it arrived intact (its size and sha256sum)",
                         detail: problems.prefix(8).map { "  " + $0 }.joined(separator: "\n")
                            + (problems.count > 8 ? "\n  … and \(problems.count - 8) more" : ""))
    }

    private static func entryID(_ entry: IndexEntry, directory: String) -> EntryID {
        let key = (FileSystem.kind(directory + "/entry.json") == .regular ? FileManager.default.contents(atPath: directory + "/entry.json") : nil)
            .flatMap { try? JSONDecoder().decode(CacheStore.StoredKey.self, from: $0) }?.key ?? ""
        return EntryID(area: entry.area, group: entry.group, name: entry.name, key: key)
    }

    /// Writes every member under `scratch` and returns the index. Only regular files and
    /// directories are taken; every path is created component by component below `scratch`
    /// without following links (there are none: none is ever made), a file is created only
    /// where nothing exists yet, and members must lie inside an entry the index names.
    private static func extract(_ input: TarInput, into scratch: Directory) throws -> Index {
        var members: [String] = []
        var files = Set<String>()
        var indexData: Data?
        while let member = try input.next() {
            let parts = member.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
                throw Refused(problems: ["\(member.path): not a plain relative path"])
            }
            do {
                switch member.kind {
                case .symlink(let target):
                    throw Refused(problems: ["\(member.path): a symbolic link (to \(target)); cache entries hold regular files and directories only, and cargo-static takes no link from an archive"])
                case .directory:
                    if files.contains(member.path) { throw Refused(problems: ["\(member.path): both a file and a directory"]) }
                    _ = try scratch.subdirectory(member.path, create: true)
                case .file:
                    guard files.insert(member.path).inserted else { throw Refused(problems: ["\(member.path): appears twice"]) }
                    if member.path == indexName {
                        var data = Data()
                        try input.readContent { data.append($0) }
                        indexData = data
                        continue
                    }
                    let parent = try scratch.subdirectory(parts.dropLast().joined(separator: "/"), create: true)
                    let out = try parent.createNew(parts.last!)
                    defer { close(out) }
                    try input.readContent { chunk in
                        try chunk.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
                            if let base = bytes.baseAddress { try Directory.writeAll(out, base, count: bytes.count) }
                        }
                    }
                }
            } catch let error as CargoStaticError {
                throw Refused(problems: ["\(member.path): \(error.message)"])
            }
            members.append(member.path)
        }
        guard let indexData, let index = try? JSONDecoder().decode(Index.self, from: indexData) else {
            throw Refused(problems: ["it has no readable \(indexName): it was not written by `cargo-static cache export`"])
        }
        guard index.format == format else {
            throw Refused(problems: ["it is in export format \(index.format); this cargo-static reads format \(format)"])
        }
        let roots = Set(index.entries.map(\.directory))
        let ancestors = Set(roots.flatMap { root in root.split(separator: "/").indices.map { root.split(separator: "/").prefix($0 + 1).joined(separator: "/") } })
        for member in members where !ancestors.contains(member) && !roots.contains(where: { member.hasPrefix($0 + "/") }) {
            throw Refused(problems: ["\(member): belongs to no entry the index names"])
        }
        for entry in index.entries where !validName(entry) {
            throw Refused(problems: ["\(entry.directory): not a cache entry name"])
        }
        return index
    }

    static func validName(_ entry: IndexEntry) -> Bool {
        let parts = [entry.group, entry.name].compactMap { $0 }
        // A toolchain directory runs the rustc it holds: only this machine makes them.
        return entry.area.transferable && (entry.area == .std) == (entry.group == nil)
            && parts.allSatisfy { !$0.isEmpty && !$0.hasPrefix(".") && !$0.contains("/") && $0 != ".." }
    }
}
