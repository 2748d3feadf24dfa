import XCTest
@testable import CargoStaticCore

/// A `LibraryID` is the canonical name a resolution gave, and turns back into exactly that recipe.
final class LibraryIDTests: XCTestCase {
    func testAnyNameResolvesToTheRecipesCanonicalID() throws {
        let zlib = try NativeLibrary.named("zlib")
        for typed in ["z", "libz", "ZLIB"] {
            XCTAssertEqual(try NativeLibrary.named(typed).id, zlib.id, typed)
        }
        XCTAssertEqual(zlib.id.name, "zlib")
        XCTAssertNotEqual(zlib.id, try NativeLibrary.named("bzip2").id)
    }

    func testIDTurnsBackIntoItsRecipeByExactNameOnly() throws {
        let ncurses = try NativeLibrary.named("curses")
        XCTAssertEqual(try NativeLibrary.library(ncurses.id).name, "ncurses")
        XCTAssertEqual(try NativeLibrary.library(ncurses.id).archives, ncurses.archives)
        // An alias is a name a user types, not an identity: it does not stand for the recipe.
        XCTAssertThrowsError(try NativeLibrary.library(LibraryID(resolvedName: "z")))
    }

    func testJSONIsTheBareNameBothWays() throws {
        let id = try NativeLibrary.named("libz").id
        XCTAssertEqual(String(decoding: try JSONEncoder().encode([id]), as: UTF8.self), #"["zlib"]"#)
        XCTAssertEqual(try decode([LibraryID].self, from: #"["zlib"]"#), [id])
        let step = LibraryStep(library: id, target: try Target("x86_64-unknown-linux-musl"), build: nil, source: nil, fetch: nil,
                               commands: [], dependencies: [try NativeLibrary.named("bz2").id], prefix: nil)
        let json = String(decoding: try JSONEncoder().encode(step), as: UTF8.self)
        XCTAssertTrue(json.contains(#""library":"zlib""#) && json.contains(#""dependencies":["bzip2"]"#), json)
        XCTAssertEqual(try decode(LibraryStep.self, from: json), step)
    }

    func testOrderAndTextFollowTheName() throws {
        let ids = try ["zlib", "bzip2", "ncurses"].map { try NativeLibrary.named($0).id }
        XCTAssertEqual(ids.sorted().map(\.description), ["bzip2", "ncurses", "zlib"])
        XCTAssertEqual("\(ids[0])", "zlib")
    }
}

/// Tests write resolved libraries as literals (`"zlib"`); the tool itself makes a
/// `LibraryID` only from a resolved recipe.
extension LibraryID: ExpressibleByStringLiteral {
    public init(stringLiteral name: String) { self.init(resolvedName: name) }
}
