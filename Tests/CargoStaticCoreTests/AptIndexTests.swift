import XCTest
@testable import CargoStaticCore

/// apt's remembered answers (`debian-index/apt-answers.json`): read at the first question,
/// not when the index is made, and only while apt's cache is the one they were given for.
final class AptIndexTests: XCTestCase {
    private var root = ""
    /// A runner that finds no apt-cache: any answer must come from the file.
    private let noApt = Runner(context: Context(variables: ["PATH": "/nonexistent"], directory: "/"))
    private var currentStamp: String {
        ["/var/cache/apt/pkgcache.bin", "/var/lib/dpkg/status"].map { ProbeCache.stamp($0) ?? "-" }.joined(separator: " ")
    }

    override func setUpWithError() throws { root = try FileSystem.temporaryDirectory(in: "/tmp", label: "apt-index-test") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    private func saveAnswers(stamp: String) throws {
        let answers = ["stamp": stamp, "names:libzz": "libzz1\nlibzz-dev"]
        try FileSystem.write(try JSONEncoder().encode(answers), to: root + "/debian-index/apt-answers.json")
    }

    func testAnswersAreReadAtTheFirstQuestion() throws {
        let index = AptIndex(runner: noApt, cacheRoot: root)
        // Written after the index was made: still seen, so nothing was read at start.
        try saveAnswers(stamp: currentStamp)
        XCTAssertEqual(index.names(prefix: "libzz"), ["libzz-dev", "libzz1"])
    }

    func testAnswersForAnotherAptCacheAreNotUsed() throws {
        try saveAnswers(stamp: "0-0 0-0")
        XCTAssertEqual(AptIndex(runner: noApt, cacheRoot: root).names(prefix: "libzz"), [])
        try saveAnswers(stamp: currentStamp)
        XCTAssertEqual(AptIndex(runner: noApt, cacheRoot: root).names(prefix: "libzz"), ["libzz-dev", "libzz1"])
    }
}
