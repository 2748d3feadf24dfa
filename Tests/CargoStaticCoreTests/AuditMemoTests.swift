import XCTest
@testable import CargoStaticCore

final class AuditMemoTests: XCTestCase {
    /// A remembered audit serves only the very file it was made of: a rewrite (even with the
    /// same size and bytes) changes the identity, and a memo of another cargo-static is not read.
    func testRecordServesOnlyTheSameFileAndTheSameTool() throws {
        let dir = try FileSystem.temporaryDirectory(in: "/tmp", label: "audit-memo")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let exe = dir + "/hello"
        try FileManager.default.copyItem(atPath: try ELFFixtures.shared.path("musl-static"), toPath: exe)
        let audit = Audit(try ELFFile.read(path: exe))
        let identity = try XCTUnwrap(AuditMemo.identity(exe))

        let memos = AuditMemos()
        XCTAssertNil(memos.record(exe))
        memos.update(exe) { $0 = AuditMemo.Record(identity: identity, machine: 62, audit: audit) }
        memos.save()
        XCTAssertEqual(AuditMemos().record(exe)?.audit.linkage, audit.linkage, "read back from the file beside it")
        XCTAssertNil(AuditMemo.load(directory: dir, tool: "another cargo-static").records["hello"])

        // The same bytes written again: a new identity, so no record.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: exe))
        try FileSystem.write(bytes, to: exe, mode: 0o755)
        XCTAssertNotEqual(AuditMemo.identity(exe), identity)
        XCTAssertNil(AuditMemos().record(exe))

        // A link in place of the file is no file: no identity.
        try FileManager.default.removeItem(atPath: exe)
        try FileManager.default.createSymbolicLink(atPath: exe, withDestinationPath: "/bin/sh")
        XCTAssertNil(AuditMemo.identity(exe))
        XCTAssertNil(AuditMemos().record(exe))
    }

    func testAnUnreadableMemoCountsAsNone() throws {
        let dir = try FileSystem.temporaryDirectory(in: "/tmp", label: "audit-memo")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileSystem.write("{not json", to: dir + "/" + AuditMemo.fileName)
        XCTAssertTrue(AuditMemo.load(directory: dir).records.isEmpty)
    }
}
