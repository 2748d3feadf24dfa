import XCTest
@testable import CargoStaticCore

/// The dependency list built from `cargo metadata`, its JSON and zlib payload, and the
/// reverse, including hostile payloads.
final class DepInfoTests: XCTestCase {
    // MARK: - From cargo metadata (a hand-written graph with every kind of edge)

    /// Every case the kind propagation must handle: a normal dependency of a build
    /// dependency, a proc-macro and its dependencies, dev-only packages and dev edges that
    /// would form a cycle, a crate reached both ways, renamed duplicates, and an unrelated
    /// workspace member.
    static let graph: String = {
        func pkg(_ name: String, _ version: String, _ source: String?, kinds: [String] = ["lib"]) -> String {
            let src = source.map { "\"\($0)\"" } ?? "null"
            return """
            {"id":"\(id(name, version, source))","name":"\(name)","version":"\(version)","source":\(src),
             "manifest_path":"/src/\(name)-\(version)/Cargo.toml","targets":[{"name":"\(name)","kind":\(kinds)}]}
            """
        }
        func node(_ from: String, _ deps: [(String, [String?])]) -> String {
            let list = deps.map { dep, kinds in
                let k = kinds.map { $0.map { "{\"kind\":\"\($0)\",\"target\":null}" } ?? "{\"kind\":null,\"target\":null}" }
                return "{\"name\":\"x\",\"pkg\":\"\(dep)\",\"dep_kinds\":[\(k.joined(separator: ","))]}"
            }
            return "{\"id\":\"\(from)\",\"dependencies\":[],\"deps\":[\(list.joined(separator: ","))],\"features\":[]}"
        }
        let io = "registry+https://github.com/rust-lang/crates.io-index"
        let app = id("app", "0.1.0", nil), a = id("a", "1.0.0", io), shared = id("shared", "1.0.0", io)
        let cc = id("cc", "1.0.0", io), onlyBuild = id("onlybuild", "0.1.0", io)
        let derive = id("derive", "1.0.0", io), syn = id("syn", "2.0.0", io)
        let testlib = id("testlib", "1.0.0", io), other = id("other", "0.1.0", nil)
        let git = id("g", "0.3.0", "git+https://example.org/g.git?rev=abc#abcdef")
        let reg = id("r", "1.0.0", "registry+https://my.registry/index"), sparse = id("s", "1.0.0", "sparse+https://my.registry/")
        let dup9 = id("dup", "0.9.0", io), dup10 = id("dup", "0.10.0", io), dupPre = id("dup", "0.10.0-rc.1", io)
        let both = id("both", "1.0.0", io)
        let packages = [
            pkg("app", "0.1.0", nil, kinds: ["bin"]), pkg("a", "1.0.0", io), pkg("shared", "1.0.0", io), pkg("cc", "1.0.0", io),
            pkg("onlybuild", "0.1.0", io), pkg("derive", "1.0.0", io, kinds: ["proc-macro"]), pkg("syn", "2.0.0", io),
            pkg("testlib", "1.0.0", io), pkg("other", "0.1.0", nil), pkg("g", "0.3.0", "git+https://example.org/g.git?rev=abc#abcdef"),
            pkg("r", "1.0.0", "registry+https://my.registry/index"), pkg("s", "1.0.0", "sparse+https://my.registry/"),
            pkg("dup", "0.10.0", io), pkg("dup", "0.9.0", io), pkg("dup", "0.10.0-rc.1", io), pkg("both", "1.0.0", io),
        ]
        let nodes = [
            node(app, [(a, [nil]), (cc, ["build"]), (derive, [nil]), (testlib, ["dev"]), (git, [nil]), (reg, [nil]),
                       (sparse, [nil]), (dup9, [nil]), (dup10, [nil]), (dup10, [nil]), (both, ["dev", nil])]),
            node(a, [(shared, [nil]), (dupPre, ["build"])]),
            node(shared, [(a, ["dev"])]),                 // a dev edge that would close a cycle
            node(cc, [(shared, [nil]), (onlyBuild, [nil])]),
            node(onlyBuild, []), node(derive, [(syn, [nil])]), node(syn, []),
            node(testlib, [(a, [nil])]), node(other, [(a, [nil])]), node(git, []), node(reg, []), node(sparse, []),
            node(dup9, []), node(dup10, []), node(dupPre, []), node(both, []),
        ]
        return """
        {"packages":[\(packages.joined(separator: ","))],"workspace_members":["\(app)","\(other)"],
         "resolve":{"nodes":[\(nodes.joined(separator: ","))],"root":null},"version":1}
        """
    }()

    static func id(_ name: String, _ version: String, _ source: String?) -> String {
        "\(source ?? "path+file:///src/\(name)")#\(name)@\(version)"
    }

    func testKindsSourcesOrderAndEdgesFollowTheFormat() throws {
        let metadata = try CargoMetadata(json: Data(Self.graph.utf8))
        let info = try DepInfo.from(metadata: metadata, rootPackageID: Self.id("app", "0.1.0", nil))
        let rows = info.packages.map { p in
            "\(p.name) \(p.version) \(p.source) \(p.kind.rawValue)\(p.root ? " root" : "") -> "
                + p.dependencies.map { "\(info.packages[$0].name)@\(info.packages[$0].version)" }.joined(separator: ",")
        }
        XCTAssertEqual(rows, [
            "a 1.0.0 crates.io runtime -> dup@0.10.0-rc.1,shared@1.0.0",
            "app 0.1.0 local runtime root -> a@1.0.0,both@1.0.0,cc@1.0.0,derive@1.0.0,dup@0.9.0,dup@0.10.0,g@0.3.0,r@1.0.0,s@1.0.0",
            "both 1.0.0 crates.io runtime -> ",
            "cc 1.0.0 crates.io build -> onlybuild@0.1.0,shared@1.0.0",
            "derive 1.0.0 crates.io build -> syn@2.0.0",
            "dup 0.9.0 crates.io runtime -> ",
            "dup 0.10.0-rc.1 crates.io build -> ",
            "dup 0.10.0 crates.io runtime -> ",
            "g 0.3.0 git runtime -> ",
            "onlybuild 0.1.0 crates.io build -> ",
            "r 1.0.0 registry runtime -> ",
            "s 1.0.0 registry runtime -> ",
            "shared 1.0.0 crates.io runtime -> ",
            "syn 2.0.0 crates.io build -> ",
        ])
        XCTAssertEqual(info.format, 1)
        XCTAssertEqual(info.root?.name, "app")
        XCTAssertEqual(info.packages.first { $0.name == "g" }?.origin, "git+https://example.org/g.git?rev=abc#abcdef")
        XCTAssertNoThrow(try info.validate())
    }

    func testTheOrderDoesNotDependOnCargosOrder() throws {
        guard case var .object(json) = try decode(JSONValue.self, from: Self.graph), case let .array(packages)? = json["packages"],
              case var .object(resolve)? = json["resolve"], case let .array(nodes)? = resolve["nodes"] else {
            return XCTFail("the graph is not cargo's metadata: \(Self.graph)")
        }
        json["packages"] = .array(packages.reversed())
        resolve["nodes"] = .array(nodes.reversed())
        json["resolve"] = .object(resolve)
        let shuffled = try CargoMetadata(json: JSONValue.object(json).data)
        let root = Self.id("app", "0.1.0", nil)
        XCTAssertEqual(try DepInfo.from(metadata: shuffled, rootPackageID: root).json(),
                       try DepInfo.from(metadata: CargoMetadata(json: Data(Self.graph.utf8)), rootPackageID: root).json())
    }

    func testAnotherRootGivesThatExecutablesOwnList() throws {
        let metadata = try CargoMetadata(json: Data(Self.graph.utf8))
        let info = try DepInfo.from(metadata: metadata, rootPackageID: Self.id("other", "0.1.0", nil))
        XCTAssertEqual(info.packages.map(\.name), ["a", "dup", "other", "shared"])
        XCTAssertEqual(info.root?.name, "other")
        XCTAssertEqual(metadata.packageID(manifestDirectory: "/src/other-0.1.0/"), Self.id("other", "0.1.0", nil))
        XCTAssertNil(metadata.packageID(manifestDirectory: "/src/nothing"))
    }

    func testMetadataWithoutAGraphOrWithAnUnknownRootIsRefused() throws {
        let noDeps = try CargoMetadata(json: Data(#"{"packages":[],"resolve":null}"#.utf8))
        XCTAssertThrowsError(try DepInfo.from(metadata: noDeps, rootPackageID: "x")) { error in
            XCTAssertTrue("\(error)".contains("--no-deps"), "\(error)")
        }
        let metadata = try CargoMetadata(json: Data(Self.graph.utf8))
        XCTAssertThrowsError(try DepInfo.from(metadata: metadata, rootPackageID: "nope")) { error in
            XCTAssertTrue("\(error)".contains("`nope`"), "\(error)")
        }
        XCTAssertThrowsError(try CargoMetadata(json: Data("not json".utf8)))
    }

    // MARK: - JSON, payload, validation

    func testJSONOmitsDefaultsAndRoundTripsThroughThePayload() throws {
        let info = DepInfo(packages: [
            .init(name: "app", version: "0.1.0", source: "local", dependencies: [1, 2], root: true),
            .init(name: "cc", version: "1.0.0", source: "crates.io", kind: .build),
            .init(name: "libc", version: "0.2.150", source: "crates.io"),
        ])
        XCTAssertEqual(String(decoding: try info.json(), as: UTF8.self),
                       #"{"format":1,"packages":[{"dependencies":[1,2],"name":"app","root":true,"source":"local","version":"0.1.0"},"#
                       + #"{"kind":"build","name":"cc","source":"crates.io","version":"1.0.0"},{"name":"libc","source":"crates.io","version":"0.2.150"}]}"#)
        let payload = try info.sectionPayload()
        XCTAssertEqual(payload.prefix(1), Data([0x78]), "a zlib stream starts with CMF 0x78")
        XCTAssertEqual(try DepInfo.parse(sectionPayload: payload), info)
        XCTAssertEqual(try info.sectionPayload(), payload, "the same list compresses to the same bytes")
    }

    func testParseAcceptsWhatCargoAuditableWritesWithoutFormat() throws {
        let json = #"{"packages":[{"name":"adler","version":"0.2.3","source":"registry"}]}"#
        let info = try DepInfo.parse(json: Data(json.utf8))
        XCTAssertEqual(info.format, 0)
        XCTAssertEqual(info.packages, [.init(name: "adler", version: "0.2.3", source: "registry")])
    }

    func testInvalidListsAreRejectedWithTheReason() {
        let cases: [(String, String)] = [
            (#"{"packages":[{"name":"a","version":"1.0.0","source":"local","dependencies":[3]}]}"#, "index 3"),
            (#"{"packages":[{"name":"a","version":"1.0.0","source":"local","root":true},{"name":"b","version":"1.0.0","source":"local","root":true}]}"#, "2 packages are marked as root"),
            (#"{"packages":[{"name":"a","version":"1.0.0","source":"local","dependencies":[1]},{"name":"b","version":"1.0.0","source":"local","dependencies":[0]}]}"#, "cycle"),
            (#"{"packages":[{"name":"a","version":"1.0.0","source":"local","dependencies":[0]}]}"#, "cycle"),
            (#"{"packages":[{"name":"a","source":"local"}]}"#, "version"),
            (#"{"packages":[{"name":"a","version":"1.0.0","source":"local","kind":"dev"}]}"#, "packages"),
        ]
        for (json, reason) in cases {
            XCTAssertThrowsError(try DepInfo.parse(json: Data(json.utf8)), json) { error in
                XCTAssertTrue("\(error)".contains(reason), "\(json): \(error)")
            }
        }
    }

    func testHostilePayloadsEndInErrors() throws {
        let good = try DepInfo(packages: [.init(name: "a", version: "1.0.0", source: "local", root: true)]).sectionPayload()
        XCTAssertThrowsError(try DepInfo.parse(sectionPayload: Data("plain text".utf8)))
        XCTAssertThrowsError(try DepInfo.parse(sectionPayload: good.dropLast(3))) { XCTAssertTrue("\($0)".contains("truncated"), "\($0)") }
        XCTAssertThrowsError(try DepInfo.parse(sectionPayload: good + Data([0]))) { XCTAssertTrue("\($0)".contains("after the end"), "\($0)") }
        XCTAssertThrowsError(try DepInfo.parse(sectionPayload: Data())) 
        // 9 MiB of zeros compresses to a few KiB: the reader stops at 8 MiB.
        let bomb = try Zlib.compress(Data(count: 9 << 20))
        XCTAssertLessThan(bomb.count, 64 << 10)
        XCTAssertThrowsError(try DepInfo.parse(sectionPayload: bomb)) { XCTAssertTrue("\($0)".contains("more than"), "\($0)") }
        XCTAssertEqual(try Zlib.decompress(try Zlib.compress(Data(count: 1 << 20))), Data(count: 1 << 20))
    }

    func testSemanticVersionPrecedence() {
        let ordered = ["0.9.0", "0.10.0-alpha", "0.10.0-alpha.1", "0.10.0-alpha.beta", "0.10.0-beta.2", "0.10.0-beta.11", "0.10.0-rc.1", "0.10.0", "1.0.0+build.5", "1.0.1"]
        for (x, y) in zip(ordered, ordered.dropFirst()) {
            XCTAssertEqual(SemanticVersion.compare(x, y), -1, "\(x) < \(y)")
            XCTAssertEqual(SemanticVersion.compare(y, x), 1, "\(y) > \(x)")
        }
        XCTAssertEqual(SemanticVersion.compare("1.0.0+a", "1.0.0+b"), 0)
    }

    // MARK: - A real project: cargo metadata over Debian's crate registry, checked against the format's schema

    func testRealMetadataAgainstTheFormatsSchema() throws {
        let dir = try DepTestSupport.tempDirectory("depinfo-real")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let registry = "/usr/share/cargo/registry"
        for crate in ["flate2", "cc", "ctor", "diff"] {
            let found = (try? FileManager.default.contentsOfDirectory(atPath: registry))?.contains { $0.hasPrefix(crate + "-") } ?? false
            guard found else { throw XCTSkip("Debian crate \(crate) missing from \(registry) (scripts/setup installs the librust-*-dev packages)") }
        }
        try DepTestSupport.write("\(dir)/Cargo.toml", """
            [package]
            name = "probe"
            version = "0.1.0"
            edition = "2021"
            [dependencies]
            flate2 = "1"
            ctor = "0.1"
            [build-dependencies]
            cc = "1"
            [dev-dependencies]
            diff = "0.1"
            """)
        try DepTestSupport.write("\(dir)/src/main.rs", "fn main() {}\n")
        try DepTestSupport.write("\(dir)/.cargo/config.toml", """
            [source.crates-io]
            replace-with = "debian"
            [source.debian]
            directory = "\(registry)"
            [net]
            offline = true
            """)
        let cargo = FileManager.default.isExecutableFile(atPath: "/usr/bin/cargo") ? "/usr/bin/cargo" : "cargo"
        // A private CARGO_HOME: the directory registry needs none, and cargo's shared package
        // cache lock (held by any concurrent build) is not waited for.
        let result = try Runner().captureStdout(Command(cargo, ["metadata", "--format-version", "1", "--filter-platform", "x86_64-unknown-linux-musl"],
                                                        environment: ["CARGO_HOME": dir + "/cargo-home"], directory: dir))
        XCTAssertEqual(result.status, 0, result.output)
        let metadata = try CargoMetadata(json: Data(result.output.utf8))
        let root = try XCTUnwrap(metadata.packageID(manifestDirectory: dir))
        XCTAssertEqual(root, metadata.resolveRoot)
        let info = try DepInfo.from(metadata: metadata, rootPackageID: root)

        let kinds = Dictionary(info.packages.map { ($0.name, $0.kind) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(kinds["flate2"], .runtime)
        XCTAssertEqual(kinds["cc"], .build)
        XCTAssertEqual(kinds["ctor"], .build, "a proc-macro runs in the compiler")
        XCTAssertEqual(kinds["syn"], .build, "a proc-macro's dependencies are build dependencies")
        XCTAssertNil(kinds["diff"], "dev-dependencies are not in the executable")
        XCTAssertEqual(info.root?.name, "probe")
        XCTAssertEqual(info.root?.source, "local")
        XCTAssertTrue(info.packages.filter { !$0.root }.allSatisfy { $0.source == "crates.io" },
                      "Debian's directory registry replaces crates.io: the crates are crates.io's")

        let json = try info.json()
        try DepTestSupport.validate(json: json, schema: DepTestSupport.depV0Schema)
        // The schema check can fail: a dev kind and a missing version are refused.
        let bad = Data(#"{"format":1,"packages":[{"name":"x","source":"crates.io","kind":"dev"}]}"#.utf8)
        XCTAssertThrowsError(try DepTestSupport.validate(json: bad, schema: DepTestSupport.depV0Schema))
        XCTAssertEqual(try DepInfo.parse(sectionPayload: info.sectionPayload()), info.sectionView)
    }
}

/// Helpers shared by the dependency-list, section and SBOM tests.
enum DepTestSupport {
    static func tempDirectory(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "cs-\(name)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func write(_ path: String, _ text: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Validates with Python's jsonschema (installed with cyclonedx-python-lib by scripts/setup).
    static func validate(json: Data, schema: String) throws {
        let dir = try tempDirectory("schema")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try json.write(to: URL(fileURLWithPath: dir + "/doc.json"))
        try write(dir + "/schema.json", schema)
        let script = """
            import json, sys
            # No format checks are needed here; rfc3987_syntax builds a parser for seconds on import.
            sys.modules["rfc3987_syntax"] = None
            try:
                import jsonschema
            except ImportError:
                print("SKIP: python3 has no jsonschema module"); sys.exit(3)
            jsonschema.Draft7Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))
            """
        let result = try Runner().capture(Command("python3", ["-c", script, dir + "/schema.json", dir + "/doc.json"]))
        if result.status == 3 { throw XCTSkip("python3 has no jsonschema module (scripts/setup installs it)") }
        guard result.succeeded else { throw DepInfoError("schema validation failed:\n\(Runner.tail(result.output, lines: 8))") }
    }

    /// The `.dep-v0` JSON as this project reads cargo-auditable's format: written from the
    /// format's description, strict (no unknown fields) so that a mistake shows.
    static let depV0Schema = """
        {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "required": ["packages"],
          "additionalProperties": false,
          "properties": {
            "format": {"type": "integer", "minimum": 0},
            "packages": {
              "type": "array",
              "items": {
                "type": "object",
                "required": ["name", "version", "source"],
                "additionalProperties": false,
                "properties": {
                  "name": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
                  "version": {"type": "string", "pattern": "^(0|[1-9][0-9]*)\\\\.(0|[1-9][0-9]*)\\\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\\\\+[0-9A-Za-z.-]+)?$"},
                  "source": {"type": "string", "minLength": 1},
                  "kind": {"enum": ["build", "runtime"]},
                  "dependencies": {"type": "array", "items": {"type": "integer", "minimum": 0}, "uniqueItems": true},
                  "root": {"type": "boolean"}
                }
              }
            }
          }
        }
        """
}
