import Foundation

/// One cached standard library: a sysroot directory usable with `rustc --sysroot`.
public struct CacheEntry: Codable {
    public let name: String
    public let key: String
    public let target: String
    public let rustc: String
    public let release: String
    public let settings: String
    public let created: Date
    public let buildSeconds: Double
    public var sizeBytes: UInt64?
    public var path: String?
}

/// The cache of standard libraries, shared by every project on the machine.
///
/// Layout under the root (`$CARGO_STATIC_CACHE`, else `$XDG_CACHE_HOME/cargo-static`):
///   std/<name>/            published entries (sysroot/ + entry.json), never modified after publish
///   std/.staging-<name>-*  an entry being assembled; renamed into place in one step
///   work/<name>/           cargo's target dir for the std build (kept on failure so a rerun resumes)
///   locks/<name>.lock      one builder per entry; others wait and reuse its result
public struct SysrootCache {
    public let root: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let explicit = environment["CARGO_STATIC_CACHE"], !explicit.isEmpty {
            root = explicit
        } else if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            root = xdg + "/cargo-static"
        } else {
            root = NSHomeDirectory() + "/.cache/cargo-static"
        }
    }

    public init(root: String) { self.root = root }

    public var stdDir: String { root + "/std" }

    /// The full text the entry's name is a fingerprint of.
    public static func keyText(_ tc: Toolchain, _ target: Target, _ settings: StdSettings, library: String) -> String {
        let settingsJSON = (try? encodeJSON(settings)) ?? settings.name
        return "rustc:\n\(tc.versionInfo)\ntarget: \(target.triple)\nlibrary: \(library)\nsettings: \(settingsJSON)"
    }

    public static func entryName(_ tc: Toolchain, _ target: Target, _ settings: StdSettings, library: String) -> String {
        "\(target.triple)-\(tc.release)-\(settings.name)-\(Fingerprint.hex(keyText(tc, target, settings, library: library)))"
    }

    /// The entry's name and full key text, computed together so they never disagree.
    public static func entryID(_ tc: Toolchain, _ target: Target, _ settings: StdSettings, library: String) -> (name: String, key: String) {
        (entryName(tc, target, settings, library: library), keyText(tc, target, settings, library: library))
    }

    public func sysrootPath(_ name: String) -> String { "\(stdDir)/\(name)/sysroot" }

    /// A published entry whose key matches, or nil.
    public func lookup(_ name: String, key: String) -> CacheEntry? {
        let file = "\(stdDir)/\(name)/entry.json"
        guard let data = FileManager.default.contents(atPath: file),
              let entry = try? JSONDecoder.cache.decode(CacheEntry.self, from: data), entry.key == key else { return nil }
        return entry
    }

    public func list() -> [CacheEntry] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: stdDir)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        return names.compactMap { name in
            guard let data = FileManager.default.contents(atPath: "\(stdDir)/\(name)/entry.json"),
                  var entry = try? JSONDecoder.cache.decode(CacheEntry.self, from: data) else { return nil }
            entry.sizeBytes = directorySize("\(stdDir)/\(name)")
            entry.path = "\(stdDir)/\(name)"
            return entry
        }
    }

    /// Removes entries (all, or those whose name contains `matching`), with their work dirs.
    /// Each removal holds the entry's lock, so a build in progress is never pulled from under it.
    @discardableResult
    public func clean(matching: String? = nil) throws -> [String] {
        let fm = FileManager.default
        var removed: [String] = []
        for dir in [stdDir, root + "/work"] {
            for name in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] where matching == nil || name.contains(matching!) {
                let entryName = name.hasPrefix(".staging-") ? String(name.dropFirst(9)) : name
                let lock = try FileLock(path: lockPath(stagingBase(entryName)))
                try fm.removeItem(atPath: "\(dir)/\(name)")
                withExtendedLifetime(lock) {}
                if dir == stdDir, !name.hasPrefix(".") { removed.append(name) }
            }
        }
        return removed
    }

    func lockPath(_ name: String) -> String { "\(root)/locks/\(name).lock" }

    /// `.staging-<name>-<pid>` -> `<name>`
    private func stagingBase(_ s: String) -> String {
        guard let dash = s.lastIndex(of: "-"), Int(s[s.index(after: dash)...]) != nil else { return s }
        return String(s[..<dash])
    }

    /// Publishes `rlibs` as entry `name`: copy into a staging dir, then one rename.
    /// A crash before the rename leaves only a staging dir, which the next builder removes.
    func publish(name: String, entry: CacheEntry, target: Target, rlibs: [String]) throws {
        let fm = FileManager.default
        let staging = "\(stdDir)/.staging-\(name)-\(getpid())"
        try? fm.removeItem(atPath: staging)
        let libDir = "\(staging)/sysroot/lib/rustlib/\(target.triple)/lib"
        try fm.createDirectory(atPath: libDir, withIntermediateDirectories: true)
        for rlib in rlibs {
            try fm.copyItem(atPath: rlib, toPath: libDir + "/" + (rlib as NSString).lastPathComponent)
        }
        try JSONEncoder.cache.encode(entry).write(to: URL(fileURLWithPath: staging + "/entry.json"))
        let final = "\(stdDir)/\(name)"
        if fm.fileExists(atPath: final) { try fm.removeItem(atPath: final) }
        try fm.moveItem(atPath: staging, toPath: final)
    }

    /// Removes staging leftovers of `name` from interrupted runs (caller holds the lock).
    func removeStaleStaging(_ name: String) {
        let fm = FileManager.default
        for item in (try? fm.contentsOfDirectory(atPath: stdDir)) ?? [] where item.hasPrefix(".staging-\(name)-") {
            try? fm.removeItem(atPath: "\(stdDir)/\(item)")
        }
    }
}

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

extension JSONDecoder {
    static var cache: JSONDecoder { let d = JSONDecoder(); d.dateDecodingStrategy = .iso8601; return d }
}

extension JSONEncoder {
    static var cache: JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return e
    }
}

/// Ensures a std sysroot exists for a toolchain and target: a cache hit, a wait for
/// another process building the same entry, or a build.
public struct StdProvider {
    public enum Outcome: String, Codable { case prebuilt = "prebuilt", hit = "cache hit", hitAfterWait = "cache hit after waiting", built = "built" }

    public let cache: SysrootCache
    public let runner: Runner
    public let reporter: Reporter

    public init(cache: SysrootCache, runner: Runner, reporter: Reporter) {
        self.cache = cache
        self.runner = runner
        self.reporter = reporter
    }

    public func plan(_ tc: Toolchain, _ target: Target, library: String, settings: StdSettings = .standard) -> StdBuildPlan {
        let name = SysrootCache.entryName(tc, target, settings, library: library)
        return StdBuildPlan(toolchain: tc, target: target, library: library, settings: settings,
                            workDir: "\(cache.root)/work/\(name)", cargoHome: "\(cache.root)/cargo-home")
    }

    /// Returns the sysroot to pass with `--sysroot` and how it was obtained.
    public func ensure(_ tc: Toolchain, _ target: Target, library: String,
                       settings: StdSettings = .standard) throws -> (sysroot: String, outcome: Outcome, name: String) {
        let (name, key) = SysrootCache.entryID(tc, target, settings, library: library)
        if cache.lookup(name, key: key) != nil { return (cache.sysrootPath(name), .hit, name) }

        var waited = false
        let lock = try FileLock(path: cache.lockPath(name)) {
            waited = true
            reporter.info("waiting for another cargo-static that is building std for \(target) (\(name))")
        }
        defer { withExtendedLifetime(lock) {} }
        if cache.lookup(name, key: key) != nil { return (cache.sysrootPath(name), waited ? .hitAfterWait : .hit, name) }

        cache.removeStaleStaging(name)
        let plan = self.plan(tc, target, library: library, settings: settings)
        let started = Date()
        reporter.info("building the Rust standard library for \(target) from source (once; cached in \(cache.root))")
        let rlibs = try StdBuilder(runner: runner, reporter: reporter).build(plan)
        let entry = CacheEntry(name: name, key: key, target: target.triple, rustc: tc.rustc, release: tc.release,
                               settings: settings.name, created: Date(), buildSeconds: Date().timeIntervalSince(started))
        do {
            try cache.publish(name: name, entry: entry, target: target, rlibs: rlibs)
        } catch {
            cache.removeStaleStaging(name)
            if "\(error)".contains("No space") || (error as NSError).code == 640 {
                throw DiskSpace.error(at: cache.root, output: "\(error)")
            }
            throw CargoStaticError(.stdBuildFailed, "could not store the built std in \(cache.root): \(error.localizedDescription)")
        }
        // The build tree is only needed to resume an interrupted build.
        try? FileManager.default.removeItem(atPath: plan.workDir)
        reporter.info(String(format: "std for %@ built in %.0f s", target.triple, entry.buildSeconds))
        return (cache.sysrootPath(name), .built, name)
    }
}
