import XCTest
@testable import CargoStaticCore
import Digest

/// A minimal reader of what Tar writes: enough to check every header field.
struct TarMember: Equatable {
    let name: String
    let mode: UInt32
    let uid: Int
    let gid: Int
    let size: Int
    let mtime: Int64
    let type: Character
    let uname: String
    let gname: String
    let content: Data
    let checksumOK: Bool
}

enum TarReader {
    static func members(_ data: Data) -> [TarMember] {
        let bytes = [UInt8](data)
        var out: [TarMember] = []
        var offset = 0
        while offset + 512 <= bytes.count {
            let h = Array(bytes[offset..<offset + 512])
            if h.allSatisfy({ $0 == 0 }) { break }
            func text(_ at: Int, _ width: Int) -> String {
                String(decoding: h[at..<at + width].prefix { $0 != 0 }, as: UTF8.self)
            }
            func octal(_ at: Int, _ width: Int) -> Int64 {
                Int64(text(at, width).trimmingCharacters(in: CharacterSet(charactersIn: " ")), radix: 8) ?? -1
            }
            var sum: Int64 = 0
            for (i, b) in h.enumerated() { sum += (148..<156).contains(i) ? 32 : Int64(b) }
            let prefix = text(345, 155)
            let name = prefix.isEmpty ? text(0, 100) : prefix + "/" + text(0, 100)
            let size = Int(octal(124, 12))
            let content = Data(bytes[(offset + 512)..<(offset + 512 + size)])
            out.append(TarMember(name: name, mode: UInt32(octal(100, 8)), uid: Int(octal(108, 8)), gid: Int(octal(116, 8)),
                                 size: size, mtime: octal(136, 12), type: Character(UnicodeScalar(h[156])),
                                 uname: text(265, 32), gname: text(297, 32), content: content, checksumOK: sum == octal(148, 8)))
            offset += 512 + (size + 511) / 512 * 512
        }
        return out
    }
}

final class TarTests: XCTestCase {
    private func temporaryDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "cs-tar-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    func testHeadersAreUstarWithZeroOwnersFixedTimeAndModes() throws {
        let data = try Tar.data([
            .file("usr/local/bin/app", mode: 0o755, bytes: Data("#!binary".utf8)),
            .directory("tmp", mode: 0o1777),
            .file("etc/passwd", bytes: Data("root:x:0:0::/:/x\n".utf8)),
        ], mtime: 1_700_000_000)
        let members = TarReader.members(data)
        XCTAssertEqual(members.map(\.name), ["etc/", "etc/passwd", "tmp/", "usr/", "usr/local/", "usr/local/bin/", "usr/local/bin/app"])
        for m in members {
            XCTAssertTrue(m.checksumOK, m.name)
            XCTAssertEqual(m.uid, 0, m.name)
            XCTAssertEqual(m.gid, 0, m.name)
            XCTAssertEqual(m.uname, "", m.name)
            XCTAssertEqual(m.gname, "", m.name)
            XCTAssertEqual(m.mtime, 1_700_000_000, m.name)
            XCTAssertEqual(m.type, m.name.hasSuffix("/") ? "5" : "0", m.name)
        }
        let byName = Dictionary(uniqueKeysWithValues: members.map { ($0.name, $0) })
        XCTAssertEqual(byName["tmp/"]?.mode, 0o1777)
        XCTAssertEqual(byName["usr/local/"]?.mode, 0o755)
        XCTAssertEqual(byName["usr/local/bin/app"]?.mode, 0o755)
        XCTAssertEqual(byName["etc/passwd"]?.mode, 0o644)
        XCTAssertEqual(byName["usr/local/bin/app"]?.content, Data("#!binary".utf8))
        // ustar magic and version, and the archive ends with two zero blocks on a block boundary.
        XCTAssertEqual(Array(data[257..<265]), Array("ustar\u{0}00".utf8))
        XCTAssertEqual(data.count % 512, 0)
        XCTAssertTrue(data.suffix(1024).allSatisfy { $0 == 0 })
    }

    func testOrderOfInputDoesNotChangeTheBytes() throws {
        let a: [TarEntry] = [.file("b/z", bytes: Data("1".utf8)), .file("a-b", bytes: Data()), .directory("b/y"), .file("a/c", bytes: Data("2".utf8))]
        let one = try Tar.data(a, mtime: 5)
        let two = try Tar.data(a.reversed(), mtime: 5)
        XCTAssertEqual(one, two)
        // Bytewise order of the paths (a directory without its "/"), so every parent precedes its children.
        XCTAssertEqual(TarReader.members(one).map(\.name), ["a/", "a-b", "a/c", "b/", "b/y/", "b/z"])
        XCTAssertNotEqual(one, try Tar.data(a, mtime: 6))
    }

    func testFileOnDiskGivesTheSameBytesAsInMemoryAndTheDigestMatches() throws {
        let dir = try temporaryDirectory()
        let payload = Data((0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try payload.write(to: URL(fileURLWithPath: dir + "/payload"))
        let fromDisk = try Tar.data([.file("data/blob", from: dir + "/payload")])
        XCTAssertEqual(fromDisk, try Tar.data([.file("data/blob", bytes: payload)]))
        let info = try Tar.write([.file("data/blob", from: dir + "/payload")], to: dir + "/out.tar")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/out.tar")), fromDisk)
        XCTAssertEqual(info.digest, "sha256:" + SHA256.hex(fromDisk))
        XCTAssertEqual(info.size, Int64(fromDisk.count))
    }

    /// GNU tar extracts what we write, long names included, with the modes we set.
    func testGNUTarExtractsLongNamesAndModes() throws {
        guard let tar = Context.process.which("tar") else { throw XCTSkip("no tar") }
        let dir = try temporaryDirectory()
        let splittable = (1...12).map { "directory\($0)" }.joined(separator: "/") + "/" + String(repeating: "f", count: 60)
        let unsplittable = "d/" + String(repeating: "n", count: 140)
        let deep = (1...40).map { "level\($0)" }.joined(separator: "/") + "/file"
        XCTAssertGreaterThan(splittable.utf8.count, 100)
        let data = try Tar.data([
            .file(splittable, bytes: Data("split".utf8)),
            .file(unsplittable, mode: 0o600, bytes: Data("pax".utf8)),
            .file(deep, bytes: Data("deep".utf8)),
            .directory("sticky", mode: 0o1777),
        ], mtime: 86_400)
        try data.write(to: URL(fileURLWithPath: dir + "/a.tar"))
        try FileManager.default.createDirectory(atPath: dir + "/x", withIntermediateDirectories: true)
        let result = try Runner().capture(Command(tar, ["-xpf", dir + "/a.tar", "-C", dir + "/x"]))
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(try String(contentsOfFile: dir + "/x/" + splittable, encoding: .utf8), "split")
        XCTAssertEqual(try String(contentsOfFile: dir + "/x/" + unsplittable, encoding: .utf8), "pax")
        XCTAssertEqual(try String(contentsOfFile: dir + "/x/" + deep, encoding: .utf8), "deep")
        let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/x/" + unsplittable)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual((attributes[.modificationDate] as? Date)?.timeIntervalSince1970, 86_400)
        var st = stat()
        XCTAssertEqual(stat(dir + "/x/sticky", &st), 0)
        XCTAssertEqual(Int(st.st_mode) & 0o7777, 0o1777)
        // PAX headers only for the names ustar cannot split, each named after its member (no pid).
        let members = TarReader.members(data)
        let pax = members.filter { $0.type == "x" }
        let unsplit = try Tar.normalized([.file(splittable, bytes: Data()), .file(unsplittable, bytes: Data()), .file(deep, bytes: Data()),
                                          .directory("sticky")])
            .map { $0.content == .directory ? $0.path + "/" : $0.path }.filter { Tar.splitName($0) == nil }
        XCTAssertEqual(pax.count, unsplit.count)
        XCTAssertTrue(unsplit.contains(unsplittable) && unsplit.contains(deep) && !unsplit.contains(splittable))
        XCTAssertEqual(pax.first?.name, "PaxHeaders/" + String(repeating: "n", count: 89))
        let record = String(decoding: pax[0].content, as: UTF8.self)
        XCTAssertEqual(record, "\(record.utf8.count) path=\(unsplittable)\n")
        XCTAssertTrue(members.contains { $0.name == splittable })
    }

    func testPaxRecordLengthCountsItsOwnDigits() {
        // " path=x\n" is 8 bytes: with one digit 9 (fits), so "9 path=x\n".
        XCTAssertEqual(String(decoding: Tar.paxRecords([("path", "x")]), as: UTF8.self), "9 path=x\n")
        // A body of 98 bytes needs "100 " -> 101 bytes in all.
        let value = String(repeating: "v", count: 98 - " path=\n".utf8.count)
        let record = String(decoding: Tar.paxRecords([("path", value)]), as: UTF8.self)
        XCTAssertEqual(record.utf8.count, 101)
        XCTAssertTrue(record.hasPrefix("101 path="))
    }

    func testUstarNameSplit() {
        XCTAssertEqual(Tar.splitName("short")?.name, "short")
        let long = String(repeating: "p", count: 120) + "/" + String(repeating: "n", count: 50)
        XCTAssertEqual(Tar.splitName(long)?.prefix, String(repeating: "p", count: 120))
        XCTAssertEqual(Tar.splitName(long)?.name, String(repeating: "n", count: 50))
        XCTAssertNil(Tar.splitName(String(repeating: "x", count: 101)))
        XCTAssertNil(Tar.splitName(String(repeating: "p", count: 156) + "/n"))
    }

    func testBadInputIsRefusedWithTheReason() {
        XCTAssertThrowsError(try Tar.data([.file("../etc/passwd", bytes: Data())])) { error in
            XCTAssertTrue("\(error)".contains("not a usable archive path"), "\(error)")
        }
        XCTAssertThrowsError(try Tar.data([.file("a", bytes: Data()), .file("/a", bytes: Data())])) { error in
            XCTAssertTrue("\(error)".contains("two archive members are named a"), "\(error)")
        }
        XCTAssertThrowsError(try Tar.data([.file("a", bytes: Data()), .file("a/b", bytes: Data())])) { error in
            XCTAssertTrue("\(error)".contains("is a file and also the directory"), "\(error)")
        }
        XCTAssertThrowsError(try Tar.data([.file("x", from: "/nonexistent/file")])) { error in
            XCTAssertTrue("\(error)".contains("not a readable regular file"), "\(error)")
        }
        XCTAssertThrowsError(try Tar.data([], mtime: -1))
    }

    func testLeadingSlashesAndDotsAreNormalised() throws {
        let a = try Tar.data([.file("/etc/group", bytes: Data("g".utf8)), .directory("./tmp/")])
        let b = try Tar.data([.file("etc/group", bytes: Data("g".utf8)), .directory("tmp")])
        XCTAssertEqual(a, b)
    }

    /// The streaming reader gets back what the writer wrote: long names (PAX), links,
    /// modes, contents; and a header with a wrong checksum is refused.
    func testTarInputReadsWhatTarWrites() throws {
        let long = String(repeating: "d/", count: 90) + "f\u{e9} 'x'"
        let data = try Tar.data([
            .file(long, mode: 0o755, bytes: Data(repeating: 7, count: 1500)),
            .symlink("a/link", to: "../" + String(repeating: "t", count: 120)),
            .file("a/empty", bytes: Data()),
        ])
        var offset = 0
        func reader(_ bytes: Data) -> TarInput {
            offset = 0
            return TarInput { n in
                let chunk = bytes.subdata(in: offset..<min(bytes.count, offset + min(n, 700)))
                offset += chunk.count
                return chunk
            }
        }
        let input = reader(data)
        var seen: [String: String] = [:]
        while let member = try input.next() {
            switch member.kind {
            case .directory: seen[member.path] = "dir"
            case .symlink(let target): seen[member.path] = "-> " + target
            case .file(let size):
                var content = Data()
                try input.readContent { content.append($0) }
                XCTAssertEqual(Int64(content.count), size)
                seen[member.path] = "\(String(member.mode, radix: 8)) \(content.count) \(content.first ?? 0)"
            }
        }
        XCTAssertEqual(seen[long], "755 1500 7")
        XCTAssertEqual(seen["a/link"], "-> ../" + String(repeating: "t", count: 120))
        XCTAssertEqual(seen["a/empty"], "644 0 0")
        XCTAssertEqual(seen["a"], "dir")

        var damaged = data
        damaged[512 + 101] ^= 1  // a digit of the second header's mode
        XCTAssertThrowsError(try { let r = reader(damaged); while try r.next() != nil {} }()) { error in
            XCTAssertTrue("\(error)".contains("its checksum does not match"), "\(error)")
        }
    }
}
