import Digest
import XCTest
@testable import CargoStaticCore

/// The CycloneDX document: schema-valid (cyclonedx-python-lib), deterministic, and saying
/// what the inventory says: crates, Debian C libraries with their patches, the libc with
/// the fixes its bundler carries, std, tools, the graph and the executable's hash.
final class SBOMTests: XCTestCase {
    static let zlibPatch = DebianPatch(name: "CVE-2022-37434.patch", summary: "Fix a bug when getting a gzip header extra field with inflate()",
                                       fromUpstream: true, fixes: ["CVE-2022-37434"])

    static func inventory(epoch: Int? = 1_700_000_000, sha256: String = String(repeating: "ab", count: 32)) -> SBOMInventory {
        let crates = DepInfo(packages: [
            .init(name: "app", version: "0.1.0", source: "local", dependencies: [3, 4, 5], root: true),
            .init(name: "cc", version: "1.0.83", source: "crates.io", kind: .build,
                  origin: "registry+https://github.com/rust-lang/crates.io-index"),
            .init(name: "cfg-if", version: "1.0.0", source: "crates.io", origin: "registry+https://github.com/rust-lang/crates.io-index"),
            .init(name: "flate2", version: "1.0.25", source: "crates.io", dependencies: [2, 4],
                  origin: "registry+https://github.com/rust-lang/crates.io-index"),
            .init(name: "libz-sys", version: "1.1.8", source: "crates.io", dependencies: [1],
                  origin: "registry+https://github.com/rust-lang/crates.io-index"),
            .init(name: "mygit", version: "0.3.0", source: "git", origin: "git+https://example.org/my/git.git?rev=v0.3#0123abcd"),
        ])
        let libc = LibcIdentity(version: "1.2.5", bundler: .zig, bundlerVersion: "0.17.1",
                                patches: MuslPatches.known.map(\.patch), evidence: ["test"])
        return SBOMInventory(
            executable: .init(name: "app", sha256: sha256, target: "x86_64-unknown-linux-musl"),
            crates: crates,
            cLibraries: [
                .init(name: "zlib", debianSource: "zlib", version: "1:1.2.13.dfsg-1", patches: [DebianPatch(name: "cflags-for-minizip"), zlibPatch]),
                .init(name: "mimalloc", debianSource: "mimalloc", version: "2.0.9+ds-2", patches: [], distro: "bookworm"),
            ],
            libc: libc, allocator: "mimalloc",
            std: .init(version: "1.96.0", debianSource: "rustc-web", debianVersion: "1.96.0+dfsg1-1~deb12u1", profile: "default"),
            tools: [.init(name: "zig", version: "0.17.1"), .init(name: "rustc", version: "1.96.0"), .init(name: "cargo-static", version: "0.1.0")],
            sourceDateEpoch: epoch)
    }

    func testTheDocumentValidatesAgainstCycloneDX16AndTheValidatorCanFail() throws {
        let good = SBOM.render(Self.inventory())
        let noEpoch = SBOM.render(Self.inventory(epoch: nil))
        // Broken on purpose: an unknown patch type, and a serial number that is no UUID.
        let badPatch = good.replacingOccurrences(of: "\"unofficial\"", with: "\"homemade\"")
        let badSerial = good.replacingOccurrences(of: "\"urn:uuid:", with: "\"urn:uuid:x")
        XCTAssertNotEqual(badPatch, good)
        XCTAssertNotEqual(badSerial, good)
        let results = try CycloneDXValidator.validate(["good": good, "no-epoch": noEpoch, "musl-gcc": SBOM.render(Self.muslGccInventory()),
                                                       "bad-patch": badPatch, "bad-serial": badSerial])
        XCTAssertEqual(results["good"], "valid")
        XCTAssertEqual(results["no-epoch"], "valid")
        XCTAssertEqual(results["musl-gcc"], "valid")
        XCTAssertTrue(results["bad-patch"]?.contains("homemade") == true, "\(results)")
        XCTAssertTrue(results["bad-serial"]?.contains("urn:uuid:x") == true, "\(results)")
    }

    func testDeterministicTimestampAndContentDerivedSerial() throws {
        let a = SBOM.render(Self.inventory()), b = SBOM.render(Self.inventory())
        XCTAssertEqual(a, b)
        let doc = SBOM.document(Self.inventory())
        XCTAssertEqual(doc["metadata"]?["timestamp"], "2023-11-14T22:13:20Z")
        XCTAssertEqual(SBOM.document(Self.inventory(epoch: nil))["metadata"]?["timestamp"], "1970-01-01T00:00:00Z")

        guard case let .string(serial)? = doc["serialNumber"] else { return XCTFail("no serial number") }
        let uuid = Array(serial.dropFirst("urn:uuid:".count))
        XCTAssertEqual(uuid.count, 36)
        XCTAssertEqual(uuid[14], "8", "RFC 9562 version 8")
        XCTAssertTrue("89ab".contains(uuid[19]), "RFC 4122 variant")
        // The serial is the hash of everything else: recomputing it from the document agrees,
        // and any change to the content (another epoch, another executable) changes it.
        guard case var .object(rest) = doc else { return XCTFail() }
        rest.removeValue(forKey: "serialNumber")
        XCTAssertEqual(SBOM.serialNumber(of: .object(rest)), serial)
        XCTAssertNotEqual(SBOM.document(Self.inventory(epoch: 1))["serialNumber"], doc["serialNumber"])
        XCTAssertNotEqual(SBOM.document(Self.inventory(sha256: String(repeating: "cd", count: 32)))["serialNumber"], doc["serialNumber"])
    }

    func testComponentsSayWhatTheInventorySays() throws {
        let doc = try Self.parsed(SBOM.render(Self.inventory()))
        XCTAssertEqual(doc["specVersion"], "1.6")
        let metadata = try XCTUnwrap(doc["metadata"])
        let exe = try XCTUnwrap(metadata["component"])
        XCTAssertEqual(exe["name"], "app")
        XCTAssertEqual(exe["hashes"], [["alg": "SHA-256", "content": .string(String(repeating: "ab", count: 32))]])
        let tools = try XCTUnwrap(metadata["tools"]?["components"]?.arrayValue).map { $0["name"] }
        XCTAssertEqual(tools, ["cargo-static", "rustc", "zig"])

        let components = try XCTUnwrap(doc["components"]?.arrayValue)
        func component(_ ref: String) throws -> JSONValue {
            try XCTUnwrap(components.first { $0["bom-ref"] == .string(ref) }, "no \(ref)")
        }
        XCTAssertEqual(try component("crate:flate2@1.0.25")["purl"], "pkg:cargo/flate2@1.0.25")
        XCTAssertNil(try component("crate:app@0.1.0")["purl"], "a local crate is in no registry")
        XCTAssertEqual(try component("crate:mygit@0.3.0")["purl"],
                       "pkg:cargo/mygit@0.3.0?vcs_url=git%2Bhttps://example.org/my/git.git@0123abcd")
        XCTAssertEqual(try component("crate:cc@1.0.83")["scope"], "excluded", "build dependencies are not in the executable")
        XCTAssertEqual(try component("crate:flate2@1.0.25")["scope"], "required")

        let zlib = try component("deb:zlib@1:1.2.13.dfsg-1")
        XCTAssertEqual(zlib["purl"], "pkg:deb/debian/zlib@1:1.2.13.dfsg-1?arch=source")
        let zlibPatches = try XCTUnwrap(zlib["pedigree"]?["patches"]?.arrayValue)
        XCTAssertEqual(zlibPatches.map { $0["type"] }, ["unofficial", "backport"])
        XCTAssertEqual(zlibPatches[1]["diff"]?["url"],
                       "https://sources.debian.org/src/zlib/1:1.2.13.dfsg-1/debian/patches/CVE-2022-37434.patch/")
        XCTAssertEqual(zlibPatches[1]["resolves"]?.arrayValue?.map { $0["id"] }, ["CVE-2022-37434"])
        XCTAssertEqual(try component("deb:mimalloc@2.0.9+ds-2")["purl"], "pkg:deb/debian/mimalloc@2.0.9%2Bds-2?arch=source&distro=bookworm")

        let musl = try component("libc:musl@1.2.5")
        XCTAssertEqual(musl["cpe"], "cpe:2.3:a:musl-libc:musl:1.2.5:*:*:*:*:*:*:*")
        let muslPurl = try XCTUnwrap(musl["purl"]?.stringValue)
        XCTAssertTrue(muslPurl.hasPrefix("pkg:generic/musl@1.2.5?download_url="), muslPurl)
        let muslPatches = try XCTUnwrap(musl["pedigree"]?["patches"]?.arrayValue)
        XCTAssertEqual(muslPatches.count, 3)
        for patch in muslPatches {
            let url = try XCTUnwrap(patch["diff"]?["url"]?.stringValue, "\(patch)")
            XCTAssertTrue(url.hasPrefix("https://git.musl-libc.org/cgit/musl/commit/?id="), url)
        }
        let std = try component("rust-std@1.96.0")
        XCTAssertEqual(std["purl"], "pkg:deb/debian/rustc-web@1.96.0%2Bdfsg1-1~deb12u1?arch=source")

        let vulns = try XCTUnwrap(doc["vulnerabilities"]?.arrayValue)
        XCTAssertEqual(vulns.map { $0["id"] }, ["CVE-2022-37434", "CVE-2025-26519"])
        XCTAssertEqual(vulns.map { $0["analysis"]?["state"] }, ["resolved_with_pedigree", "resolved_with_pedigree"])
        XCTAssertEqual(vulns[1]["affects"]?.arrayValue?.first?["ref"], "libc:musl@1.2.5")
    }

    func testDependencyGraph() throws {
        let doc = try Self.parsed(SBOM.render(Self.inventory()))
        let deps = try XCTUnwrap(doc["dependencies"]?.arrayValue)
        let graph = Dictionary(uniqueKeysWithValues: try deps.map { dep -> (String, [String]) in
            let ref = try XCTUnwrap(dep["ref"]?.stringValue, "\(dep)")
            guard let on = dep["dependsOn"] else { return (ref, []) }  // a leaf: CycloneDX leaves dependsOn out
            return (ref, try XCTUnwrap(on.arrayValue, "\(dep)").map { try XCTUnwrap($0.stringValue, "\(dep)") })
        })
        XCTAssertEqual(graph["executable:app"], ["crate:app@0.1.0", "deb:mimalloc@2.0.9+ds-2", "libc:musl@1.2.5", "rust-std@1.96.0"],
                       "zlib is linked through libz-sys, the allocator by the executable itself")
        XCTAssertEqual(graph["crate:libz-sys@1.1.8"], ["crate:cc@1.0.83", "deb:zlib@1:1.2.13.dfsg-1"])
        XCTAssertEqual(graph["crate:flate2@1.0.25"], ["crate:cfg-if@1.0.0", "crate:libz-sys@1.1.8"])
        XCTAssertEqual(graph["rust-std@1.96.0"], ["libc:musl@1.2.5"])
        XCTAssertEqual(graph["libc:musl@1.2.5"], [], "a leaf is declared with no dependencies")
        let components = try XCTUnwrap(doc["components"]?.arrayValue).map { try XCTUnwrap($0["bom-ref"]?.stringValue, "\($0)") }
        XCTAssertEqual(Set(graph.keys), Set(components + ["executable:app"]), "every component is in the graph")
    }

    /// musl-gcc: Debian's musl, its own malloc, no C library.
    static func muslGccInventory() -> SBOMInventory {
        var inv = inventory()
        inv.libc = LibcIdentity(version: "1.2.3", bundler: .debian, bundlerVersion: "1.2.3-1", debianSource: "musl", patches: [], evidence: [])
        inv.allocator = "musl"
        inv.cLibraries = []
        inv.tools = [.init(name: "gcc", version: "12.2.0"), .init(name: "rustc", version: "1.96.0"), .init(name: "cargo-static", version: "0.1.0")]
        return inv
    }

    func testMuslGccInventoryUsesDebiansPackage() throws {
        let doc = try Self.parsed(SBOM.render(Self.muslGccInventory()))
        let musl = try XCTUnwrap(doc["components"]?.arrayValue?.first { $0["bom-ref"] == "libc:musl@1.2.3" })
        XCTAssertEqual(musl["purl"], "pkg:deb/debian/musl@1.2.3-1?arch=source")
        XCTAssertNil(doc["vulnerabilities"], "nothing is claimed fixed without a patch")
        let roles = try XCTUnwrap(musl["properties"]?.arrayValue, "\(musl)").first { $0["name"] == "cargo-static:role" }?["value"]
        XCTAssertEqual(roles, "libc, allocator")
    }

    /// One reading of SOURCE_DATE_EPOCH for every command: a bad value is an error, never ignored.
    func testSourceDateEpoch() throws {
        func epoch(_ value: String?) throws -> Int? { try Context(variables: ["SOURCE_DATE_EPOCH": value].compactMapValues { $0 }, directory: "/").sourceDateEpoch() }
        XCTAssertEqual(try epoch("1700000000"), 1_700_000_000)
        XCTAssertNil(try epoch(nil))
        XCTAssertNil(try epoch(""))
        XCTAssertThrowsError(try epoch("yesterday"))
        XCTAssertThrowsError(try epoch("-5"))
    }

    // MARK: - verify --sbom

    /// Writing the same document again leaves the file as it was; any difference rewrites it.
    func testUnchangedDocumentIsNotRewritten() throws {
        let dir = try DepTestSupport.tempDirectory("sbomwrite")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sbom = dir + "/app" + SBOM.fileSuffix
        try SBOM.write(Self.inventory(), to: sbom)
        let old = Date(timeIntervalSince1970: 1_000_000_000)
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: sbom)
        try SBOM.write(Self.inventory(), to: sbom)
        XCTAssertEqual(FileSystem.status(sbom)?.modified, old, "the same bytes: not rewritten")
        try SBOM.write(Self.inventory(sha256: String(repeating: "cd", count: 32)), to: sbom)
        XCTAssertNotEqual(FileSystem.status(sbom)?.modified, old)
        XCTAssertEqual(FileManager.default.contents(atPath: sbom), Data(SBOM.render(Self.inventory(sha256: String(repeating: "cd", count: 32))).utf8))
        // Damaged (truncated) on disk: rewritten whole.
        try Data("{".utf8).write(to: URL(fileURLWithPath: sbom))
        try SBOM.write(Self.inventory(), to: sbom)
        XCTAssertEqual(FileManager.default.contents(atPath: sbom), Data(SBOM.render(Self.inventory()).utf8))
    }

    func testCheckMatchesOnlyTheDescribedFile() throws {
        let dir = try DepTestSupport.tempDirectory("sbomcheck")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let exe = dir + "/app"
        try Data("an executable".utf8).write(to: URL(fileURLWithPath: exe))
        let sbom = exe + SBOM.fileSuffix
        try SBOM.write(Self.inventory(sha256: try SHA256.hex(file: exe)), to: sbom)
        let check = try SBOMCheck.check(sbom: sbom, executable: exe)
        XCTAssertTrue(check.matches)
        XCTAssertEqual(check.describes, "app")
        XCTAssertTrue(check.std?.hasPrefix("The Rust standard library (core, alloc, std) 1.96.0, ") == true, "\(check)")

        try Data("an executable, rebuilt".utf8).write(to: URL(fileURLWithPath: exe))
        let stale = try SBOMCheck.check(sbom: sbom, executable: exe)
        XCTAssertFalse(stale.matches)
        XCTAssertTrue(stale.mismatch(executable: exe).contains(stale.actualSHA256))

        try DepTestSupport.write(dir + "/other.json", #"{"spdxVersion":"SPDX-2.3"}"#)
        XCTAssertThrowsError(try SBOMCheck.check(sbom: dir + "/other.json", executable: exe)) { XCTAssertTrue("\($0)".contains("not a CycloneDX"), "\($0)") }
        try DepTestSupport.write(dir + "/nohash.json", #"{"bomFormat":"CycloneDX","metadata":{"component":{"name":"x"}}}"#)
        XCTAssertThrowsError(try SBOMCheck.check(sbom: dir + "/nohash.json", executable: exe)) { XCTAssertTrue("\($0)".contains("no SHA-256"), "\($0)") }
    }

    // MARK: - Helpers

    static func parsed(_ text: String) throws -> JSONValue { try decode(JSONValue.self, from: text) }
}

/// cyclonedx-python-lib's strict JSON validator for CycloneDX 1.6, run once for several
/// documents (its import takes seconds). Skips only when the library cannot be imported.
enum CycloneDXValidator {
    static func validate(_ documents: [String: String]) throws -> [String: String] {
        let dir = try DepTestSupport.tempDirectory("cdx")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var args: [String] = []
        for (name, text) in documents {
            try DepTestSupport.write("\(dir)/\(name).json", text)
            args += [name, "\(dir)/\(name).json"]
        }
        let script = """
            import sys
            try:
                from cyclonedx.validation.json import JsonStrictValidator
                from cyclonedx.schema import SchemaVersion
            except ImportError as e:
                print("cannot import cyclonedx-python-lib:", e); sys.exit(3)
            validator = JsonStrictValidator(SchemaVersion.V1_6)
            args = sys.argv[1:]
            for name, path in zip(args[::2], args[1::2]):
                error = validator.validate_str(open(path).read())
                print(name + "\\t" + ("valid" if error is None else str(error).replace("\\n", " ")[:300]))
            """
        let result = try Runner().capture(Command("python3", ["-c", script] + args))
        if result.status == 3 {
            throw XCTSkip("cyclonedx-python-lib is not importable (scripts/setup installs it: python3 -m pip install 'cyclonedx-python-lib[json-validation]'): \(result.output)")
        }
        guard result.succeeded else { throw DepInfoError("the CycloneDX validator failed:\n\(result.output)") }
        var out: [String: String] = [:]
        for line in result.output.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            if parts.count == 2 { out[String(parts[0])] = String(parts[1]) }
        }
        return out
    }
}

/// The std component says it was compiled by cargo-static from rust-src: which package,
/// which version, which recipe; "prebuilt" only for a prebuilt std.
final class StdProvenanceTests: XCTestCase {
    private func stdDescription(_ provenance: StdProvenance?) throws -> String {
        var inventory = SBOMTests.inventory()
        inventory.std = .init(version: "1.96.0", profile: "default", provenance: provenance)
        let components = try XCTUnwrap(try decode(JSONValue.self, from: SBOM.render(inventory))["components"]?.arrayValue)
        let std = try XCTUnwrap(components.first { $0["name"] == "std" }, "no std component")
        return try XCTUnwrap(std["description"]?.stringValue, "\(std)")
    }

    func testCompiledStdNamesItsSourcePackageAndRecipe() throws {
        let text = try stdDescription(StdProvenance(compiled: true, package: "Debian's rust-web-src", version: "1.96.0+dfsg1-1", recipe: "sha256:abc"))
        XCTAssertTrue(text.contains("compiled by cargo-static from rust-src (package: Debian's rust-web-src 1.96.0+dfsg1-1), std recipe sha256:abc"), text)
        let unknown = try stdDescription(StdProvenance(compiled: true, package: nil, version: nil, recipe: "sha256:abc"))
        XCTAssertTrue(unknown.contains("package: unknown"), unknown)
        XCTAssertFalse(unknown.contains("prebuilt"), unknown)
        XCTAssertTrue(try stdDescription(.prebuilt).contains("prebuilt by the Rust project"))
    }

    /// Debian's rust-src is reached through a link (/usr/lib/rustlib/src/rust): its owner is
    /// still found, and a tree no package owns is "unknown", never "prebuilt".
    func testThePlannerFindsTheOwnerThroughLinks() throws {
        let probes = ProbeCache(file: NSTemporaryDirectory() + "cs-probes-\(UUID().uuidString).json")
        let planner = InventoryPlanner(runner: Runner(), probes: probes)
        let loose = NSTemporaryDirectory() + "cs-rust-src-\(UUID().uuidString)/library"
        let found = planner.stdProvenance(.fromSource(library: loose), release: "1.96.0", recipe: "sha256:1")
        XCTAssertEqual(found, StdProvenance(compiled: true, package: nil, version: nil, recipe: "sha256:1"))
        let debian = "/usr/lib/rustlib/src/rust/library"
        guard FileManager.default.fileExists(atPath: debian + "/std/Cargo.toml") else { throw XCTSkip("rust-web-src is not installed") }
        let owned = planner.stdProvenance(.fromSource(library: debian), release: "1.96.0", recipe: nil)
        XCTAssertEqual(owned.package, "Debian's rust-web-src", "\(owned)")
        XCTAssertNotNil(owned.version)
    }
}
