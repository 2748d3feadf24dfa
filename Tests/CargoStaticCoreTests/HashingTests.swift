import XCTest
@testable import CargoStaticCore
import Digest

final class HashingTests: XCTestCase {
    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256.hex(Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex(Data(repeating: 0x61, count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Chunk boundaries anywhere give the same digest as one update.
    func testSHA256StreamingMatchesOneShot() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = SHA256.hex(bytes)
        for split in [1, 55, 56, 63, 64, 65, 127, 999] {
            var h = SHA256()
            h.update(bytes[0..<split])
            h.update(bytes[split...])
            XCTAssertEqual(h.finish().map { String(format: "%02x", $0) }.joined(), whole, "split at \(split)")
        }
    }

    func testSHA256OfFileMatchesSha256sum() throws {
        guard let tool = Runner.which("sha256sum") else { throw XCTSkip("no sha256sum") }
        let path = NSTemporaryDirectory() + "cs-hash-\(getpid())"
        try Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 ^ ($0 >> 8)) }).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let theirs = try Runner().capture(Command(tool, [path])).output.split(separator: " ").first.map(String.init)
        XCTAssertEqual(try SHA256.hex(file: path), theirs)
    }
}
