import Foundation

/// The layout of a fetched Debian tree, remembered beside it (`layout.json` next to
/// `sources/<package>_<version>/tree`). A fetched tree never changes: it is moved into
/// place whole, and builds work on a copy. Reading it again (debian/rules, configure,
/// every CMake file) was a tenth of a no-op build's time. The record names the tree's
/// identity (a fetched-again tree is another directory) and the cargo-static binary that
/// wrote it (a new tool may read trees differently); anything else reads the tree again.
/// Local sources (`--source DIR`), which the user may edit, are never remembered.
struct SourceLayoutMemo: Codable, Equatable {
    var tool: String
    var tree: String
    var prefer: [BuildSystem]
    /// The one directory read, for a library built from a part of a bigger tree.
    var only: String?
    var layout: SourceLayout?

    static let fileName = "layout.json"

    /// The memo's file for a tree the source store fetched (`…/<dir>/tree`), else nil.
    static func file(for source: LibrarySource) -> String? {
        guard source.origin.hasPrefix("debian"), source.path.hasSuffix("/tree") else { return nil }
        return (source.path as NSString).deletingLastPathComponent + "/" + fileName
    }

    /// The remembered layout when the record matches, else `detect()`'s, then remembered
    /// (failing to write is no failure: the tree is simply read again next time).
    static func layout(_ source: LibrarySource, prefer: [BuildSystem], only: String? = nil, tool: String = AuditMemo.currentTool,
                       detect: () -> SourceLayout?) -> SourceLayout? {
        guard let file = file(for: source), let tree = FileSystem.identity(source.path, of: .directory) else { return detect() }
        if let data = FileManager.default.contents(atPath: file),
           let memo = try? JSONDecoder().decode(SourceLayoutMemo.self, from: data),
           memo.tool == tool, memo.tree == tree, memo.prefer == prefer, memo.only == only {
            return memo.layout
        }
        let layout = detect()
        let memo = SourceLayoutMemo(tool: tool, tree: tree, prefer: prefer, only: only, layout: layout)
        if let data = try? JSONEncoder.sorted.encode(memo) { try? FileSystem.write(data, to: file) }
        return layout
    }
}
