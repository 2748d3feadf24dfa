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

    /// Records every file under `directory` (paths relative to it), except the manifest itself.
    public static func record(_ directory: String) throws -> EntryManifest {
        let fm = FileManager.default
        var files: [File] = []
        for relative in try Self.walk(directory) where relative != "manifest.json" {
            let path = directory + "/" + relative
            if let target = try? fm.destinationOfSymbolicLink(atPath: path) {
                files.append(File(path: relative, size: UInt64(target.utf8.count), sha256: SHA256.hex(Data(target.utf8)), link: target))
            } else {
                let size = (try fm.attributesOfItem(atPath: path)[.size] as? UInt64) ?? 0
                files.append(File(path: relative, size: size, sha256: try SHA256.hex(file: path), link: nil))
            }
        }
        return EntryManifest(files: files.sorted { $0.path < $1.path })
    }

    /// Regular files and symbolic links under `directory`, relative, without descending into links.
    static func walk(_ directory: String) throws -> [String] {
        let fm = FileManager.default
        var out: [String] = []
        var pending = [""]
        while let relative = pending.popLast() {
            let dir = relative.isEmpty ? directory : directory + "/" + relative
            for item in try fm.contentsOfDirectory(atPath: dir) {
                let rel = relative.isEmpty ? item : relative + "/" + item
                var st = stat()
                guard lstat(directory + "/" + rel, &st) == 0 else { continue }
                switch st.st_mode & S_IFMT {
                case S_IFDIR: pending.append(rel)
                case S_IFREG, S_IFLNK: out.append(rel)
                default: break
                }
            }
        }
        return out
    }

    /// Problems found by comparing with the files on disk: sizes only (cheap), or digests too.
    public func problems(in directory: String, full: Bool) -> [String] {
        let fm = FileManager.default
        var problems: [String] = []
        for file in files {
            let path = directory + "/" + file.path
            if let link = file.link {
                if (try? fm.destinationOfSymbolicLink(atPath: path)) != link { problems.append("\(file.path): link changed or missing") }
                continue
            }
            guard let size = (try? fm.attributesOfItem(atPath: path))?[.size] as? UInt64 else {
                problems.append("\(file.path): missing")
                continue
            }
            if size != file.size {
                problems.append("\(file.path): \(size) bytes, \(file.size) expected")
            } else if full, (try? SHA256.hex(file: path)) != file.sha256 {
                problems.append("\(file.path): contents changed (SHA-256 differs)")
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
        let problems = manifest.problems(in: layout.entry(id), full: false)
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
            try? FileManager.default.removeItem(atPath: staging)
            throw FileSystem.explain(error, at: layout.shown)
        }
        return .built
    }

    private func publish<M: Encodable>(_ id: EntryID, staging: String, metadata: M) throws {
        try FileSystem.write(JSONEncoder.cache.encode(metadata), to: staging + "/entry.json")
        try FileSystem.normalisePermissions(staging)
        let manifest = try EntryManifest.record(staging)
        try FileSystem.write(JSONEncoder.cache.encode(manifest), to: staging + "/manifest.json")
        try install(id, staging: staging)
    }

    /// The rename that makes a complete staging directory the entry.
    private func install(_ id: EntryID, staging: String) throws {
        let fm = FileManager.default
        let final = layout.entry(id)
        if fm.fileExists(atPath: final) { try fm.removeItem(atPath: final) }
        try fm.moveItem(atPath: staging, toPath: final)
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
            try FileManager.default.moveItem(atPath: directory, toPath: layout.staging(id))
            try FileSystem.normalisePermissions(layout.staging(id))
            try install(id, staging: layout.staging(id))
        } catch {
            try? FileManager.default.removeItem(atPath: layout.staging(id))
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
        issues += ((try? EntryManifest.walk(directory)) ?? []).filter { !listed.contains($0) }.sorted().map { "\($0): not in the manifest" }
        if !manifest.files.contains(where: { $0.path == "entry.json" }) { issues.append("entry.json: not in the manifest") }
        return issues
    }

    /// Leftovers of an interrupted build of `id` (the caller holds its lock).
    func removeStaleStaging(_ id: EntryID) {
        try? FileManager.default.removeItem(atPath: layout.staging(id))
    }

    /// A published entry found on disk.
    public struct Found {
        public let area: CacheArea
        public let group: String?
        public let name: String
        public let directory: String
    }

    /// Every published entry of `area`, sorted.
    public func entries(_ area: CacheArea) -> [Found] {
        let fm = FileManager.default
        let base = layout.area(area)
        func names(_ dir: String) -> [String] { ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }.sorted() }
        if area == .std {
            return names(base).filter { fm.fileExists(atPath: "\(base)/\($0)/entry.json") }
                .map { Found(area: area, group: nil, name: $0, directory: "\(base)/\($0)") }
        }
        return names(base).flatMap { group in
            names("\(base)/\(group)").filter { fm.fileExists(atPath: "\(base)/\(group)/\($0)/entry.json") }
                .map { Found(area: area, group: group, name: $0, directory: "\(base)/\(group)/\($0)") }
        }
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
                try fm.removeItem(atPath: "\(parent)/\(item)")
                try? fm.removeItem(atPath: layout.work(id))
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
        return manifest.problems(in: found.directory, full: full)
    }
}

/// File operations with the tool's rules: explicit permissions whatever the umask, and
/// failures reported with the path and the fix instead of Foundation's error codes.
public enum FileSystem {
    /// A new private directory `<parent>/cargo-static-<label>-XXXXXX`; `purpose` (" for …")
    /// and `fix` complete the error when none can be made.
    public static func temporaryDirectory(in parent: String, label: String, purpose: String = "",
                                          fix: String = "point TMPDIR at a writable directory") throws -> String {
        var template = Array("\(parent)/cargo-static-\(label)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw CargoStaticError(.badInput, "cannot create a directory under \(parent)\(purpose): \(String(cString: strerror(errno)))", fix: fix)
        }
        return String(cString: made)
    }

    /// Creates a directory (and parents) with mode 0755.
    public static func makeDirectory(_ path: String) throws {
        var st = stat()
        if stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR { return }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try makeDirectory(parent) }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw explain(POSIXError.current, at: path) }
        chmod(path, 0o755)
    }

    /// Writes a file atomically (temporary name, rename) with an explicit mode.
    public static func write(_ data: Data, to path: String, mode: mode_t = 0o644) throws {
        try makeDirectory((path as NSString).deletingLastPathComponent)
        let tmp = "\(path).tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw explain(POSIXError.current, at: path) }
        var failure: POSIXError?
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 { if errno == EINTR { continue }; failure = .current; return }
                offset += n
            }
        }
        if close(fd) != 0, failure == nil { failure = .current }
        if failure == nil, fchmodat(AT_FDCWD, tmp, mode, 0) != 0 { failure = .current }
        if failure == nil, rename(tmp, path) != 0 { failure = .current }
        if let failure {
            unlink(tmp)
            throw explain(failure, at: path)
        }
    }

    public static func write(_ text: String, to path: String, mode: mode_t = 0o644) throws {
        try write(Data(text.utf8), to: path, mode: mode)
    }

    /// Copies a file atomically (temporary name beside the destination, rename), keeping its
    /// mode: a reader of `path` sees the old file or the whole new one, never a part.
    public static func copy(_ source: String, to path: String) throws {
        try makeDirectory((path as NSString).deletingLastPathComponent)
        let tmp = "\((path as NSString).deletingLastPathComponent)/.\((path as NSString).lastPathComponent).tmp-\(getpid())"
        unlink(tmp)
        do { try FileManager.default.copyItem(atPath: source, toPath: tmp) } catch { throw explain(error, at: path) }
        var st = stat()
        if stat(source, &st) == 0 { chmod(tmp, st.st_mode & 0o7777) }
        guard rename(tmp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw CargoStaticError(.commandFailed, "cannot write \(path): \(reason)")
        }
    }

    /// Directories 0755, files 0644 (0755 when anyone could execute them), links untouched.
    public static func normalisePermissions(_ root: String) throws {
        var pending = [root]
        while let dir = pending.popLast() {
            chmod(dir, 0o755)
            for item in try FileManager.default.contentsOfDirectory(atPath: dir) {
                let path = dir + "/" + item
                var st = stat()
                guard lstat(path, &st) == 0 else { continue }
                switch st.st_mode & S_IFMT {
                case S_IFDIR: pending.append(path)
                case S_IFREG: chmod(path, st.st_mode & 0o111 != 0 ? 0o755 : 0o644)
                default: break
                }
            }
        }
    }

    /// A Foundation or POSIX failure as a message with the path and the fix. Foundation's
    /// own text ("NSCocoaErrorDomain Code=640") is never shown.
    public static func explain(_ error: Error, at path: String) -> Error {
        if error is CargoStaticError { return error }
        let code = posixCode(error)
        switch code {
        case ENOSPC, EDQUOT:
            return DiskSpace.error(at: path, output: "")
        case EROFS, EACCES, EPERM:
            let why = code == EROFS ? "it is on a read-only file system" : "permission denied"
            return CargoStaticError(.badInput, "cannot write to \(path): \(why)",
                                    fix: code == EROFS
                                        ? "point CARGO_STATIC_CACHE at a directory on a writable file system (a read-only cache can still be read by `cache export` and `cache verify`)"
                                        : "make it writable by you (chown or chmod u+w), or point CARGO_STATIC_CACHE at a writable directory")
        case 0:
            return CargoStaticError(.commandFailed, "cannot write \(path)", fix: "check the path and the free space, then run the command again")
        default:
            return CargoStaticError(.commandFailed, "cannot write \(path): \(String(cString: strerror(code)))",
                                    fix: "check the path, then run the command again")
        }
    }

    /// The errno behind a POSIX or Foundation error (0 when none is known).
    static func posixCode(_ error: Error) -> Int32 {
        if let posix = error as? POSIXError { return posix.code.rawValue }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return Int32(ns.code) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return Int32(underlying.code)
        }
        guard ns.domain == NSCocoaErrorDomain else { return 0 }
        switch ns.code {
        case CocoaError.fileWriteOutOfSpace.rawValue: return ENOSPC
        case CocoaError.fileWriteVolumeReadOnly.rawValue: return EROFS
        case CocoaError.fileWriteNoPermission.rawValue, CocoaError.fileReadNoPermission.rawValue: return EACCES
        default: return 0
        }
    }
}

extension POSIXError {
    /// The error `errno` holds now.
    static var current: POSIXError { POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
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
