import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum OCIMediaType {
    public static let index = "application/vnd.oci.image.index.v1+json"
    public static let manifest = "application/vnd.oci.image.manifest.v1+json"
    public static let config = "application/vnd.oci.image.config.v1+json"
    /// Uncompressed layers: the executables barely compress, every OCI tool must accept
    /// this type, the layer digest is its diff_id, and pushing with skopeo or podman
    /// compresses on the way to a registry.
    public static let layer = "application/vnd.oci.image.layer.v1.tar"
    public static let empty = "application/vnd.oci.empty.v1+json"
    public static let spdx = "application/spdx+json"
    public static let cycloneDX = "application/vnd.cyclonedx+json"
}

/// A content descriptor (OCI descriptor.md).
public struct OCIDescriptor: Equatable {
    public var mediaType: String
    public var blob: BlobInfo
    public var platform: OCIPlatform? = nil
    public var artifactType: String? = nil
    public var annotations: [String: String] = [:]

    public var json: JSONValue {
        var fields: [String: JSONValue] = ["mediaType": .string(mediaType), "digest": .string(blob.digest), "size": .int(Int(blob.size))]
        if let platform { fields["platform"] = platform.json }
        if let artifactType { fields["artifactType"] = .string(artifactType) }
        if !annotations.isEmpty { fields["annotations"] = .strings(annotations) }
        return .object(fields)
    }
}

/// What the image holds besides the executables, and where: fixed, so a Dockerfile-free
/// image looks the same for every project.
public enum ImageLayout {
    public static let binDirectory = "/usr/local/bin"
    public static let caBundlePath = "/etc/ssl/certs/ca-certificates.crt"
    /// Debian's `ca-certificates` bundle on the build machine.
    public static let hostCABundle = "/etc/ssl/certs/ca-certificates.crt"
    public static let uid = 65532
    public static let user = "nonroot"
    public static let workingDir = "/"
    public static let passwd = "root:x:0:0:root:/root:/sbin/nologin\n\(user):x:\(uid):\(uid):\(user):/nonexistent:/sbin/nologin\n"
    public static let group = "root:x:0:\n\(user):x:\(uid):\n"
}

/// One platform of the image: a target's executables and what goes with them.
public struct ImagePlatformInput {
    public struct Executable: Equatable {
        public let name: String
        public let path: String
        public init(name: String, path: String) { self.name = name; self.path = path }
    }
    public var target: String
    public var executables: [Executable]
    /// An SPDX or CycloneDX JSON document, attached as an OCI 1.1 referrer of this platform's manifest.
    public var sbom: String?
    /// Whether the CA bundle goes in (and SSL_CERT_FILE is set).
    public var caCertificates: Bool

    public init(target: String, executables: [Executable], sbom: String? = nil, caCertificates: Bool) {
        self.target = target
        self.executables = executables
        self.sbom = sbom
        self.caCertificates = caCertificates
    }
}

/// What is the same for every platform.
public struct ImageSettings {
    /// The executable (by name) the container runs.
    public var entrypoint: String
    public var reference: ImageReference
    /// Config labels (`org.opencontainers.image.*`); `created` is added from the epoch.
    public var labels: [String: String]
    /// SOURCE_DATE_EPOCH: the time in the config, the history and every tar header.
    public var sourceDateEpoch: Int64
    /// The CA bundle copied into images that need one.
    public var caBundle: String
    /// The name as the user wrote it (`demo`, `demo:1`): index.json's
    /// `org.opencontainers.image.ref.name`, which `oci:DIR:NAME` (skopeo, umoci) matches
    /// exactly. nil: `reference` in full.
    public var referenceName: String?

    public init(entrypoint: String, reference: ImageReference, labels: [String: String] = [:],
                sourceDateEpoch: Int64 = 0, caBundle: String = ImageLayout.hostCABundle) {
        self.entrypoint = entrypoint
        self.reference = reference
        self.labels = labels
        self.sourceDateEpoch = sourceDateEpoch
        self.caBundle = caBundle
    }

    /// RFC 3339 in UTC, as the OCI config's `created` wants it.
    public var created: String { Self.rfc3339(sourceDateEpoch) }

    public static func rfc3339(_ seconds: Int64) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }
}

/// The digests of one platform's image.
public struct PlatformImage: Codable, Equatable {
    public let target: String
    public let platform: String
    public let manifest: String
    public let config: String
    public let layers: [String]
    public let caCertificates: Bool
    /// The referrer manifest that attaches the SBOM, when one was given.
    public let sbomReferrer: String?
}

/// The written image: where it is and its digests.
public struct OCIImageResult: Codable, Equatable {
    public let reference: String
    /// The OCI image-layout directory.
    public let layout: String
    /// One tar: the same layout plus docker's manifest.json (`podman load`, `docker load`, skopeo's `oci-archive:`/`docker-archive:`).
    public let archive: String
    /// What the tag names: the manifest (one target) or the image index (several).
    public let digest: String
    public let mediaType: String
    public let platforms: [PlatformImage]
}

/// Writes a FROM-scratch image, deterministically: the same inputs give the same bytes and digests.
///
/// Each platform gets two layers: a base (/etc/passwd, /etc/group, /tmp, the CA bundle when
/// needed), which is the same for every program built with the same epoch, and the
/// executables in /usr/local/bin. One platform: index.json names its manifest. Several:
/// index.json names an image index that lists one manifest per platform. An SBOM is an
/// OCI 1.1 artifact manifest whose `subject` is the platform's manifest; index.json lists
/// it untagged, so referrer-aware tools find it without scanning blobs.
public struct OCIImageWriter {
    public let settings: ImageSettings

    public init(settings: ImageSettings) { self.settings = settings }

    public func write(_ platforms: [ImagePlatformInput], layout: String, archive: String) throws -> OCIImageResult {
        guard !platforms.isEmpty else {
            throw CargoStaticError(.badInput, "the image has no platform", fix: "build at least one target")
        }
        let staging = layout + ".partial"
        try FileSystem.removeTree(staging)
        do {
            return try write(platforms, staging: staging, layout: layout, archive: archive)
        } catch {
            try? FileSystem.removeTree(staging)
            throw error
        }
    }

    private func write(_ platforms: [ImagePlatformInput], staging: String, layout: String, archive: String) throws -> OCIImageResult {
        let platformsByName = try platforms.map { try OCIPlatform.forTriple($0.target).description }
        if let twice = platformsByName.first(where: { p in platformsByName.filter { $0 == p }.count > 1 }) {
            throw CargoStaticError(.badInput, "two targets make the same platform, \(twice): an image index holds one image per platform",
                                   fix: "build the image for one of them (e.g. i686 or i586, not both)")
        }
        let store = try BlobStore(layout: staging)
        var images: [PlatformImage] = []
        var manifests: [OCIDescriptor] = []
        var referrers: [OCIDescriptor] = []
        var dockerEntries: [JSONValue] = []
        for input in platforms {
            let platform = try OCIPlatform.forTriple(input.target)
            let (manifest, config, layers) = try writeImage(input, platform: platform, store: store)
            manifests.append(manifest)
            var referrer: OCIDescriptor? = nil
            if let sbom = input.sbom {
                referrer = try writeSBOMReferrer(sbom, subject: manifest, store: store)
                referrers.append(referrer!)
            }
            images.append(PlatformImage(target: input.target, platform: platform.description, manifest: manifest.blob.digest,
                                        config: config.blob.digest, layers: layers.map(\.blob.digest),
                                        caCertificates: input.caCertificates, sbomReferrer: referrer?.blob.digest))
            // docker's own loader reads manifest.json: only the first platform, since docker loads every
            // entry and a later one with the same tag would take it. The name is spelled out in full so
            // that podman names the image as it does when it reads index.json.
            if dockerEntries.isEmpty {
                dockerEntries.append(.object([
                    "Config": .string("blobs/sha256/" + config.blob.hex),
                    "RepoTags": .strings([settings.reference.fullyQualified]),
                    "Layers": .strings(layers.map { "blobs/sha256/" + $0.blob.hex }),
                ]))
            }
        }
        var top: OCIDescriptor
        if manifests.count == 1 {
            top = manifests[0]
        } else {
            let index = JSONValue.object(["schemaVersion": .int(2), "mediaType": .string(OCIMediaType.index),
                                          "manifests": .array(manifests.map(\.json))])
            top = OCIDescriptor(mediaType: OCIMediaType.index, blob: try store.put(index.data))
        }
        // The name as written, and `name:latest` too when the tag was left out (both found by `oci:DIR:…`).
        var named: [OCIDescriptor] = []
        for name in [settings.referenceName ?? settings.reference.description, settings.reference.description] where !named.contains(where: { $0.annotations["org.opencontainers.image.ref.name"] == name }) {
            var entry = top
            entry.annotations = ["org.opencontainers.image.ref.name": name, "io.containerd.image.name": settings.reference.fullyQualified]
            named.append(entry)
        }
        let index = JSONValue.object(["schemaVersion": .int(2), "mediaType": .string(OCIMediaType.index),
                                      "manifests": .array(named.map(\.json) + referrers.map(\.json))])
        try FileSystem.write(index.data, to: staging + "/index.json")
        try FileSystem.write(JSONValue.object(["imageLayoutVersion": .string("1.0.0")]).data, to: staging + "/oci-layout")
        try FileSystem.write(JSONValue.array(dockerEntries).data, to: staging + "/manifest.json")

        try FileSystem.replaceDirectory(layout, with: staging)
        try writeArchive(of: layout, to: archive)
        return OCIImageResult(reference: settings.reference.description, layout: layout, archive: archive,
                              digest: top.blob.digest, mediaType: top.mediaType, platforms: images)
    }

    /// The base and executable layers, the config and the manifest of one platform.
    private func writeImage(_ input: ImagePlatformInput, platform: OCIPlatform, store: BlobStore) throws
        -> (manifest: OCIDescriptor, config: OCIDescriptor, layers: [OCIDescriptor]) {
        guard input.executables.contains(where: { $0.name == settings.entrypoint }) else {
            throw CargoStaticError(.badInput, "the entrypoint \(settings.entrypoint) is not among the executables built for \(input.target) (\(input.executables.map(\.name).joined(separator: ", ")))",
                                   fix: "choose one of them with --entrypoint NAME")
        }
        let epoch = settings.sourceDateEpoch
        let base = try store.putTar(try baseLayer(caCertificates: input.caCertificates), mtime: epoch)
        let app = try store.putTar(input.executables.map { TarEntry.file(ImageLayout.binDirectory + "/" + $0.name, mode: 0o755, from: $0.path) },
                                   mtime: epoch)
        let layers = [base, app].map { OCIDescriptor(mediaType: OCIMediaType.layer, blob: $0) }
        let config = OCIDescriptor(mediaType: OCIMediaType.config,
                                   blob: try store.put(configJSON(input, platform: platform, diffIDs: [base.digest, app.digest]).data))
        let manifest = JSONValue.object([
            "schemaVersion": .int(2), "mediaType": .string(OCIMediaType.manifest),
            "config": config.json, "layers": .array(layers.map(\.json)),
        ])
        return (OCIDescriptor(mediaType: OCIMediaType.manifest, blob: try store.put(manifest.data), platform: platform), config, layers)
    }

    /// /etc/passwd and /etc/group with the non-root user, /tmp (1777), and the CA bundle when asked.
    func baseLayer(caCertificates: Bool) throws -> [TarEntry] {
        var entries: [TarEntry] = [
            .file("etc/passwd", bytes: Data(ImageLayout.passwd.utf8)),
            .file("etc/group", bytes: Data(ImageLayout.group.utf8)),
            .directory("tmp", mode: 0o1777),
        ]
        if caCertificates {
            guard FileManager.default.isReadableFile(atPath: settings.caBundle) else {
                throw CargoStaticError(.badInput, "the CA bundle \(settings.caBundle) is missing; the image needs it because the program does TLS",
                                       fix: "install Debian's ca-certificates (apt-get install ca-certificates), or build without it: --no-ca-certificates")
            }
            entries.append(.file(String(ImageLayout.caBundlePath.dropFirst()), from: settings.caBundle))
        }
        return entries
    }

    func configJSON(_ input: ImagePlatformInput, platform: OCIPlatform, diffIDs: [String]) -> JSONValue {
        var env = ["PATH=" + ImageLayout.binDirectory]
        if input.caCertificates { env.append("SSL_CERT_FILE=" + ImageLayout.caBundlePath) }
        var labels = settings.labels
        labels["org.opencontainers.image.created"] = settings.created
        let created = JSONValue.string(settings.created)
        let baseFiles = "/etc/passwd /etc/group /tmp" + (input.caCertificates ? " " + ImageLayout.caBundlePath : "")
        let binaries = input.executables.map { ImageLayout.binDirectory + "/" + $0.name }.joined(separator: " ")
        var fields: [String: JSONValue] = [
            "created": created,
            "architecture": .string(platform.architecture),
            "os": .string(platform.os),
            "config": .object([
                "User": .string("\(ImageLayout.uid):\(ImageLayout.uid)"),
                "Entrypoint": .strings([ImageLayout.binDirectory + "/" + settings.entrypoint]),
                "Env": .strings(env),
                "WorkingDir": .string(ImageLayout.workingDir),
                "Labels": .strings(labels),
            ]),
            "rootfs": .object(["type": .string("layers"), "diff_ids": .strings(diffIDs)]),
            "history": .array([
                .object(["created": created, "created_by": .string("cargo-static image: base \(baseFiles)")]),
                .object(["created": created, "created_by": .string("cargo-static image: \(binaries) (\(input.target))")]),
            ]),
        ]
        if let variant = platform.variant { fields["variant"] = .string(variant) }
        return .object(fields)
    }

    /// The SBOM as an artifact manifest: artifactType and layer of the SBOM's media type,
    /// the empty config, and `subject` = the platform's manifest.
    private func writeSBOMReferrer(_ path: String, subject: OCIDescriptor, store: BlobStore) throws -> OCIDescriptor {
        let document = try Data(contentsOf: URL(fileURLWithPath: path))
        let type = try Self.sbomMediaType(document, path: path)
        let empty = OCIDescriptor(mediaType: OCIMediaType.empty, blob: try store.put(Data("{}".utf8)))
        let layer = OCIDescriptor(mediaType: type, blob: try store.put(document),
                                  annotations: ["org.opencontainers.image.title": URL(fileURLWithPath: path).lastPathComponent])
        var subjectRef = subject
        subjectRef.platform = nil
        let annotations = ["org.opencontainers.image.created": settings.created]
        let manifest = JSONValue.object([
            "schemaVersion": .int(2), "mediaType": .string(OCIMediaType.manifest), "artifactType": .string(type),
            "config": empty.json, "layers": .array([layer.json]), "subject": subjectRef.json,
            "annotations": .strings(annotations),
        ])
        return OCIDescriptor(mediaType: OCIMediaType.manifest, blob: try store.put(manifest.data), artifactType: type, annotations: annotations)
    }

    /// SPDX JSON has `spdxVersion`; CycloneDX JSON has `"bomFormat": "CycloneDX"`.
    public static func sbomMediaType(_ document: Data, path: String) throws -> String {
        let object = try? JSONDecoder().decode(JSONValue.self, from: document)
        if object?["spdxVersion"]?.stringValue != nil { return OCIMediaType.spdx }
        if object?["bomFormat"]?.stringValue == "CycloneDX" { return OCIMediaType.cycloneDX }
        throw CargoStaticError(.badInput, "\(path) is neither an SPDX nor a CycloneDX JSON document",
                               fix: "attach an SBOM in SPDX JSON (with spdxVersion) or CycloneDX JSON (with \"bomFormat\": \"CycloneDX\")")
    }

    /// The layout as one tar, written beside the target and renamed into place.
    private func writeArchive(of layout: String, to archive: String) throws {
        let fm = FileManager.default
        guard let files = fm.enumerator(atPath: layout)?.allObjects as? [String] else {
            throw CargoStaticError(.commandFailed, "cannot list \(layout)")
        }
        let entries = files.compactMap { relative -> TarEntry? in
            var isDir: ObjCBool = false
            _ = fm.fileExists(atPath: layout + "/" + relative, isDirectory: &isDir)
            return isDir.boolValue ? nil : .file(relative, from: layout + "/" + relative)
        }
        try Tar.write(entries, mtime: settings.sourceDateEpoch, to: archive)
    }
}

/// blobs/sha256/<hex> under a layout directory.
struct BlobStore {
    let directory: String

    init(layout: String) throws {
        directory = layout + "/blobs/sha256"
        try FileSystem.makeDirectory(directory)
    }

    func put(_ data: Data) throws -> BlobInfo {
        let info = BlobInfo(digest: "sha256:" + SHA256.hex(data), size: Int64(data.count))
        try FileSystem.write(data, to: directory + "/" + info.hex)
        return info
    }

    func putTar(_ entries: [TarEntry], mtime: Int64) throws -> BlobInfo {
        let partial = directory + "/.partial-layer"
        let info = try Tar.write(entries, mtime: mtime, to: partial)
        try FileSystem.rename(partial, to: directory + "/" + info.hex)
        return info
    }
}
