import Foundation

/// A JSON document built in code and written deterministically: keys sorted by their
/// UTF-8 bytes, integers only, strings escaped the same way every time, indented or
/// compact. Used where the bytes themselves matter: the SBOM's serial number is a hash
/// of its content, and OCI manifests, configs and indexes are addressed by their digest.
/// It also decodes arbitrary JSON (a package's `metadata` in cargo's metadata), which may
/// hold fractions and nulls; documents built here never do.
public indirect enum JSONValue: Equatable, Decodable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    case string(String), int(Int), bool(Bool), array([JSONValue]), object([String: JSONValue])
    case double(Double), null

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }

    /// An object without the keys whose value is absent.
    public static func object(_ pairs: [(String, JSONValue?)]) -> JSONValue {
        .object(Dictionary(pairs.compactMap { k, v in v.map { (k, $0) } }, uniquingKeysWith: { _, last in last }))
    }

    public static func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }
    public static func strings(_ map: [String: String]) -> JSONValue { .object(map.mapValues(JSONValue.string)) }

    /// The compact canonical form: one byte sequence for one value (what digests are taken of).
    public var serialized: String { rendered(pretty: false) }
    public var data: Data { Data(serialized.utf8) }

    public subscript(key: String) -> JSONValue? {
        if case let .object(o) = self { return o[key] }
        return nil
    }

    public func rendered(pretty: Bool = true) -> String {
        var out = ""
        write(into: &out, indent: pretty ? "" : nil)
        return pretty ? out + "\n" : out
    }

    private func write(into out: inout String, indent: String?) {
        let inner = indent.map { $0 + "  " }
        let newline = indent == nil ? "" : "\n"
        switch self {
        case let .string(s): out += JSONValue.quote(s)
        case let .int(i): out += String(i)
        case let .bool(b): out += b ? "true" : "false"
        case let .double(d): out += d.isFinite ? String(d) : "null"
        case .null: out += "null"
        case let .array(items):
            if items.isEmpty { out += "[]"; return }
            out += "[" + newline
            for (n, item) in items.enumerated() {
                out += inner ?? ""
                item.write(into: &out, indent: inner)
                out += (n == items.count - 1 ? "" : ",") + newline
            }
            out += (indent ?? "") + "]"
        case let .object(fields):
            if fields.isEmpty { out += "{}"; return }
            out += "{" + newline
            let keys = fields.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            for (n, key) in keys.enumerated() {
                out += (inner ?? "") + JSONValue.quote(key) + (indent == nil ? ":" : ": ")
                fields[key]!.write(into: &out, indent: inner)
                out += (n == keys.count - 1 ? "" : ",") + newline
            }
            out += (indent ?? "") + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// Typed reads of a decoded document (tests, and documents read from disk).
extension JSONValue {
    public var stringValue: String? { if case let .string(s) = self { return s } else { return nil } }
    public var intValue: Int? { if case let .int(i) = self { return i } else { return nil } }
    public var boolValue: Bool? { if case let .bool(b) = self { return b } else { return nil } }
    public var arrayValue: [JSONValue]? { if case let .array(a) = self { return a } else { return nil } }
    public var objectValue: [String: JSONValue]? { if case let .object(o) = self { return o } else { return nil } }
}
