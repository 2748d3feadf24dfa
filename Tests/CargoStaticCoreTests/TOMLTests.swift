import XCTest
@testable import CargoStaticCore

final class TOMLTests: XCTestCase {
    func testCargoManifestShapes() throws {
        let doc = try TOML.parse(#"""
        # a manifest
        [package]
        name = "hello"            # trailing comment
        version = "0.1.0"
        edition = '2021'
        metadata.cargo-static = { allocator = "jemalloc", deps = ["zlib", "ncurses",] }

        [dependencies]
        serde = { version = "1", features = ["derive"], optional = true }
        "quoted key" = 1_000

        [profile.release]
        panic = "abort"
        lto = true
        opt-level = 3

        [[bin]]
        name = "a"
        [[bin]]
        name = "b"
        [bin.extra]
        x = 0x10

        [target.'cfg(unix)'.dependencies]
        libc = "0.2"
        """#)
        XCTAssertEqual(doc["package"]?["name"]?.string, "hello")
        XCTAssertEqual(doc["package"]?["edition"]?.string, "2021")
        XCTAssertEqual(doc["package"]?.at("metadata", "cargo-static", "allocator")?.string, "jemalloc")
        XCTAssertEqual(doc["package"]?.at("metadata", "cargo-static", "deps")?.strings, ["zlib", "ncurses"])
        XCTAssertEqual(doc["dependencies"]?["serde"]?["features"]?.strings, ["derive"])
        XCTAssertEqual(doc["dependencies"]?["quoted key"]?.integer, 1000)
        XCTAssertEqual(doc["profile"]?.at("release", "panic")?.string, "abort")
        XCTAssertEqual(doc["profile"]?.at("release", "lto")?.bool, true)
        XCTAssertEqual(doc["bin"]?.array?.count, 2)
        XCTAssertEqual(doc["bin"]?.array?.last?["name"]?.string, "b")
        XCTAssertEqual(doc["bin"]?.array?.last?.at("extra", "x")?.integer, 16)
        XCTAssertEqual(doc["target"]?.at("cfg(unix)", "dependencies", "libc")?.string, "0.2")
    }

    func testStringsAndNumbers() throws {
        let doc = try TOML.parse(#"""
        a = "tab\tquote\"uni\u00e9"
        b = """
        first \
          second"""
        c = '''
        raw \n "kept"'''
        d = 'C:\path'
        e = -12
        f = 6.5e2
        g = 1979-05-27T07:32:00Z
        h = [ 1, [2, 3], "x", ]
        i = inf
        j = """a""""
        """#)
        XCTAssertEqual(doc["a"]?.string, "tab\tquote\"unié")
        XCTAssertEqual(doc["b"]?.string, "first second")
        XCTAssertEqual(doc["c"]?.string, "raw \\n \"kept\"")
        XCTAssertEqual(doc["d"]?.string, "C:\\path")
        XCTAssertEqual(doc["e"]?.integer, -12)
        XCTAssertEqual(doc["f"], .float(650))
        XCTAssertEqual(doc["g"], .datetime("1979-05-27T07:32:00Z"))
        XCTAssertEqual(doc["h"]?.array?.count, 3)
        XCTAssertEqual(doc["i"], .float(.infinity))
        XCTAssertEqual(doc["j"]?.string, "a\"")
    }

    func testErrorsNameTheLine() {
        for (text, line) in [("a = 1\na = 2", 2), ("[x]\n[x]", 2), ("a = \"open", 1), ("a = 1 b", 1), ("\n\nkey", 3),
                             ("a = [1, 2", 1), ("a = 1\n[a]", 2), ("a = 01", 1), ("x = \"bad \\q\"", 1)] {
            XCTAssertThrowsError(try TOML.parse(text), text) { error in
                XCTAssertEqual((error as? TOMLError)?.line, line, "\(text): \(error)")
            }
        }
    }

    /// Every Cargo.toml in Debian's crate registry parses (a broad real-world corpus).
    func testDebianRegistryManifestsParse() throws {
        let registry = "/usr/share/cargo/registry"
        guard let crates = try? FileManager.default.contentsOfDirectory(atPath: registry), !crates.isEmpty else {
            throw XCTSkip("no Debian crate registry here")
        }
        var parsed = 0
        for crate in crates {
            let path = "\(registry)/\(crate)/Cargo.toml"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            XCTAssertNoThrow(try TOML.parse(text), path)
            parsed += 1
        }
        XCTAssertGreaterThan(parsed, 3)
    }

    /// Generated manifests quote paths that hold quotes, backslashes, `$`, control characters.
    func testQuotedStringsReadBackAsTheSameText() throws {
        for text in [#"/a b/'q'/"d"/$HOME/`x`/é日本"#, #"back\slash"#, "tab\tnew\nline\u{7F}", ""] {
            XCTAssertEqual(try TOML.parse("k = " + TOML.quoted(text))["k"], .string(text), text)
        }
    }
}
