import XCTest
@testable import CargoStaticCore

final class TargetTests: XCTestCase {
    func testParsesKnownTargetAndDerivesNames() throws {
        let t = try Target("x86_64-unknown-linux-musl")
        XCTAssertEqual(t.arch, "x86_64")
        XCTAssertEqual(t.envSuffix, "x86_64_unknown_linux_musl")
        XCTAssertEqual(t.cargoEnvPrefix, "CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL")
        XCTAssertEqual(t.info.zigTarget, "x86_64-linux-musl")
        XCTAssertEqual(t.info.elfMachine, 62)
    }

    func testRejectsGlibcTargetWithFix() {
        XCTAssertThrowsError(try Target("x86_64-unknown-linux-gnu")) { error in
            let e = error as? CargoStaticError
            XCTAssertEqual(e?.kind, .usage)
            XCTAssertTrue(e?.fix?.contains("--target x86_64-unknown-linux-musl") ?? false)
        }
    }

    func testListExpandsAllTestedAndDropsDuplicates() throws {
        let list = try Target.list("x86_64-unknown-linux-musl,all-tested,aarch64-unknown-linux-musl")
        XCTAssertEqual(list.first?.triple, "x86_64-unknown-linux-musl")
        XCTAssertEqual(list.count, 1 + TargetTable.tested.count)
        XCTAssertEqual(Set(list.map(\.triple)).count, list.count)
        XCTAssertTrue(list.contains { $0.info.bigEndian })
    }

    func testEveryTestedTargetIsInTheTable() {
        for triple in TargetTable.tested { XCTAssertNotNil(TargetTable.known[triple], triple) }
    }
}
