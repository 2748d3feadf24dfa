import Foundation
import XCTest
@testable import CargoStaticCore

/// The reader sees the program headers, PT_INTERP and the dynamic array as the
/// kernel and the loader do; a file that allows two readings is malformed
/// (`verify` exits 2). Each test forges a real binary the way an attacker would.
final class LoaderViewTests: XCTestCase {
    override class func setUp() {
        super.setUp()
        ELFFixtures.shared.build(["glibc-dynamic", "glibc-soft", "musl-static", "zig-x86"])
    }

    private func patch(_ fixture: String) throws -> ELFPatch {
        try ELFPatch(path: try ELFFixtures.shared.path(fixture))
    }

    /// The variant must be rejected as malformed with a reason containing `text`.
    private func assertMalformed(_ p: ELFPatch, _ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ELFFile.parse(bytes: p.bytes), file: file, line: line) { error in
            guard case .malformed(_, let reason)? = error as? ELFError else {
                return XCTFail("expected a malformed-ELF error, got \(error)", file: file, line: line)
            }
            XCTAssertTrue(reason.contains(text), "reason: \(reason)", file: file, line: line)
        }
    }

    /// The case: a dynamic glibc program with e_phnum = 0 was "fully static-pie".
    func testExecutableWithoutProgramHeadersIsMalformed() throws {
        var p = try patch("glibc-dynamic")
        p[.phnum] = 0
        assertMalformed(p, "e_phnum is 0")
    }

    /// PN_XNUM: without section 0 the count is unknown; with it, the kernel
    /// still refuses an executable, whatever section 0 says.
    func testExtendedProgramHeaderCountIsMalformed() throws {
        var p = try patch("glibc-dynamic")
        let count = UInt64(p.phnum)
        p[.phnum] = 0xffff
        assertMalformed(p, "e_phnum is PN_XNUM")
        p.set(p.location(section: 0, .link).at + 4, 4, count)  // section 0's sh_info holds the real count
        assertMalformed(p, "e_phnum is PN_XNUM")
        p[.shoff] = 0
        assertMalformed(p, "PN_XNUM")
    }

    /// A doubled e_phentsize steps over every other header, PT_INTERP
    /// among them; the kernel accepts only the exact size.
    func testProgramHeaderEntrySizeMustBeExact() throws {
        var p = try patch("glibc-dynamic")
        XCTAssertEqual(p.segments(ELFConst.PT_INTERP).first.map { $0 % 2 }, 1, "PT_INTERP at an odd index, as gcc lays it out")
        p[.phentsize] = UInt64(2 * p.phdrSize)
        p[.phnum] = UInt64(p.phnum / 2)
        assertMalformed(p, "e_phentsize is \(2 * p.phdrSize), not \(p.phdrSize)")
        var small = try patch("zig-x86")
        small[.phentsize] = 31
        assertMalformed(small, "e_phentsize is 31, not 32")
    }

    /// An ELF32 header whose bytes also make a loadable ELF64 header: a
    /// 64-bit kernel's native loader would read the other view.
    func testHeaderReadableInBothClassesIsMalformed() throws {
        var p = try patch("zig-x86")
        XCTAssertFalse(p.is64)
        p.set(54, 2, 56)  // where an ELF64 header keeps e_phentsize ...
        p.set(56, 2, 3)   // ... and e_phnum
        assertMalformed(p, "the header also reads as a loadable ELF64 header")
    }

    func testProgramHeaderTableBeyondWhatTheKernelReads() throws {
        var p = try patch("musl-static")
        p.bytes += [UInt8](repeating: 0, count: 1171 * p.phdrSize)
        p[.phoff] = UInt64(p.bytes.count - 1171 * p.phdrSize)
        p[.phnum] = 1171  // 1171 * 56 bytes > 64 KiB
        assertMalformed(p, "the kernel reads at most 65536")
    }

    /// The case: an ELF with no loadable segment passed.
    func testExecutableWithoutLoadSegmentIsMalformed() throws {
        var p = try patch("musl-static")
        for index in p.segments(ELFConst.PT_LOAD) { p[segment: index, field: .type] = 0 }
        assertMalformed(p, "no PT_LOAD segment")
    }

    func testDuplicateInterpreterOrDynamicSegmentIsMalformed() throws {
        let original = try patch("glibc-dynamic")
        let note = try XCTUnwrap(original.segments(ELFConst.PT_NOTE).first)
        for (type, name) in [(ELFConst.PT_INTERP, "PT_INTERP"), (ELFConst.PT_DYNAMIC, "PT_DYNAMIC"), (ELFConst.PT_PHDR, "PT_PHDR")] {
            var p = original
            p.copySegment(try XCTUnwrap(p.segments(type).first), over: note)
            assertMalformed(p, "are both \(name)")
        }
    }

    /// The loader reads the dynamic array at PT_DYNAMIC's address: an address
    /// no PT_LOAD maps, or an offset that is not that address's file copy,
    /// leaves two readings.
    func testDynamicSegmentOutsideEveryLoadSegmentIsMalformed() throws {
        var unmapped = try patch("glibc-dynamic")
        let dynamic = try XCTUnwrap(unmapped.segments(ELFConst.PT_DYNAMIC).first)
        unmapped[segment: dynamic, field: .vaddr] = 0x7fff_0000_0000
        assertMalformed(unmapped, "is not inside the file image of a PT_LOAD segment")

        var moved = try patch("glibc-dynamic")
        moved[segment: dynamic, field: .offset] = moved[segment: dynamic, field: .offset] + 16
        assertMalformed(moved, "is not inside the file image of a PT_LOAD segment")
    }

    /// p_filesz does not bound the loader's walk, so a zero-sized PT_DYNAMIC
    /// still shows its DT_NEEDED entries.
    func testZeroSizedDynamicSegmentStillShowsNeeded() throws {
        var p = try patch("glibc-dynamic")
        let dynamic = try XCTUnwrap(p.segments(ELFConst.PT_DYNAMIC).first)
        p[segment: dynamic, field: .filesz] = 0
        p[segment: dynamic, field: .memsz] = 0
        let elf = try ELFFile.parse(bytes: p.bytes)
        XCTAssertEqual(elf.needed, ["libc.so.6"])
    }

    /// A dynamic array without DT_NULL has no end the loader would agree on.
    func testUnterminatedDynamicArrayIsMalformed() throws {
        var p = try patch("glibc-dynamic")
        let dynamic = try XCTUnwrap(p.segments(ELFConst.PT_DYNAMIC).first)
        let load = try XCTUnwrap(p.segments(ELFConst.PT_LOAD).last { index in
            p[segment: index, field: .offset] <= p[segment: dynamic, field: .offset]
        })
        let end = Int(p[segment: load, field: .offset] + p[segment: load, field: .filesz])
        let start = Int(p[segment: dynamic, field: .offset])
        // Every tag from the array to the end of its segment becomes DT_DEBUG (21).
        for at in stride(from: start, to: end - 2 * p.word + 1, by: 2 * p.word) { p.set(at, p.word, 21) }
        assertMalformed(p, "no DT_NULL terminator")
    }

    /// The kernel's PT_INTERP rules: 2 to 4096 bytes, inside the file, NUL last.
    func testInterpreterSegmentRules() throws {
        let original = try patch("glibc-dynamic")
        let interp = try XCTUnwrap(original.segments(ELFConst.PT_INTERP).first)
        let size = original[segment: interp, field: .filesz]
        var tiny = original
        tiny[segment: interp, field: .filesz] = 1
        assertMalformed(tiny, "PT_INTERP is 1 bytes")
        var huge = original
        huge[segment: interp, field: .filesz] = 4097
        huge[segment: interp, field: .memsz] = 4097
        assertMalformed(huge, "PT_INTERP is 4097 bytes")
        var unterminated = original
        unterminated[segment: interp, field: .filesz] = size - 1
        assertMalformed(unterminated, "does not end in a NUL byte")
        var outside = original
        outside[segment: interp, field: .offset] = UInt64(original.bytes.count - 4)
        assertMalformed(outside, "PT_INTERP extends past end of file")
        var swollen = original
        swollen[segment: interp, field: .filesz] = size + 1
        assertMalformed(swollen, "larger than p_memsz")
        // A segment nothing maps (a note here; RISC-V's attributes have p_memsz 0) may.
        if let note = original.segments(ELFConst.PT_NOTE).first {
            var attributes = original
            attributes[segment: note, field: .memsz] = 0
            XCTAssertNoThrow(try ELFFile.parse(bytes: attributes.bytes))
        }
    }

    /// Cut anywhere, a dynamic program never becomes kernel-only.
    func testTruncatedDynamicProgramIsNeverKernelOnly() throws {
        let bytes = try patch("glibc-dynamic").bytes
        for length in stride(from: 0, to: bytes.count, by: 61) {
            guard let elf = try? ELFFile.parse(bytes: Array(bytes.prefix(length))) else { continue }
            XCTAssertFalse(Audit(elf).kernelOnly, "cut at \(length) bytes")
        }
    }

    /// ET_EXEC with PT_DYNAMIC and DT_NEEDED but no PT_INTERP and no .interp
    /// section: the kernel starts it with nothing loaded, and its first call
    /// into a library crashes. Not static, exit 1.
    func testNeededWithoutInterpreterIsNotStatic() throws {
        var p = try patch("glibc-soft")
        XCTAssertEqual(p[.type], UInt64(ELFConst.ET_EXEC))
        p[segment: try XCTUnwrap(p.segments(ELFConst.PT_INTERP).first), field: .type] = 0
        p[section: try XCTUnwrap(p.section(named: ".interp")), field: .name] = 0
        let a = Audit(try ELFFile.parse(bytes: p.bytes))
        XCTAssertNil(a.interpreter)
        XCTAssertEqual(a.linkage, .dynamic)
        XCTAssertFalse(a.kernelOnly)
        XCTAssertTrue(a.problems.contains("needs shared libraries: libc.so.6"), "\(a.problems)")
    }

    /// Only ET_EXEC and ET_DYN run; any other e_type on a static program is exit 1.
    func testOtherFileTypesAreNotKernelOnly() throws {
        for type: UInt64 in [0, UInt64(ELFConst.ET_REL), UInt64(ELFConst.ET_CORE), 0xfe00, 0xffff] {
            var p = try patch("musl-static")
            p[.type] = type
            let a = Audit(try ELFFile.parse(bytes: p.bytes))
            XCTAssertFalse(a.kernelOnly, "e_type \(type)")
        }
    }
}
