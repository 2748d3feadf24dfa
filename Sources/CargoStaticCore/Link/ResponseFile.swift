import Foundation

/// Argument files (`@path`). rustc writes one when a link line is too long to execute
/// (E2BIG): one argument per line, with `\` before spaces and backslashes, as GNU tools
/// read them. The link wrapper expands it, so its edits apply to every argument, and hands
/// the driver a file of its own when the rewritten line came from one.
public enum ResponseFile {
    public enum Syntax {
        /// gcc and binutils (libiberty's buildargv): whitespace separates, quotes group, `\` escapes.
        case gnu
        /// zig's: whitespace separates, single or double quotes group, no `\` escapes
        /// (only `\"` inside double quotes).
        case zig
    }

    /// Splits the text of a GNU-syntax argument file.
    public static func parseGNU(_ text: String) -> [String] {
        var arguments: [String] = []
        var current = ""
        var inArgument = false
        var quote: Character?
        var escaped = false
        for c in text {
            if escaped {
                current.append(c); escaped = false; inArgument = true
            } else if c == "\\" {
                escaped = true; inArgument = true
            } else if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "'" || c == "\"" {
                quote = c; inArgument = true
            } else if c.isWhitespace {
                if inArgument { arguments.append(current); current = ""; inArgument = false }
            } else {
                current.append(c); inArgument = true
            }
        }
        if inArgument { arguments.append(current) }
        return arguments
    }

    /// `arguments` with every `@file` replaced by the arguments it holds (files named inside
    /// files too, a bounded number of times). `read` returns nil for a file that cannot be read:
    /// the argument then stays as it is, as gcc leaves it. `expanded` says whether any was.
    public static func expand(_ arguments: [String], read: (String) -> String?) -> (arguments: [String], expanded: Bool) {
        var out: [String] = []
        var expanded = false
        var budget = 64
        func walk(_ list: [String]) {
            for arg in list {
                if arg.count > 1, arg.hasPrefix("@"), budget > 0, let text = read(String(arg.dropFirst())) {
                    budget -= 1
                    expanded = true
                    walk(parseGNU(text))
                } else {
                    out.append(arg)
                }
            }
        }
        walk(arguments)
        return (out, expanded)
    }

    /// The text of an argument file in `syntax`, or nil when an argument cannot be written in
    /// it (zig's syntax has no way to write an argument holding both kinds of quote).
    public static func render(_ arguments: [String], syntax: Syntax) -> String? {
        var lines: [String] = []
        for arg in arguments {
            switch syntax {
            case .gnu:
                var escaped = ""
                for c in arg {
                    if c.isWhitespace || c == "\\" || c == "'" || c == "\"" { escaped.append("\\") }
                    escaped.append(c)
                }
                lines.append(arg.isEmpty ? "''" : escaped)
            case .zig:
                if !arg.contains("'") { lines.append("'\(arg)'") }
                else if !arg.contains("\"") && !arg.contains("\\") { lines.append("\"\(arg)\"") }
                else { return nil }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Linker options rustc or build scripts pass that zig's linker rejects outright ("unsupported
/// linker arg"), each dropped with the reason it is safe for a static executable. Checked
/// against zig 0.17 (`zig cc -Wl,FLAG`); everything else passes through untouched.
public enum ZigLinkerFlags {
    /// Options dropped by name (with or without `=VALUE`), and why.
    static let dropped: [String: String] = [
        "--fix-cortex-a53-843419": "a Cortex-A53 erratum workaround newer rustc passes on aarch64; zig's linker has none",
        "--fix-cortex-a53-835769": "the same, for erratum 835769",
        "--no-fix-cortex-a53-843419": "turns off a workaround zig's linker does not have",
        "--no-fix-cortex-a53-835769": "turns off a workaround zig's linker does not have",
        "--icf": "identical code folding: a size optimisation only",
        "--exclude-libs": "hides symbols from a dynamic symbol table a static executable does not have",
        "--no-rosegment": "a segment layout choice; the default layout is valid",
    ]
    /// `-z KEYWORD` values zig rejects.
    static let droppedKeywords: [String: String] = [
        "nostart-stop-gc": "section garbage collection of __start_/__stop_ symbols: zig's linker keeps its own default",
        "start-stop-gc": "the same",
        "pack-relative-relocs": "RELR packing: a size optimisation only",
    ]

    /// The arguments of a zig compile or link with the rejected linker options removed, in every
    /// spelling: `-Wl,a,b`, `-Wl,-z,KEY`, `-Wl,-zKEY`, `-Xlinker OPT` and `-z KEY`.
    public static func filter(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < arguments.count {
            let arg = arguments[i]
            if arg.hasPrefix("-Wl,") {
                let kept = keep(arg.dropFirst(4).split(separator: ",", omittingEmptySubsequences: false).map(String.init))
                if !kept.isEmpty { out.append("-Wl," + kept.joined(separator: ",")) }
            } else if (arg == "-Xlinker" || arg == "-z"), i + 1 < arguments.count {
                let value = arguments[i + 1]
                let rejected = arg == "-z" ? droppedKeywords[value] != nil : isDropped(value)
                if arg == "-Xlinker", value == "-z", i + 3 < arguments.count, arguments[i + 2] == "-Xlinker", droppedKeywords[arguments[i + 3]] != nil {
                    i += 4; continue
                }
                if !rejected { out += [arg, value] }
                i += 2; continue
            } else {
                out.append(arg)
            }
            i += 1
        }
        return out
    }

    /// The elements of one `-Wl,` list that zig accepts.
    static func keep(_ elements: [String]) -> [String] {
        var kept: [String] = []
        var i = 0
        while i < elements.count {
            let e = elements[i]
            if e == "-z", i + 1 < elements.count, droppedKeywords[elements[i + 1]] != nil { i += 2; continue }
            if e.hasPrefix("-z"), e.count > 2, droppedKeywords[String(e.dropFirst(2))] != nil { i += 1; continue }
            if isDropped(e) { i += 1; continue }
            kept.append(e)
            i += 1
        }
        return kept
    }

    static func isDropped(_ option: String) -> Bool {
        let name = option.split(separator: "=", maxSplits: 1).first.map(String.init) ?? option
        return dropped[name] != nil
    }
}
