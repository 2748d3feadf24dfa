import Foundation

/// A patch Debian applies to a C library's upstream source, as listed in the source
/// package's `debian/patches/series` (quilt, the "3.0 (quilt)" source format).
public struct DebianPatch: Codable, Equatable {
    /// The file name in debian/patches (may contain a subdirectory).
    public let name: String
    /// The header's `Subject:` or DEP-3 `Description:` (first line).
    public let summary: String?
    /// Taken from upstream (DEP-3 `Origin: upstream|backport`, or a `git format-patch` header).
    public let fromUpstream: Bool
    /// CVE ids named in the file name or the header.
    public let fixes: [String]

    public init(name: String, summary: String? = nil, fromUpstream: Bool = false, fixes: [String] = []) {
        self.name = name
        self.summary = summary
        self.fromUpstream = fromUpstream
        self.fixes = fixes
    }

    /// The patches of an extracted source tree, in the order they are applied
    /// (none when the package has no series: a native or unpatched package).
    public static func read(sourceTree: String) -> [DebianPatch] {
        let dir = sourceTree + "/debian/patches"
        guard let series = try? String(contentsOfFile: dir + "/series", encoding: .utf8) else { return [] }
        return entries(series).map { name in
            let header = Self.header(of: dir + "/" + name)
            return parse(name: name, header: header)
        }
    }

    /// series lines: a patch name, optionally followed by options (`-p1`); `#` comments.
    static func entries(_ series: String) -> [String] {
        series.split(separator: "\n").compactMap { line in
            let text = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            return text.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init)
        }
    }

    /// The text before the diff itself, at most 64 KiB of it.
    static func header(of path: String) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: 64 << 10)) ?? Data()
        var lines: [Substring] = []
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("---") || line.hasPrefix("diff ") || line.hasPrefix("Index: ") || line.hasPrefix("+++ ") { break }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    static func parse(name: String, header: String) -> DebianPatch {
        var fields: [String: String] = [:]
        var current: String?
        var gitCommit = false
        for line in header.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("From "), line.split(separator: " ").dropFirst().first.map({ $0.count == 40 && $0.allSatisfy(\.isHexDigit) }) == true {
                gitCommit = true
                continue
            }
            if let first = line.first, first == " " || first == "\t", let key = current {
                // A folded Subject continues; a DEP-3 Description's later lines are the long text.
                if key != "description" { fields[key, default: ""] += " " + line.trimmingSpaces() }
                continue
            }
            guard let colon = line.firstIndex(of: ":"), !line[..<colon].contains(" ") else { current = nil; continue }
            let key = line[..<colon].lowercased()
            if fields[key] == nil { fields[key] = line[line.index(after: colon)...].trimmingSpaces() }
            current = key
        }
        var summary = fields["subject"] ?? fields["description"]
        if let s = summary, s.hasPrefix("[PATCH") , let close = s.firstIndex(of: "]") {
            summary = s[s.index(after: close)...].trimmingSpaces()
        }
        let origin = fields["origin"]?.lowercased() ?? ""
        return DebianPatch(name: name, summary: summary.flatMap { $0.isEmpty ? nil : $0 },
                           fromUpstream: origin.hasPrefix("upstream") || origin.hasPrefix("backport") || (origin.isEmpty && gitCommit),
                           fixes: CVE.ids(in: name + "\n" + header))
    }
}
