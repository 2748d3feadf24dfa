import XCTest
@testable import CargoStaticCore
import Digest

final class OCIImageTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = try scratchDirectory("oci")
    }

    // MARK: helpers

    private func file(_ name: String, _ text: String) throws -> String {
        let path = dir + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func json(_ path: String) throws -> JSONValue { try decode(JSONValue.self, fromFile: path) }

    private func blob(_ layout: String, _ digest: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: layout + "/blobs/sha256/" + digest.dropFirst("sha256:".count)))
    }

    private func blobJSON(_ layout: String, _ digest: String) throws -> JSONValue { try decode(JSONValue.self, from: blob(layout, digest)) }

    private func blobJSON(_ layout: String, _ descriptor: JSONValue?) throws -> JSONValue { try blobJSON(layout, try digest(descriptor)) }

    /// The digest a descriptor names; a descriptor without one fails the test.
    private func digest(_ descriptor: JSONValue?) throws -> String { try XCTUnwrap(descriptor?["digest"]?.stringValue, "\(String(describing: descriptor))") }

    private func array(_ value: JSONValue?) throws -> [JSONValue] { try XCTUnwrap(value?.arrayValue, "not an array: \(String(describing: value))") }

    private func settings(epoch: Int64 = 1_700_000_000, ca: String? = nil) throws -> ImageSettings {
        ImageSettings(entrypoint: "app", reference: try ImageReference("example/app:1.2.3"),
                      labels: ["org.opencontainers.image.version": "1.2.3"], sourceDateEpoch: epoch,
                      caBundle: ca ?? dir + "/no-bundle")
    }

    private func write(_ inputs: [ImagePlatformInput], settings: ImageSettings, into name: String = "out") throws -> OCIImageResult {
        try FileManager.default.createDirectory(atPath: dir + "/" + name, withIntermediateDirectories: true)
        return try OCIImageWriter(settings: settings).write(inputs, layout: dir + "/\(name)/oci", archive: dir + "/\(name)/image.tar")
    }

    private func appInput(target: String = "x86_64-unknown-linux-musl", ca: Bool = false, sbom: String? = nil) throws -> ImagePlatformInput {
        ImagePlatformInput(target: target, executables: [.init(name: "app", path: try file("app-\(target)", "binary for \(target)")),
                                                         .init(name: "helper", path: try file("helper-\(target)", "helper"))],
                           sbom: sbom, caCertificates: ca)
    }

    // MARK: platforms, names, JSON

    /// `--tag demo`: index.json names it `demo` (what `skopeo inspect oci:DIR:demo` matches)
    /// and `demo:latest` (what earlier versions wrote), both the same manifest.
    func testReferenceNameIsTheTagAsWritten() throws {
        var named = try settings()
        named.reference = try ImageReference("demo")
        named.referenceName = "demo"
        let image = try write([try appInput()], settings: named)
        let entries = try array(try json(image.layout + "/index.json")["manifests"])
        XCTAssertEqual(entries.map { $0["annotations"]?["org.opencontainers.image.ref.name"] }, ["demo", "demo:latest"])
        XCTAssertEqual(Set(try entries.map(digest)), [image.digest])
        // A full name written with its tag is one entry.
        var full = try settings()
        full.referenceName = "example/app:1.2.3"
        let one = try write([try appInput()], settings: full, into: "full")
        XCTAssertEqual(try array(try json(one.layout + "/index.json")["manifests"]).count, 1)
    }

    /// SOURCE_DATE_EPOCH, else the last commit, else the manifest's time: never 1970.
    func testImageDate() throws {
        let project = dir + "/project"
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        let manifest = project + "/Cargo.toml"
        try "[package]\nname = \"p\"\n".write(toFile: manifest, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_600_000_000)], ofItemAtPath: manifest)
        let runner = Runner(context: Context.process.with(["GIT_CEILING_DIRECTORIES": dir]))
        XCTAssertEqual(ImageDate.resolve(given: 1_700_000_000, manifest: manifest, runner: runner).0, 1_700_000_000)
        XCTAssertEqual(ImageDate.resolve(given: nil, manifest: manifest, runner: runner).0, 1_600_000_000)
        guard runner.which("git") != nil else { return }
        let git = ["-C", project, "-c", "user.name=t", "-c", "user.email=t@example.org"]
        for args in [["init", "-q"], ["add", "Cargo.toml"], ["commit", "-q", "-m", "m"]] {
            XCTAssertTrue(try runner.capture(Command("git", git + args, environment: ["GIT_COMMITTER_DATE": "@1650000000 +0000"])).succeeded)
        }
        XCTAssertEqual(ImageDate.resolve(given: nil, manifest: manifest, runner: runner).0, 1_650_000_000)
    }

    func testPlatformsOfTargetTriples() throws {
        let expected: [(String, String)] = [
            ("x86_64-unknown-linux-musl", "linux/amd64"),
            ("aarch64-unknown-linux-musl", "linux/arm64/v8"),
            ("armv7-unknown-linux-musleabihf", "linux/arm/v7"),
            ("arm-unknown-linux-musleabihf", "linux/arm/v6"),
            ("armv5te-unknown-linux-musleabi", "linux/arm/v5"),
            ("i686-unknown-linux-musl", "linux/386"),
            ("i586-unknown-linux-musl", "linux/386"),
            ("riscv64gc-unknown-linux-musl", "linux/riscv64"),
            ("s390x-unknown-linux-musl", "linux/s390x"),
            ("powerpc64-unknown-linux-musl", "linux/ppc64"),
            ("powerpc64le-unknown-linux-musl", "linux/ppc64le"),
            ("loongarch64-unknown-linux-musl", "linux/loong64"),
            ("mips64el-unknown-linux-muslabi64", "linux/mips64le"),
        ]
        for (triple, platform) in expected {
            XCTAssertEqual(try OCIPlatform.forTriple(triple).description, platform, triple)
        }
        XCTAssertEqual(try OCIPlatform.forTriple("armv7-unknown-linux-musleabihf").json, .object(["os": .string("linux"), "architecture": .string("arm"), "variant": .string("v7")]))
        XCTAssertThrowsError(try OCIPlatform.forTriple("x86_64-pc-windows-msvc"))
        XCTAssertThrowsError(try OCIPlatform.forTriple("sparc64-unknown-linux-gnu"))
    }

    func testImageReferences() throws {
        XCTAssertEqual(try ImageReference("hello").description, "hello:latest")
        XCTAssertEqual(try ImageReference("hello").fullyQualified, "docker.io/library/hello:latest")
        XCTAssertEqual(try ImageReference("acme/hello:1.0").fullyQualified, "docker.io/acme/hello:1.0")
        XCTAssertEqual(try ImageReference("ghcr.io/acme/hello:v1").fullyQualified, "ghcr.io/acme/hello:v1")
        let local = try ImageReference("localhost:5000/hello")
        XCTAssertEqual(local.repository, "localhost:5000/hello")
        XCTAssertEqual(local.tag, "latest")
        XCTAssertEqual(local.fullyQualified, "localhost:5000/hello:latest")
        for bad in ["Hello:1", "hello:", "hello:-x", "hello@sha256:abc", "a//b", ":tag", "hello:tag:x"] {
            XCTAssertThrowsError(try ImageReference(bad), bad) { error in
                XCTAssertTrue("\(error)".contains("--tag"), "\(error)")
            }
        }
    }

    func testCanonicalJSONSortsKeysAndEscapesOnlyWhatJSONNeeds() throws {
        let value = JSONValue.object(["b": .int(-3), "a": .array([.bool(true), .string("x/y \"q\" \\ \n\u{01} é")]), "B": .object([:])])
        XCTAssertEqual(value.serialized, #"{"B":{},"a":[true,"x/y \"q\" \\ \n\u0001 é"],"b":-3}"#)
        XCTAssertEqual(try decode(JSONValue.self, from: value.data), value, "what it writes reads back as the same value")
        // Null and fractions (cargo's package metadata may hold them) stay what they are.
        XCTAssertEqual(try decode(JSONValue.self, from: #"{"a":null}"#), .object(["a": .null]))
        XCTAssertEqual(try decode(JSONValue.self, from: "[1.5]"), .array([.double(1.5)]))
        XCTAssertEqual(JSONValue.array([.double(1.5), .null]).serialized, "[1.5,null]")
        XCTAssertEqual(try decode(JSONValue.self, from: "[1,true,\"1\"]"), [1, true, "1"])
    }

    func testCreatedIsRFC3339UTC() {
        XCTAssertEqual(ImageSettings.rfc3339(0), "1970-01-01T00:00:00Z")
        XCTAssertEqual(ImageSettings.rfc3339(1_700_000_000), "2023-11-14T22:13:20Z")
        XCTAssertEqual(ImageSettings.rfc3339(951_782_400), "2000-02-29T00:00:00Z")
    }

    // MARK: the layout

    /// Every structural rule of the image layout and image spec that the tools rely on.
    func testSinglePlatformLayout() throws {
        let image = try write([try appInput()], settings: try settings())
        let layout = image.layout
        XCTAssertEqual(try String(contentsOfFile: layout + "/oci-layout", encoding: .utf8), #"{"imageLayoutVersion":"1.0.0"}"#)
        // Every blob is named by its digest.
        for name in try FileManager.default.contentsOfDirectory(atPath: layout + "/blobs/sha256") {
            XCTAssertEqual(SHA256.hex(try blob(layout, "sha256:" + name)), name)
        }
        let index = try json(layout + "/index.json")
        XCTAssertEqual(index["schemaVersion"], 2)
        XCTAssertEqual(index["mediaType"], .string(OCIMediaType.index))
        let entries = try array(index["manifests"])
        XCTAssertEqual(entries.count, 1)
        let top = entries[0]
        XCTAssertEqual(top["mediaType"], .string(OCIMediaType.manifest))
        XCTAssertEqual(top["digest"], .string(image.digest))
        XCTAssertEqual(top["size"], .int(try blob(layout, image.digest).count))
        XCTAssertEqual(top["platform"], ["os": "linux", "architecture": "amd64"])
        XCTAssertEqual(top["annotations"], ["org.opencontainers.image.ref.name": "example/app:1.2.3",
                                            "io.containerd.image.name": "docker.io/example/app:1.2.3"])

        let manifest = try blobJSON(layout, image.digest)
        XCTAssertEqual(manifest["schemaVersion"], 2)
        XCTAssertEqual(manifest["mediaType"], .string(OCIMediaType.manifest))
        let configRef = try XCTUnwrap(manifest["config"])
        XCTAssertEqual(configRef["mediaType"], .string(OCIMediaType.config))
        let layers = try array(manifest["layers"])
        XCTAssertEqual(layers.map { $0["mediaType"] }, [.string(OCIMediaType.layer), .string(OCIMediaType.layer)])
        for ref in layers + [configRef] {
            XCTAssertEqual(ref["size"], .int(try blob(layout, try digest(ref)).count))
        }

        let config = try blobJSON(layout, configRef)
        XCTAssertEqual(config["architecture"], "amd64")
        XCTAssertEqual(config["os"], "linux")
        XCTAssertNil(config["variant"])
        XCTAssertEqual(config["created"], "2023-11-14T22:13:20Z")
        let rootfs = try XCTUnwrap(config["rootfs"])
        XCTAssertEqual(rootfs["type"], "layers")
        // Uncompressed layers: each diff_id is the layer's own digest.
        XCTAssertEqual(rootfs["diff_ids"], .strings(try layers.map(digest)))
        let history = try array(config["history"])
        XCTAssertEqual(history.count, layers.count)
        XCTAssertEqual(history.map { $0["created"] }, Array(repeating: "2023-11-14T22:13:20Z", count: layers.count))
        XCTAssertTrue(history.allSatisfy { $0["empty_layer"] == nil })
        let run = try XCTUnwrap(config["config"])
        XCTAssertEqual(run["User"], "65532:65532")
        XCTAssertEqual(run["Entrypoint"], ["/usr/local/bin/app"])
        XCTAssertEqual(run["WorkingDir"], "/")
        XCTAssertEqual(run["Env"], ["PATH=/usr/local/bin"])
        XCTAssertEqual(run["Labels"], ["org.opencontainers.image.version": "1.2.3",
                                       "org.opencontainers.image.created": "2023-11-14T22:13:20Z"])

        // The files: exactly these, owned by root, with these modes and contents.
        let base = TarReader.members(try blob(layout, try digest(layers[0])))
        XCTAssertEqual(base.map(\.name), ["etc/", "etc/group", "etc/passwd", "tmp/"])
        XCTAssertEqual(base.map(\.mode), [0o755, 0o644, 0o644, 0o1777])
        XCTAssertEqual(String(decoding: base[2].content, as: UTF8.self),
                       "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin\n")
        XCTAssertEqual(String(decoding: base[1].content, as: UTF8.self), "root:x:0:\nnonroot:x:65532:\n")
        let app = TarReader.members(try blob(layout, try digest(layers[1])))
        XCTAssertEqual(app.map(\.name), ["usr/", "usr/local/", "usr/local/bin/", "usr/local/bin/app", "usr/local/bin/helper"])
        XCTAssertEqual(app[3].mode, 0o755)
        XCTAssertEqual(app[3].content, Data("binary for x86_64-unknown-linux-musl".utf8))
        XCTAssertTrue((base + app).allSatisfy { $0.uid == 0 && $0.gid == 0 && $0.mtime == 1_700_000_000 && $0.checksumOK })

        XCTAssertEqual(image.platforms.map(\.platform), ["linux/amd64"])
        XCTAssertEqual(image.platforms[0].layers, try layers.map(digest))
    }

    /// docker's manifest.json beside the OCI files, and the archive holding exactly the layout.
    func testArchiveIsTheLayoutPlusDockersManifest() throws {
        let image = try write([try appInput()], settings: try settings())
        let docker = try array(try json(image.layout + "/manifest.json"))
        XCTAssertEqual(docker.count, 1)
        XCTAssertEqual(docker[0]["RepoTags"], ["docker.io/example/app:1.2.3"])
        XCTAssertEqual(docker[0]["Config"], .string("blobs/sha256/" + image.platforms[0].config.dropFirst(7)))
        XCTAssertEqual(docker[0]["Layers"], .strings(image.platforms[0].layers.map { "blobs/sha256/" + $0.dropFirst(7) }))

        let members = TarReader.members(try Data(contentsOf: URL(fileURLWithPath: image.archive)))
        let files = members.filter { $0.type == "0" }
        var expected = ["index.json", "manifest.json", "oci-layout"]
        expected += try FileManager.default.contentsOfDirectory(atPath: image.layout + "/blobs/sha256").map { "blobs/sha256/" + $0 }
        XCTAssertEqual(Set(files.map(\.name)), Set(expected))
        XCTAssertEqual(members.map(\.name), members.map(\.name).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        for f in files {
            XCTAssertEqual(f.content, try Data(contentsOf: URL(fileURLWithPath: image.layout + "/" + f.name)), f.name)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: image.layout + ".partial"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: image.archive + ".partial"))
    }

    func testSameInputGivesTheSameDigestsAndBytes() throws {
        let inputs = [try appInput(), try appInput(target: "aarch64-unknown-linux-musl")]
        let one = try write(inputs, settings: try settings(), into: "one")
        let two = try write(inputs.reversed().reversed(), settings: try settings(), into: "two")
        XCTAssertEqual(one.digest, two.digest)
        XCTAssertEqual(one.platforms, two.platforms)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: one.archive)), try Data(contentsOf: URL(fileURLWithPath: two.archive)))
        // Writing again over the same directory replaces it with the same content.
        let again = try write(inputs, settings: try settings(), into: "one")
        XCTAssertEqual(again.digest, one.digest)
        // Another epoch is another image; the base layer alone is shared by programs of the same epoch.
        let later = try write(inputs, settings: try settings(epoch: 1_700_000_001), into: "three")
        XCTAssertNotEqual(later.digest, one.digest)
        XCTAssertNotEqual(later.platforms[0].layers, one.platforms[0].layers)
        XCTAssertEqual(one.platforms[0].layers[0], one.platforms[1].layers[0])
    }

    func testCABundleAndSSLCertFileOnlyWhenAsked() throws {
        let bundle = try file("bundle.crt", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
        let image = try write([try appInput(ca: true)], settings: try settings(ca: bundle))
        let manifest = try blobJSON(image.layout, image.digest)
        let base = TarReader.members(try blob(image.layout, try digest(try array(manifest["layers"]).first)))
        XCTAssertEqual(base.map(\.name), ["etc/", "etc/group", "etc/passwd", "etc/ssl/", "etc/ssl/certs/", "etc/ssl/certs/ca-certificates.crt", "tmp/"])
        XCTAssertEqual(base[5].content, try Data(contentsOf: URL(fileURLWithPath: bundle)))
        XCTAssertEqual(base[5].mode, 0o644)
        let config = try blobJSON(image.layout, manifest["config"])
        XCTAssertEqual(config["config"]?["Env"], ["PATH=/usr/local/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"])
        XCTAssertTrue(image.platforms[0].caCertificates)
        // Asked for, but the host has no bundle: the error says how to get one.
        XCTAssertThrowsError(try write([try appInput(ca: true)], settings: try settings(), into: "missing")) { error in
            XCTAssertTrue("\(error)".contains("apt-get install ca-certificates"), "\(error)")
        }
    }

    func testSeveralTargetsGiveOneIndexWithPlatforms() throws {
        let targets = ["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl", "armv7-unknown-linux-musleabihf",
                       "i686-unknown-linux-musl", "riscv64gc-unknown-linux-musl", "s390x-unknown-linux-musl"]
        let image = try write(try targets.map { try appInput(target: $0) }, settings: try settings())
        XCTAssertEqual(image.mediaType, OCIMediaType.index)
        let top = try array(try json(image.layout + "/index.json")["manifests"])
        XCTAssertEqual(top.count, 1)
        XCTAssertEqual(top[0]["mediaType"], .string(OCIMediaType.index))
        XCTAssertEqual(top[0]["annotations"]?["org.opencontainers.image.ref.name"], "example/app:1.2.3")
        XCTAssertNil(top[0]["platform"])
        let nested = try blobJSON(image.layout, image.digest)
        XCTAssertEqual(nested["mediaType"], .string(OCIMediaType.index))
        let entries = try array(nested["manifests"])
        let platforms = entries.map { $0["platform"] }
        XCTAssertEqual(platforms, [
            ["os": "linux", "architecture": "amd64"], ["os": "linux", "architecture": "arm64", "variant": "v8"],
            ["os": "linux", "architecture": "arm", "variant": "v7"], ["os": "linux", "architecture": "386"],
            ["os": "linux", "architecture": "riscv64"], ["os": "linux", "architecture": "s390x"],
        ])
        // Each platform's config says the same platform, and its layer holds that target's executable.
        for (entry, target) in zip(entries, targets) {
            let manifest = try blobJSON(image.layout, entry)
            let config = try blobJSON(image.layout, manifest["config"])
            let platform = try XCTUnwrap(entry["platform"])
            XCTAssertEqual(config["architecture"], try XCTUnwrap(platform["architecture"]))
            XCTAssertEqual(config["variant"], platform["variant"])
            let layers = try array(manifest["layers"])
            XCTAssertEqual(layers.count, 2)
            let app = TarReader.members(try blob(image.layout, try digest(layers.last)))
            XCTAssertEqual(app.first { $0.name == "usr/local/bin/app" }?.content, Data("binary for \(target)".utf8))
        }
        // docker's manifest.json names the first target's image only.
        let docker = try array(try json(image.layout + "/manifest.json"))
        XCTAssertEqual(docker.count, 1)
        XCTAssertEqual(docker.first?["Config"], .string("blobs/sha256/" + image.platforms[0].config.dropFirst(7)))
    }

    /// The SBOM as an OCI 1.1 referrer: artifactType, empty config, the document as its layer,
    /// `subject` = the platform's manifest; listed untagged in index.json.
    func testSBOMIsAttachedAsAReferrer() throws {
        let spdx = try file("app.spdx.json", #"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"app"}"#)
        let image = try write([try appInput(sbom: spdx)], settings: try settings())
        let entries = try array(try json(image.layout + "/index.json")["manifests"])
        XCTAssertEqual(entries.count, 2)
        XCTAssertEqual(try digest(entries[0]), image.digest)
        let referrerEntry = entries[1]
        XCTAssertEqual(referrerEntry["artifactType"], .string(OCIMediaType.spdx))
        XCTAssertNil(referrerEntry["annotations"]?["org.opencontainers.image.ref.name"])
        XCTAssertEqual(try digest(referrerEntry), image.platforms[0].sbomReferrer)

        let referrer = try blobJSON(image.layout, referrerEntry)
        XCTAssertEqual(referrer["mediaType"], .string(OCIMediaType.manifest))
        XCTAssertEqual(referrer["artifactType"], .string(OCIMediaType.spdx))
        let subject = try XCTUnwrap(referrer["subject"])
        XCTAssertEqual(subject["digest"], .string(image.digest))
        XCTAssertEqual(subject["mediaType"], .string(OCIMediaType.manifest))
        XCTAssertEqual(subject["size"], .int(try blob(image.layout, image.digest).count))
        let config = try XCTUnwrap(referrer["config"])
        XCTAssertEqual(config["mediaType"], .string(OCIMediaType.empty))
        XCTAssertEqual(config["digest"], "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
        XCTAssertEqual(try blob(image.layout, try digest(config)), Data("{}".utf8))
        let layers = try array(referrer["layers"])
        XCTAssertEqual(layers.count, 1)
        XCTAssertEqual(layers[0]["mediaType"], .string(OCIMediaType.spdx))
        XCTAssertEqual(try blob(image.layout, try digest(layers[0])), try Data(contentsOf: URL(fileURLWithPath: spdx)))
        XCTAssertEqual(layers[0]["annotations"]?["org.opencontainers.image.title"], "app.spdx.json")
        // Attaching an SBOM leaves the image itself unchanged.
        XCTAssertEqual(image.digest, try write([try appInput()], settings: try settings(), into: "plain").digest)
    }

    func testSBOMFormatsAreRecognised() throws {
        XCTAssertEqual(try OCIImageWriter.sbomMediaType(Data(#"{"spdxVersion":"SPDX-2.3"}"#.utf8), path: "x"), OCIMediaType.spdx)
        XCTAssertEqual(try OCIImageWriter.sbomMediaType(Data(#"{"bomFormat":"CycloneDX","specVersion":"1.5"}"#.utf8), path: "x"),
                       OCIMediaType.cycloneDX)
        XCTAssertThrowsError(try OCIImageWriter.sbomMediaType(Data(#"{"name":"x"}"#.utf8), path: "notes.json")) { error in
            XCTAssertTrue("\(error)".contains("notes.json is neither an SPDX nor a CycloneDX"), "\(error)")
        }
    }

    func testOnePlatformOnce() throws {
        XCTAssertThrowsError(try write([try appInput(target: "i686-unknown-linux-musl"), try appInput(target: "i586-unknown-linux-musl")],
                                       settings: try settings())) { error in
            XCTAssertTrue("\(error)".contains("two targets make the same platform, linux/386"), "\(error)")
        }
    }

    func testEntrypointMustBeOneOfTheExecutables() throws {
        var s = try settings()
        s.entrypoint = "missing"
        XCTAssertThrowsError(try write([try appInput()], settings: s)) { error in
            XCTAssertTrue("\(error)".contains("--entrypoint"), "\(error)")
            XCTAssertTrue("\(error)".contains("app, helper"), "\(error)")
        }
        // Nothing half-written is left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/out"), [])
    }

    /// The image step's run-time choices: the entrypoint among the executables built, its
    /// package's planned name and labels.
    func testImageStepChoosesTheEntrypointFromTheBuiltExecutables() throws {
        let audit = Audit(try ELFFile.read(path: try ELFFixtures.shared.path("musl-static")))
        func exe(_ name: String, package: String, isTest: Bool = false) throws -> BuiltExecutable {
            BuiltExecutable(target: try Target("x86_64-unknown-linux-musl"), path: "/w/target/" + name, package: package + " 0.1.0 (path+file:///w)",
                            packageID: package, name: name, isTest: isTest, audit: audit)
        }
        func step(entrypoint: String? = nil, tag: String? = nil) -> ImageStep {
            ImageStep(entrypoint: entrypoint, tag: tag, output: "/w/target/image", created: 0, createdOrigin: "test", labels: ["extra": "1"],
                      packages: [ImagePackage(name: "app", version: "0.1.0", labels: ["org.opencontainers.image.title": "app"])],
                      caBundle: ImageLayout.hostCABundle, platforms: [])
        }
        let (app, helper, tests) = (try exe("app", package: "app"), try exe("helper", package: "tools"), try exe("app-1234", package: "app", isTest: true))
        XCTAssertEqual(try step().chooseEntrypoint([tests, helper]).name, "helper", "the only program; tests do not count")
        XCTAssertEqual(try step().chooseEntrypoint([helper, app, tests]).name, "app", "the one named like its package")
        XCTAssertEqual(try step(entrypoint: "helper").chooseEntrypoint([helper, app]).name, "helper")
        XCTAssertThrowsError(try step(entrypoint: "missing").chooseEntrypoint([helper, app])) { error in
            XCTAssertTrue("\(error)".contains("it built: helper, app"), "\(error)")
        }
        XCTAssertThrowsError(try step().chooseEntrypoint([helper, try exe("other", package: "tools")])) { error in
            XCTAssertTrue("\(error)".contains("--entrypoint"), "\(error)")
        }
        XCTAssertThrowsError(try step().chooseEntrypoint([tests]))
        // The planned package gives the default name and the labels; --tag and the planned labels win.
        let planned = step().package(of: app)
        XCTAssertEqual(step().name(for: planned), "app:0.1.0")
        XCTAssertEqual(step(tag: "demo").name(for: planned), "demo")
        XCTAssertEqual(step().labels(for: planned), ["org.opencontainers.image.title": "app", "extra": "1"])
        let unplanned = step().package(of: helper)
        XCTAssertEqual(step().name(for: unplanned), "tools:latest")
        XCTAssertEqual(unplanned.labels, ["org.opencontainers.image.title": "tools"])
    }

    // MARK: TLS detection, Cargo.toml facts, options

    /// A resolved graph: app -> client -> rustls (normal), app -> native-tls (dev only),
    /// app -> openssl-src (build only), app -> derive (proc macro) -> openssl.
    private func metadata() -> JSONValue {
        func id(_ n: String) -> JSONValue { .string("registry+x#\(n)@1.0.0") }
        let names = ["client", "rustls", "native-tls", "openssl-src", "derive", "openssl", "ring"]
        var packages: [JSONValue] = names.map { n in
            ["id": id(n), "name": .string(n), "version": "1.0.0",
             "targets": [["kind": n == "derive" ? ["proc-macro"] : ["lib"]]]]
        }
        packages.append(["id": "path+file:///w/app#0.3.0", "name": "app", "version": "0.3.0", "repository": "https://example.org/app",
                         "description": "An app", "license": "MIT", "targets": [["kind": ["bin"]]]])
        func dep(_ n: String, _ kind: JSONValue) -> JSONValue { ["pkg": id(n), "dep_kinds": [["kind": kind, "target": .null]]] }
        let nodes: [JSONValue] = [
            ["id": "path+file:///w/app#0.3.0",
             "deps": [dep("client", .null), dep("native-tls", "dev"), dep("openssl-src", "build"), dep("derive", .null)]],
            ["id": id("client"), "deps": [dep("rustls", .null)]],
            ["id": id("rustls"), "deps": [dep("ring", .null)]],
            ["id": id("derive"), "deps": [dep("openssl", .null)]],
        ]
        return ["packages": .array(packages), "resolve": ["nodes": .array(nodes)], "workspace_members": ["path+file:///w/app#0.3.0"],
                "target_directory": "/w/target"]
    }

    func testRuntimeCratesFollowOnlyNormalDependenciesOutsideProcMacros() {
        XCTAssertEqual(TLSDetection.runtimeCrates(metadata: .testing(metadata()), roots: ["app"]), ["client", "ring", "rustls"])
        XCTAssertEqual(TLSDetection.runtimeCrates(metadata: .testing(metadata()), roots: ["other"]), [])
    }

    func testTLSRule() {
        let rustls = TLSDetection.decide(crates: ["client", "ring", "rustls"], nativeLibraries: [], override: nil)
        XCTAssertTrue(rustls.needsCertificates)
        XCTAssertEqual(rustls.reason, "does TLS: crate rustls")
        let openssl = TLSDetection.decide(crates: [], nativeLibraries: ["zlib", "openssl"], override: nil)
        XCTAssertTrue(openssl.needsCertificates)
        XCTAssertEqual(openssl.reason, "does TLS: C library openssl")
        XCTAssertFalse(TLSDetection.decide(crates: ["ring", "sha2", "flate2"], nativeLibraries: ["zlib"], override: nil).needsCertificates)
        XCTAssertFalse(TLSDetection.decide(crates: ["rustls"], nativeLibraries: [], override: false).needsCertificates)
        XCTAssertEqual(TLSDetection.decide(crates: [], nativeLibraries: [], override: true),
                       .init(needsCertificates: true, reason: "--ca-certificates"))
        // Through the graph: the dev-only native-tls and the proc macro's openssl do not count.
        XCTAssertFalse(TLSDetection.decide(crates: TLSDetection.runtimeCrates(metadata: .testing(metadata()), roots: ["app"]).filter { $0 != "rustls" },
                                           nativeLibraries: [], override: nil).needsCertificates)
    }

    func testProjectFactsBecomeLabels() {
        let facts = ProjectFacts(metadata: .testing(metadata()), package: "app")
        XCTAssertEqual(facts.version, "0.3.0")
        XCTAssertEqual(facts.targetDirectory, "/w/target")
        XCTAssertEqual(facts.labels, ["org.opencontainers.image.title": "app", "org.opencontainers.image.version": "0.3.0",
                                      "org.opencontainers.image.source": "https://example.org/app",
                                      "org.opencontainers.image.description": "An app", "org.opencontainers.image.licenses": "MIT"])
    }

    func testLabelAndEpochOptions() throws {
        XCTAssertEqual(try ImageRequest.parseLabels(["a.b=c=d", "e="]), ["a.b": "c=d", "e": ""])
        XCTAssertThrowsError(try ImageRequest.parseLabels(["novalue"]))
        func epoch(_ value: String?) throws -> Int64? {
            try Context(variables: ["SOURCE_DATE_EPOCH": value].compactMapValues { $0 }, directory: "/").sourceDateEpoch().map(Int64.init)
        }
        XCTAssertNil(try epoch(nil))
        XCTAssertNil(try epoch(""))
        XCTAssertEqual(try epoch("1700000000"), 1_700_000_000)
        XCTAssertThrowsError(try epoch("yesterday")) { error in
            XCTAssertTrue("\(error)".contains("SOURCE_DATE_EPOCH"), "\(error)")
        }
    }
}
