import XCTest
@testable import CargoStaticCore

/// The build id recomputed after stripping: a digest of what ships, stable, and changed by
/// any other byte.
final class BuildIDTests: XCTestCase {
    private func copy(_ source: String) throws -> String {
        let dir = try FileSystem.temporaryDirectory(in: NSTemporaryDirectory(), label: "build-id")
        let path = dir + "/exe"
        try FileManager.default.copyItem(atPath: source, toPath: path)
        return path
    }

    private func id(_ path: String) throws -> Data {
        let (location, note) = try XCTUnwrap(try DepSectionReader.read(path: path, section: BuildID.section))
        let range = try XCTUnwrap(BuildID.descriptor(in: note, bigEndian: false))
        XCTAssertEqual(range.count, 20)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        return bytes.subdata(in: Int(location.offset) + range.lowerBound ..< Int(location.offset) + range.upperBound)
    }

    func testRestampChangesOnlyTheIdAndIsStable() throws {
        // Debian's own executables carry a GNU build id.
        let path = try copy("/bin/true")
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertTrue(try BuildID.restamp(path))
        let once = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(once.count, before.count)
        let changed = (0..<before.count).filter { before[$0] != once[$0] }
        XCTAssertFalse(changed.isEmpty, "the id was not rewritten")
        XCTAssertLessThanOrEqual(changed.count, 20)
        XCTAssertTrue(try BuildID.restamp(path))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), once, "restamping again must give the same bytes")
    }

    func testAnyOtherByteChangesTheId() throws {
        let a = try copy("/bin/true"), b = try copy("/bin/true")
        // Change one byte of .rodata (not the note) in b.
        let (comment, _) = try XCTUnwrap(try DepSectionReader.read(path: b, section: ".rodata"))
        var bytes = try Data(contentsOf: URL(fileURLWithPath: b))
        bytes[Int(comment.offset)] ^= 0xff
        try bytes.write(to: URL(fileURLWithPath: b))
        try BuildID.restamp(a)
        try BuildID.restamp(b)
        XCTAssertNotEqual(try id(a), try id(b))
    }

    func testFileWithoutNoteIsLeftAlone() throws {
        let dir = try FileSystem.temporaryDirectory(in: NSTemporaryDirectory(), label: "build-id")
        let path = dir + "/not-elf"
        try Data("not an ELF file".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try BuildID.restamp(path))
        XCTAssertNil(BuildID.descriptor(in: Data([4, 0, 0, 0, 20, 0, 0, 0, 3, 0, 0, 0, 0x58, 0x4e, 0x55, 0]), bigEndian: false),
                     "a note not named GNU is not a build id")
    }
}
