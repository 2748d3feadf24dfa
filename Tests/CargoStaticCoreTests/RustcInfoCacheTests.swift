import Foundation
import XCTest
@testable import CargoStaticCore

/// cargo's `.rustc_info.json` kept in the cache and put back into an emptied target directory.
final class RustcInfoCacheTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws { dir = try scratchDirectory("rustc-info") }

    func testTheRecordComesBackIntoAnEmptiedTargetDirectoryAndIsNeverOverwritten() throws {
        let layout = CacheLayout.using(dir + "/cache")
        let cargo = Command("/usr/bin/cargo", ["build"], environment: ["RUSTC": "/cache/toolchains/x/bin/rustc"])
        let target = dir + "/project/target"
        let info = try XCTUnwrap(RustcInfoCache.plan(targetDirectory: target, command: cargo, layout: layout))
        XCTAssertEqual(info.file, target + "/.rustc_info.json")
        XCTAssertTrue(info.kept.hasPrefix(layout.work + "/"), info.kept)
        // Another rustc, or another target directory, keeps its own record.
        var other = cargo
        other.environment["RUSTC"] = "/usr/bin/rustc"
        XCTAssertNotEqual(RustcInfoCache.plan(targetDirectory: target, command: other, layout: layout)?.kept, info.kept)
        XCTAssertNotEqual(RustcInfoCache.plan(targetDirectory: dir + "/elsewhere", command: cargo, layout: layout)?.kept, info.kept)
        XCTAssertNil(RustcInfoCache.plan(targetDirectory: "", command: cargo, layout: layout), "no target directory known")

        // The first build: nothing kept yet; the directory is tagged as a cache.
        info.restore()
        XCTAssertFalse(FileManager.default.fileExists(atPath: info.file))
        let tag = try String(contentsOfFile: target + "/CACHEDIR.TAG", encoding: .utf8)
        XCTAssertTrue(tag.hasPrefix("Signature: 8a477f597d28d172789f06886806bc55\n"), tag)
        // cargo wrote its record: it is kept.
        let record = #"{"rustc_fingerprint":1,"outputs":{},"successes":{}}"#
        try record.write(toFile: info.file, atomically: true, encoding: .utf8)
        info.keep()
        XCTAssertEqual(try String(contentsOfFile: info.kept, encoding: .utf8), record)
        // `cargo clean`: the record comes back before cargo runs.
        try FileManager.default.removeItem(atPath: target)
        info.restore()
        XCTAssertEqual(try String(contentsOfFile: info.file, encoding: .utf8), record)
        // A record cargo already has is cargo's: never replaced.
        let newer = #"{"rustc_fingerprint":2,"outputs":{},"successes":{}}"#
        try newer.write(toFile: info.file, atomically: true, encoding: .utf8)
        info.restore()
        XCTAssertEqual(try String(contentsOfFile: info.file, encoding: .utf8), newer)
        info.keep()
        XCTAssertEqual(try String(contentsOfFile: info.kept, encoding: .utf8), newer, "the newer record is kept")
    }
}
