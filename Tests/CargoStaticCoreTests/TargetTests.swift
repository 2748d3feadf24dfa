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

    func testNewTargetsAndTheirToolchainNames() throws {
        let loong = try Target("loongarch64-unknown-linux-musl")
        XCTAssertEqual(loong.info.zigTarget, "loongarch64-linux-musl")
        XCTAssertEqual(loong.info.elfMachine, 258)
        XCTAssertEqual(loong.info.qemu, "qemu-loongarch64-static")
        let ppc = try Target("powerpc64le-unknown-linux-musl")
        XCTAssertEqual(ppc.info.zigTarget, "powerpc64le-linux-musl")
        XCTAssertEqual(ppc.info.qemu, "qemu-ppc64le-static")
        XCTAssertFalse(ppc.info.bigEndian)
        let armv6 = try Target("arm-unknown-linux-musleabihf")
        XCTAssertEqual(armv6.info.zigTarget, "arm-linux-musleabihf")
        XCTAssertEqual(armv6.info.gnuTriple, "arm-linux-musleabihf")
        XCTAssertEqual(armv6.info.cflags, ["-mcpu=arm1176jzf_s"], "ARMv6 with VFPv2: without it zig would build for ARMv7")
        XCTAssertEqual(armv6.info.qemuCPU, "arm1176")
        XCTAssertNil(try Target("armv7-unknown-linux-musleabihf").info.qemuCPU)
        XCTAssertEqual(armv6.cargoEnvPrefix, "CARGO_TARGET_ARM_UNKNOWN_LINUX_MUSLEABIHF")
    }

    func testEveryTargetIsStaticPieByDefault() {
        for (triple, info) in TargetTable.known { XCTAssertTrue(info.staticPie, triple) }
        let builtin = TargetTable.known.filter { $0.value.rustcStaticPie }.map(\.key).sorted()
        XCTAssertEqual(builtin, ["s390x-unknown-linux-musl", "x86_64-unknown-linux-musl"])
    }

    /// `rustcStaticPie` must say what rustc's built-in spec says (read with --print target-spec-json).
    func testBuiltinStaticPieMatchesRustcSpecs() throws {
        let rustc = "/usr/bin/rustc"
        guard FileManager.default.isExecutableFile(atPath: rustc) else { throw XCTSkip("no \(rustc)") }
        for (triple, info) in TargetTable.known {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: rustc)
            process.arguments = ["-Zunstable-options", "--print", "target-spec-json", "--target", triple]
            process.environment = ["RUSTC_BOOTSTRAP": "1", "PATH": "/usr/bin:/bin"]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let spec = try decode(JSONValue.self, from: data)
            // rustc leaves out a field that has its default value (false, "little").
            XCTAssertEqual(spec["static-position-independent-executables"] ?? false, .bool(info.rustcStaticPie), triple)
            XCTAssertEqual(spec["target-endian"] ?? "little", .string(info.bigEndian ? "big" : "little"), triple)
            let width = try XCTUnwrap(spec["target-pointer-width"], triple)
            XCTAssertEqual(width.intValue.map(String.init) ?? width.stringValue, "\(info.bits)", triple)
        }
    }

    func testQemuNamesExistWhereQemuIsInstalled() throws {
        guard FileManager.default.fileExists(atPath: "/usr/bin/qemu-aarch64-static") else { throw XCTSkip("qemu-user-static not installed") }
        for (triple, info) in TargetTable.known where !(try Target(triple)).isNative {
            let name = try XCTUnwrap(info.qemu, triple)
            XCTAssertTrue(FileManager.default.isExecutableFile(atPath: "/usr/bin/" + name), "\(triple): /usr/bin/\(name)")
        }
    }

    /// An ARMv6 program runs on an emulated ARM1176: qemu's default CPU would accept ARMv7 code.
    func testArmv6RunsOnTheOldestCPU() throws {
        guard Context.process.which("qemu-arm-static") != nil else { throw XCTSkip("qemu-arm-static not installed") }
        let runner = ProgramRunner(runner: Runner())
        let (armv6, _) = try runner.command(executable: "/x/hello", arguments: ["a"], target: Target("arm-unknown-linux-musleabihf"), emptyRoot: false)
        XCTAssertEqual(armv6.arguments, ["-cpu", "arm1176", "/x/hello", "a"])
        let (armv7, _) = try runner.command(executable: "/x/hello", arguments: [], target: Target("armv7-unknown-linux-musleabihf"), emptyRoot: false)
        XCTAssertEqual(armv7.arguments, ["/x/hello"])
    }
}
