import Foundation

extension String {
    /// Every occurrence of `target` replaced by `replacement`, compared byte for byte (paths
    /// and command lines, where Unicode equivalence has no place). Foundation's
    /// `replacingOccurrences` goes through NSString: a measurable part of each plan when
    /// cache keys were made with it.
    func replacingEvery(_ target: String, with replacement: String) -> String {
        let needle = Array(target.utf8)
        guard let first = needle.first else { return self }
        var text = self
        text.makeContiguousUTF8()
        let replaced: [UInt8]? = text.utf8.withContiguousStorageIfAvailable { hay in
            var out: [UInt8] = []
            var copied = 0, i = 0
            while i + needle.count <= hay.count {
                if hay[i] == first, needle.indices.allSatisfy({ hay[i + $0] == needle[$0] }) {
                    out.append(contentsOf: hay[copied..<i])
                    out.append(contentsOf: replacement.utf8)
                    i += needle.count
                    copied = i
                } else {
                    i += 1
                }
            }
            guard copied > 0 else { return nil }
            out.append(contentsOf: hay[copied...])
            return out
        } ?? nil
        return replaced.map { String(decoding: $0, as: UTF8.self) } ?? text
    }
}

extension StringProtocol {
    /// Without leading and trailing white space, newlines included (as Foundation's
    /// `.whitespacesAndNewlines`), in Swift's own character view: Foundation's trimming goes
    /// through NSString and builds its character set on first use, on every start.
    func trimmed() -> String { trimming { $0.isWhitespace } }

    /// Without leading and trailing spaces and tabs (Foundation's `.whitespaces`): newlines stay.
    func trimmingSpaces() -> String { trimming { $0.isWhitespace && !$0.isNewline } }

    private func trimming(_ drop: (Character) -> Bool) -> String {
        guard let first = firstIndex(where: { !drop($0) }), let last = lastIndex(where: { !drop($0) }) else { return "" }
        return String(self[first...last])
    }
}

/// Absolute paths as text: what URL's `standardizedFileURL` and `deletingLastPathComponent`
/// did on every start, without building URLs (symbolic links are not resolved, as there).
enum PathText {
    /// `.` and `..` removed, repeated and trailing slashes dropped: `/a/./b/../c/` → `/a/c`.
    /// `..` at the root stays at the root. A relative path is taken as if under `/`.
    static func standardized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// `directory` standardized, then each directory above it, ending with `/`: where cargo,
    /// rustup and cargo-static look upwards for their files.
    static func ancestors(of directory: String) -> [String] {
        var out = [standardized(directory)]
        while out.last != "/" { out.append(parent(out.last!)) }
        return out
    }

    /// `name` inside `directory` (`/name` at the root).
    static func join(_ directory: String, _ name: String) -> String {
        (directory == "/" ? "" : directory) + "/" + name
    }

    /// The directory holding a standardized path; `/` for `/` itself.
    static func parent(_ path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")), path != "/" else { return "/" }
        return slash == path.utf8.startIndex ? "/" : String(path[..<slash])
    }
}
