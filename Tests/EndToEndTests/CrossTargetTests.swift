import CargoStaticCore
import Foundation
import XCTest

/// Every CI-tested musl architecture: std from source, zig for the C side, qemu to run.
/// The slowest tests (one std build per target); `CARGO_STATIC_SKIP_CROSS=1` skips them.
final class CrossTargetTests: XCTestCase {
    override func setUpWithError() throws {
        try Harness.skipUnlessEndToEnd()
        if ProcessInfo.processInfo.environment["CARGO_STATIC_SKIP_CROSS"] != nil {
            throw XCTSkip("cross-target tests skipped (CARGO_STATIC_SKIP_CROSS is set)")
        }
    }

    /// triple -> (ELF machine name as the audit prints it, bits, endianness, linkage).
    /// Every target is a static-pie: rustc's own spec asks for one only on x86_64 and s390x,
    /// elsewhere cargo-static's link rewrite does (`StaticPie`).
    static let expected: [String: (machine: String, bits: Int, endian: String, linkage: String)] = [
        "aarch64-unknown-linux-musl": ("aarch64", 64, "little", "static-pie"),
        "armv7-unknown-linux-musleabihf": ("arm", 32, "little", "static-pie"),
        "i686-unknown-linux-musl": ("i386", 32, "little", "static-pie"),
        "riscv64gc-unknown-linux-musl": ("riscv64", 64, "little", "static-pie"),
        "s390x-unknown-linux-musl": ("s390x", 64, "big", "static-pie"),
        "loongarch64-unknown-linux-musl": ("loongarch64", 64, "little", "static-pie"),
        "powerpc64le-unknown-linux-musl": ("powerpc64le", 64, "little", "static-pie"),
        "arm-unknown-linux-musleabihf": ("arm", 32, "little", "static-pie"),
    ]
    /// Every fixture runs on these in CI: 64-bit ARM, 32-bit ARM with hard float, and
    /// RISC-V (static-pie through cargo-static's link rewrite on all three).
    static let ciTargets = ["aarch64-unknown-linux-musl", "armv7-unknown-linux-musleabihf", "riscv64gc-unknown-linux-musl"]
    /// hello and the panic fixture also run on these in CI. Each is one more std and zig
    /// libc (about 80 s and 60 s of wall time on an idle machine, 3 minutes of CPU).
    static let extraTargets = ["loongarch64-unknown-linux-musl", "powerpc64le-unknown-linux-musl", "arm-unknown-linux-musleabihf"]
    /// With `CARGO_STATIC_CROSS_TARGETS=all` every fixture also runs on i686 and s390x (big endian).
    static let moreTargets = ["i686-unknown-linux-musl", "s390x-unknown-linux-musl"]
    static var all: Bool { ProcessInfo.processInfo.environment["CARGO_STATIC_CROSS_TARGETS"] == "all" }
    static var targets: [String] { ciTargets + (all ? moreTargets : []) }
    static var helloAndPanicTargets: [String] { targets + extraTargets }

    /// hello is built with debug info like panic-unwind: zig builds its libc and unwinder once
    /// per strip setting, so both fixtures then share one per target (about a minute of CPU each).
    static let likePanicUnwind = ["CARGO_PROFILE_RELEASE_DEBUG": "1"]

    /// One `build --target a,b,c,…` call; each executable checked, then run under qemu in an empty root.
    private func buildAllAndRun(_ fixture: String, targets: [String] = CrossTargetTests.targets, environment: [String: String] = [:],
                                expect: [String]) throws -> String {
        let dir = try Harness.fixture(fixture)
        let out = try Harness.run(["build", "--release", "--json", "--target", targets.joined(separator: ",")], in: dir, environment: environment)
        XCTAssertEqual(out.status, 0, out.all)
        let results = try Harness.decodedResults(out)
        XCTAssertEqual(results.map(\.target.triple), targets)
        for result in results {
            let triple = result.target.triple
            let audit = try XCTUnwrap(result.executables.first, "\(triple): \(out.all)").audit
            let want = try XCTUnwrap(Self.expected[triple], triple)
            XCTAssertEqual(audit.machine, want.machine, triple)
            XCTAssertEqual(audit.bits, want.bits, triple)
            XCTAssertEqual(audit.endianness, want.endian, triple)
            XCTAssertEqual(audit.linkage.rawValue, want.linkage, triple)
            XCTAssertEqual(audit.relro, .full, "\(triple): \(audit)")
            XCTAssertTrue(audit.kernelOnly, "\(triple): \(audit)")
            let run = try Harness.run(["run", "--release", "--target", triple, "--empty-root"], in: dir, environment: environment)
            XCTAssertEqual(run.status, 0, "\(triple): \(run.all)")
            for line in expect { XCTAssertTrue(run.stdout.contains(line), "\(triple): missing \(line)\n\(run.all)") }
        }
        return dir
    }

    func testHelloOnEveryTarget() throws {
        let dir = try buildAllAndRun("hello", targets: Self.helloAndPanicTargets, environment: Self.likePanicUnwind,
                                     expect: ["Hello from a static executable!"])
        // `run` emulates an ARM1176 for the ARMv6 target (qemu's default CPU would take ARMv7
        // code too). The control: that CPU rejects ARMv7 code, so the ARMv6 run above proved something.
        // (qemu runs inside the sandbox, whose environment is only what --env passes.)
        let armv7 = try Harness.run(["run", "--release", "--target", "armv7-unknown-linux-musleabihf", "--empty-root", "--env", "QEMU_CPU=arm1176"],
                                    in: dir, environment: Self.likePanicUnwind)
        XCTAssertNotEqual(armv7.status, 0, "ARMv7 code ran on an emulated ARMv6 CPU: \(armv7.all)")
    }

    func testPanicUnwindOnEveryTarget() throws {
        // In the opposite order to hello's: the two tests run side by side in CI's two test
        // workers, and a std build is mostly one compiler process at a time, so each builds
        // half of the std libraries and finds the other half published by the other (the
        // cache's locks make the second asker wait for the first build, never repeat it).
        _ = try buildAllAndRun("panic-unwind", targets: Self.helloAndPanicTargets.reversed(),
                               expect: ["caught panic: intentional panic at the bottom", "guard dropped during unwind",
                                        "second caught: true", "backtrace status: captured"])
    }

    func testThreadsOnEveryTarget() throws {
        _ = try buildAllAndRun("threads", expect: ["threads: 8", "total: 8000"])
    }

    func testTcpEchoOnEveryTarget() throws {
        _ = try buildAllAndRun("tcp-echo", expect: ["echo: static hello"])
    }

    func testUnitTestsUnderQemu() throws {
        let dir = try Harness.fixture("unit-tests")
        let out = try Harness.run(["test", "--target", "aarch64-unknown-linux-musl", "--empty-root"], in: dir)
        XCTAssertEqual(out.status, 0, out.all)
        XCTAssertTrue(out.all.contains("test result: ok. 3 passed"), out.all)
    }
}
