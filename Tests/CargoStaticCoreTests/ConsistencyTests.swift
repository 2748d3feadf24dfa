import Foundation
import XCTest
@testable import CargoStaticCore

/// Dynamic linking that the program headers hide but the sections, version
/// needs or symbols show: "not static" (`verify` exits 1), never kernel-only.
final class ConsistencyTests: XCTestCase {
    override class func setUp() {
        super.setUp()
        ELFFixtures.shared.build(["glibc-dynamic", "glibc-static-stripped"] + ConsistencyTests.genuine)
    }

    /// Static executables from the toolchains cargo-static uses, across
    /// architectures, both classes and both byte orders.
    static let genuine = ["musl-static", "musl-static-stripped", "glibc-static", "zig-static-pie", "zig-aarch64",
                          "zig-armv7", "zig-x86", "zig-riscv64", "zig-s390x", "zig-s390x-static-pie", "zig-ppc32-stripped"]

    /// Evidence of dynamic linking that can be hidden from a forged binary.
    enum Evidence: CaseIterable { case interpSection, dynamicSection, versionNeeds }

    /// The glibc-dynamic fixture with PT_INTERP and PT_DYNAMIC turned into
    /// PT_NULL, so the program headers show a static PIE, and every piece of
    /// evidence not in `keep` hidden too.
    private func forged(keeping keep: Set<Evidence>) throws -> ELFFile {
        var p = try ELFPatch(path: try ELFFixtures.shared.path("glibc-dynamic"))
        let sections = (interp: p.section(named: ".interp"), dynamic: p.section(named: ".dynamic"), verneed: p.section(named: ".gnu.version_r"))
        for type in [ELFConst.PT_INTERP, ELFConst.PT_DYNAMIC] {
            p[segment: try XCTUnwrap(p.segments(type).first), field: .type] = 0
        }
        if !keep.contains(.interpSection) { p[section: try XCTUnwrap(sections.interp), field: .name] = 0 }
        if !keep.contains(.dynamicSection) {
            let index = try XCTUnwrap(sections.dynamic)
            p[section: index, field: .name] = 0
            p[section: index, field: .type] = 1  // SHT_PROGBITS
        }
        if !keep.contains(.versionNeeds) { p[section: try XCTUnwrap(sections.verneed), field: .type] = 1 }
        return try ELFFile.parse(bytes: p.bytes)
    }

    /// With every piece of evidence hidden the forgery looks static: the
    /// kernel would indeed load no interpreter. This is the baseline the
    /// cross-checks below start from.
    func testFullyHiddenForgeryIsConsistent() throws {
        let elf = try forged(keeping: [])
        XCTAssertNil(elf.interpreter)
        XCTAssertEqual(elf.needed, [])
        XCTAssertTrue(ConsistencyRules.contradictions(elf).isEmpty)
    }

    func testInterpSectionWithoutProgramHeaderIsNotStatic() throws {
        let a = Audit(try forged(keeping: [.interpSection]))
        XCTAssertEqual(a.linkage, .dynamic)
        XCTAssertFalse(a.kernelOnly)
        XCTAssertEqual(a.problems, ["has a .interp section naming /lib64/ld-linux-x86-64.so.2 but no PT_INTERP program header: "
            + "the program headers contradict the sections (a dynamic executable whose interpreter request was removed?), so it is not proven static"])
    }

    func testNeededReachableOnlyThroughSectionsIsNotStatic() throws {
        let elf = try forged(keeping: [.dynamicSection])
        XCTAssertEqual(elf.needed, [])
        XCTAssertEqual(elf.sectionNeeded, ["libc.so.6"])
        let a = Audit(elf)
        XCTAssertEqual(a.linkage, .dynamic)
        XCTAssertFalse(a.kernelOnly)
        XCTAssertEqual(a.problems, ["its .dynamic section needs shared libraries (libc.so.6) that the PT_DYNAMIC segment does not show: "
            + "the program headers contradict the sections, so it is not proven static"])
    }

    func testGlibcVersionNeedsWithoutNeededAreNotStatic() throws {
        let elf = try forged(keeping: [.versionNeeds])
        XCTAssertEqual(elf.versionNeedFiles, ["libc.so.6"])
        let a = Audit(elf)
        XCTAssertEqual(a.linkage, .dynamic)
        XCTAssertFalse(a.kernelOnly)
        XCTAssertEqual(a.problems.count, 1, "\(a.problems)")
        XCTAssertTrue(a.problems[0].hasPrefix("needs symbol versions GLIBC_"), a.problems[0])
        XCTAssertTrue(a.problems[0].contains("from libc.so.6, yet no DT_NEEDED entry names a library"), a.problems[0])
    }

    /// The case end to end: a /bin/true-like glibc program with every
    /// piece of evidence left, program headers emptied of PT_INTERP and PT_DYNAMIC.
    /// (Version needs are reported only when no DT_NEEDED shows anywhere.)
    func testForgeryWithAllEvidenceIsNotStatic() throws {
        let a = Audit(try forged(keeping: Set(Evidence.allCases)))
        XCTAssertEqual(a.linkage, .dynamic)
        XCTAssertFalse(a.kernelOnly)
        XCTAssertEqual(a.problems.map { String($0.prefix(20)) }, ["has a .interp sectio", "its .dynamic section"])
    }

    func testEntryPointOutsideEveryLoadSegment() throws {
        var p = try ELFPatch(path: try ELFFixtures.shared.path("musl-static"))
        p[.entry] = 0x10
        let a = Audit(try ELFFile.parse(bytes: p.bytes))
        XCTAssertFalse(a.kernelOnly)
        XCTAssertEqual(a.problems, ["its entry point 0x10 lies outside every PT_LOAD segment: the kernel would jump to unmapped memory, so it cannot start"])
    }

    /// A static PIE whose PT_DYNAMIC no section describes: the two views disagree.
    func testDynamicSegmentWithoutDynamicSectionIsNotStatic() throws {
        var p = try ELFPatch(path: try ELFFixtures.shared.path("zig-static-pie"))
        let dynamic = try XCTUnwrap(p.section(named: ".dynamic"))
        p[section: dynamic, field: .name] = 0
        p[section: dynamic, field: .type] = 1  // SHT_PROGBITS
        let a = Audit(try ELFFile.parse(bytes: p.bytes))
        XCTAssertFalse(a.kernelOnly)
        XCTAssertEqual(a.problems.count, 1, "\(a.problems)")
        XCTAssertTrue(a.problems[0].hasPrefix("its PT_DYNAMIC segment (file offset "), a.problems[0])
    }

    /// PT_PHDR is what the running program reads as its program headers: it
    /// must come first and describe the table the kernel read.
    func testProgramHeaderSegmentMustDescribeTheKernelsTable() throws {
        let original = try ELFPatch(path: try ELFFixtures.shared.path("zig-static-pie"))
        let phdr = try XCTUnwrap(original.segments(ELFConst.PT_PHDR).first)
        let stack = try XCTUnwrap(original.segments(ELFConst.PT_GNU_STACK).first)
        XCTAssertEqual(phdr, 0)

        var late = original
        late.copySegment(phdr, over: stack)
        late[segment: phdr, field: .type] = 0
        let moved = Audit(try ELFFile.parse(bytes: late.bytes))
        XCTAssertFalse(moved.kernelOnly)
        XCTAssertEqual(moved.problems.map { String($0.prefix(55)) }, ["its PT_PHDR segment comes after a PT_LOAD segment, whic"])

        var elsewhere = original
        elsewhere[segment: phdr, field: .offset] += 56
        elsewhere[segment: phdr, field: .vaddr] += 56
        let other = Audit(try ELFFile.parse(bytes: elsewhere.bytes))
        XCTAssertFalse(other.kernelOnly)
        XCTAssertTrue(other.problems.first?.contains("is not the program header table the kernel reads (at 0x40)") ?? false, "\(other.problems)")
    }

    /// Without symbols, glibc's NSS/iconv/dlopen use cannot be checked.
    func testStrippedGlibcStaticIsNotProven() throws {
        let a = try Audit.audit(path: try ELFFixtures.shared.path("glibc-static-stripped"))
        XCTAssertEqual(a.linkage, .staticExecutable)
        XCTAssertEqual(a.libc, .glibc, "\(a.libcEvidence)")
        XCTAssertFalse(a.kernelOnly)
        XCTAssertTrue(a.problems.contains { $0.contains("whether it loads NSS or iconv modules or calls dlopen at run time cannot be checked") }, "\(a.problems)")
    }

    /// The rules must not cost genuine static executables their verdict.
    func testGenuineStaticExecutablesStayKernelOnly() throws {
        var checked: [String] = []
        for name in ConsistencyTests.genuine {
            let path: String
            do { path = try ELFFixtures.shared.path(name) } catch is XCTSkip { continue }
            let a = try Audit.audit(path: path)
            XCTAssertTrue(a.kernelOnly, "\(name): \(a.problems)")
            XCTAssertTrue(a.linkage.isStatic, "\(name): \(a.linkage)")
            checked.append(name)
        }
        XCTAssertGreaterThanOrEqual(checked.count, 3, "too few toolchains available: \(checked)")
    }
}
