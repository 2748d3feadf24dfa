import XCTest
@testable import CargoStaticCore

final class CargoArgumentsTests: XCTestCase {
    /// A second build of the same request elsewhere: both spellings of an option are
    /// replaced, everything else (and the message format) is kept.
    func testReplacingKeepsTheRestAndBothSpellings() throws {
        let original = try CargoArguments.parse(["--release", "--target-dir=old", "-p", "demo", "--manifest-path", "a/Cargo.toml",
                                                 "--message-format=short", "--features", "x"], mode: .build)
        let moved = try original.replacing(["--target-dir": "/tmp/t", "--manifest-path": "/tmp/m/Cargo.toml"],
                                           adding: ["--config", "/p/.cargo/config.toml"], mode: .build)
        XCTAssertEqual(moved.forwarded, ["--release", "-p", "demo", "--features", "x",
                                         "--manifest-path", "/tmp/m/Cargo.toml", "--target-dir", "/tmp/t", "--config", "/p/.cargo/config.toml"])
        XCTAssertEqual(moved.targetDir, "/tmp/t")
        XCTAssertEqual(moved.manifestPath, "/tmp/m/Cargo.toml")
        XCTAssertEqual(moved.messageFormats, ["short"])
        XCTAssertEqual(moved.packages, ["demo"])
        XCTAssertTrue(moved.release)
    }

    func testParsesWhatCargoStaticNeedsAndForwardsTheRest() throws {
        let a = try CargoArguments.parse(["--release", "-p", "core", "--features=a b", "--manifest-path", "x/Cargo.toml", "-vv",
                                          "--target-dir", "/t", "--bin", "rg", "-q", "--message-format=short", "--config", "build.jobs=2"],
                                         mode: .build)
        XCTAssertTrue(a.release)
        XCTAssertEqual(a.packages, ["core"])
        XCTAssertEqual(a.manifestPath, "x/Cargo.toml")
        XCTAssertEqual(a.verbosity, 2)
        XCTAssertEqual(a.targetDir, "/t")
        XCTAssertEqual(a.bins, ["rg"])
        XCTAssertTrue(a.quiet)
        XCTAssertEqual(a.messageFormats, ["short"])
        XCTAssertEqual(a.configs, ["build.jobs=2"])
        XCTAssertEqual(a.forwarded, ["--release", "-p", "core", "--features=a b", "--manifest-path", "x/Cargo.toml", "-vv",
                                     "--target-dir", "/t", "--bin", "rg", "-q", "--config", "build.jobs=2"])
        XCTAssertEqual(a.profileName(.build), "release")
        XCTAssertEqual(a.profileDirectory(.build), "release")
    }

    /// `test --no-run` is cargo-static's: cargo already gets `--no-run` from it (and rejects a second).
    func testNoRunIsTakenNotForwarded() throws {
        let a = try CargoArguments.parse(["--no-run", "--release", "it_works"], mode: .test)
        XCTAssertTrue(a.noRun)
        XCTAssertEqual(a.forwarded, ["--release"])
        XCTAssertFalse(try CargoArguments.parse(["--release"], mode: .test).noRun)
    }

    func testTestNamesArePositionalNotForwarded() throws {
        let a = try CargoArguments.parse(["other", "--no-fail-fast"], mode: .test)
        XCTAssertEqual(a.positional, ["other"])
        XCTAssertEqual(a.forwarded, ["--no-fail-fast"])
        XCTAssertEqual(a.profileName(.test), "test")
        XCTAssertEqual(a.profileDirectory(.test), "debug")
    }

    func testMessageFormatIsMergedWithTheJSONCargoStaticReads() throws {
        XCTAssertEqual(try CargoArguments.parse([], mode: .build).messageFormatArgument, "--message-format=json-render-diagnostics")
        XCTAssertEqual(try CargoArguments.parse(["--message-format", "short"], mode: .build).messageFormatArgument,
                       "--message-format=json-render-diagnostics,json-diagnostic-short")
        let json = try CargoArguments.parse(["--message-format=json"], mode: .build)
        XCTAssertTrue(json.wantsJSONMessages)
        XCTAssertEqual(json.messageFormatArgument, "--message-format=json")
    }

    func testUnknownOptionSuggestsTheClosestKnownOne() {
        XCTAssertThrowsError(try CargoArguments.parse(["--alocator", "jemalloc"], mode: .build, own: ["--allocator"])) { error in
            let e = error as? CargoStaticError
            XCTAssertEqual(e?.kind, .usage)
            XCTAssertEqual(e?.exitCode, 2)
            XCTAssertEqual(e?.fix, "did you mean `--allocator`?")
        }
        XCTAssertThrowsError(try CargoArguments.parse(["--relase"], mode: .build)) { error in
            XCTAssertEqual((error as? CargoStaticError)?.fix, "did you mean `--release`?")
        }
        XCTAssertThrowsError(try CargoArguments.parse(["--profile"], mode: .build)) { error in
            XCTAssertTrue((error as? CargoStaticError)?.message.contains("needs a value") ?? false)
        }
    }

    func testMetadataArgumentsKeepFeaturesAndPolicy() throws {
        let a = try CargoArguments.parse(["--release", "--features", "x", "--locked", "-p", "a", "--manifest-path=m/Cargo.toml", "--all-features"],
                                         mode: .build)
        XCTAssertEqual(a.metadataArguments, ["--features", "x", "--locked", "--manifest-path=m/Cargo.toml", "--all-features"])
    }

    func testShortClustersAndAttachedValues() throws {
        let a = try CargoArguments.parse(["-rq", "-j2", "-pfoo"], mode: .build)
        XCTAssertTrue(a.release)
        XCTAssertTrue(a.quiet)
        XCTAssertEqual(a.packages, ["foo"])
        XCTAssertEqual(a.forwarded, ["-rq", "-j2", "-pfoo"])
    }
}
