import Foundation

/// Remembers what slow probes found (a rustc's `-vV` and sysroot, where zig lives), keyed by
/// the probed file and stamped with its size and modification time, so a warm build spawns
/// almost nothing before cargo. A changed or missing file is simply probed again.
public final class ProbeCache {
    private let file: String
    private var entries: [String: [String: String]]
    private var dirty = false

    public init(file: String) {
        self.file = file
        if let data = FileManager.default.contents(atPath: file),
           let decoded = try? JSONDecoder().decode([String: [String: String]].self, from: data) {
            entries = decoded
        } else {
            entries = [:]
        }
        // Answers an older cargo-static kept and this one no longer asks for: dropped once,
        // since the whole file is read at every start.
        let stale = entries.keys.filter { key in Self.retired.contains { key.hasPrefix($0) } }
        if !stale.isEmpty {
            for key in stale { entries[key] = nil }
            dirty = true
            save()
        }
    }

    /// Kinds of probe no longer made (`objcopy --info`'s whole table, now one answer per format).
    static let retired = ["objcopy-info:"]

    /// The file's identity for staleness checks.
    static func stamp(_ path: String) -> String? {
        guard let (size, date) = FileSystem.status(path) else { return nil }
        return "\(size)-\(date.timeIntervalSince1970)"
    }

    /// Cached values for `key` if `path` is unchanged, else `compute()` (stored when non-nil).
    func values(_ key: String, stampedBy path: String, compute: () -> [String: String]?) -> [String: String]? {
        values(key, stampedBy: [path], context: "", compute: compute)
    }

    /// The same, stamped by several files (a missing one counts as "absent") and by other
    /// inputs given as text (environment variables the probed answer depends on).
    func values(_ key: String, stampedBy paths: [String], context: String,
                compute: () -> [String: String]?) -> [String: String]? {
        guard let first = paths.first, Self.stamp(first) != nil else { return compute() }
        let stamp = paths.map { Self.stamp($0) ?? "absent" }.joined(separator: "|") + (context.isEmpty ? "" : "|" + context)
        if let hit = entries[key], hit["stamp"] == stamp { return hit }
        guard var fresh = compute() else { return nil }
        fresh["stamp"] = stamp
        entries[key] = fresh
        dirty = true
        save()
        return fresh
    }

    /// Atomic replace: concurrent runs may overwrite each other's additions, never corrupt the file.
    private func save() {
        guard dirty, let data = try? JSONEncoder.sorted.encode(entries) else { return }
        try? FileSystem.write(data, to: file)
        dirty = false
    }
}

/// Where zig is: `zig` on PATH, else the binary inside the `ziglang` Python package
/// (run directly: going through `python3 -m ziglang` would add an interpreter start to every link).
public struct ZigInstallation {
    public let executable: String
    public let version: String
    /// zig's bundled sources (musl, libunwind, ...).
    public var libDirectory: String {
        URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent().path + "/lib"
    }

    public static func locate(probes: ProbeCache?, runner: Runner) -> ZigInstallation? {
        let path = runner.which("zig") ?? ziglangBinary(probes: probes, runner: runner)
        guard let path else { return nil }
        let probe = { () -> [String: String]? in
            guard let r = try? runner.capture(Command(path, ["version"])), r.succeeded else { return nil }
            return ["version": r.output.trimmed()]
        }
        let values = probes.map { $0.values("zig-version:" + path, stampedBy: path, compute: probe) } ?? probe()
        guard let version = values?["version"] else { return nil }
        return ZigInstallation(executable: path, version: version)
    }

    /// The zig binary of the PyPI package, found once through python3 and then remembered.
    private static func ziglangBinary(probes: ProbeCache?, runner: Runner) -> String? {
        guard let python = runner.which("python3") else { return nil }
        let find = { () -> [String: String]? in
            guard let r = try? runner.capture(Command(python, ["-c", "import ziglang, os; print(os.path.dirname(ziglang.__file__))"])),
                  r.succeeded else { return nil }
            let zig = r.output.trimmed() + "/zig"
            return FileManager.default.isExecutableFile(atPath: zig) ? ["zig": zig] : nil
        }
        let found = probes.map { $0.values("ziglang:" + python, stampedBy: python, compute: find) } ?? find()
        if let zig = found?["zig"], FileManager.default.isExecutableFile(atPath: zig) { return zig }
        // The package moved or went away since it was remembered: look again.
        return find()?["zig"]
    }
}
