import XCTest
@testable import CargoStaticCore
import Digest

final class OCIImageTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "cs-oci-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    }

    // MARK: helpers

    private func file(_ name: String, _ text: String) throws -> String {
        let path = dir + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
    }

    private func blob(_ layout: String, _ digest: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: layout + "/blobs/sha256/" + digest.dropFirst("sha256:".count)))
    }

    private func blobJSON(_ layout: String, _ digest: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: blob(layout, digest)) as? [String: Any] ?? [:]
    }

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
        let entries = try json(image.layout + "/index.json")["manifests"] as? [[String: Any]] ?? []
        XCTAssertEqual(entries.map { ($0["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"] }, ["demo", "demo:latest"])
        XCTAssertEqual(Set(entries.map { $0["digest"] as? String }), [image.digest])
        // A full name written with its tag is one entry.
        var full = try settings()
        full.referenceName = "example/app:1.2.3"
        let one = try write([try appInput()], settings: full, into: "full")
        XCTAssertEqual((try json(one.layout + "/index.json")["manifests"] as? [[String: Any]] ?? []).count, 1)
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

    func testCanonicalJSONSortsKeysAndEscapesOnlyWhatJSONNeeds() {
        let value = JSONValue.object(["b": .int(-3), "a": .array([.bool(true), .string("x/y \"q\" \\ \n\u{01} é")]), "B": .object([:])])
        XCTAssertEqual(value.serialized, #"{"B":{},"a":[true,"x/y \"q\" \\ \n\u0001 é"],"b":-3}"#)
        let parsed = try? JSONSerialization.jsonObject(with: value.data) as? [String: Any]
        XCTAssertEqual((parsed?["a"] as? [Any])?.last as? String, "x/y \"q\" \\ \n\u{01} é")
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
        XCTAssertEqual(index["schemaVersion"] as? Int, 2)
        XCTAssertEqual(index["mediaType"] as? String, OCIMediaType.index)
        let entries = index["manifests"] as? [[String: Any]] ?? []
        XCTAssertEqual(entries.count, 1)
        let top = entries[0]
        XCTAssertEqual(top["mediaType"] as? String, OCIMediaType.manifest)
        XCTAssertEqual(top["digest"] as? String, image.digest)
        XCTAssertEqual(top["size"] as? Int, try blob(layout, image.digest).count)
        XCTAssertEqual(top["platform"] as? [String: String], ["os": "linux", "architecture": "amd64"])
        XCTAssertEqual(top["annotations"] as? [String: String], ["org.opencontainers.image.ref.name": "example/app:1.2.3",
                                                                 "io.containerd.image.name": "docker.io/example/app:1.2.3"])

        let manifest = try blobJSON(layout, image.digest)
        XCTAssertEqual(manifest["schemaVersion"] as? Int, 2)
        XCTAssertEqual(manifest["mediaType"] as? String, OCIMediaType.manifest)
        let configRef = manifest["config"] as? [String: Any] ?? [:]
        XCTAssertEqual(configRef["mediaType"] as? String, OCIMediaType.config)
        let layers = manifest["layers"] as? [[String: Any]] ?? []
        XCTAssertEqual(layers.map { $0["mediaType"] as? String }, [OCIMediaType.layer, OCIMediaType.layer])
        for ref in layers + [configRef] {
            XCTAssertEqual(ref["size"] as? Int, try blob(layout, ref["digest"] as! String).count)
        }

        let config = try blobJSON(layout, configRef["digest"] as! String)
        XCTAssertEqual(config["architecture"] as? String, "amd64")
        XCTAssertEqual(config["os"] as? String, "linux")
        XCTAssertNil(config["variant"])
        XCTAssertEqual(config["created"] as? String, "2023-11-14T22:13:20Z")
        let rootfs = config["rootfs"] as? [String: Any] ?? [:]
        XCTAssertEqual(rootfs["type"] as? String, "layers")
        // Uncompressed layers: each diff_id is the layer's own digest.
        XCTAssertEqual(rootfs["diff_ids"] as? [String], layers.map { $0["digest"] as! String })
        let history = config["history"] as? [[String: Any]] ?? []
        XCTAssertEqual(history.count, layers.count)
        XCTAssertTrue(history.allSatisfy { $0["created"] as? String == "2023-11-14T22:13:20Z" && $0["empty_layer"] == nil })
        let run = config["config"] as? [String: Any] ?? [:]
        XCTAssertEqual(run["User"] as? String, "65532:65532")
        XCTAssertEqual(run["Entrypoint"] as? [String], ["/usr/local/bin/app"])
        XCTAssertEqual(run["WorkingDir"] as? String, "/")
        XCTAssertEqual(run["Env"] as? [String], ["PATH=/usr/local/bin"])
        XCTAssertEqual(run["Labels"] as? [String: String], ["org.opencontainers.image.version": "1.2.3",
                                                             "org.opencontainers.image.created": "2023-11-14T22:13:20Z"])

        // The files: exactly these, owned by root, with these modes and contents.
        let base = TarReader.members(try blob(layout, layers[0]["digest"] as! String))
        XCTAssertEqual(base.map(\.name), ["etc/", "etc/group", "etc/passwd", "tmp/"])
        XCTAssertEqual(base.map(\.mode), [0o755, 0o644, 0o644, 0o1777])
        XCTAssertEqual(String(decoding: base[2].content, as: UTF8.self),
                       "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin\n")
        XCTAssertEqual(String(decoding: base[1].content, as: UTF8.self), "root:x:0:\nnonroot:x:65532:\n")
        let app = TarReader.members(try blob(layout, layers[1]["digest"] as! String))
        XCTAssertEqual(app.map(\.name), ["usr/", "usr/local/", "usr/local/bin/", "usr/local/bin/app", "usr/local/bin/helper"])
        XCTAssertEqual(app[3].mode, 0o755)
        XCTAssertEqual(app[3].content, Data("binary for x86_64-unknown-linux-musl".utf8))
        XCTAssertTrue((base + app).allSatisfy { $0.uid == 0 && $0.gid == 0 && $0.mtime == 1_700_000_000 && $0.checksumOK })

        XCTAssertEqual(image.platforms.map(\.platform), ["linux/amd64"])
        XCTAssertEqual(image.platforms[0].layers, layers.map { $0["digest"] as! String })
    }

    /// docker's manifest.json beside the OCI files, and the archive holding exactly the layout.
    func testArchiveIsTheLayoutPlusDockersManifest() throws {
        let image = try write([try appInput()], settings: try settings())
        let docker = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: image.layout + "/manifest.json"))) as? [[String: Any]] ?? []
        XCTAssertEqual(docker.count, 1)
        XCTAssertEqual(docker[0]["RepoTags"] as? [String], ["docker.io/example/app:1.2.3"])
        XCTAssertEqual(docker[0]["Config"] as? String, "blobs/sha256/" + image.platforms[0].config.dropFirst(7))
        XCTAssertEqual(docker[0]["Layers"] as? [String], image.platforms[0].layers.map { "blobs/sha256/" + $0.dropFirst(7) })

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
        let base = TarReader.members(try blob(image.layout, ((manifest["layers"] as! [[String: Any]])[0]["digest"] as! String)))
        XCTAssertEqual(base.map(\.name), ["etc/", "etc/group", "etc/passwd", "etc/ssl/", "etc/ssl/certs/", "etc/ssl/certs/ca-certificates.crt", "tmp/"])
        XCTAssertEqual(base[5].content, try Data(contentsOf: URL(fileURLWithPath: bundle)))
        XCTAssertEqual(base[5].mode, 0o644)
        let config = try blobJSON(image.layout, (manifest["config"] as! [String: Any])["digest"] as! String)
        XCTAssertEqual((config["config"] as? [String: Any])?["Env"] as? [String],
                       ["PATH=/usr/local/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"])
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
        let top = (try json(image.layout + "/index.json"))["manifests"] as? [[String: Any]] ?? []
        XCTAssertEqual(top.count, 1)
        XCTAssertEqual(top[0]["mediaType"] as? String, OCIMediaType.index)
        XCTAssertEqual((top[0]["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"], "example/app:1.2.3")
        XCTAssertNil(top[0]["platform"])
        let nested = try blobJSON(image.layout, image.digest)
        XCTAssertEqual(nested["mediaType"] as? String, OCIMediaType.index)
        let entries = nested["manifests"] as? [[String: Any]] ?? []
        let platforms = entries.map { $0["platform"] as? [String: String] ?? [:] }
        XCTAssertEqual(platforms, [
            ["os": "linux", "architecture": "amd64"], ["os": "linux", "architecture": "arm64", "variant": "v8"],
            ["os": "linux", "architecture": "arm", "variant": "v7"], ["os": "linux", "architecture": "386"],
            ["os": "linux", "architecture": "riscv64"], ["os": "linux", "architecture": "s390x"],
        ])
        // Each platform's config says the same platform, and its layer holds that target's executable.
        for (entry, target) in zip(entries, targets) {
            let manifest = try blobJSON(image.layout, entry["digest"] as! String)
            let config = try blobJSON(image.layout, (manifest["config"] as! [String: Any])["digest"] as! String)
            let platform = entry["platform"] as? [String: String] ?? [:]
            XCTAssertEqual(config["architecture"] as? String, platform["architecture"])
            XCTAssertEqual(config["variant"] as? String, platform["variant"])
            let app = TarReader.members(try blob(image.layout, (manifest["layers"] as! [[String: Any]])[1]["digest"] as! String))
            XCTAssertEqual(app.first { $0.name == "usr/local/bin/app" }?.content, Data("binary for \(target)".utf8))
        }
        // docker's manifest.json names the first target's image only.
        let docker = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: image.layout + "/manifest.json"))) as? [[String: Any]]
        XCTAssertEqual(docker?.count, 1)
        XCTAssertEqual(docker?.first?["Config"] as? String, "blobs/sha256/" + image.platforms[0].config.dropFirst(7))
    }

    /// The SBOM as an OCI 1.1 referrer: artifactType, empty config, the document as its layer,
    /// `subject` = the platform's manifest; listed untagged in index.json.
    func testSBOMIsAttachedAsAReferrer() throws {
        let spdx = try file("app.spdx.json", #"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"app"}"#)
        let image = try write([try appInput(sbom: spdx)], settings: try settings())
        let entries = (try json(image.layout + "/index.json"))["manifests"] as? [[String: Any]] ?? []
        XCTAssertEqual(entries.count, 2)
        XCTAssertEqual(entries[0]["digest"] as? String, image.digest)
        let referrerEntry = entries[1]
        XCTAssertEqual(referrerEntry["artifactType"] as? String, OCIMediaType.spdx)
        XCTAssertNil((referrerEntry["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"])
        XCTAssertEqual(referrerEntry["digest"] as? String, image.platforms[0].sbomReferrer)

        let referrer = try blobJSON(image.layout, referrerEntry["digest"] as! String)
        XCTAssertEqual(referrer["mediaType"] as? String, OCIMediaType.manifest)
        XCTAssertEqual(referrer["artifactType"] as? String, OCIMediaType.spdx)
        let subject = referrer["subject"] as? [String: Any] ?? [:]
        XCTAssertEqual(subject["digest"] as? String, image.digest)
        XCTAssertEqual(subject["mediaType"] as? String, OCIMediaType.manifest)
        XCTAssertEqual(subject["size"] as? Int, try blob(image.layout, image.digest).count)
        let config = referrer["config"] as? [String: Any] ?? [:]
        XCTAssertEqual(config["mediaType"] as? String, OCIMediaType.empty)
        XCTAssertEqual(config["digest"] as? String, "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
        XCTAssertEqual(try blob(image.layout, config["digest"] as! String), Data("{}".utf8))
        let layers = referrer["layers"] as? [[String: Any]] ?? []
        XCTAssertEqual(layers.count, 1)
        XCTAssertEqual(layers[0]["mediaType"] as? String, OCIMediaType.spdx)
        XCTAssertEqual(try blob(image.layout, layers[0]["digest"] as! String), try Data(contentsOf: URL(fileURLWithPath: spdx)))
        XCTAssertEqual((layers[0]["annotations"] as? [String: String])?["org.opencontainers.image.title"], "app.spdx.json")
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

    // MARK: TLS detection, Cargo.toml facts, options

    /// A resolved graph: app -> client -> rustls (normal), app -> native-tls (dev only),
    /// app -> openssl-src (build only), app -> derive (proc macro) -> openssl.
    private func metadata() -> [String: Any] {
        func id(_ n: String) -> String { "registry+x#\(n)@1.0.0" }
        let names = ["client", "rustls", "native-tls", "openssl-src", "derive", "openssl", "ring"]
        var packages: [[String: Any]] = names.map { n in
            ["id": id(n), "name": n, "version": "1.0.0",
             "targets": [["kind": n == "derive" ? ["proc-macro"] : ["lib"]]]]
        }
        packages.append(["id": "path+file:///w/app#0.3.0", "name": "app", "version": "0.3.0", "repository": "https://example.org/app",
                         "description": "An app", "license": "MIT", "targets": [["kind": ["bin"]]]])
        func dep(_ n: String, _ kind: Any) -> [String: Any] { ["pkg": id(n), "dep_kinds": [["kind": kind, "target": NSNull()]]] }
        let nodes: [[String: Any]] = [
            ["id": "path+file:///w/app#0.3.0",
             "deps": [dep("client", NSNull()), dep("native-tls", "dev"), dep("openssl-src", "build"), dep("derive", NSNull())]],
            ["id": id("client"), "deps": [dep("rustls", NSNull())]],
            ["id": id("rustls"), "deps": [dep("ring", NSNull())]],
            ["id": id("derive"), "deps": [dep("openssl", NSNull())]],
        ]
        return ["packages": packages, "resolve": ["nodes": nodes], "workspace_members": ["path+file:///w/app#0.3.0"],
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
            try ImageRequest(build: BuildRequest(mode: .build, targets: [],
                                                 context: Context(variables: value.map { ["SOURCE_DATE_EPOCH": $0] } ?? [:], directory: "/"))).sourceDateEpoch()
        }
        XCTAssertNil(try epoch(nil))
        XCTAssertNil(try epoch(""))
        XCTAssertEqual(try epoch("1700000000"), 1_700_000_000)
        XCTAssertThrowsError(try epoch("yesterday")) { error in
            XCTAssertTrue("\(error)".contains("SOURCE_DATE_EPOCH"), "\(error)")
        }
    }
}
