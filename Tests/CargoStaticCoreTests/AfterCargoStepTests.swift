import XCTest
@testable import CargoStaticCore

/// What follows cargo is part of the plan: the debug files and the SBOMs are steps, kept
/// through the plan's JSON and shown by `plan`.
final class AfterCargoStepTests: XCTestCase {
    func testStepsRoundTripThroughThePlansJSON() throws {
        let target = try Target("aarch64-unknown-linux-musl")
        let steps: [Step] = [.debugFiles(DebugFilesStep(objcopy: ["/usr/bin/aarch64-linux-gnu-objcopy"])),
                             .sbom(SBOMStep(target: target, suffix: SBOM.fileSuffix))]
        let decoded = try decode([Step].self, from: JSONEncoder().encode(steps))
        XCTAssertEqual(decoded, steps)
        XCTAssertTrue(decoded.allSatisfy { $0.commands.isEmpty }, "their commands depend on the executables cargo reports")
    }

    func testDebugFilesCommandPointsTheExecutableAtItsDebugFile() {
        let step = DebugFilesStep(objcopy: ["/opt/objcopy", "--some-option"])
        let command = step.command(executable: "/t/release/tool", debug: "/t/release/tool.debug")
        XCTAssertEqual(command.executable, "/opt/objcopy")
        XCTAssertEqual(command.arguments, ["--some-option", "--remove-section=.gnu_debuglink", "--add-gnu-debuglink=/t/release/tool.debug", "/t/release/tool"])
    }

    func testPlanShowsBoth() throws {
        let debug = PlanView.lines(.debugFiles(DebugFilesStep(objcopy: ["objcopy"]))).joined(separator: "\n")
        XCTAssertTrue(debug.contains("objcopy --remove-section=.gnu_debuglink --add-gnu-debuglink=EXE.debug EXE"), debug)
        let sbom = PlanView.lines(.sbom(SBOMStep(target: try Target("x86_64-unknown-linux-musl"), suffix: ".cdx.json"))).joined()
        XCTAssertTrue(sbom.contains("EXE.cdx.json"), sbom)
    }
}
