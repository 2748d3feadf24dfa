import XCTest
@testable import CargoStaticCore

/// Independent libraries build side by side; a library never starts before those it is built against.
final class LibraryScheduleTests: XCTestCase {
    func step(_ name: String, _ dependencies: [String]) throws -> LibraryStep {
        LibraryStep(library: LibraryID(resolvedName: name), target: try Target("x86_64-unknown-linux-musl"), build: nil, source: nil,
                    fetch: nil, commands: [], dependencies: dependencies.map { LibraryID(resolvedName: $0) }, prefix: nil)
    }

    /// libgit2's chain as the planner orders it: zlib, openssl, libssh2 (zlib, openssl), pcre2, libgit2 (all).
    func testGit2ChainPrerequisites() throws {
        let steps = [try step("zlib", []), try step("openssl", []), try step("libssh2", ["zlib", "openssl"]),
                     try step("pcre2", []), try step("libgit2", ["zlib", "openssl", "libssh2", "pcre2", "mimalloc"])]
        let prerequisites = LibrarySchedule.prerequisites(steps)
        XCTAssertEqual(prerequisites, [[], [], [0, 1], [], [0, 1, 2, 3]], "mimalloc is not a step of this plan: already provided")

        // Two at a time: zlib and openssl first; pcre2 before libssh2 can start; libgit2 last.
        XCTAssertEqual(LibrarySchedule.ready(prerequisites, started: [], finished: [], limit: 2), [0, 1])
        XCTAssertEqual(LibrarySchedule.ready(prerequisites, started: [0, 1], finished: [], limit: 2), [], "both slots busy")
        XCTAssertEqual(LibrarySchedule.ready(prerequisites, started: [0, 1], finished: [0], limit: 2), [3], "libssh2 still waits for openssl")
        XCTAssertEqual(LibrarySchedule.ready(prerequisites, started: [0, 1, 3], finished: [0, 1], limit: 2), [2])
        XCTAssertEqual(LibrarySchedule.ready(prerequisites, started: [0, 1, 2, 3], finished: [0, 1, 3], limit: 2), [], "libgit2 waits for libssh2")
        XCTAssertEqual(LibrarySchedule.ready(prerequisites, started: [0, 1, 2, 3], finished: [0, 1, 2, 3], limit: 2), [4])
    }

    /// One core: the plan's order, one at a time (as before).
    func testOneAtATimeFollowsPlanOrder() throws {
        let prerequisites: [[Int]] = [[], [], [0]]
        XCTAssertEqual(LibrarySchedule.ready(prerequisites, started: [], finished: [], limit: 1), [0])
        XCTAssertEqual(LibrarySchedule.ready(prerequisites, started: [0], finished: [0], limit: 1), [1])
        XCTAssertEqual(LibrarySchedule.ready(prerequisites, started: [0], finished: [0], limit: 0), [1], "a limit below one still makes progress")
    }

    func testLimitFollowsCores() {
        XCTAssertEqual(LibrarySchedule.limit(cores: 1), 1)
        XCTAssertEqual(LibrarySchedule.limit(cores: 2), 2)
        XCTAssertEqual(LibrarySchedule.limit(cores: 64), 4)
        XCTAssertEqual(LibrarySchedule.limit(cores: 0), 1)
    }
}
