import Foundation

/// zig's driver, skipped on links it has already worked out. `zig cc` spends about half of
/// a small program's link deciding what to hand its linker (checking its libc in its cache,
/// resolving `-l` names); the line it hands `zig ld.lld` depends only on its arguments'
/// shape, not on the inputs' names. So the first link of a shape runs the driver and keeps
/// that line (`ZIG_VERBOSE_LINK` prints it), with every input as a numbered place; a later
/// link of the same shape runs `zig ld.lld` with its own inputs in those places: the same
/// linker, the same arguments, so the same bytes.
///
/// The shape keeps everything that could change zig's answer: every flag, each input's
/// extension, which inputs repeat, each `-L` directory with the libraries it holds, and
/// the `ZIG_*` environment. A template is not made when the line cannot be read back
/// exactly (a path with white space, an input zig consumed instead of passing on, an input
/// inside another argument), and a replay is refused when a file zig added (its crt
/// objects, libc, compiler_rt) is gone from its cache: the driver then runs again.
public struct LinkTemplate: Codable, Equatable {
    /// The driver's arguments (after the zig executable) with inputs as places.
    public let shape: [String]
    /// `zig ld.lld`'s arguments (after `ld.lld`) with the same places.
    public let lld: [String]

    public init(shape: [String], lld: [String]) { self.shape = shape; self.lld = lld }
}

public enum LinkReplay {
    /// Set to 0 to run zig's driver on every link (and make no template).
    public static let switchVariable = "CARGO_STATIC_LINK_REPLAY"
    static let mark: Character = "\u{1}"

    /// A link's shape and its inputs, in the order their places are numbered.
    public struct Shape: Equatable {
        public let key: [String]
        public let inputs: [String]
        /// Directories named with -L that hold nothing: dropped from the key, so they must
        /// not appear in zig's line either (rustc's per-link `raw-dylibs`).
        public let dropped: [String]
        /// The template's file name: the key's hash.
        public var name: String { Fingerprint.hex(key.joined(separator: "\u{0}")) + ".json" }
    }

    /// The shape of the driver's arguments (`cc …`, after the zig executable). `listing`
    /// gives the names in a directory (nil: unreadable, and then there is no shape);
    /// `environment` is read for `ZIG_*`.
    public static func shape(_ arguments: [String], environment: [String: String],
                             listing: (String) -> [String]?) -> Shape? {
        var key: [String] = []
        var inputs: [String] = []
        var dropped: [String] = []
        var places: [String: Int] = [:]
        var i = 0
        while i < arguments.count {
            let arg = arguments[i]
            if arg.contains(mark) { return nil }
            var directory: String?
            if arg == "-L", i + 1 < arguments.count { directory = arguments[i + 1]; i += 1 }
            else if arg.hasPrefix("-L"), arg.count > 2 { directory = String(arg.dropFirst(2)) }
            if let directory {
                guard let names = listing(directory) else { return nil }
                let libraries = names.filter { $0.hasPrefix("lib") || $0.hasSuffix(".o") || $0.hasSuffix(".a") }.sorted()
                if names.isEmpty { dropped.append(directory) }
                else { key += ["-L", directory, "\(mark)lists " + libraries.joined(separator: "/")] }
            } else if arg.hasPrefix("/") {
                if arg.contains(where: \.isWhitespace) { return nil }
                let place = places[arg] ?? inputs.count
                if places[arg] == nil { places[arg] = place; inputs.append(arg) }
                key.append("\(mark)\(place)\(extensionClass(arg))")
            } else {
                key.append(arg)
            }
            i += 1
        }
        let zig = environment.filter { $0.key.hasPrefix("ZIG_") && $0.key != "ZIG_VERBOSE_LINK" }
        key += zig.keys.sorted().map { "\(mark)env \($0)=\(zig[$0]!)" }
        return Shape(key: key, inputs: inputs, dropped: dropped)
    }

    /// `.o`, `.rlib`, `.a`, `.so`… of an input (zig tells inputs apart by it); "" for none.
    static func extensionClass(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        let ext = name[name.index(after: dot)...]
        return ext.count <= 8 && ext.allSatisfy({ $0.isLetter || $0.isNumber }) ? "." + ext : ""
    }

    /// zig's final link line in what it printed with `ZIG_VERBOSE_LINK` (it also prints
    /// the lines that built its libc on a first link): the `ld.lld` line writing `output`.
    public static func linkerLine(in text: String, output: String) -> [String]? {
        for line in text.split(separator: "\n").reversed() where line.hasPrefix("ld.lld ") {
            let words = line.split(separator: " ").map(String.init)
            if let o = words.firstIndex(of: "-o"), o + 1 < words.count, words[o + 1] == output {
                return Array(words.dropFirst())
            }
        }
        return nil
    }

    /// The template for a link of `shape` that zig ran as `lld` (its words after `ld.lld`),
    /// or nil when the line cannot be replayed exactly.
    public static func template(_ shape: Shape, lld: [String]) -> LinkTemplate? {
        var index: [String: Int] = [:]
        for (n, input) in shape.inputs.enumerated() { index[input] = n }
        var used = Set<Int>()
        var out: [String] = []
        for word in lld {
            // An argument file of zig's would hold this link's inputs, not the next one's.
            if word.contains(mark) || word.hasPrefix("@") { return nil }
            if let n = index[word] { out.append("\(mark)\(n)"); used.insert(n); continue }
            // An input or a dropped directory inside another word would not be replaced.
            if shape.inputs.contains(where: { word.contains($0) }) || shape.dropped.contains(where: { word.contains($0) }) { return nil }
            out.append(word)
        }
        // An input zig read but did not pass on could change its answer unseen.
        guard used.count == shape.inputs.count else { return nil }
        return LinkTemplate(shape: shape.key, lld: out)
    }

    /// `zig ld.lld`'s arguments for a link of `shape` from `template`, or nil when the template
    /// is another shape's or a file zig added is gone (`exists`).
    public static func replay(_ template: LinkTemplate, shape: Shape, exists: (String) -> Bool) -> [String]? {
        guard template.shape == shape.key else { return nil }
        var out: [String] = []
        for word in template.lld {
            if word.first == mark {
                guard let n = Int(word.dropFirst()), n < shape.inputs.count else { return nil }
                out.append(shape.inputs[n])
            } else {
                if word.hasPrefix("/"), !exists(word) { return nil }
                out.append(word)
            }
        }
        return out
    }

    /// Where a linker's templates are kept: beside its configuration (`static-link-….json`),
    /// one file per shape.
    public static func directory(forSpecFile file: String) -> String {
        (file.hasSuffix(".json") ? String(file.dropLast(5)) : file) + ".links"
    }
}
