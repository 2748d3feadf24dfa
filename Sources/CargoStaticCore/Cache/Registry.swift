import Foundation

/// `HOST[:PORT]/REPO[:TAG]`: where `cache push` and `cache pull` keep entries.
public struct RegistryReference: Equatable, CustomStringConvertible {
    public let host: String
    public let port: Int?
    public let repository: String
    public let tag: String

    /// `host:port`, as registries and auth files name it.
    public var registry: String { port.map { "\(host):\($0)" } ?? host }
    public var description: String { "\(registry)/\(repository):\(tag)" }

    /// Plain HTTP only for the loopback (127.0.0.0/8, ::1, localhost), as Docker does.
    public var isLoopback: Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare == "::1" || bare == "localhost" { return true }
        let parts = bare.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
    public var baseURL: String { "\(isLoopback ? "http" : "https")://\(registry)/v2/\(repository)" }

    public static func parse(_ text: String) throws -> RegistryReference {
        let bad = { (why: String) in
            CargoStaticError(.usage, "`\(text)` is not a registry reference: \(why)",
                             fix: "write HOST[:PORT]/REPO[:TAG], e.g. registry.example.com/team/cargo-static-cache:x86_64 or 127.0.0.1:5000/cache")
        }
        guard let slash = text.firstIndex(of: "/") else { throw bad("it names no repository after the host") }
        let hostPart = String(text[..<slash])
        var rest = String(text[text.index(after: slash)...])
        var host = hostPart, port: Int? = nil
        if let colon = hostPart.lastIndex(of: ":"), !hostPart.hasSuffix("]") {
            host = String(hostPart[..<colon])
            guard let p = Int(hostPart[hostPart.index(after: colon)...]), (1...65535).contains(p) else { throw bad("the port is not a number from 1 to 65535") }
            port = p
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || "-.[]:".contains($0) }) else { throw bad("the host is empty or holds other characters") }
        var tag = "latest"
        if let colon = rest.lastIndex(of: ":") {
            tag = String(rest[rest.index(after: colon)...])
            rest = String(rest[..<colon])
            guard tag.range(of: "^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$", options: .regularExpression) != nil else { throw bad("the tag `\(tag)` is not a valid tag") }
        }
        guard rest.range(of: "^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$", options: .regularExpression) != nil else {
            throw bad("the repository `\(rest)` must be lowercase path components (a-z, 0-9, . _ -)")
        }
        return RegistryReference(host: host, port: port, repository: rest, tag: tag)
    }
}

/// Credentials for a registry, from the files container tools write: REGISTRY_AUTH_FILE,
/// $XDG_RUNTIME_DIR/containers/auth.json, ~/.docker/config.json (the first that names the
/// registry). Only the `auth` field (base64 of user:password) is read.
public struct RegistryCredentials: Equatable {
    public let user: String
    public let password: String

    public static func files(context: Context) -> [String] {
        [context.nonEmpty("REGISTRY_AUTH_FILE"),
         context.nonEmpty("XDG_RUNTIME_DIR").map { $0 + "/containers/auth.json" },
         context.home + "/.docker/config.json"].compactMap { $0 }
    }

    public static func lookup(_ registry: String, context: Context) -> RegistryCredentials? {
        for file in files(context: context) {
            guard let data = FileManager.default.contents(atPath: file), let found = parse(data, registry: registry) else { continue }
            return found
        }
        return nil
    }

    /// `{"auths": {"host:port": {"auth": "base64(user:password)"}}}`; keys may carry a scheme or path.
    static func parse(_ data: Data, registry: String) -> RegistryCredentials? {
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let auths = json["auths"] as? [String: Any] else { return nil }
        func normalised(_ key: String) -> String {
            var k = key
            for scheme in ["https://", "http://"] where k.hasPrefix(scheme) { k.removeFirst(scheme.count) }
            return String(k.split(separator: "/").first ?? "")
        }
        guard let entry = auths.first(where: { normalised($0.key) == registry })?.value as? [String: Any],
              let auth = entry["auth"] as? String, let decoded = Data(base64Encoded: auth),
              let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":") else { return nil }
        return RegistryCredentials(user: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
    }
}

/// The OCI documents of a pushed cache: one artifact manifest per entry (an empty config,
/// one layer: the entry's tar as `cache export` writes it; its name, key and manifest
/// digest as annotations), and an image index, tagged, that lists them.
public enum RegistryDocuments {
    public static let artifactType = "application/vnd.cargo-static.cache-entry.v1"
    public static let layerType = "application/vnd.cargo-static.cache-entry.v1.tar"
    public static let manifestType = OCIMediaType.manifest
    public static let indexType = OCIMediaType.index
    public static let emptyType = OCIMediaType.empty
    public static let empty = Data("{}".utf8)
    public static let entryAnnotation = "dev.cargo-static.entry"
    public static let keyAnnotation = "dev.cargo-static.key"
    public static let manifestAnnotation = "dev.cargo-static.manifest.sha256"

    public struct Descriptor: Codable, Equatable {
        public let mediaType: String
        public let digest: String
        public let size: Int
        public var artifactType: String? = nil
        public var annotations: [String: String]? = nil
    }

    public struct Manifest: Codable, Equatable {
        public var schemaVersion = 2
        public var mediaType = manifestType
        public var artifactType: String? = RegistryDocuments.artifactType
        public let config: Descriptor
        public let layers: [Descriptor]
        public let annotations: [String: String]?
    }

    public struct Index: Codable, Equatable {
        public var schemaVersion = 2
        public var mediaType = indexType
        public let manifests: [Descriptor]
    }

    public static func digest(_ data: Data) -> String { "sha256:" + SHA256.hex(data) }

    public static func entryManifest(entry: String, key: String, manifestSHA256: String, blobDigest: String, blobSize: Int) -> Manifest {
        Manifest(config: Descriptor(mediaType: emptyType, digest: digest(empty), size: empty.count),
                 layers: [Descriptor(mediaType: layerType, digest: blobDigest, size: blobSize,
                                     annotations: ["org.opencontainers.image.title": entry.replacingEvery("/", with: "_") + ".tar"])],
                 annotations: [entryAnnotation: entry, keyAnnotation: key, manifestAnnotation: manifestSHA256])
    }

    public static func encode<T: Encodable>(_ value: T) throws -> Data { try JSONEncoder.sorted.encode(value) }
}

/// A minimal client of the OCI distribution API: blobs (check, monolithic upload, fetch)
/// and manifests, with basic auth or the bearer-token challenge. Synchronous: one request
/// at a time, each through `curl` (`CurlTransport`), its files in `scratch`.
public final class RegistryClient {
    let reference: RegistryReference
    let credentials: RegistryCredentials?
    private var token: String?
    private let transport: CurlTransport

    public init(_ reference: RegistryReference, context: Context, scratch: String) throws {
        self.reference = reference
        credentials = RegistryCredentials.lookup(reference.registry, context: context)
        let directory = scratch + "/http"
        try FileSystem.makeDirectory(directory)  // inside a 0700 scratch directory
        transport = CurlTransport(runner: Runner(context: context), scratch: directory)
    }

    typealias Response = CurlTransport.Response

    private func send(_ exchange: CurlTransport.Exchange) throws -> Response {
        do { return try transport.send(exchange) } catch let failure as CurlTransport.Failure {
            throw CargoStaticError(.commandFailed, "cannot reach the registry \(reference.registry): \(failure)",
                                   fix: reference.isLoopback ? "start the registry, or check the port" : "check the host name and that it serves HTTPS (plain HTTP is used only for 127.0.0.0/8 and ::1)")
        }
    }

    private var authorization: (name: String, value: String)? {
        if let token { return ("Authorization", "Bearer \(token)") }
        return credentials.map { ("Authorization", "Basic " + Data("\($0.user):\($0.password)".utf8).base64EncodedString()) }
    }

    /// A request, authenticated: basic auth, or a bearer token obtained after a challenge.
    func request(_ method: String, _ url: String, body: Data? = nil, headers: [String: String] = [:]) throws -> Response {
        func make() -> CurlTransport.Exchange {
            CurlTransport.Exchange(method: method, url: url, headers: headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } + [authorization].compactMap { $0 }, body: body)
        }
        var response = try send(make())
        if response.status == 401, token == nil, let challenge = response.headers["www-authenticate"], challenge.lowercased().hasPrefix("bearer ") {
            token = try fetchToken(challenge)
            response = try send(make())
        }
        if response.status == 401 || response.status == 403 {
            throw CargoStaticError(.badInput, "the registry \(reference.registry) refused access to \(reference.repository) (HTTP \(response.status))",
                                   fix: "log in (`podman login \(reference.registry)` or `docker login \(reference.registry)`); credentials are read from REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json and ~/.docker/config.json")
        }
        return response
    }

    /// `Bearer realm="…",service="…",scope="…"` → GET realm?service=…&scope=… (with basic auth).
    static func challengeParameters(_ header: String) -> [String: String] {
        var out: [String: String] = [:]
        let body = header.dropFirst("Bearer ".count)
        let pattern = try! NSRegularExpression(pattern: #"([A-Za-z]+)="([^"]*)""#)
        let text = String(body)
        for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            if let k = Range(m.range(at: 1), in: text), let v = Range(m.range(at: 2), in: text) { out[String(text[k]).lowercased()] = String(text[v]) }
        }
        return out
    }

    private func fetchToken(_ challenge: String) throws -> String {
        let params = Self.challengeParameters(challenge)
        guard let realm = params["realm"], var components = URLComponents(string: realm) else {
            throw CargoStaticError(.commandFailed, "the registry \(reference.registry) asked for a token without saying where to get it")
        }
        components.queryItems = [params["service"].map { URLQueryItem(name: "service", value: $0) },
                                 params["scope"].map { URLQueryItem(name: "scope", value: $0) }].compactMap { $0 }
        guard let url = components.url else { throw CargoStaticError(.commandFailed, "bad token realm \(realm)") }
        let basic = credentials.map { ("Authorization", "Basic " + Data("\($0.user):\($0.password)".utf8).base64EncodedString()) }
        let response = try send(CurlTransport.Exchange(method: "GET", url: url.absoluteString, headers: [basic].compactMap { $0 }))
        guard response.status == 200, let json = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
              let token = (json["token"] as? String) ?? (json["access_token"] as? String) else {
            throw CargoStaticError(.badInput, "the registry's token service refused access (HTTP \(response.status))",
                                   fix: "log in (`podman login \(reference.registry)`), or check the credentials for \(reference.registry)")
        }
        return token
    }

    private func fail(_ what: String, _ response: Response) -> CargoStaticError {
        CargoStaticError(.commandFailed, "\(what) failed at \(reference.registry): HTTP \(response.status) \(String(decoding: response.body.prefix(300), as: UTF8.self))",
                         fix: "check the registry's logs and that it accepts OCI artifacts")
    }

    public func hasBlob(_ digest: String) throws -> Bool {
        try request("HEAD", "\(reference.baseURL)/blobs/\(digest)").status == 200
    }

    public func pushBlob(_ data: Data, digest: String) throws {
        if try hasBlob(digest) { return }
        let start = try request("POST", "\(reference.baseURL)/blobs/uploads/")
        guard start.status == 202, let location = start.headers["location"] else { throw fail("starting an upload", start) }
        var url = location.hasPrefix("/") ? "\(reference.isLoopback ? "http" : "https")://\(reference.registry)\(location)" : location
        url += (url.contains("?") ? "&" : "?") + "digest=" + digest
        let put = try request("PUT", url, body: data, headers: ["Content-Type": "application/octet-stream"])
        guard put.status == 201 else { throw fail("uploading \(digest)", put) }
    }

    public func blob(_ digest: String) throws -> Data {
        let r = try request("GET", "\(reference.baseURL)/blobs/\(digest)")
        guard r.status == 200 else { throw fail("fetching \(digest)", r) }
        guard RegistryDocuments.digest(r.body) == digest else {
            throw CargoStaticError(.cacheDamaged, "the registry's blob \(digest) does not have that digest", fix: "push the cache again")
        }
        return r.body
    }

    public func putManifest(_ data: Data, mediaType: String, reference tagOrDigest: String) throws {
        let r = try request("PUT", "\(reference.baseURL)/manifests/\(tagOrDigest)", body: data, headers: ["Content-Type": mediaType])
        guard r.status == 201 else { throw fail("storing the manifest \(tagOrDigest)", r) }
    }

    public func manifest(_ tagOrDigest: String, accept: String) throws -> Data {
        let r = try request("GET", "\(reference.baseURL)/manifests/\(tagOrDigest)", headers: ["Accept": accept])
        if r.status == 404 {
            throw CargoStaticError(.badInput, "\(reference.registry)/\(reference.repository) has no \(tagOrDigest)",
                                   fix: "push a cache there first (`cargo-static cache push \(reference)`)")
        }
        guard r.status == 200 else { throw fail("fetching the manifest \(tagOrDigest)", r) }
        if let expected = Self.expectedManifestDigest(tagOrDigest, headers: r.headers), RegistryDocuments.digest(r.body) != expected {
            throw CargoStaticError(.cacheDamaged, "the registry's manifest \(tagOrDigest) does not have the digest \(expected)", fix: "push the cache again")
        }
        return r.body
    }

    /// The digest a manifest must have: the one asked for, or for a tag the one the registry
    /// recorded when it was pushed (`Docker-Content-Digest`), so a manifest changed in the
    /// registry's storage is caught like a changed blob.
    static func expectedManifestDigest(_ tagOrDigest: String, headers: [String: String]) -> String? {
        if tagOrDigest.hasPrefix("sha256:") { return tagOrDigest }
        return headers["docker-content-digest"].map { $0.trimmingSpaces() }.flatMap { $0.hasPrefix("sha256:") ? $0 : nil }
    }
}
