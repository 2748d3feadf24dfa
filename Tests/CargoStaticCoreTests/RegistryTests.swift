import XCTest
@testable import CargoStaticCore

final class RegistryTests: XCTestCase {
    func testReferencesParseWithPortsTagsAndNestedRepositories() throws {
        let local = try RegistryReference.parse("127.0.0.1:5000/cargo-static/cache:x86_64")
        XCTAssertEqual(local, RegistryReference(host: "127.0.0.1", port: 5000, repository: "cargo-static/cache", tag: "x86_64"))
        XCTAssertEqual(local.baseURL, "http://127.0.0.1:5000/v2/cargo-static/cache")
        let remote = try RegistryReference.parse("registry.example.com/team/ci")
        XCTAssertEqual(remote.tag, "latest")
        XCTAssertNil(remote.port)
        XCTAssertEqual(remote.baseURL, "https://registry.example.com/v2/team/ci")
        XCTAssertTrue(try RegistryReference.parse("[::1]:5000/c").isLoopback)
        XCTAssertTrue(try RegistryReference.parse("127.9.0.1/c").isLoopback)
        // Only the loopback gets plain HTTP, not look-alike names.
        XCTAssertFalse(try RegistryReference.parse("127.0.0.1.example.com/c").isLoopback)
        XCTAssertFalse(try RegistryReference.parse("10.0.0.1:5000/c").isLoopback)
        for bad in ["no-slash", "host/UPPER", "host:99999/c", "host/c:bad tag", "/c", "host/"] {
            XCTAssertThrowsError(try RegistryReference.parse(bad), bad) { error in
                XCTAssertTrue(((error as? CargoStaticError)?.fix ?? "").contains("HOST[:PORT]/REPO[:TAG]"))
            }
        }
    }

    func testCredentialsComeFromTheFirstFileThatNamesTheRegistry() throws {
        let dir = try FileSystem.temporaryDirectory(in: "/tmp", label: "registry-auth")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let auth = { (user: String) in Data("\(user):s3cret:with:colons".utf8).base64EncodedString() }
        try FileSystem.write(#"{"auths": {"other.example": {"auth": "\#(auth("x"))"}}}"#, to: dir + "/registry-auth.json")
        try FileSystem.write(#"{"auths": {"reg.example:5000": {"auth": "\#(auth("podman"))"}}}"#, to: dir + "/run/containers/auth.json")
        try FileSystem.write(#"{"auths": {"https://reg.example:5000/v1/": {"auth": "\#(auth("docker"))"}, "docker.only": {"auth": "\#(auth("d"))"}}}"#,
                             to: dir + "/home/.docker/config.json")
        let context = Context(variables: ["REGISTRY_AUTH_FILE": dir + "/registry-auth.json", "XDG_RUNTIME_DIR": dir + "/run"],
                              directory: "/", home: dir + "/home")
        XCTAssertEqual(RegistryCredentials.lookup("reg.example:5000", context: context), RegistryCredentials(user: "podman", password: "s3cret:with:colons"))
        XCTAssertEqual(RegistryCredentials.lookup("docker.only", context: context)?.user, "d")
        XCTAssertEqual(RegistryCredentials.lookup("other.example", context: context)?.user, "x")
        XCTAssertNil(RegistryCredentials.lookup("reg.example", context: context), "a port is part of the registry's name")
        XCTAssertNil(RegistryCredentials.lookup("nowhere", context: Context(variables: [:], directory: "/", home: dir + "/none")))
    }

    func testEntryManifestIsAnOCIArtifactWithItsKeyAsAnnotation() throws {
        let blob = Data("tar bytes".utf8)
        let manifest = RegistryDocuments.entryManifest(entry: "std/x-1", key: "rustc: 1.96\ntarget: x", manifestSHA256: "ab",
                                                       blobDigest: RegistryDocuments.digest(blob), blobSize: blob.count)
        // Read as plain JSON (not through the same Codable type) so the wire names are checked.
        let json = try decode(JSONValue.self, from: RegistryDocuments.encode(manifest))
        XCTAssertEqual(json["schemaVersion"], 2)
        XCTAssertEqual(json["mediaType"], "application/vnd.oci.image.manifest.v1+json")
        XCTAssertEqual(json["artifactType"], .string(RegistryDocuments.artifactType))
        let config = try XCTUnwrap(json["config"])
        XCTAssertEqual(config["mediaType"], "application/vnd.oci.empty.v1+json")
        XCTAssertEqual(config["digest"], "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
        XCTAssertEqual(config["size"], 2)
        let layers = try XCTUnwrap(json["layers"]?.arrayValue)
        XCTAssertEqual(layers.count, 1)
        XCTAssertEqual(layers.first?["digest"], .string("sha256:" + SHA256.hex(blob)))
        XCTAssertEqual(layers.first?["size"], .int(blob.count))
        let annotations = try XCTUnwrap(json["annotations"])
        XCTAssertEqual(annotations["dev.cargo-static.entry"], "std/x-1")
        XCTAssertEqual(annotations["dev.cargo-static.key"], "rustc: 1.96\ntarget: x")
        // Content-addressed: the same entry gives the same manifest bytes.
        XCTAssertEqual(try RegistryDocuments.encode(manifest), try RegistryDocuments.encode(manifest))
    }

    func testBearerChallengeParameters() {
        let params = RegistryClient.challengeParameters(#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:team/ci:pull,push""#)
        XCTAssertEqual(params, ["realm": "https://auth.example/token", "service": "registry.example", "scope": "repository:team/ci:pull,push"])
    }

    func testAManifestFetchedByTagMustHaveTheDigestTheRegistryRecorded() {
        let d = "sha256:" + String(repeating: "a", count: 64)
        XCTAssertEqual(RegistryClient.expectedManifestDigest(d, headers: ["docker-content-digest": "sha256:other"]), d)
        XCTAssertEqual(RegistryClient.expectedManifestDigest("x86_64", headers: ["docker-content-digest": " \(d) "]), d)
        // No usable header: the index is still checked by what it lists (each entry by digest).
        XCTAssertNil(RegistryClient.expectedManifestDigest("x86_64", headers: [:]))
        XCTAssertNil(RegistryClient.expectedManifestDigest("x86_64", headers: ["docker-content-digest": "md5:abc"]))
    }
}

final class CurlTransportTests: XCTestCase {
    let files = CurlTransport.Files(in: "/s")

    func testConfigCarriesMethodHeadersAndBodyWithCredentialsOffTheCommandLine() throws {
        let put = CurlTransport.Exchange(method: "PUT", url: "http://127.0.0.1:5000/v2/c/manifests/x",
                                         headers: [("Content-Type", "application/json"), ("Authorization", "Basic dTpw")], body: Data("{}".utf8))
        let config = try CurlTransport.config(put, files: files, timeoutSeconds: 300)
        let lines = config.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("request = \"PUT\""))
        XCTAssertTrue(lines.contains("url = \"http://127.0.0.1:5000/v2/c/manifests/x\""))
        XCTAssertTrue(lines.contains("data-binary = \"@/s/upload\""))
        XCTAssertTrue(lines.contains("header = \"Authorization: Basic dTpw\""), "the secret is in the 0600 config file")
        XCTAssertTrue(lines.contains("header = \"Content-Type: application/json\""))
        XCTAssertFalse(lines.contains("header = \"Content-Type:\""), "the caller's type is kept")
        XCTAssertTrue(lines.contains("dump-header = \"/s/headers\"") && lines.contains("output = \"/s/body\""))
        XCTAssertTrue(lines.contains("location"), "blob downloads may redirect to storage")
    }

    func testHeadGetAndAnEmptyUploadStart() throws {
        let head = try CurlTransport.config(.init(method: "HEAD", url: "https://r/v2/c/blobs/sha256:a"), files: files, timeoutSeconds: 5)
        XCTAssertTrue(head.contains("\nhead\n"))
        XCTAssertFalse(head.contains("request ="))
        XCTAssertFalse(head.contains("data-binary"))
        let get = try CurlTransport.config(.init(method: "GET", url: "https://r/x"), files: files, timeoutSeconds: 5)
        XCTAssertFalse(get.contains("request =") || get.contains("\nhead\n"))
        XCTAssertTrue(get.contains("max-time = 5"))
        let post = try CurlTransport.config(.init(method: "POST", url: "https://r/v2/c/blobs/uploads/"), files: files, timeoutSeconds: 5)
        XCTAssertTrue(post.contains("request = \"POST\"\ndata-binary = \"\""), "an empty body with its length")
        XCTAssertTrue(post.contains("header = \"Content-Type:\""), "no form type curl would add")
    }

    func testValuesAreQuotedAndLineBreaksRefused() throws {
        XCTAssertEqual(try CurlTransport.quoted(#"a"b\c"#), #""a\"b\\c""#)
        let injected = CurlTransport.Exchange(method: "GET", url: "https://r/x", headers: [("Accept", "a\nurl = \"https://evil\"")])
        XCTAssertThrowsError(try CurlTransport.config(injected, files: files, timeoutSeconds: 5))
    }

    func testCurlsErrorIsShownWithoutTheStatusItPrinted() {
        XCTAssertEqual(CurlTransport.errorText("curl: (7) Failed to connect to 127.0.0.1 port 1\n000"), "curl: (7) Failed to connect to 127.0.0.1 port 1")
    }

    func testHeadersAreTheLastResponsesAfterRedirects() {
        let dump = "HTTP/1.1 307 Temporary Redirect\r\nLocation: https://storage/x\r\nX-A: 1\r\n\r\n"
            + "HTTP/2 200\r\ncontent-length: 3\r\nDocker-Content-Digest:  sha256:ab \r\n\r\n"
        let headers = CurlTransport.lastHeaders(dump)
        XCTAssertEqual(headers["docker-content-digest"], "sha256:ab")
        XCTAssertEqual(headers["content-length"], "3")
        XCTAssertNil(headers["location"])
        XCTAssertNil(headers["x-a"])
        XCTAssertEqual(CurlTransport.lastHeaders(""), [:])
        // A Location answered with 202 (an upload's start) is kept.
        XCTAssertEqual(CurlTransport.lastHeaders("HTTP/1.1 202 Accepted\nLocation: /v2/c/blobs/uploads/u?x=1\n\n")["location"], "/v2/c/blobs/uploads/u?x=1")
    }
}
