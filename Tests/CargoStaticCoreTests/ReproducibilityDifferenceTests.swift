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

    /// Two builds' `<profile>/build` directories: a generated source that changed is named
    /// with its package; one that differs only by the build's own path is not; object files
    /// are not compared.
    func testBuildScriptOutputThatChangedIsNamedWithItsPackage() throws {
        let base = try scratchDirectory("repro-out")
        let first = base + "/one/target/x86_64-unknown-linux-musl/release/build"
        let second = base + "/scratch/target/x86_64-unknown-linux-musl/release/build"
        func put(_ dir: String, _ file: String, _ text: String) throws {
            let path = dir + "/" + file
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: false, encoding: .utf8)
        }
        try put(first, "linebreak-0a1b2c3d4e5f6789/out/tables.rs", "const T: [u8; 3] = [1, 2, 3];\n")
        try put(second, "linebreak-0a1b2c3d4e5f6789/out/tables.rs", "const T: [u8; 3] = [1, 3, 2];\n")
        try put(first, "paths-00ff/out/paths.rs", "include!(\"\(first)/paths-00ff/out/x.rs\");\n")
        try put(second, "paths-00ff/out/paths.rs", "include!(\"\(second)/paths-00ff/out/x.rs\");\n")
        try put(first, "objects-1234/out/a.o", "\u{0}one")
        try put(second, "objects-1234/out/a.o", "\u{0}two")
        try put(first, "gone-abcd/out/only-first.rs", "x\n")
        try FileManager.default.createDirectory(atPath: second + "/gone-abcd/out", withIntermediateDirectories: true)

        let roots = Reproducibility.differingRoots(first, second)
        XCTAssertEqual(roots.first, base + "/one"); XCTAssertEqual(roots.second, base + "/scratch")
        let changes = BuildScriptOutputs.changes(first, second, rewrite: [(roots.second, roots.first)])
        XCTAssertEqual(changes.map(\.package), ["gone", "linebreak"])
        XCTAssertEqual(changes.last?.file, first + "/linebreak-0a1b2c3d4e5f6789/out/tables.rs")
        XCTAssertEqual(changes.last?.detail, "line 1 differs: const T: [u8; 3] = [1, 2, 3]; | const T: [u8; 3] = [1, 3, 2];")
        XCTAssertEqual(changes.first?.detail, "the second build did not write it")
        XCTAssertEqual(BuildScriptOutputs.package(ofDirectory: "unicode-linebreak-b78f5e1dfe61f8f9"), "unicode-linebreak")
        XCTAssertEqual(BuildScriptOutputs.package(ofDirectory: "no-hash-here"), "no-hash-here")
        XCTAssertEqual(BuildScriptOutputs.buildDirectory(of: "/t/release/deps/app-1234"), "/t/release/build")
        XCTAssertEqual(BuildScriptOutputs.buildDirectory(of: "/t/release/app"), "/t/release/build")
    }
}
