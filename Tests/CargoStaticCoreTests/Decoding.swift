import XCTest
@testable import CargoStaticCore

/// The one way these tests read JSON: into the tool's own type (or `JSONValue` for the
/// documents it writes as such). A document that does not decode fails the test with its text;
/// no default stands in for a missing field.
func decode<T: Decodable>(_ type: T.Type, from data: Data, file: StaticString = #filePath, line: UInt = #line) throws -> T {
    do { return try JSONDecoder().decode(type, from: data) } catch {
        XCTFail("not \(T.self) (\(error)):\n\(String(decoding: data.prefix(4000), as: UTF8.self))", file: file, line: line)
        throw error
    }
}

func decode<T: Decodable>(_ type: T.Type, from text: String, file: StaticString = #filePath, line: UInt = #line) throws -> T {
    try decode(type, from: Data(text.utf8), file: file, line: line)
}

func decode<T: Decodable>(_ type: T.Type, fromFile path: String, file: StaticString = #filePath, line: UInt = #line) throws -> T {
    try decode(type, from: Data(contentsOf: URL(fileURLWithPath: path)), file: file, line: line)
}
