import Foundation

/// Pretty, key-sorted JSON for machine output.
public func encodeJSON<T: Encodable>(_ value: T) throws -> String {
    String(decoding: try JSONEncoder.pretty.encode(value), as: UTF8.self)
}

extension JSONEncoder {
    /// What people and tools read: indented, keys sorted, dates as RFC 3339.
    static var pretty: JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return e
    }

    /// One line, keys sorted: fingerprints and records.
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    static var cache: JSONEncoder { pretty }
}

extension JSONDecoder {
    static var cache: JSONDecoder { let d = JSONDecoder(); d.dateDecodingStrategy = .iso8601; return d }
}
