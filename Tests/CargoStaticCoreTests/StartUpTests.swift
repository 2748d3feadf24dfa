import XCTest
@testable import CargoStaticCore

final class StartUpTests: XCTestCase {
    private let context = Context(variables: [:], directory: "/")

    func testCargoSubcommandToolchainAndProgramArguments() {
        let s = StartUp.parse(["static", "+nightly", "-q", "build", "--release", "--", "a", "b"], context: context)
        XCTAssertEqual(s.arguments, ["build", "-q", "--release"])
        XCTAssertEqual(s.toolchain, ToolchainRequest("nightly", origin: "+nightly"))
        XCTAssertTrue(s.quiet)
        XCTAssertEqual(s.programArguments, ["a", "b"])
        XCTAssertNil(s.error)
    }

    /// `cargo +nightly static build` reaches us as RUSTUP_TOOLCHAIN.
    func testRustupToolchainFromCargoIsARequest() {
        let s = StartUp.parse(["static", "build"], context: Context(variables: ["RUSTUP_TOOLCHAIN": "nightly", "RUSTUP_HOME": "/nonexistent"], directory: "/"))
        XCTAssertEqual(s.toolchain?.name, "nightly")
        XCTAssertEqual(s.toolchain?.strength, .request)
        XCTAssertNil(StartUp.parse(["build"], context: context).toolchain)
    }

    func testMistypedCommandGetsASuggestion() {
        for typo in ["biuld", "buidl", "bulid"] {
            let s = StartUp.parse([typo], context: context)
            XCTAssertEqual(s.error?.message, "no such command: `\(typo)`")
            XCTAssertEqual(s.error?.fix, "did you mean `build`?")
            XCTAssertEqual(s.error?.exitCode, 2)
        }
        XCTAssertEqual(StartUp.parse(["tset"], context: context).error?.fix, "did you mean `test`?")
        XCTAssertEqual(StartUp.parse(["zzzzzz"], context: context).error?.fix, "see `cargo-static --help` for the commands")
    }

    /// `install` and `help` are commands; `--generate-completion-script` reaches the parser.
    func testInstallHelpAndCompletionsPassThrough() {
        XCTAssertEqual(StartUp.parse(["static", "install", "-q", "ripgrep"], context: context).arguments, ["install", "-q", "ripgrep"])
        XCTAssertEqual(StartUp.parse(["-q", "install", "ripgrep"], context: context).arguments, ["install", "-q", "ripgrep"])
        XCTAssertEqual(StartUp.parse(["instal"], context: context).error?.fix, "did you mean `install`?")
        XCTAssertEqual(StartUp.parse(["static", "help", "build"], context: context).arguments, ["help", "build"])
        let completion = StartUp.parse(["--generate-completion-script", "bash"], context: context)
        XCTAssertNil(completion.error)
        XCTAssertEqual(completion.arguments, ["--generate-completion-script", "bash"])
    }

    func testVersion() {
        XCTAssertEqual(StartUp.parse(["--version"], context: context).versionText, "cargo-static \(CargoStaticVersion.current)")
        let verbose = StartUp.parse(["-v", "--version"], context: Context(variables: ["PATH": "/nonexistent"], directory: "/")).versionText ?? ""
        XCTAssertTrue(verbose.contains("\nzig: "), verbose)
        XCTAssertTrue(verbose.contains("\ncache: "), verbose)
    }

    func testTargetSuggestionsNameTheArchitecture() {
        XCTAssertThrowsError(try Target("aarch64")) { error in
            XCTAssertTrue((error as? CargoStaticError)?.fix?.contains("aarch64-unknown-linux-musl") ?? false, "\(error)")
        }
        XCTAssertThrowsError(try Target.list("")) { error in
            XCTAssertEqual((error as? CargoStaticError)?.kind, .usage)
        }
    }

    func testSuggestDistance() {
        XCTAssertEqual(Suggest.distance("biuld", "build"), 1)
        XCTAssertEqual(Suggest.distance("kitten", "sitting"), 3)
        XCTAssertNil(Suggest.closest("x", in: ["build"]))
    }
}
