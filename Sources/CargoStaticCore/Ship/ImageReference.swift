import Foundation

/// An image name as `docker`/`podman` take it: `[registry/]path[:tag]`.
public struct ImageReference: Equatable, CustomStringConvertible {
    /// "hello", "ghcr.io/acme/hello", "localhost:5000/hello"
    public let repository: String
    public let tag: String

    /// "repository:tag", the tag defaulting to `latest`.
    public var description: String { "\(repository):\(tag)" }

    /// The name with registry and namespace spelled out, as containerd records it
    /// ("hello:1" -> "docker.io/library/hello:1").
    public var fullyQualified: String {
        let parts = repository.split(separator: "/", maxSplits: 1).map(String.init)
        let first = parts[0]
        let hasRegistry = parts.count == 2 && (first.contains(".") || first.contains(":") || first == "localhost")
        if hasRegistry { return description }
        return "docker.io/" + (parts.count == 1 ? "library/" : "") + description
    }

    /// The distribution spec's limits: a name (registry included) of at most 255 characters,
    /// a tag of at most 128.
    public static let maxNameLength = 255
    public static let maxTagLength = 128

    /// An invalid name is a command-line error (exit 2): it comes from `--tag`, or from the
    /// package name when there is none.
    public init(_ text: String) throws {
        let bad = { (why: String) in
            CargoStaticError(.usage, "`\(text)` is not a usable image name: \(why)",
                             fix: "use NAME[:TAG] with a lower-case name, e.g. --tag hello:0.1.0 or --tag ghcr.io/acme/hello:1.2")
        }
        guard !text.contains("@") else { throw bad("a digest cannot be chosen, it is computed") }
        var repository = text, tag = "latest"
        // A ':' after the last '/' starts the tag (an earlier one is a registry's port).
        if let colon = text.lastIndex(of: ":"), !text[colon...].contains("/") {
            repository = String(text[..<colon])
            tag = String(text[text.index(after: colon)...])
        }
        guard Self.validTag(tag) else {
            throw bad("the tag must be 1-\(Self.maxTagLength) letters, digits, `_`, `.` or `-`, starting with a letter, digit or `_`")
        }
        guard repository.utf8.count <= Self.maxNameLength else {
            throw bad("the name is \(repository.utf8.count) characters long; registries accept at most \(Self.maxNameLength), registry included")
        }
        let components = repository.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for (i, component) in components.enumerated() {
            let isRegistry = i == 0 && components.count > 1 && (component.contains(".") || component.contains(":") || component == "localhost")
            if isRegistry {
                guard Self.validRegistry(component) else {
                    throw bad("`\(component)` is not a registry host: letters, digits and `-` in dot-separated labels, then an optional `:port`")
                }
            } else if !Self.validPathComponent(component) {
                throw bad("each part of the name must be lower-case letters and digits, separated by one `.`, one or two `_`, or dashes, starting and ending with a letter or digit")
            }
        }
        self.repository = repository
        self.tag = tag
    }

    /// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
    static func validTag(_ tag: String) -> Bool {
        let bytes = Array(tag.utf8)
        func word(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F }
        guard let first = bytes.first, word(first), bytes.count <= maxTagLength else { return false }
        return bytes.allSatisfy { word($0) || $0 == 0x2E || $0 == 0x2D }
    }

    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
    static func validPathComponent(_ component: String) -> Bool {
        let bytes = Array(component.utf8)
        func alnum(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7A) }
        guard let first = bytes.first, let last = bytes.last, alnum(first), alnum(last) else { return false }
        var i = 0
        while i < bytes.count {
            if alnum(bytes[i]) { i += 1; continue }
            var j = i
            while j < bytes.count, !alnum(bytes[j]) { j += 1 }
            let separator = String(decoding: bytes[i..<j], as: UTF8.self)
            guard separator == "." || separator == "_" || separator == "__" || separator.allSatisfy({ $0 == "-" }) else { return false }
            i = j
        }
        return true
    }

    /// `host[:port]`: dot-separated labels of letters, digits and inner `-`.
    static func validRegistry(_ text: String) -> Bool {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2, parts[1].isEmpty || !parts[1].allSatisfy(\.isASCII) || !parts[1].allSatisfy(\.isNumber) { return false }
        let labels = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            guard let first = label.first, let last = label.last, first != "-", last != "-" else { return false }
            return label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}
