import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `cache push` and `cache pull`: the cache's entries through an OCI registry. Each entry
/// is one artifact (`RegistryDocuments`): its blob is the tar `cache export` writes for it
/// alone, so a pull hands the downloaded blobs to `CacheTransfer.importArchives`, with all
/// of import's checks and its all-or-nothing publication; the tag names an image index of the entries' manifests.
public enum RegistryTransfer {
    public struct Moved: Codable {
        public let entry: String
        public let digest: String
        public let bytes: Int
        public let outcome: String
    }

    public static func push(_ store: CacheStore, to reference: RegistryReference, matching patterns: [String],
                            context: Context, reporter: Reporter) throws -> [Moved] {
        let found = CacheArea.allCases.filter(\.transferable).flatMap { store.entries($0) }.filter { entry in
            patterns.isEmpty || patterns.contains { entry.name.contains($0) || (entry.group?.contains($0) ?? false) }
        }
        guard !found.isEmpty else {
            throw CargoStaticError(.badInput, "no cache entry in \(store.layout.shown) matches " + (patterns.isEmpty ? "(the cache is empty)" : patterns.map { "`\($0)`" }.joined(separator: " or ")),
                                   fix: "`cargo-static cache list` and `cargo-static deps list` show the entries; a build creates them")
        }
        let scratch = try FileSystem.temporaryDirectory(in: store.layout.root.isEmpty ? "/tmp" : store.layout.work, label: "push")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let client = try RegistryClient(reference, context: context, scratch: scratch)
        try client.pushBlob(RegistryDocuments.empty, digest: RegistryDocuments.digest(RegistryDocuments.empty))
        var descriptors: [RegistryDocuments.Descriptor] = []
        var moved: [Moved] = []
        for entry in found {
            let label = ([entry.area.rawValue, entry.group].compactMap { $0 } + [entry.name]).joined(separator: "/")
            let file = scratch + "/entry.tar"
            // The entry alone, checked against its manifest, as `cache export` writes it.
            let exported = try CacheTransfer.export(store, to: file, matching: [entry.name], reporter: Reporter(quiet: true))
            guard exported.count == 1, exported[0].entry == label else {
                throw CargoStaticError(.commandFailed, "the export of \(label) did not hold exactly that entry")
            }
            let blob = try Data(contentsOf: URL(fileURLWithPath: file))
            let digest = RegistryDocuments.digest(blob)
            reporter.info("pushing \(label) (\(blob.count / 1_048_576) MiB)")
            try client.pushBlob(blob, digest: digest)
            let key = FileManager.default.contents(atPath: entry.directory + "/entry.json")
                .flatMap { try? JSONDecoder().decode(CacheStore.StoredKey.self, from: $0) }?.key ?? ""
            let manifestDigest = FileManager.default.contents(atPath: entry.directory + "/manifest.json").map(SHA256.hex) ?? ""
            let manifest = try RegistryDocuments.encode(RegistryDocuments.entryManifest(
                entry: label, key: key, manifestSHA256: manifestDigest, blobDigest: digest, blobSize: blob.count))
            let manifestDigestRef = RegistryDocuments.digest(manifest)
            try client.putManifest(manifest, mediaType: RegistryDocuments.manifestType, reference: manifestDigestRef)
            descriptors.append(.init(mediaType: RegistryDocuments.manifestType, digest: manifestDigestRef, size: manifest.count,
                                     artifactType: RegistryDocuments.artifactType, annotations: [RegistryDocuments.entryAnnotation: label]))
            moved.append(Moved(entry: label, digest: digest, bytes: blob.count, outcome: "pushed"))
        }
        let index = try RegistryDocuments.encode(RegistryDocuments.Index(manifests: descriptors))
        try client.putManifest(index, mediaType: RegistryDocuments.indexType, reference: reference.tag)
        return moved
    }

    /// Downloads every entry the tag lists (digests checked), then imports them all at once
    /// through `CacheTransfer.importArchives`, with the checks of any import: all or nothing.
    public static func pull(_ store: CacheStore, from reference: RegistryReference, context: Context, reporter: Reporter) throws -> [Moved] {
        try FileSystem.makeDirectory(store.layout.work)
        let scratch = try FileSystem.temporaryDirectory(in: store.layout.work, label: "pull")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let client = try RegistryClient(reference, context: context, scratch: scratch)
        let indexData = try client.manifest(reference.tag, accept: RegistryDocuments.indexType)
        guard let index = try? JSONDecoder().decode(RegistryDocuments.Index.self, from: indexData),
              index.mediaType == RegistryDocuments.indexType else {
            throw CargoStaticError(.badInput, "\(reference) is not a cache pushed by cargo-static (not an OCI image index of cache entries)",
                                   fix: "push one with `cargo-static cache push \(reference)`")
        }
        var downloaded: [(file: String, label: String, digest: String, bytes: Int)] = []
        for (n, descriptor) in index.manifests.enumerated() where descriptor.artifactType == RegistryDocuments.artifactType {
            let data = try client.manifest(descriptor.digest, accept: RegistryDocuments.manifestType)
            guard let manifest = try? JSONDecoder().decode(RegistryDocuments.Manifest.self, from: data),
                  manifest.artifactType == RegistryDocuments.artifactType, manifest.layers.count == 1,
                  manifest.layers[0].mediaType == RegistryDocuments.layerType else {
                throw CargoStaticError(.cacheDamaged, "\(reference): the manifest \(descriptor.digest) is not a cargo-static cache entry; nothing was imported",
                                       fix: "push the cache again with `cargo-static cache push \(reference)`")
            }
            let label = manifest.annotations?[RegistryDocuments.entryAnnotation] ?? descriptor.digest
            reporter.info("pulling \(label) (\(manifest.layers[0].size / 1_048_576) MiB)")
            let blob = try client.blob(manifest.layers[0].digest)
            let file = scratch + "/\(n).tar"
            try FileSystem.write(blob, to: file)
            downloaded.append((file, label, manifest.layers[0].digest, blob.count))
        }
        guard !downloaded.isEmpty else {
            throw CargoStaticError(.badInput, "\(reference) lists no cache entry", fix: "push one with `cargo-static cache push \(reference)`")
        }
        // One import of every blob: all checked before any entry is published.
        let moved = try CacheTransfer.importArchives(downloaded.map(\.file), into: store, reporter: reporter)
        guard moved.map(\.entry) == downloaded.map(\.label) else {
            throw CargoStaticError(.cacheDamaged, "\(reference): the blobs held \(moved.map(\.entry).joined(separator: ", ")), not the entries their manifests name (\(downloaded.map(\.label).joined(separator: ", ")))",
                                   fix: "push the cache again with `cargo-static cache push \(reference)`")
        }
        return zip(moved, downloaded).map { Moved(entry: $0.entry, digest: $1.digest, bytes: $1.bytes, outcome: $0.outcome ?? "imported") }
    }
}
