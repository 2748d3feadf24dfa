import Foundation
import XCTest
@testable import CargoStaticCore

final class AuditReportTests: XCTestCase {
    /// An interpreter path carrying a carriage return and an escape sequence
    /// must not reach the terminal raw, or it could overwrite "NOT kernel-only".
    func testControlCharactersFromTheFileAreEscaped() throws {
        var p = try ELFPatch(path: try ELFFixtures.shared.path("glibc-dynamic"))
        let interp = try XCTUnwrap(p.segments(ELFConst.PT_INTERP).first)
        let at = Int(p[segment: interp, field: .offset])
        p.bytes.replaceSubrange(at ..< at + 6, with: Array("\r\u{1b}[2K/".utf8))
        let report = AuditReport.human([Audit(try ELFFile.parse(bytes: p.bytes))])
        XCTAssertFalse(report.contains("\u{1b}") || report.contains("\r"), report)
        XCTAssertTrue(report.contains("needs the program interpreter \\x0d\\x1b[2K/"), report)
        XCTAssertTrue(report.contains("NOT kernel-only"))
    }
}
