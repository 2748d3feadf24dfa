import XCTest
@testable import CargoStaticCore

final class CToolchainTests: XCTestCase {
    /// Runs a generated wrapper whose "compiler" just prints its arguments.
    private func run(wrapper text: String, _ args: [String]) throws -> [String] {
        let path = NSTemporaryDirectory() + "cs-wrapper-\(getpid())-\(UUID().uuidString)"
        try Wrapper.write(path, text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let out = try Runner().capture(Command(path, args))
        XCTAssertEqual(out.status, 0, out.output)
        return out.output.split(separator: "\n").map(String.init)
    }

    func testZigWrapperSpellsStaticPieAndDropsForeignTargetFlags() throws {
        let text = Wrapper.compiler("printf '%s\\n' -target x86_64-linux-musl", note: "test", zigStaticPie: true)
        let args = try run(wrapper: text, ["-static-pie", "--target=x86_64-unknown-linux-musl", "-target", "x86_64-unknown-linux-musl", "-Wl,-melf_i386", "a b.o", "-o", "out"])
        XCTAssertEqual(args, ["-target", "x86_64-linux-musl", "-static", "-pie", "-fPIE", "a b.o", "-o", "out"])
    }

    func testGccWrapperKeepsStaticPie() throws {
        let text = Wrapper.compiler("printf '%s\\n'", note: "test")
        XCTAssertEqual(try run(wrapper: text, ["-static-pie", "x.o"]), ["-static-pie", "x.o"])
    }

    func testMuslGccSpecsNeverNameTheDynamicLoaderForStaticPie() {
        let link = MuslGccSpecs.text.components(separatedBy: "*link:\n").last ?? ""
        XCTAssertTrue(link.hasPrefix("%{static-pie:-static -pie --no-dynamic-linker"))
        XCTAssertTrue(MuslGccSpecs.text.contains("%{static-pie: /usr/lib/x86_64-linux-musl/rcrt1.o"))
        XCTAssertFalse(MuslGccSpecs.text.contains("libgcc_eh"), "glibc's libgcc_eh needs _dl_find_object")
    }
}
