import XCTest
@testable import CargoStaticCore

/// cargo's .crates.toml and .crates2.json, written as cargo writes them.
final class InstallRecordsTests: XCTestCase {
    private let record = InstallRecord(packageID: "tiny 0.1.0 (path+file:///tmp/tiny)", versionRequirement: nil, bins: ["tiny2", "tiny"],
                                       profile: "release", target: "x86_64-unknown-linux-musl", rustc: "rustc 1.95.0\nrelease: 1.95.0\n")

    /// cargo's .crates2.json as these tests read it back; `future` and `extra` stand for
    /// fields cargo-static must keep without knowing them.
    private struct CratesV2: Decodable {
        struct Install: Decodable {
            let versionReq: String?
            let bins: [String]
            let profile: String
            let target: String
            let future: Int?
            enum CodingKeys: String, CodingKey { case versionReq = "version_req", bins, profile, target, future }
        }
        let installs: [String: Install]
        let extra: Bool?
    }

    /// The bytes cargo 1.96 writes for the same install (with its target and rustc).
    func testFreshFilesAreCargos() throws {
        XCTAssertEqual(try InstallRecords.updatedV1(nil, adding: record),
                       "[v1]\n\"tiny 0.1.0 (path+file:///tmp/tiny)\" = [\n    \"tiny\",\n    \"tiny2\",\n]\n")
        XCTAssertEqual(String(decoding: try InstallRecords.updatedV2(nil, adding: record), as: UTF8.self),
                       #"{"installs":{"tiny 0.1.0 (path+file:///tmp/tiny)":{"version_req":null,"bins":["tiny","tiny2"],"features":[],"all_features":false,"no_default_features":false,"profile":"release","target":"x86_64-unknown-linux-musl","rustc":"rustc 1.95.0\nrelease: 1.95.0\n"}}}"#)
    }

    /// Other installs are kept; a binary moves from the package that had it; a package left
    /// with none disappears; unknown fields survive.
    func testMergesAsCargoDoes() throws {
        let v1 = "[v1]\n\"other 1.0.0 (registry+https://github.com/rust-lang/crates.io-index)\" = [\"other\", \"tiny\"]\n\"old 0.1.0 (path+file:///x)\" = [\"tiny2\"]\n"
        let out = try InstallRecords.updatedV1(v1, adding: record)
        let table = try XCTUnwrap(try TOML.parse(out)["v1"]?.table, out)
        XCTAssertEqual(Set(table.keys), ["other 1.0.0 (registry+https://github.com/rust-lang/crates.io-index)", "tiny 0.1.0 (path+file:///tmp/tiny)"])
        XCTAssertEqual(table["other 1.0.0 (registry+https://github.com/rust-lang/crates.io-index)"]?.array?.compactMap(\.string), ["other"])

        let v2 = #"{"installs":{"other 1.0.0 (registry+https://github.com/rust-lang/crates.io-index)":{"version_req":"1","bins":["other","tiny"],"features":["x"],"all_features":false,"no_default_features":false,"profile":"release","target":"x86_64-unknown-linux-gnu","rustc":"r","future":1}},"extra":true}"#
        let data = try InstallRecords.updatedV2(Data(v2.utf8), adding: record)
        let json = try decode(CratesV2.self, from: data)
        let other = try XCTUnwrap(json.installs["other 1.0.0 (registry+https://github.com/rust-lang/crates.io-index)"], "\(json)")
        XCTAssertEqual(other.bins, ["other"])
        XCTAssertEqual(other.future, 1)
        XCTAssertEqual(json.installs["tiny 0.1.0 (path+file:///tmp/tiny)"]?.bins, ["tiny", "tiny2"])
        XCTAssertEqual(json.extra, true)
        XCTAssertThrowsError(try InstallRecords.updatedV2(Data("{".utf8), adding: record))
    }

    /// An entry cargo-static cannot read is refused with the file's name, never dropped
    /// (rewriting without it would make cargo forget that install).
    func testUnreadableEntriesAreRefusedNotDropped() throws {
        for v2 in [#"{"installs":[]}"#, #"{"installs":{"other 1.0.0 (path+file:///o)":{"bins":"other"}}}"#,
                   #"{"installs":{"other 1.0.0 (path+file:///o)":{"features":[]}}}"#, #"{"installs":{"other 1.0.0 (path+file:///o)":[1]}}"#] {
            XCTAssertThrowsError(try InstallRecords.updatedV2(Data(v2.utf8), adding: record), v2) { error in
                XCTAssertTrue("\(error)".contains(".crates2.json is not in cargo's format"), "\(error)")
            }
        }
        for v1 in ["v1 = 1\n", "[v1]\n\"other 1.0.0 (path+file:///o)\" = \"other\"\n", "[v1]\n\"other 1.0.0 (path+file:///o)\" = [1]\n"] {
            XCTAssertThrowsError(try InstallRecords.updatedV1(v1, adding: record), v1) { error in
                XCTAssertTrue("\(error)".contains(".crates.toml is not in cargo's format"), "\(error)")
            }
        }
        // No `installs` (or no `[v1]`) lists none.
        let json = try decode(CratesV2.self, from: try InstallRecords.updatedV2(Data(#"{"extra":true}"#.utf8), adding: record))
        XCTAssertEqual(Array(json.installs.keys), ["tiny 0.1.0 (path+file:///tmp/tiny)"])
        XCTAssertEqual(json.extra, true)
    }

    func testFeatureFlagsFromCargosArguments() {
        let f = InstallRecord.featureFlags(["--features", "a,b", "-F", "c", "--features=d e", "--no-default-features", "--release"])
        XCTAssertEqual(f.features, ["a", "b", "c", "d", "e"])
        XCTAssertTrue(f.noDefault)
        XCTAssertFalse(f.all)
    }

    func testWrittenThroughTheFileSystemLayer() throws {
        let root = NSTemporaryDirectory() + "install-records-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try InstallRecords.add(record, root: root)
        try InstallRecords.add(record, root: root)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: root)), [".crates.toml", ".crates2.json"], "no temporary file left")
    }
}
