import Foundation
import XCTest
@testable import CargoStaticCore

/// `ar` archives read member by member, and the C++ check that skips rustc's own members.
final class ArchiveMembersTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws { dir = try scratchDirectory("archive-members") }

    /// Writes `members` (name → text) and archives them with binutils' ar, as rustc and
    /// the C builds do (GNU format: long names in the `//` table).
    private func archive(_ name: String, _ members: [(String, String)]) throws -> String {
        for (member, text) in members { try text.write(toFile: dir + "/" + member, atomically: false, encoding: .utf8) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ar")
        process.arguments = ["rcs", dir + "/" + name] + members.map { dir + "/" + $0.0 }
        try process.run(); process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        return dir + "/" + name
    }

    func testMembersWithShortAndLongNames() throws {
        let path = try archive("libmixed.a", [("a.o", "one"), ("regex_automata-0f1e2d3c4b5a6978.regex_automata.a1b2c3d4-cgu.0.rcgu.o", "three"), ("lib.rmeta", "meta!")])
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let members = try XCTUnwrap(ArchiveMembers.parse(data))
        let named = members.filter { !["/", "//", "/SYM64"].contains($0.name) }
        XCTAssertEqual(named.map(\.name), ["a.o", "regex_automata-0f1e2d3c4b5a6978.regex_automata.a1b2c3d4-cgu.0.rcgu.o", "lib.rmeta"])
        XCTAssertEqual(named.map { String(decoding: data[$0.range], as: UTF8.self) }, ["one", "three", "meta!"])
    }

    func testNotAnArchiveOrDamaged() throws {
        XCTAssertNil(ArchiveMembers.parse(Data("hello".utf8)))
        let path = try archive("libcut.a", [("a.o", String(repeating: "x", count: 200))])
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertNil(ArchiveMembers.parse(data.prefix(data.count - 50)), "a member past the end")
        var bent = data
        bent[ArchiveMembers.magic.count + 58] = 0x20  // the first header's terminator
        XCTAssertNil(ArchiveMembers.parse(bent))
    }

    /// C++ references in a C member count; the same bytes in a member rustc wrote do not;
    /// an archive that does not parse is searched whole.
    func testCxxIsLookedForOutsideRustsMembers() throws {
        let cxx = "undefined _ZNSt3__112basic_stringIcE"
        XCTAssertTrue(CxxRuntime.fileHoldsCxx(try archive("libc.a", [("tess.o", cxx)])))
        XCTAssertFalse(CxxRuntime.fileHoldsCxx(try archive("librust.rlib", [("app-0123456789abcdef.app.1a2b-cgu.0.rcgu.o", cxx), ("lib.rmeta", cxx)])))
        XCTAssertTrue(CxxRuntime.fileHoldsCxx(try archive("libboth.rlib", [("app-0123456789abcdef.app.1a2b-cgu.0.rcgu.o", "rust"), ("tess.o", cxx)])))
        try Data("!<arch>\nnot a header \(cxx)".utf8).write(to: URL(fileURLWithPath: dir + "/libbad.a"))
        XCTAssertTrue(CxxRuntime.fileHoldsCxx(dir + "/libbad.a"))
        XCTAssertFalse(CxxRuntime.fileHoldsCxx(dir + "/missing.a"))
    }
}
