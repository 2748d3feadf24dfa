import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The files of a published entry, with sizes (checked on every use) and SHA-256
/// digests (checked by `cache verify` and on import).
public struct EntryManifest: Codable, Equatable {
    public struct File: Codable, Equatable {
        public let path: String
        public let size: UInt64
        public let sha256: String
        /// A symbolic link's target (then size and digest are of the link text).
        public let link: String?
    }
    public let files: [File]

    /// Records every file under `directory` (paths relative to it), except the manifest
    /// itself. An entry holds regular files and directories only: a link or a special file
    /// is refused, except, with `keepingLinks`, a link (the tool's own, in a toolchain
    /// directory), recorded with its target.
    public static func record(_ directory: String, keepingLinks: Bool = false) throws -> EntryManifest {
        let dir = try FileSystem.openDirectory(directory)
        var files: [File] = []
        for (relative, kind) in try dir.walk() where relative != "manifest.json" {
            if keepingLinks, kind == .symlink, let target = try? FileManager.default.destinationOfSymbolicLink(atPath: directory + "/" + relative) {
                files.append(File(path: relative, size: UInt64(target.utf8.count), sha256: SHA256.hex(Data(target.utf8)), link: target))
                continue
            }
            guard kind == .regular else {
                throw CargoStaticError(.commandFailed, "\(directory)/\(relative) is \(kind == .symlink ? "a symbolic link" : "a special file"); a cache entry holds regular files and directories only")
            }
            let path = directory + "/" + relative
            let size = FileSystem.status(path)?.size ?? 0
            files.append(File(path: relative, size: size, sha256: try SHA256.hex(file: path), link: nil))
        }
        return EntryManifest(files: files.sorted { $0.path < $1.path })
    }

    /// Everything below `directory` that is not a directory, relative, with its kind; links
    /// are listed, never followed.
    static func contents(_ directory: String) throws -> [(path: String, kind: FileSystem.Kind)] {
        try FileSystem.openDirectory(directory).walk()
    }

    /// Problems found by comparing with the files on disk: sizes only (cheap), or digests
    /// too, and (`full`) anything on disk that is not a regular file: links and special
    /// files are never part of an entry, and a manifest that lists a link is refused.
    public func problems(in directory: String, full: Bool, allowingLinks: Bool = false) -> [String] {
        var problems: [String] = []
        let onDisk: [String: FileSystem.Kind]
        do {
            onDisk = Dictionary(try Self.contents(directory).map { ($0.path, $0.kind) }, uniquingKeysWith: { a, _ in a })
        } catch {
            return ["the entry directory cannot be read: \((error as? CargoStaticError)?.message ?? "\(error)")"]
        }
        for file in files {
            let path = directory + "/" + file.path
            if let link = file.link {
                // Only where the tool makes links itself (toolchain directories), and as recorded.
                if !allowingLinks { problems.append("\(file.path): the manifest lists a symbolic link; entries hold regular files only") }
                else if (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != link { problems.append("\(file.path): not the link to \(link) it was made as") }
                continue
            }
            switch onDisk[file.path] {
            case nil, .missing?: problems.append("\(file.path): missing"); continue
            case .symlink?: problems.append("\(file.path): a symbolic link, not a regular file"); continue
            case .other?, .directory?: problems.append("\(file.path): a special file, not a regular file"); continue
            case .regular?: break
            }
            guard let size = FileSystem.status(path)?.size else {
                problems.append("\(file.path): missing")
                continue
            }
            if size != file.size {
                problems.append("\(file.path): \(size) bytes, \(file.size) expected")
            } else if full, (try? SHA256.hex(file: path)) != file.sha256 {
                problems.append("\(file.path): contents changed (SHA-256 differs)")
            }
        }
        let listed = Set(files.map(\.path))
        for (path, kind) in onDisk.sorted(by: { $0.key < $1.key }) where !listed.contains(path) {
            switch kind {
            case .symlink: problems.append("\(path): a symbolic link (entries hold regular files and directories only)")
            case .other: problems.append("\(path): a special file (entries hold regular files and directories only)")
            default: break
            }
        }
        return problems
    }
}

/// The one lookup/build/publish protocol of the cache, for every area:
///  - lookup: `entry.json` holds the full key, and every file in `manifest.json` has its size;
///  - build: under the entry's lock (the kernel drops it if the builder dies), a second
///    lookup, then the body fills a private staging directory;
///  - publish: permissions normalised, the manifest written, one rename. A build that is
///    interrupted leaves a staging directory that the next builder removes.
public struct CacheStore {
    public let layout: CacheLayout

    public init(layout: CacheLayout) { self.layout = layout }
    public init(root: String) { layout = CacheLayout(root: root) }

    public enum State: Equatable {
        case published
        case missing
        /// Published, but for another key (a fingerprint collision) or damaged: rebuilt on use.
        case unusable(String)
    }

    public enum Outcome: String, Codable {
        case hit = "cache hit", hitAfterWait = "cache hit after waiting", built
    }

    /// The entry's state, checking its key and its files' sizes.
    public func state(_ id: EntryID) -> State {
        let fm = FileManager.default
        guard let data = fm.contents(atPath: layout.entryFile(id)) else { return .missing }
        guard let stored = try? JSONDecoder().decode(StoredKey.self, from: data), stored.key == id.key else {
            return .unusable("its key differs")
        }
        guard let manifestData = fm.contents(atPath: layout.manifestFile(id)),
              let manifest = try? JSONDecoder().decode(EntryManifest.self, from: manifestData) else {
            return .unusable("its manifest is missing")
        }
        let problems = manifest.problems(in: layout.entry(id), full: false, allowingLinks: id.area.keepsOwnLinks)
        return problems.isEmpty ? .published : .unusable(problems.prefix(3).joined(separator: "; "))
    }

    struct StoredKey: Decodable { let key: String }

    /// Reads an entry's metadata (`entry.json`).
    public func metadata<M: Decodable>(_ id: EntryID, as type: M.Type) -> M? {
        FileManager.default.contents(atPath: layout.entryFile(id)).flatMap { try? JSONDecoder.cache.decode(M.self, from: $0) }
    }

    /// Makes the entry available: a hit, a wait for another builder, or a build.
    /// `build` fills the staging directory it is given and returns the metadata to store
    /// (it must encode the entry's `key`).
    @discardableResult
    public func ensure<M: Encodable>(_ id: EntryID, reporter: Reporter, waitMessage: String,
                                     build: (_ staging: String) throws -> M) throws -> Outcome {
        if state(id) == .published { return .hit }
        var waited = false
        let lock = try FileLock(path: layout.lock(id)) {
            waited = true
            reporter.info(waitMessage)
        }
        defer { withExtendedLifetime(lock) {} }
        switch state(id) {
        case .published: return waited ? .hitAfterWait : .hit
        case .unusable(let why): reporter.warn("the cache entry \(id) is unusable (\(why)); building it again")
        case .missing: break
        }
        removeStaleStaging(id)
        let staging = layout.staging(id)
        do {
            try FileSystem.makeDirectory(staging)
            let metadata = try build(staging)
            try publish(id, staging: staging, metadata: metadata)
        } catch {
            try? FileSystem.removeTree(staging)
            throw FileSystem.explain(error, at: layout.shown)
        }
        return .built
    }

    private func publish<M: Encodable>(_ id: EntryID, staging: String, metadata: M) throws {
        try FileSystem.write(JSONEncoder.cache.encode(metadata), to: staging + "/entry.json")
        if !id.area.keepsOwnLinks { try FileSystem.replaceLinks(staging) }
        try FileSystem.normalisePermissions(staging)
        let manifest = try EntryManifest.record(staging, keepingLinks: id.area.keepsOwnLinks)
        try FileSystem.write(JSONEncoder.cache.encode(manifest), to: staging + "/manifest.json")
        try install(id, staging: staging)
    }

    /// The rename that makes a complete staging directory the entry. An entry already there
    /// (unusable: the caller holds the lock) is moved aside first, then removed.
    private func install(_ id: EntryID, staging: String) throws {
        let parent = try FileSystem.openDirectory(layout.parent(id.area, id.group), create: true)
        let stagingName = (staging as NSString).lastPathComponent
        if parent.kind(id.name) != .missing {
            let aside = ".old-\(id.name)-\(getpid())"
            try parent.remove(aside)
            try parent.rename(id.name, to: parent, as: aside)
            try parent.rename(stagingName, to: parent, as: id.name)
            try? parent.remove(aside)
        } else {
            try parent.rename(stagingName, to: parent, as: id.name)
        }
    }

    /// Publishes a complete entry assembled elsewhere on the cache's file system (an
    /// import): `directory` must hold the entry's `entry.json` and `manifest.json` and
    /// exactly the files the manifest lists, with their sizes and digests (`problems`).
    /// Then the same lock, staging directory and rename as a build. `directory` is
    /// consumed. An entry already published for the same key is kept (`.hit`).
    @discardableResult
    public func adopt(_ id: EntryID, from directory: String, reporter: Reporter) throws -> Outcome {
        let issues = Self.problems(ofComplete: directory, as: id)
        guard issues.isEmpty else {
            throw CargoStaticError(.cacheDamaged, "\(id) cannot be added to the cache: " + issues.prefix(3).joined(separator: "; "),
                                   fix: "export the entry again from an intact cache (`cargo-static cache verify` there)")
        }
        if state(id) == .published { return .hit }
        do {
            let lock = try FileLock(path: layout.lock(id))
            defer { withExtendedLifetime(lock) {} }
            switch state(id) {
            case .published: return .hit
            case .unusable(let why): reporter.warn("the cache entry \(id) is unusable (\(why)); replacing it with the imported one")
            case .missing: break
            }
            removeStaleStaging(id)
            try FileSystem.makeDirectory(layout.parent(id.area, id.group))
            try FileSystem.rename(directory, to: layout.staging(id))
            try FileSystem.normalisePermissions(layout.staging(id))
            try install(id, staging: layout.staging(id))
        } catch {
            try? FileSystem.removeTree(layout.staging(id))
            throw FileSystem.explain(error, at: layout.shown)
        }
        return .built
    }

    /// What keeps `directory` from being published as `id`: its key must be the one the
    /// name fingerprints, and its files exactly the manifest's, byte for byte.
    public static func problems(ofComplete directory: String, as id: EntryID) -> [String] {
        let fm = FileManager.default
        guard let keyData = fm.contents(atPath: directory + "/entry.json"),
              let stored = try? JSONDecoder().decode(StoredKey.self, from: keyData) else { return ["entry.json is missing or unreadable"] }
        guard stored.key == id.key, id.name.hasSuffix("-" + Fingerprint.hex(stored.key)) else {
            return ["its key does not match its name (the entry was renamed or its entry.json edited)"]
        }
        guard let manifestData = fm.contents(atPath: directory + "/manifest.json"),
              let manifest = try? JSONDecoder().decode(EntryManifest.self, from: manifestData) else { return ["manifest.json is missing or unreadable"] }
        var issues = manifest.problems(in: directory, full: true)
        let listed = Set(manifest.files.map(\.path) + ["manifest.json"])
        issues += ((try? EntryManifest.contents(directory)) ?? []).filter { !listed.contains($0.path) && $0.kind == .regular }
            .map { "\($0.path): not in the manifest" }
        if FileSystem.kind(directory + "/manifest.json") != .regular { issues.append("manifest.json: not a regular file") }
        if !manifest.files.contains(where: { $0.path == "entry.json" }) { issues.append("entry.json: not in the manifest") }
        return issues
    }

    /// Leftovers of an interrupted build of `id` (the caller holds its lock).
    func removeStaleStaging(_ id: EntryID) {
        try? FileSystem.removeTree(layout.staging(id))
    }

    /// A published entry found on disk.
    public struct Found {
        public let area: CacheArea
        public let group: String?
        public let name: String
        public let directory: String
    }

    /// Every published entry of `area`, sorted.
    /// The published entries of `area`: of one group only when `group` is given, and only
    /// those whose name `named` accepts (both checked before anything is read from disk, so
    /// a plan's look at a big cache costs what it asks for, not what the cache holds).
    public func entries(_ area: CacheArea, group: String? = nil, named: (String) -> Bool = { _ in true }) -> [Found] {
        let fm = FileManager.default
        let base = layout.area(area)
        func names(_ dir: String) -> [String] { ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }.sorted() }
        func published(_ dir: String, _ group: String?) -> [Found] {
            names(dir).filter { named($0) && FileSystem.kind("\(dir)/\($0)/entry.json") == .regular }
                .map { Found(area: area, group: group, name: $0, directory: "\(dir)/\($0)") }
        }
        if area == .std { return published(base, nil) }
        return (group.map { [$0] } ?? names(base)).flatMap { published("\(base)/\($0)", $0) }
    }

    /// Removes the published entries (and staging leftovers, and build directories) of `area`
    /// whose name or group contains `pattern`, each under its lock. Returns what was removed.
    @discardableResult
    public func clean(_ area: CacheArea, matching pattern: String?) throws -> [String] {
        let fm = FileManager.default
        var removed: [String] = []
        let base = layout.area(area)
        let groups: [String?] = area == .std ? [nil] : ((try? fm.contentsOfDirectory(atPath: base)) ?? []).sorted().map { $0 }
        for group in groups {
            let parent = layout.parent(area, group)
            for item in ((try? fm.contentsOfDirectory(atPath: parent)) ?? []).sorted() {
                let name = CacheLayout.stagingBase(item)
                // C libraries are also chosen by target (`deps clean aarch64`); std and archives by
                // name only, or `cache clean x86_64` would empty the target's archive directory.
                guard pattern == nil || name.contains(pattern!) || (area == .deps && group?.contains(pattern!) ?? false) else { continue }
                let id = EntryID(area: area, group: group, name: name, key: "")
                let lock = try FileLock(path: layout.lock(id))
                try FileSystem.removeTree("\(parent)/\(item)")
                try? FileSystem.removeTree(layout.work(id))
                withExtendedLifetime(lock) {}
                if !item.hasPrefix(".") { removed.append(group.map { "\($0)/\(item)" } ?? item) }
            }
        }
        return removed
    }

    /// The command that removes one entry (the next build makes it again).
    public static func cleanCommand(_ area: CacheArea, name: String) -> String {
        area == .deps ? "cargo-static deps clean \(name)" : "cargo-static cache clean \(name)"
    }

    /// Checks one published entry against its manifest (sizes, and digests when `full`).
    public func verify(_ found: Found, full: Bool) -> [String] {
        guard let data = FileManager.default.contents(atPath: found.directory + "/manifest.json"),
              let manifest = try? JSONDecoder().decode(EntryManifest.self, from: data) else { return ["no manifest.json"] }
        return manifest.problems(in: found.directory, full: full, allowingLinks: found.area.keepsOwnLinks)
    }
}

/// Bytes of the regular files under `path`.
func directorySize(_ path: String) -> UInt64 {
    guard let e = FileManager.default.enumerator(atPath: path) else { return 0 }
    var total: UInt64 = 0
    while let item = e.nextObject() as? String {
        if let attrs = try? FileManager.default.attributesOfItem(atPath: path + "/" + item),
           (attrs[.type] as? FileAttributeType) == .typeRegular {
            total += (attrs[.size] as? UInt64) ?? 0
        }
    }
    return total
}
