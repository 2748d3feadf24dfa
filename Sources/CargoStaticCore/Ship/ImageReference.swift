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

    public init(_ text: String) throws {
        let bad = { (why: String) in
            CargoStaticError(.badInput, "`\(text)` is not a usable image name: \(why)",
                             fix: "use NAME[:TAG] with a lower-case name, e.g. --tag hello:0.1.0 or --tag ghcr.io/acme/hello:1.2")
        }
        guard !text.contains("@") else { throw bad("a digest cannot be chosen, it is computed") }
        var repository = text, tag = "latest"
        // A ':' after the last '/' starts the tag (an earlier one is a registry's port).
        if let colon = text.lastIndex(of: ":"), !text[colon...].contains("/") {
            repository = String(text[..<colon])
            tag = String(text[text.index(after: colon)...])
        }
        let tagChars = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
        guard !tag.isEmpty, tag.count <= 128, tag.unicodeScalars.allSatisfy(tagChars.contains),
              !tag.hasPrefix("."), !tag.hasPrefix("-") else {
            throw bad("the tag must be 1-128 letters, digits, `_`, `.` or `-`, not starting with `.` or `-`")
        }
        let components = repository.split(separator: "/", omittingEmptySubsequences: false)
        let pathChars = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789_.-")
        for (i, component) in components.enumerated() {
            let isRegistry = i == 0 && components.count > 1 && (component.contains(".") || component.contains(":") || component == "localhost")
            let allowed = isRegistry ? pathChars.union(CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZ:")) : pathChars
            guard !component.isEmpty, component.unicodeScalars.allSatisfy(allowed.contains),
                  component.first!.isLetter || component.first!.isNumber else {
                throw bad("each part of the name must be lower-case letters, digits, `.`, `_` or `-`, starting with a letter or digit")
            }
        }
        self.repository = repository
        self.tag = tag
    }
}
