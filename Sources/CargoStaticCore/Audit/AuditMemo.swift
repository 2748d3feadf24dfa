import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the tool learned of each executable it built, kept beside them
/// (`.cargo-static-audits.json` in the executable's directory) by the file's identity:
/// device, inode, size, modification and change times, which any write to the file changes.
/// A build in which cargo changed nothing then neither reads the ELF file again nor rewrites
/// an SBOM that already says the same. The memo also names the cargo-static that wrote it: a
/// new or rebuilt tool (whose audit rules may differ) starts afresh. An unreadable memo
/// counts as none; the audit is then made again.
struct AuditMemo: Codable {
    struct Record: Codable {
        var identity: String
        var machine: UInt16
        var audit: Audit
        /// Whether it calls dlopen (the build warns then).
        var callsDlopen: Bool?
        var sha256: String?
        /// The SBOM written for it: the digest of its inputs, and the SBOM file's identity.
        var sbomInputs: String?
        var sbomIdentity: String?
    }

    static let fileName = ".cargo-static-audits.json"
    var tool: String
    /// By the executable's file name.
    var records: [String: Record] = [:]

    /// The identity of the running cargo-static (its file's, as for an executable).
    static let currentTool: String = {
        let exe = Context.selfExecutable()
        return exe + " " + (identity(exe) ?? "?")
    }()

    /// A regular file's identity (`FileSystem.identity`); nil for anything else.
    static func identity(_ path: String) -> String? { FileSystem.identity(path, of: .regular) }

    static func load(directory: String, tool: String = currentTool) -> AuditMemo {
        guard let data = FileManager.default.contents(atPath: directory + "/" + fileName),
              let memo = try? JSONDecoder().decode(AuditMemo.self, from: data), memo.tool == tool else {
            return AuditMemo(tool: tool)
        }
        return memo
    }

    /// The record of `path` when the file is still the one it describes.
    func record(_ path: String) -> Record? {
        guard let record = records[(path as NSString).lastPathComponent], let now = Self.identity(path), record.identity == now else { return nil }
        return record
    }

    /// Writes the memo (atomically); failing to is no failure of the build.
    func save(directory: String) {
        try? FileSystem.write(JSONEncoder.sorted.encode(self), to: directory + "/" + Self.fileName)
    }
}

/// The memos of the directories a build's executables are in, loaded once, saved when changed.
final class AuditMemos {
    private var loaded: [String: AuditMemo] = [:]
    private var changed: Set<String> = []

    func record(_ path: String) -> AuditMemo.Record? { memo(for: path).record(path) }

    func update(_ path: String, _ change: (inout AuditMemo.Record?) -> Void) {
        let dir = (path as NSString).deletingLastPathComponent, name = (path as NSString).lastPathComponent
        var memo = memo(for: path)
        var record = memo.records[name]
        change(&record)
        memo.records[name] = record
        loaded[dir] = memo
        changed.insert(dir)
    }

    func save() {
        for dir in changed.sorted() { loaded[dir]?.save(directory: dir) }
        changed.removeAll()
    }

    private func memo(for path: String) -> AuditMemo {
        let dir = (path as NSString).deletingLastPathComponent
        if let memo = loaded[dir] { return memo }
        let memo = AuditMemo.load(directory: dir)
        loaded[dir] = memo
        return memo
    }
}
