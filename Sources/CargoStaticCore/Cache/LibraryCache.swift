import Foundation

/// One built C library: an install prefix (include/, lib/*.a, lib/pkgconfig/) for one target.
public struct LibraryEntry: Codable {
    /// The entry's directory name: `<library>-<version>-<fingerprint>`.
    public let name: String
    public let library: String
    public let version: String
    public let origin: String
    public let target: String
    public let key: String
    public let cToolchain: String
    /// Entry names of the libraries it was built against.
    public let dependencies: [String]
    public let created: Date
    public let buildSeconds: Double
    public var prefix: String
    public var sizeBytes: UInt64?
    /// Debian's patches applied to the source (debian/patches/series), for SBOMs.
    public var patches: [String]? = nil
    /// The build system the generic builder drove (nil: a hand-written recipe's own steps).
    public var buildSystem: String? = nil
}

/// Built C libraries, per target, shared by every project. Same rules as the std cache:
///   deps/<target>/<name>/prefix, entry.json   published entries, never modified after publish
///   deps/<target>/.staging-<name>-<pid>       an entry being assembled, renamed into place in one step
///   work/deps-<target>-<name>/                the build directory (removed after success)
///   locks/deps-<target>-<name>.lock           one builder per entry; others wait and reuse its result
public struct LibraryCache {
    public let root: String

    public init(root: String) { self.root = root }

    public var depsDir: String { root + "/deps" }
    func targetDir(_ target: Target) -> String { "\(depsDir)/\(target.triple)" }
    public func entryDir(_ target: Target, _ name: String) -> String { "\(targetDir(target))/\(name)" }
    public func prefix(_ target: Target, _ name: String) -> String { entryDir(target, name) + "/prefix" }
    func workDir(_ target: Target, _ name: String) -> String { "\(root)/work/deps-\(target.triple)-\(name)" }
    func lockPath(_ target: Target, _ name: String) -> String { "\(root)/locks/deps-\(target.triple)-\(name).lock" }

    /// A published entry whose full key matches, or nil.
    public func lookup(_ target: Target, _ name: String, key: String) -> LibraryEntry? {
        guard let data = FileManager.default.contents(atPath: entryDir(target, name) + "/entry.json"),
              let entry = try? JSONDecoder.cache.decode(LibraryEntry.self, from: data), entry.key == key else { return nil }
        return entry
    }

    public func list() -> [LibraryEntry] {
        let fm = FileManager.default
        var entries: [LibraryEntry] = []
        for triple in ((try? fm.contentsOfDirectory(atPath: depsDir)) ?? []).sorted() {
            let dir = "\(depsDir)/\(triple)"
            for name in ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).sorted() where !name.hasPrefix(".") {
                guard let data = fm.contents(atPath: "\(dir)/\(name)/entry.json"),
                      var entry = try? JSONDecoder.cache.decode(LibraryEntry.self, from: data) else { continue }
                entry.sizeBytes = directorySize("\(dir)/\(name)")
                entries.append(entry)
            }
        }
        return entries
    }

    /// Removes entries whose target or name contains `matching` (all when nil), each under its lock.
    @discardableResult
    public func clean(matching: String? = nil) throws -> [String] {
        let fm = FileManager.default
        var removed: [String] = []
        for triple in (try? fm.contentsOfDirectory(atPath: depsDir)) ?? [] {
            guard let target = try? Target(triple) else { continue }
            for name in (try? fm.contentsOfDirectory(atPath: targetDir(target))) ?? [] {
                guard matching == nil || name.contains(matching!) || triple.contains(matching!) else { continue }
                let base = name.hasPrefix(".staging-") ? Self.stagingBase(name) : name
                let lock = try FileLock(path: lockPath(target, base))
                try fm.removeItem(atPath: "\(targetDir(target))/\(name)")
                withExtendedLifetime(lock) {}
                if !name.hasPrefix(".") { removed.append("\(triple)/\(name)") }
            }
        }
        // Build directories that failed builds leave behind (for reading their logs).
        for item in (try? fm.contentsOfDirectory(atPath: root + "/work")) ?? [] where item.hasPrefix("deps-") {
            guard matching == nil || item.contains(matching!) else { continue }
            try fm.removeItem(atPath: root + "/work/" + item)
        }
        return removed
    }

    /// `.staging-<name>-<pid>` -> `<name>`
    static func stagingBase(_ s: String) -> String {
        var name = s.hasPrefix(".staging-") ? String(s.dropFirst(".staging-".count)) : s
        if let dash = name.lastIndex(of: "-"), Int(name[name.index(after: dash)...]) != nil { name = String(name[..<dash]) }
        return name
    }

    func stagingDir(_ target: Target, _ name: String) -> String { "\(targetDir(target))/.staging-\(name)-\(getpid())" }

    /// Leftovers of interrupted builds of `name` (the caller holds its lock).
    func removeStaleStaging(_ target: Target, _ name: String) {
        let fm = FileManager.default
        for item in (try? fm.contentsOfDirectory(atPath: targetDir(target))) ?? [] where item.hasPrefix(".staging-\(name)-") {
            try? fm.removeItem(atPath: "\(targetDir(target))/\(item)")
        }
    }

    /// Writes entry.json into the staging directory and renames it into place.
    func publish(staging: String, entry: LibraryEntry, target: Target) throws {
        let fm = FileManager.default
        try JSONEncoder.cache.encode(entry).write(to: URL(fileURLWithPath: staging + "/entry.json"))
        let final = entryDir(target, entry.name)
        if fm.fileExists(atPath: final) { try fm.removeItem(atPath: final) }
        try fm.moveItem(atPath: staging, toPath: final)
    }
}
