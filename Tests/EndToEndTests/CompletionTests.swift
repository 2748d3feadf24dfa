import Foundation
import XCTest

/// Shell completions and `help`: generated from the same declarations as the parser.
final class CompletionTests: XCTestCase {
    func testCompletionScriptsKnowTheCommandsAndOptions() throws {
        let bash = try Harness.run(["--generate-completion-script", "bash"], in: "/")
        XCTAssertEqual(bash.status, 0, bash.all)
        for word in ["build", "install", "--allocator", "--artifact-dir", "--std-profile"] {
            XCTAssertTrue(bash.stdout.contains(word), "bash completion lacks \(word)")
        }
        for shell in ["zsh", "fish"] {
            let script = try Harness.run(["--generate-completion-script", shell], in: "/")
            XCTAssertEqual(script.status, 0, script.all)
            // fish names long options without their dashes.
            XCTAssertTrue(script.stdout.contains("allocator") && script.stdout.contains("install"), "\(shell): \(script.stdout.prefix(300))")
        }
        let help = try Harness.run(["--help"], in: "/")
        XCTAssertTrue(help.stdout.contains("--generate-completion-script bash"), help.stdout)
    }

    func testHelpForACommand() throws {
        for args in [["help", "build"], ["static", "help", "build"], ["build", "--help"]] {
            let out = try Harness.run(args, in: "/")
            XCTAssertEqual(out.status, 0, out.all)
            XCTAssertTrue(out.stdout.contains("--artifact-dir <dir>"), "\(args): \(out.stdout)")
        }
        let install = try Harness.run(["help", "install"], in: "/")
        XCTAssertTrue(install.stdout.contains("--root <dir>") && install.stdout.contains("--force"), install.stdout)
    }
}
