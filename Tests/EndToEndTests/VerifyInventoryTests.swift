import CargoStaticCore
import Digest
import XCTest

/// `cargo-static verify` on executables that carry a `.dep-v0` section (linked here with
/// zig from a tiny C program, no cargo build needed): the list in the human and JSON
/// output, and `--sbom` matching, mismatching and misused.
final class VerifyInventoryTests: XCTestCase {
    var dir = ""
    var zig = ""

    override func setUpWithError() throws {
        try Harness.skipUnlessEndToEnd()
        guard let found = ZigInstallation.locate(probes: nil, runner: Runner()) else {
            throw XCTSkip("zig is not installed (scripts/setup installs the ziglang package)")
        }
        zig = found.executable
        dir = try Harness.temporaryDirectory("verify-inventory")
        try Data("void _start(void) { for (;;) {} }\n".utf8).write(to: URL(fileURLWithPath: dir + "/main.c"))
    }

    override func tearDownWithError() throws { if !dir.isEmpty { try? FileManager.default.removeItem(atPath: dir) } }

    /// A kernel-only static executable, with a section holding `payload` when given.
    private func link(_ name: String, payload: Data?) throws -> String {
        let cc = [zig, "cc", "-target", "x86_64-linux-musl"]
        var objects: [String] = []
        if let payload {
            try DepInfoStep.make(package: "test", payload: payload, object: "\(dir)/\(name).dep.o", compiler: cc).run(Runner())
            objects.append("\(dir)/\(name).dep.o")
        }
        let exe = "\(dir)/\(name)"
        let r = try Runner().capture(Command(zig, Array(cc.dropFirst()) + ["-nostdlib", "-static", "-Wl,--gc-sections", "-o", exe, dir + "/main.c"] + objects))
        XCTAssertEqual(r.status, 0, r.output)
        return exe
    }

    static let info = DepInfo(packages: [
        .init(name: "demo", version: "0.2.0", source: "local", dependencies: [1], root: true),
        .init(name: "itoa", version: "1.0.9", source: "crates.io"),
    ])

    func testShowsTheEmbeddedListInHumanAndJSONOutput() throws {
        let exe = try link("demo", payload: try Self.info.sectionPayload())
        let human = try Harness.run(["verify", exe], in: dir)
        XCTAssertEqual(human.status, 0, human.all)
        XCTAssertTrue(human.stdout.contains("dependencies  2 crates in .dep-v0 (2 runtime, 0 build), root demo 0.2.0"), human.stdout)
        XCTAssertTrue(human.stdout.contains("itoa 1.0.9"), human.stdout)

        let json = try Harness.run(["verify", "--json", exe], in: dir)
        XCTAssertEqual(json.status, 0, json.all)
        let entries = try Harness.decode([VerifyEntry].self, json)
        XCTAssertEqual(entries.count, 1, json.stdout)
        let entry = try XCTUnwrap(entries.first)
        XCTAssertTrue(entry.audit.kernelOnly, "the audit's fields stay where they were")
        let deps = try XCTUnwrap(entry.dependencies, json.stdout)
        XCTAssertEqual(deps.packages.map(\.name), ["demo", "itoa"])
        XCTAssertFalse(deps.section.loaded)

        let plain = try link("plain", payload: nil)
        let none = try Harness.run(["verify", plain], in: dir)
        XCTAssertEqual(none.status, 0, none.all)
        XCTAssertTrue(none.stdout.contains("none embedded"), none.stdout)
        let noneJSON = try Harness.run(["verify", "--json", plain], in: dir)
        XCTAssertTrue(noneJSON.stdout.contains("\"embeddedDependencies\" : null") || noneJSON.stdout.contains("\"embeddedDependencies\": null"), noneJSON.stdout)
    }

    func testBrokenSectionFails() throws {
        let exe = try link("broken", payload: Data("not zlib at all".utf8))
        let out = try Harness.run(["verify", exe], in: dir)
        XCTAssertEqual(out.status, 1, out.all)
        XCTAssertTrue(out.stderr.contains("unreadable .dep-v0 section"), out.stderr)
    }

    func testSBOMMustDescribeTheFile() throws {
        let exe = try link("demo", payload: try Self.info.sectionPayload())
        let libc = LibcIdentity(version: "1.2.5", bundler: .zig, bundlerVersion: "test", patches: [], evidence: [])
        func sbom(_ sha: String) -> SBOMInventory {
            SBOMInventory(executable: .init(name: "demo", sha256: sha, target: "x86_64-unknown-linux-musl"), crates: Self.info,
                          cLibraries: [], libc: libc, allocator: "musl", std: .init(version: "1.96.0"),
                          tools: [.init(name: "zig", version: "test")], sourceDateEpoch: nil)
        }
        try SBOM.write(sbom(try SHA256.hex(file: exe)), to: exe + SBOM.fileSuffix)
        let good = try Harness.run(["verify", "--sbom", exe + SBOM.fileSuffix, exe], in: dir)
        XCTAssertEqual(good.status, 0, good.all)
        XCTAssertTrue(good.stdout.contains("describes this file"), good.stdout)

        try SBOM.write(sbom(String(repeating: "0", count: 64)), to: dir + "/stale.cdx.json")
        let stale = try Harness.run(["verify", "--sbom", dir + "/stale.cdx.json", exe], in: dir)
        XCTAssertEqual(stale.status, 1, stale.all)
        XCTAssertTrue(stale.stderr.contains("does not match"), stale.stderr)
        XCTAssertTrue(stale.stdout.contains("MISMATCH"), stale.stdout)

        let two = try Harness.run(["verify", "--sbom", exe + SBOM.fileSuffix, exe, exe], in: dir)
        XCTAssertEqual(two.status, 2, two.all)
        XCTAssertTrue(two.stderr.contains("exactly one file"), two.stderr)
    }
}
