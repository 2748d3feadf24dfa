import Foundation
import XCTest
@testable import CargoStaticCore

/// `--check-reproducible`'s report of where two outputs first differ.
final class ReproducibilityDifferenceTests: XCTestCase {
    func testNamesTheSectionTheLineOrTheOffset() throws {
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "/bin/true")))
        let elf = try ELFFile.parse(bytes: original)
        let text = try XCTUnwrap(elf.sections.first { $0.name == ".text" })
        var changed = original
        changed[Int(text.offset) + 3] ^= 0xFF
        XCTAssertEqual(Reproducibility.firstDifference(original, changed), "section .text differs")
        XCTAssertEqual(Reproducibility.firstDifference(Array("a\nb\nc".utf8), Array("a\nB\nc".utf8)), "line 2 differs: b | B")
        XCTAssertEqual(Reproducibility.firstDifference([0, 1, 2, 0xFF], [0, 1, 3, 0xFE]), "the bytes differ from offset 2 (sizes 4 and 4)")
    }

    /// When a section changed size, the symbols only one build defines say which crate differs.
    func testSymbolsOnlyOneBuildDefinesAreNamed() {
        XCTAssertNil(Reproducibility.symbolDifference(["main", "a"], ["a", "main"]))
        let detail = Reproducibility.symbolDifference(["main", "_ZN5regex4exec17h1111E"], ["main", "_ZN5regex4exec17h2222E", "anon.x.1"])
        XCTAssertEqual(detail, "1 symbol(s) only in the first build (_ZN5regex4exec17h1111E), 2 only in the second (_ZN5regex4exec17h2222E, anon.x.1)")
        let many = Reproducibility.symbolDifference(Set((1...8).map { "s\($0)" }), [], shown: 2)
        XCTAssertEqual(many, "8 symbol(s) only in the first build (s1, s2, …), 0 only in the second ()")
    }

    func testWorkspaceRootIsTheOutermostWorkspace() throws {
        let base = NSTemporaryDirectory() + "repro-root-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base + "/ws/member", withIntermediateDirectories: true)
        try "[workspace]\nmembers = [\"member\"]\n".write(toFile: base + "/ws/Cargo.toml", atomically: true, encoding: .utf8)
        try "[package]\nname = \"m\"\n".write(toFile: base + "/ws/member/Cargo.toml", atomically: true, encoding: .utf8)
        XCTAssertEqual(Reproducibility.workspaceRoot(of: base + "/ws/member/Cargo.toml"), base + "/ws")
        XCTAssertEqual(Reproducibility.workspaceRoot(of: base + "/ws/Cargo.toml"), base + "/ws")
    }
}
