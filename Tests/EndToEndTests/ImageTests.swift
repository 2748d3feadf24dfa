import CargoStaticCore
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `cargo-static image` checked with the real tools from Debian, as root and without a
/// daemon: skopeo reads the layout and the tar (oci:, oci-archive:, docker-archive:),
/// umoci unpacks it into a runtime bundle, runc runs that bundle, podman loads the tar
/// and runs the image (with runc: crun refuses this machine's hybrid cgroup layout).
final class ImageTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    static let epoch = ["SOURCE_DATE_EPOCH": "1700000000"]
    static let created = "2023-11-14T22:13:20Z"

    // MARK: tools

    struct MissingTool: Error, CustomStringConvertible {
        let name: String
        var description: String { "\(name) is not installed: scripts/setup installs skopeo, umoci, runc and podman" }
    }

    private func tool(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for dir in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/sbin"] {
            if FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") { return "\(dir)/\(name)" }
        }
        throw MissingTool(name: name)
    }

    @discardableResult
    private func run(_ name: String, _ args: [String], environment: [String: String] = [:], expectSuccess: Bool = true,
                     file: StaticString = #filePath, line: UInt = #line) throws -> Harness.Output {
        let out = try Harness.runTool(try tool(name), args, environment: environment)
        if expectSuccess { XCTAssertEqual(out.status, 0, "\(name) \(args.joined(separator: " ")):\n\(out.all)", file: file, line: line) }
        return out
    }

    /// A document the image holds (its index, a manifest, a config), as cargo-static wrote it.
    private func document(_ text: String) throws -> JSONValue { try Harness.decode(JSONValue.self, from: text) }

    private func skopeoInspect(_ args: [String]) throws -> Harness.SkopeoInspect {
        try Harness.decode(Harness.SkopeoInspect.self, from: try run("skopeo", ["inspect"] + args).stdout)
    }

    // MARK: image helpers

    /// `cargo-static image … --json` in `dir`: the written image.
    private func image(_ args: [String], in dir: String) throws -> OCIImageResult {
        let out = try Harness.run(["image", "--release", "--json"] + args, in: dir, environment: Self.epoch)
        XCTAssertEqual(out.status, 0, out.all)
        return try Harness.decode(OCIImageResult.self, out)
    }

    /// umoci's bundle of the image named `ref` (oci:DIR:TAG form without the transport), ready for runc:
    /// no terminal, the given arguments, extra environment, optionally the host's network.
    private func unpack(_ layoutRef: String, into bundle: String, arguments: [String] = [], environment: [String] = [],
                        hostNetwork: Bool = false) throws {
        try run("umoci", ["unpack", "--image", layoutRef, bundle])
        try editConfig(bundle) { config in
            var process = try Self.field("process", of: config)
            process["terminal"] = false
            process["args"] = .array(try Self.list("args", of: process) + arguments.map(JSONValue.string))
            process["env"] = .array(try Self.list("env", of: process) + environment.map(JSONValue.string))
            config["process"] = .object(process)
            if hostNetwork {
                var linux = try Self.field("linux", of: config)
                linux["namespaces"] = .array(try Self.list("namespaces", of: linux).filter { $0["type"]?.stringValue != "network" })
                config["linux"] = .object(linux)
            }
        }
    }

    /// Rewrites the bundle's runtime config (umoci's, from the image's config): a field the
    /// edit expects and does not find fails the test.
    private func editConfig(_ bundle: String, _ change: (inout [String: JSONValue]) throws -> Void) throws {
        let path = bundle + "/config.json"
        var config = try XCTUnwrap(try Harness.decode(JSONValue.self, fromFile: path).objectValue, "\(path) is not a JSON object")
        try change(&config)
        try JSONValue.object(config).rendered().write(toFile: path, atomically: true, encoding: .utf8)
    }

    private static func field(_ key: String, of object: [String: JSONValue]) throws -> [String: JSONValue] {
        try XCTUnwrap(object[key]?.objectValue, "no object `\(key)` in \(JSONValue.object(object).rendered())")
    }

    private static func list(_ key: String, of object: [String: JSONValue]) throws -> [JSONValue] {
        try XCTUnwrap(object[key]?.arrayValue, "no array `\(key)` in \(JSONValue.object(object).rendered())")
    }

    private func runc(_ bundle: String, expectSuccess: Bool = true) throws -> Harness.Output {
        let id = "cargo-static-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        return try run("runc", ["run", "--bundle", bundle, id], expectSuccess: expectSuccess)
    }

    /// Every path under the root with its type, mode and owner: "etc/passwd 100644 0:0".
    private func listing(_ rootfs: String) -> [String] {
        let paths = (FileManager.default.enumerator(atPath: rootfs)?.allObjects as? [String] ?? []).sorted()
        return paths.map { path in
            var st = stat()
            lstat(rootfs + "/" + path, &st)
            return "\(path) \(String(st.st_mode, radix: 8)) \(st.st_uid):\(st.st_gid)"
        }
    }

    private func sha256(_ path: String) throws -> String {
        let out = try run("sha256sum", [path])
        return String(out.stdout.split(separator: " ").first ?? "")
    }

    // MARK: tests

    /// hello for x86_64 and aarch64: one index, both platforms, the exact files, the config,
    /// the program's output under runc and podman, and the same digests when rebuilt.
    func testHelloImageForTwoPlatforms() throws {
        let dir = try Harness.fixture("hello")
        let manifest = dir + "/Cargo.toml"
        let toml = try String(contentsOfFile: manifest, encoding: .utf8)
        try toml.replacingOccurrences(of: "edition = \"2021\"", with: "edition = \"2021\"\nrepository = \"https://example.org/hello\"")
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        let git = ["-C", dir, "-c", "user.name=cargo-static", "-c", "user.email=test@example.org"]
        try run("git", git + ["init", "-q"])
        try run("git", git + ["add", "Cargo.toml", "src"])
        try run("git", git + ["commit", "-q", "-m", "hello"])
        let revision = try run("git", ["-C", dir, "rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let tag = "cargo-static-e2e/hello:\(getpid())"
        let targets = "x86_64-unknown-linux-musl,aarch64-unknown-linux-musl"
        // The plan shows the image step the build then runs: where, when, which labels.
        let dry = try Harness.run(["image", "--release", "--json", "--dry-run", "--target", targets, "--tag", tag, "--output", dir + "/img"],
                                  in: dir, environment: Self.epoch)
        XCTAssertEqual(dry.status, 0, dry.all)
        let planned = try XCTUnwrap(try Harness.decode(BuildPlan.self, dry).image, dry.stdout)
        XCTAssertEqual(planned.layout, dir + "/img/oci")
        XCTAssertEqual(planned.created, 1_700_000_000)
        XCTAssertEqual(planned.platforms.map(\.target.triple), targets.split(separator: ",").map(String.init))
        XCTAssertEqual(planned.packages.first?.labels["org.opencontainers.image.source"], "https://example.org/hello")
        XCTAssertEqual(planned.labels["org.opencontainers.image.revision"], revision)
        let result = try image(["--target", targets, "--tag", tag, "--output", dir + "/img"], in: dir)
        let layout = dir + "/img/oci", archive = dir + "/img/image.tar"
        XCTAssertEqual(result.layout, layout)
        XCTAssertEqual(result.archive, archive)
        XCTAssertEqual(result.platforms.map(\.platform), ["linux/amd64", "linux/arm64/v8"])
        XCTAssertEqual(result.platforms.map(\.caCertificates), [false, false])

        // The tag names a multi-platform index (its digest is what the command reported).
        let raw = try run("skopeo", ["inspect", "--raw", "oci:\(layout):\(tag)"]).stdout
        let index = try document(raw)
        XCTAssertEqual(index["mediaType"], "application/vnd.oci.image.index.v1+json")
        XCTAssertEqual(try XCTUnwrap(index["manifests"]?.arrayValue, raw).map { $0["platform"] },
                       [["os": "linux", "architecture": "amd64"], ["os": "linux", "architecture": "arm64", "variant": "v8"]])
        XCTAssertEqual(try run("skopeo", ["manifest-digest", try writeTemp(raw)]).stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                       result.digest)

        // This machine's platform: the labels, the user, the entrypoint.
        let inspect = try skopeoInspect(["oci:\(layout):\(tag)"])
        XCTAssertEqual(inspect.architecture, "amd64")
        XCTAssertEqual(inspect.created, Self.created)
        XCTAssertEqual(inspect.labels, [
            "org.opencontainers.image.created": Self.created, "org.opencontainers.image.title": "hello",
            "org.opencontainers.image.version": "0.1.0", "org.opencontainers.image.source": "https://example.org/hello",
            "org.opencontainers.image.revision": revision,
        ])
        XCTAssertEqual(inspect.layers, result.platforms.first?.layers)
        let config = try document(try run("skopeo", ["inspect", "--config", "oci:\(layout):\(tag)"]).stdout)
        let container = try XCTUnwrap(config["config"], "\(config)")
        XCTAssertEqual(container["User"], "65532:65532")
        XCTAssertEqual(container["Entrypoint"], ["/usr/local/bin/hello"])
        XCTAssertEqual(container["WorkingDir"], "/")
        XCTAssertEqual(container["Env"], ["PATH=/usr/local/bin"])
        XCTAssertEqual(config["rootfs"]?["diff_ids"], .strings(inspect.layers))
        XCTAssertEqual(config["history"]?.arrayValue?.count, 2)
        // The other platform, chosen as a client on arm64 would.
        let arm = try document(try run("skopeo", ["--override-arch", "arm64", "--override-variant", "v8", "inspect", "--config", "oci:\(layout):\(tag)"]).stdout)
        XCTAssertEqual(arm["architecture"], "arm64")
        XCTAssertEqual(arm["variant"], "v8")

        // Exactly these files, owned by root; skopeo copies out one platform, umoci unpacks it.
        let expected = ["etc 40755 0:0", "etc/group 100644 0:0", "etc/passwd 100644 0:0", "tmp 41777 0:0",
                        "usr 40755 0:0", "usr/local 40755 0:0", "usr/local/bin 40755 0:0", "usr/local/bin/hello 100755 0:0"]
        try run("skopeo", ["copy", "-q", "oci:\(layout):\(tag)", "oci:\(dir)/amd64:hello"])
        try unpack("\(dir)/amd64:hello", into: dir + "/bundle", arguments: ["from", "runc"])
        XCTAssertEqual(listing(dir + "/bundle/rootfs"), expected)
        XCTAssertEqual(try sha256(dir + "/bundle/rootfs/usr/local/bin/hello"),
                       try sha256(dir + "/target/x86_64-unknown-linux-musl/release/hello"))
        XCTAssertEqual(try String(contentsOfFile: dir + "/bundle/rootfs/etc/passwd", encoding: .utf8),
                       "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin\n")
        try run("skopeo", ["copy", "-q", "--override-arch", "arm64", "--override-variant", "v8", "oci:\(layout):\(tag)", "oci:\(dir)/arm64:hello"])
        try run("umoci", ["unpack", "--image", "\(dir)/arm64:hello", dir + "/arm-bundle"])
        XCTAssertEqual(listing(dir + "/arm-bundle/rootfs"), expected)
        let elf = try Data(contentsOf: URL(fileURLWithPath: dir + "/arm-bundle/rootfs/usr/local/bin/hello"))
        XCTAssertEqual(Int(elf[18]) | Int(elf[19]) << 8, 183, "EM_AARCH64")

        // runc runs the bundle as the non-root user.
        let ran = try runc(dir + "/bundle")
        XCTAssertTrue(ran.stdout.contains(#"Hello from a static executable! args=["from", "runc"]"#), ran.all)

        // The tar: the OCI layout for oci-archive (and podman), docker's manifest.json for docker-archive (and docker load).
        let fromArchive = try document(try run("skopeo", ["inspect", "--raw", "oci-archive:\(archive):\(tag)"]).stdout)
        XCTAssertEqual(fromArchive, index)
        let docker = try skopeoInspect(["docker-archive:\(archive)"])
        XCTAssertEqual(docker.layers, inspect.layers)
        XCTAssertEqual(docker.architecture, "amd64")
        try podmanLoadsAndRuns(archive, name: "docker.io/" + tag, expecting: #"Hello from a static executable! args=["from", "podman"]"#,
                               arguments: ["from", "podman"])

        // Rebuilt from a clean target directory: the same digests, the same tar, byte for byte.
        try FileManager.default.removeItem(atPath: dir + "/target")
        let again = try image(["--target", targets, "--tag", tag, "--output", dir + "/img2"], in: dir)
        XCTAssertEqual(again.digest, result.digest)
        XCTAssertEqual(again.platforms.map(\.manifest), result.platforms.map(\.manifest))
        XCTAssertEqual(try sha256(dir + "/img2/image.tar"), try sha256(archive))
    }

    /// A program that links OpenSSL gets Debian's CA bundle and SSL_CERT_FILE without being
    /// asked; with --ca-bundle it trusts exactly that bundle: a handshake inside the container
    /// verifies a server only that bundle vouches for, and fails once SSL_CERT_FILE is gone.
    func testTLSProgramGetsTheCABundle() throws {
        let dir = try Harness.fixture("openssl-tls")
        let detected = try image(["--output", dir + "/img"], in: dir)
        XCTAssertEqual(detected.platforms.map(\.caCertificates), [true])
        let config = try document(try run("skopeo", ["inspect", "--config", "oci:\(dir)/img/oci:openssl-tls:0.1.0"]).stdout)
        XCTAssertEqual(config["config"]?["Env"], ["PATH=/usr/local/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"])
        try unpack("\(dir)/img/oci:openssl-tls:0.1.0", into: dir + "/bundle")
        XCTAssertEqual(listing(dir + "/bundle/rootfs"), [
            "etc 40755 0:0", "etc/group 100644 0:0", "etc/passwd 100644 0:0", "etc/ssl 40755 0:0", "etc/ssl/certs 40755 0:0",
            "etc/ssl/certs/ca-certificates.crt 100644 0:0", "tmp 41777 0:0",
            "usr 40755 0:0", "usr/local 40755 0:0", "usr/local/bin 40755 0:0", "usr/local/bin/openssl-tls 100755 0:0",
        ])
        XCTAssertEqual(try sha256(dir + "/bundle/rootfs/etc/ssl/certs/ca-certificates.crt"), try sha256("/etc/ssl/certs/ca-certificates.crt"))
        let alone = try runc(dir + "/bundle")
        XCTAssertTrue(alone.stdout.contains("openssl version: OpenSSL 3."), alone.all)

        // The server's certificate is in the bundle; the program's own extra CA is an unrelated one.
        let server = try TLSServer.start()
        defer { server.stop() }
        let unrelated = try TLSServer.start()
        unrelated.stop()
        let bundle = dir + "/bundle.pem"
        try server.certificatePEM.write(toFile: bundle, atomically: true, encoding: .utf8)
        // An SBOM rides along as an OCI 1.1 referrer; the tools still find the image by its name.
        let sbom = dir + "/openssl-tls.spdx.json"
        try #"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"openssl-tls","packages":[]}"#
            .write(toFile: sbom, atomically: true, encoding: .utf8)
        let withCA = try image(["--ca-bundle", bundle, "--attach-sbom", sbom, "--output", dir + "/img-ca"], in: dir)
        try checkReferrer(layout: dir + "/img-ca/oci", result: withCA, document: sbom)
        let env = ["TLS_ADDRESS=\(server.address)", "TLS_CA_PEM=\(unrelated.certificatePEM)"]
        try unpack("\(dir)/img-ca/oci:openssl-tls:0.1.0", into: dir + "/tls", environment: env, hostNetwork: true)
        let verified = try runc(dir + "/tls")
        XCTAssertTrue(verified.stdout.contains("handshake: TLSv1.3"), verified.all)
        XCTAssertTrue(verified.stdout.contains("peer verified: true"), verified.all)
        XCTAssertTrue(verified.stdout.contains("response: HTTP/1.0 200 ok"), verified.all)
        try editConfig(dir + "/tls") { config in
            var process = try Self.field("process", of: config)
            process["env"] = .array(try Self.list("env", of: process).filter { $0.stringValue?.hasPrefix("SSL_CERT_FILE=") != true })
            config["process"] = .object(process)
        }
        let unverified = try runc(dir + "/tls", expectSuccess: false)
        XCTAssertNotEqual(unverified.status, 0, unverified.all)
        XCTAssertTrue(unverified.all.contains("TLS handshake failed"), unverified.all)
    }

    /// index.json lists the image by name and the SBOM's artifact manifest, whose subject is the image.
    private func checkReferrer(layout: String, result: OCIImageResult, document text: String) throws {
        XCTAssertEqual(result.platforms.count, 1)
        let platform = try XCTUnwrap(result.platforms.first)
        let manifest = platform.manifest
        let referrer = try XCTUnwrap(platform.sbomReferrer, "no referrer for the attached SBOM")
        let entries = try XCTUnwrap(try Harness.decode(JSONValue.self, fromFile: layout + "/index.json")["manifests"]?.arrayValue)
        XCTAssertEqual(entries.map { $0["digest"] }, [.string(manifest), .string(referrer)])
        XCTAssertEqual(entries.last?["artifactType"], "application/spdx+json")
        func blob(_ digest: String) throws -> Data {
            try Data(contentsOf: URL(fileURLWithPath: layout + "/blobs/sha256/" + digest.dropFirst("sha256:".count)))
        }
        let artifact = try document(String(decoding: try blob(referrer), as: UTF8.self))
        XCTAssertEqual(artifact["subject"]?["digest"], .string(manifest))
        let layer = try XCTUnwrap(artifact["layers"]?.arrayValue?.first?["digest"]?.stringValue, "\(artifact)")
        XCTAssertEqual(try blob(layer), try Data(contentsOf: URL(fileURLWithPath: text)))
        let name = result.reference
        let raw = try run("skopeo", ["inspect", "--raw", "oci:\(layout):\(name)"]).stdout
        XCTAssertEqual(try run("skopeo", ["manifest-digest", try writeTemp(raw)]).stdout.trimmingCharacters(in: .whitespacesAndNewlines), manifest)
    }

    // MARK: podman

    /// `podman load` takes the tar; `podman run` prints the program's output. The flags fit this
    /// sandbox: runc (crun rejects hybrid cgroups), no network, limits below the hard ones.
    private func podmanLoadsAndRuns(_ archive: String, name: String, expecting: String, arguments: [String]) throws {
        let load = try run("podman", ["load", "-i", archive])
        XCTAssertTrue(load.all.contains("Loaded image: \(name)"), load.all)
        defer { _ = try? run("podman", ["rmi", "-f", name], expectSuccess: false) }
        let ran = try run("podman", ["run", "--rm", "--runtime", "runc", "--network", "none", "--ulimit", "nofile=1024:1024",
                                     "--ulimit", "nproc=1024:1024", name] + arguments)
        XCTAssertTrue(ran.stdout.contains(expecting), ran.all)
    }

    private func writeTemp(_ text: String) throws -> String {
        let path = try Harness.temporaryDirectory("raw") + "/manifest.json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
