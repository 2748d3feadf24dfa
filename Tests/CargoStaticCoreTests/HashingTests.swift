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
        // FIPS 180-4 examples: the 896-bit message (two blocks of padding work).
        XCTAssertEqual(SHA256.hex(Data("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu".utf8)),
                       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        // Lengths around the padding boundary (55, 56, 64 bytes of 'a').
        XCTAssertEqual(SHA256.hex(Data(repeating: 0x61, count: 55)), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318")
        XCTAssertEqual(SHA256.hex(Data(repeating: 0x61, count: 56)), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a")
        XCTAssertEqual(SHA256.hex(Data(repeating: 0x61, count: 64)), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb")
    }

    func testHexIsLowerCaseTwoDigitsPerByte() {
        XCTAssertEqual(SHA256.hexString([0, 0x0f, 0xa0, 0xff]), "000fa0ff")
    }

    /// A file larger than one read chunk (1 MiB) and not a multiple of it.
    func testSHA256OfLargeFileMatchesSha256sum() throws {
        guard let tool = Context.process.which("sha256sum") else { throw XCTSkip("no sha256sum") }
        let path = NSTemporaryDirectory() + "cs-hash-large-\(getpid())"
        try Data((0..<(3 << 20) + 12345).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) }).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let theirs = try Runner().capture(Command(tool, [path])).output.split(separator: " ").first.map(String.init)
        XCTAssertEqual(try SHA256.hex(file: path), theirs)
    }

    func testUnreadableFileIsAnError() {
        XCTAssertThrowsError(try SHA256.hex(file: "/nonexistent/cs-hash-\(getpid())")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/cs-hash-"))
        }
    }

    /// The build id is the file's SHA-256 with the id's bytes read as zeros, streamed: the
    /// zeroed range may start, end or lie inside any chunk and must give the in-memory answer.
    func testBuildIDDigestZeroesTheRangeAcrossChunks() throws {
        let bytes = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 17) }
        let path = NSTemporaryDirectory() + "cs-buildid-\(getpid())"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        for (range, chunk) in [(0..<20, 64), (100..<120, 64), (60..<80, 64), (63..<65, 64), (4990..<5000, 1000), (1000..<1020, 1 << 20), (10..<30, 7)] {
            var expected = bytes
            for i in range { expected[i] = 0 }
            XCTAssertEqual(SHA256.hexString(try BuildID.digest(path, zeroing: range, chunk: chunk)), SHA256.hex(expected), "\(range) in chunks of \(chunk)")
        }
        XCTAssertNotEqual(SHA256.hexString(try BuildID.digest(path, zeroing: 0..<20)), SHA256.hex(bytes))
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
        guard let tool = Context.process.which("sha256sum") else { throw XCTSkip("no sha256sum") }
        let path = NSTemporaryDirectory() + "cs-hash-\(getpid())"
        try Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 ^ ($0 >> 8)) }).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let theirs = try Runner().capture(Command(tool, [path])).output.split(separator: " ").first.map(String.init)
        XCTAssertEqual(try SHA256.hex(file: path), theirs)
    }
}
