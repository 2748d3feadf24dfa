import Foundation

/// A TOML value. Cargo's manifests and config files are TOML; the tool reads a few
/// keys from them (profiles, `[cargo-static]` settings, rustflags) and needs nothing
/// more than this reader: it parses TOML 1.0 into plain values and reports the line of
/// the first error. Date-times are kept as their text.
public indirect enum TOMLValue: Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case bool(Bool)
    case datetime(String)
    case array([TOMLValue])
    case table([String: TOMLValue])

    public var string: String? { if case .string(let s) = self { return s }; return nil }
    public var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var integer: Int64? { if case .integer(let i) = self { return i }; return nil }
    public var array: [TOMLValue]? { if case .array(let a) = self { return a }; return nil }
    public var table: [String: TOMLValue]? { if case .table(let t) = self { return t }; return nil }
    /// An array of strings (`["a", "b"]`), or nil when it is anything else.
    public var strings: [String]? { array.flatMap { items in items.compactMap(\.string).count == items.count ? items.compactMap(\.string) : nil } }

    /// `value["profile"]?["release"]`
    public subscript(_ key: String) -> TOMLValue? { table?[key] }

    /// A dotted path of keys: `value.at("target", "x86_64-unknown-linux-musl", "rustflags")`.
    public func at(_ keys: String...) -> TOMLValue? {
        keys.reduce(Optional(self)) { $0?[$1] }
    }

    /// How a person would write it back (for messages).
    public var text: String {
        switch self {
        case .string(let s): return "\"\(s)\""
        case .integer(let i): return String(i)
        case .float(let d): return String(d)
        case .bool(let b): return String(b)
        case .datetime(let d): return d
        case .array(let a): return "[" + a.map(\.text).joined(separator: ", ") + "]"
        case .table(let t): return "{" + t.keys.sorted().map { "\($0) = \(t[$0]!.text)" }.joined(separator: ", ") + "}"
        }
    }
}

public struct TOMLError: Error, CustomStringConvertible, Equatable {
    public let line: Int
    public let message: String
    public var description: String { "line \(line): \(message)" }
}

public enum TOML {
    /// `text` as a TOML basic string, for generated manifests and `--config` values (paths
    /// may hold quotes, backslashes and any character).
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += String(format: "\\u%04X", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    public static func parse(_ text: String) throws -> [String: TOMLValue] {
        var parser = TOMLParser(Array(text.utf8))
        return try parser.document()
    }

    /// Parses a file; errors name the file and the line.
    public static func parse(file path: String) throws -> [String: TOMLValue] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CargoStaticError(.badInput, "cannot read \(path)")
        }
        do { return try parse(String(decoding: data, as: UTF8.self)) } catch let error as TOMLError {
            throw CargoStaticError(.badInput, "\(path) is not valid TOML (\(error))", fix: "fix the file; cargo reads it too")
        }
    }
}

/// A recursive-descent reader over UTF-8 bytes.
struct TOMLParser {
    private let bytes: [UInt8]
    private var i = 0
    private var line = 1
    private var root: [String: TOMLValue] = [:]
    /// Tables defined by a header or by dotted keys, so a second definition is an error.
    private var defined = Set<[String]>()

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    private var current: UInt8? { i < bytes.count ? bytes[i] : nil }
    private func peek(_ offset: Int) -> UInt8? { i + offset < bytes.count ? bytes[i + offset] : nil }

    private func fail(_ message: String) -> TOMLError { TOMLError(line: line, message: message) }

    mutating func document() throws -> [String: TOMLValue] {
        var table: [String] = []
        while true {
            skipWhitespaceCommentsAndNewlines()
            guard let c = current else { break }
            if c == UInt8(ascii: "[") {
                if peek(1) == UInt8(ascii: "[") {
                    i += 2
                    let path = try key(until: UInt8(ascii: "]"))
                    try expect("]]")
                    try appendArrayTable(path)
                    table = path
                } else {
                    i += 1
                    let path = try key(until: UInt8(ascii: "]"))
                    try expect("]")
                    guard defined.insert(path).inserted else { throw fail("table [\(path.joined(separator: "."))] is defined twice") }
                    try insert(.table([:]), at: path, creatingOnly: true)
                    table = path
                }
            } else {
                let path = try key(until: UInt8(ascii: "="))
                try expect("=")
                skipSpaces()
                let value = try self.value()
                for n in 1..<path.count { defined.insert(table + Array(path.prefix(n))) }
                try insert(value, at: table + path, creatingOnly: false)
            }
            skipSpaces()
            skipComment()
            if let c = current, c != 0x0A, c != 0x0D { throw fail("unexpected text after a value") }
        }
        return root
    }

    // MARK: keys

    private mutating func key(until terminator: UInt8) throws -> [String] {
        var parts: [String] = []
        while true {
            skipSpaces()
            guard let c = current else { throw fail("unexpected end of file in a key") }
            if c == UInt8(ascii: "\"") { parts.append(try basicString()) }
            else if c == UInt8(ascii: "'") { parts.append(try literalString()) }
            else {
                let start = i
                while let b = current, isBareKeyByte(b) { i += 1 }
                guard i > start else { throw fail("expected a key") }
                parts.append(String(decoding: bytes[start..<i], as: UTF8.self))
            }
            skipSpaces()
            if current == UInt8(ascii: ".") { i += 1; continue }
            guard current == terminator || (terminator == UInt8(ascii: "]") && current == UInt8(ascii: "]")) else {
                throw fail("expected `\(Character(UnicodeScalar(terminator)))` after a key")
            }
            return parts
        }
    }

    private func isBareKeyByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }

    // MARK: building the tree

    private mutating func insert(_ value: TOMLValue, at path: [String], creatingOnly: Bool) throws {
        root = try Self.insert(value, into: root, path: path[...], creatingOnly: creatingOnly, line: line)
    }

    private static func insert(_ value: TOMLValue, into table: [String: TOMLValue], path: ArraySlice<String>,
                               creatingOnly: Bool, line: Int) throws -> [String: TOMLValue] {
        var table = table
        let key = path.first!
        if path.count == 1 {
            if creatingOnly {
                if table[key] == nil { table[key] = value; return table }
                guard table[key]?.table != nil else { throw TOMLError(line: line, message: "`\(key)` is already a value") }
                return table
            }
            guard table[key] == nil else { throw TOMLError(line: line, message: "key `\(key)` is defined twice") }
            table[key] = value
            return table
        }
        switch table[key] {
        case nil:
            table[key] = .table(try insert(value, into: [:], path: path.dropFirst(), creatingOnly: creatingOnly, line: line))
        case .table(let inner):
            table[key] = .table(try insert(value, into: inner, path: path.dropFirst(), creatingOnly: creatingOnly, line: line))
        case .array(var items) where items.last?.table != nil:
            // `[[a]]` followed by `[a.b]` or `a.b = …` extends the last element.
            let last = items.removeLast().table!
            items.append(.table(try insert(value, into: last, path: path.dropFirst(), creatingOnly: creatingOnly, line: line)))
            table[key] = .array(items)
        default:
            throw TOMLError(line: line, message: "`\(key)` is a value, not a table")
        }
        return table
    }

    private mutating func appendArrayTable(_ path: [String]) throws {
        root = try Self.appendTable(to: root, path: path[...], line: line)
        // Tables under a new array element may be defined again.
        defined = defined.filter { !($0.count > path.count && Array($0.prefix(path.count)) == path) }
    }

    private static func appendTable(to table: [String: TOMLValue], path: ArraySlice<String>, line: Int) throws -> [String: TOMLValue] {
        var table = table
        let key = path.first!
        if path.count == 1 {
            switch table[key] {
            case nil: table[key] = .array([.table([:])])
            case .array(var items) where items.allSatisfy({ $0.table != nil }):
                items.append(.table([:]))
                table[key] = .array(items)
            default: throw TOMLError(line: line, message: "`\(key)` is not an array of tables")
            }
            return table
        }
        switch table[key] {
        case nil: table[key] = .table(try appendTable(to: [:], path: path.dropFirst(), line: line))
        case .table(let inner): table[key] = .table(try appendTable(to: inner, path: path.dropFirst(), line: line))
        case .array(var items) where items.last?.table != nil:
            let last = items.removeLast().table!
            items.append(.table(try appendTable(to: last, path: path.dropFirst(), line: line)))
            table[key] = .array(items)
        default: throw TOMLError(line: line, message: "`\(key)` is a value, not a table")
        }
        return table
    }

    // MARK: values

    private mutating func value() throws -> TOMLValue {
        guard let c = current else { throw fail("expected a value") }
        switch c {
        case UInt8(ascii: "\""):
            if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") { return .string(try multilineBasicString()) }
            return .string(try basicString())
        case UInt8(ascii: "'"):
            if peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") { return .string(try multilineLiteralString()) }
            return .string(try literalString())
        case UInt8(ascii: "["): return try arrayValue()
        case UInt8(ascii: "{"): return try inlineTable()
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            if match("true") { return .bool(true) }
            if match("false") { return .bool(false) }
            throw fail("expected a value")
        default: return try numberOrDate()
        }
    }

    private mutating func arrayValue() throws -> TOMLValue {
        i += 1
        var items: [TOMLValue] = []
        while true {
            skipWhitespaceCommentsAndNewlines()
            if current == UInt8(ascii: "]") { i += 1; return .array(items) }
            items.append(try value())
            skipWhitespaceCommentsAndNewlines()
            if current == UInt8(ascii: ",") { i += 1; continue }
            guard current == UInt8(ascii: "]") else { throw fail("expected `,` or `]` in an array") }
        }
    }

    private mutating func inlineTable() throws -> TOMLValue {
        i += 1
        var table: [String: TOMLValue] = [:]
        skipSpaces()
        if current == UInt8(ascii: "}") { i += 1; return .table(table) }
        while true {
            let path = try key(until: UInt8(ascii: "="))
            try expect("=")
            skipSpaces()
            table = try Self.insert(try value(), into: table, path: path[...], creatingOnly: false, line: line)
            skipSpaces()
            if current == UInt8(ascii: ",") { i += 1; continue }
            guard current == UInt8(ascii: "}") else { throw fail("expected `,` or `}` in an inline table") }
            i += 1
            return .table(table)
        }
    }

    private mutating func numberOrDate() throws -> TOMLValue {
        let start = i
        while let b = current, !(b == UInt8(ascii: ",") || b == UInt8(ascii: "]") || b == UInt8(ascii: "}") || b == UInt8(ascii: "#")
                                  || b == 0x0A || b == 0x0D) {
            // A date-time may hold one space between date and time.
            if b == UInt8(ascii: " ") || b == 0x09 {
                guard i - start == 10, let next = peek(1), next >= 0x30, next <= 0x39 else { break }
            }
            i += 1
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        guard !text.isEmpty else { throw fail("expected a value") }
        if let n = Self.integer(text) { return .integer(n) }
        if let d = Self.float(text) { return .float(d) }
        if Self.looksLikeDate(text) { return .datetime(text) }
        throw fail("`\(text)` is not a TOML value")
    }

    static func integer(_ text: String) -> Int64? {
        let clean = text.replacingEvery("_", with: "")
        guard !text.hasPrefix("_"), !text.hasSuffix("_"), !text.contains("__") else { return nil }
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where clean.hasPrefix(prefix) {
            return Int64(clean.dropFirst(2), radix: radix)
        }
        let digits = clean.hasPrefix("+") || clean.hasPrefix("-") ? clean.dropFirst() : Substring(clean)
        guard !digits.isEmpty, digits.allSatisfy(\.isNumber), !(digits.count > 1 && digits.hasPrefix("0")) else { return nil }
        return Int64(clean)
    }

    static func float(_ text: String) -> Double? {
        let clean = text.replacingEvery("_", with: "")
        switch clean {
        case "inf", "+inf": return .infinity
        case "-inf": return -.infinity
        case "nan", "+nan", "-nan": return .nan
        default:
            guard clean.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }),
                  clean.allSatisfy({ $0.isNumber || "+-.eE".contains($0) }) else { return nil }
            return Double(clean)
        }
    }

    static func looksLikeDate(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count >= 8 else { return false }
        if scalars.count >= 10, scalars[4] == "-", scalars[7] == "-" { return true }
        return scalars[2] == ":" && scalars[5] == ":"
    }

    // MARK: strings

    private mutating func basicString() throws -> String {
        i += 1
        var out: [UInt8] = []
        while true {
            guard let c = current else { throw fail("unterminated string") }
            if c == 0x0A { throw fail("newline in a single-line string") }
            i += 1
            if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            if c == UInt8(ascii: "\\") { out += try escape() } else { out.append(c) }
        }
    }

    private mutating func multilineBasicString() throws -> String {
        i += 3
        skipOneNewline()
        var out: [UInt8] = []
        while true {
            guard let c = current else { throw fail("unterminated multi-line string") }
            if c == UInt8(ascii: "\""), peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") {
                i += 3
                // Up to two quotes may directly precede the closing delimiter.
                while current == UInt8(ascii: "\"") { out.append(c); i += 1 }
                return String(decoding: out, as: UTF8.self)
            }
            i += 1
            if c == 0x0A { line += 1 }
            if c == UInt8(ascii: "\\") {
                // A backslash at the end of a line trims the newline and the next line's indentation.
                var j = i
                while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 { j += 1 }
                if j < bytes.count, bytes[j] == 0x0A || bytes[j] == 0x0D {
                    i = j
                    while let b = current, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D {
                        if b == 0x0A { line += 1 }
                        i += 1
                    }
                    continue
                }
                out += try escape()
            } else {
                out.append(c)
            }
        }
    }

    private mutating func literalString() throws -> String {
        i += 1
        let start = i
        while let c = current, c != UInt8(ascii: "'") {
            if c == 0x0A { throw fail("newline in a single-line string") }
            i += 1
        }
        guard current != nil else { throw fail("unterminated string") }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        i += 1
        return text
    }

    private mutating func multilineLiteralString() throws -> String {
        i += 3
        skipOneNewline()
        let start = i
        while current != nil {
            if current == UInt8(ascii: "'"), peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") {
                var end = i
                i += 3
                while current == UInt8(ascii: "'") { i += 1; end += 1 }
                return String(decoding: bytes[start..<end], as: UTF8.self)
            }
            if current == 0x0A { line += 1 }
            i += 1
        }
        throw fail("unterminated multi-line string")
    }

    private mutating func escape() throws -> [UInt8] {
        guard let c = current else { throw fail("unterminated escape") }
        i += 1
        switch c {
        case UInt8(ascii: "b"): return [0x08]
        case UInt8(ascii: "t"): return [0x09]
        case UInt8(ascii: "n"): return [0x0A]
        case UInt8(ascii: "f"): return [0x0C]
        case UInt8(ascii: "r"): return [0x0D]
        case UInt8(ascii: "e"): return [0x1B]
        case UInt8(ascii: "\""): return [0x22]
        case UInt8(ascii: "\\"): return [0x5C]
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = c == UInt8(ascii: "u") ? 4 : 8
            guard i + count <= bytes.count, let code = UInt32(String(decoding: bytes[i..<i + count], as: UTF8.self), radix: 16),
                  let scalar = Unicode.Scalar(code) else { throw fail("invalid unicode escape") }
            i += count
            return Array(String(Character(scalar)).utf8)
        default: throw fail("invalid escape `\\\(Character(UnicodeScalar(c)))`")
        }
    }

    // MARK: whitespace

    private mutating func skipSpaces() {
        while let c = current, c == 0x20 || c == 0x09 { i += 1 }
    }

    private mutating func skipComment() {
        guard current == UInt8(ascii: "#") else { return }
        while let c = current, c != 0x0A { i += 1 }
    }

    private mutating func skipWhitespaceCommentsAndNewlines() {
        while let c = current {
            if c == 0x20 || c == 0x09 || c == 0x0D { i += 1 }
            else if c == 0x0A { line += 1; i += 1 }
            else if c == UInt8(ascii: "#") { skipComment() }
            else { break }
        }
    }

    private mutating func skipOneNewline() {
        if current == 0x0D { i += 1 }
        if current == 0x0A { i += 1; line += 1 }
    }

    private mutating func match(_ word: String) -> Bool {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else { return false }
        i += w.count
        return true
    }

    private mutating func expect(_ text: String) throws {
        skipSpaces()
        guard match(text) else { throw fail("expected `\(text)`") }
    }
}
