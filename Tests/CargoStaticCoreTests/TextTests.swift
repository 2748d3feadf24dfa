import XCTest
@testable import CargoStaticCore

/// The byte-exact text helpers that replaced Foundation's on the start-up path.
final class TextTests: XCTestCase {
    func testReplacingEveryReplacesEachOccurrenceOnce() {
        XCTAssertEqual("a-b-c".replacingEvery("-", with: "_"), "a_b_c")
        XCTAssertEqual("/cc/dir/cc --x=/cc/dir".replacingEvery("/cc/dir", with: "$CC_DIR"), "$CC_DIR/cc --x=$CC_DIR")
        // The replacement is not searched again, and overlapping matches are taken left first.
        XCTAssertEqual("aaa".replacingEvery("a", with: "aa"), "aaaaaa")
        XCTAssertEqual("aaaa".replacingEvery("aa", with: "b"), "bb")
        XCTAssertEqual("it's".replacingEvery("'", with: "'\\''"), "it'\\''s")
    }

    func testReplacingEveryLeavesTextWithoutTheTargetAlone() {
        XCTAssertEqual("abc".replacingEvery("abcd", with: "x"), "abc")
        XCTAssertEqual("abc".replacingEvery("", with: "x"), "abc")
        XCTAssertEqual("".replacingEvery("a", with: "x"), "")
        XCTAssertEqual("ab".replacingEvery("b", with: ""), "a")
    }

    func testReplacingEveryComparesBytesNotCanonicalEquivalents() {
        // "é" precomposed (U+00E9) and decomposed (e + U+0301) are different bytes: paths are bytes.
        XCTAssertEqual("caf\u{E9}".replacingEvery("e\u{301}", with: "E"), "caf\u{E9}")
        XCTAssertEqual("/tmp/\u{E9}t\u{E9}/x".replacingEvery("/tmp/\u{E9}t\u{E9}", with: "$D"), "$D/x")
    }

    func testShellQuoteStillRoundTripsQuotes() {
        XCTAssertEqual(Shell.quote("it's here"), "'it'\\''s here'")
        XCTAssertEqual(Shell.quote("plain-word"), "plain-word")
        XCTAssertEqual(Shell.quote(""), "''")
    }

    func testTrimmedMatchesFoundationsSets() {
        for text in ["  x86_64 \n", "\t\r\nvalue\u{A0} ", "\n", "", "a b", " \u{2003}wide\u{2003} "] {
            XCTAssertEqual(text.trimmed(), text.trimmingCharacters(in: .whitespacesAndNewlines), "\(Array(text.unicodeScalars))")
            XCTAssertEqual(text.trimmingSpaces(), text.trimmingCharacters(in: .whitespaces), "\(Array(text.unicodeScalars))")
        }
        XCTAssertEqual("  key = v ".split(separator: "=")[0].trimmingSpaces(), "key")
    }
}

final class PathTextTests: XCTestCase {
    func testStandardizedMatchesFileURLs() {
        for path in ["/a/./b/../c/", "/", "//x//y", "/a/b/..", "/..", "/a/../../b", "/w/hello", "/tmp/é dir/./x"] {
            XCTAssertEqual(PathText.standardized(path), URL(fileURLWithPath: path).standardizedFileURL.path, path)
        }
    }

    func testAncestorsEndAtTheRoot() {
        XCTAssertEqual(PathText.ancestors(of: "/w/./a/../p/"), ["/w/p", "/w", "/"])
        XCTAssertEqual(PathText.ancestors(of: "/"), ["/"])
        XCTAssertEqual(PathText.join("/", "Cargo.toml"), "/Cargo.toml")
        XCTAssertEqual(PathText.join("/w/p", "Cargo.toml"), "/w/p/Cargo.toml")
    }

    func testParentWalksUpToTheRoot() {
        XCTAssertEqual(PathText.parent("/a/b"), "/a")
        XCTAssertEqual(PathText.parent("/a"), "/")
        XCTAssertEqual(PathText.parent("/"), "/")
    }
}
