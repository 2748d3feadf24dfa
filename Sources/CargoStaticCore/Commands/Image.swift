import Foundation

/// What `cargo-static image` was asked for.
public struct ImageRequest {
    /// The build (mode .build): targets, cargo's arguments, the project's directory.
    public var build: BuildRequest
    /// --tag NAME[:TAG]; default `<package>:<version>`.
    public var tag: String?
    /// --output DIR; default `<cargo target dir>/image`.
    public var output: String?
    /// --entrypoint NAME, needed when the build makes several executables.
    public var entrypoint: String?
    /// --ca-certificates / --no-ca-certificates; nil: detected (`TLSDetection`), or yes when --ca-bundle is given.
    public var caCertificates: Bool?
    /// --ca-bundle FILE: the PEM bundle to put in (default: Debian's ca-certificates bundle).
    public var caBundle: String?
    /// --attach-sbom FILE: an SPDX or CycloneDX JSON document attached to every platform's manifest.
    public var sbom: String?
    /// Per-target SBOM documents (target triple -> file), ahead of `sbom`: for a generator that writes one per target.
    public var sbomsByTarget: [String: String] = [:]
    /// --label KEY=VALUE, over the labels read from Cargo.toml and git.
    public var labels: [String: String]

    public init(build: BuildRequest, tag: String? = nil, output: String? = nil, entrypoint: String? = nil,
                caCertificates: Bool? = nil, caBundle: String? = nil, sbom: String? = nil, labels: [String: String] = [:]) {
        self.build = build
        self.tag = tag
        self.output = output
        self.entrypoint = entrypoint
        self.caCertificates = caCertificates
        self.caBundle = caBundle
        self.sbom = sbom
        self.labels = labels
    }

    /// $SOURCE_DATE_EPOCH, read as every command reads it (nil: `ImageDate` takes the project's last commit).
    func sourceDateEpoch() throws -> Int64? { try build.context.sourceDateEpoch().map(Int64.init) }

    /// "KEY=VALUE" strings -> labels.
    public static func parseLabels(_ items: [String]) throws -> [String: String] {
        var labels: [String: String] = [:]
        for item in items {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw CargoStaticError(.badInput, "--label \(item) is not KEY=VALUE", fix: "write it as --label org.opencontainers.image.vendor=ACME")
            }
            labels[String(item[..<eq])] = String(item[item.index(after: eq)...])
        }
        return labels
    }
}

/// `cargo-static image`: build as `build` does, then write a FROM-scratch OCI image of the executables.
public final class ImageBuild {
    public let request: ImageRequest
    public let session: Session
    var runner: Runner { session.runner }
    var reporter: Reporter { session.reporter }

    public init(request: ImageRequest, session: Session) {
        self.request = request
        self.session = session
    }

    public func run() throws -> OCIImageResult {
        let epoch = try request.sourceDateEpoch()   // fail before building
        _ = try request.tag.map(ImageReference.init)
        for sbom in [request.sbom].compactMap({ $0 }) + request.sbomsByTarget.values {
            guard let document = FileManager.default.contents(atPath: absolute(sbom)) else {
                throw CargoStaticError(.badInput, "the SBOM \(sbom) cannot be read", fix: "check the --attach-sbom path")
            }
            _ = try OCIImageWriter.sbomMediaType(document, path: sbom)
        }
        let results = try BuildCommands.build(request.build, session)
        return try write(results, epoch: epoch)
    }

    /// The image of a finished build (one result per target, in --target order).
    public func write(_ results: [TargetResult]) throws -> OCIImageResult {
        try write(results, epoch: try request.sourceDateEpoch())
    }

    private func write(_ results: [TargetResult], epoch given: Int64?) throws -> OCIImageResult {
        guard let first = results.first else {
            throw CargoStaticError(.badInput, "the build produced nothing to put in an image", fix: "build at least one target")
        }
        let entrypoint = try chooseEntrypoint(first)
        let package = first.executables.first { $0.name == entrypoint && !$0.isTest }!.package
        let packageName = String(package.split(separator: " ").first ?? Substring(package))
        var inputs: [ImagePlatformInput] = []
        var project: ProjectFacts? = nil
        for result in results {
            let metadata = try cargoMetadata(target: result.target.triple)
            if project == nil { project = ProjectFacts(metadata: metadata, package: packageName) }
            let programs = result.executables.filter { !$0.isTest }
            let roots = Set(programs.map { String($0.package.split(separator: " ").first ?? "") })
            let verdict = request.caCertificates == nil && request.caBundle != nil
                ? TLSDetection.Verdict(needsCertificates: true, reason: "--ca-bundle")
                : TLSDetection.decide(crates: TLSDetection.runtimeCrates(metadata: metadata, roots: Array(roots)),
                                      nativeLibraries: result.nativeLibraries.map(\.name), override: request.caCertificates)
            reporter.info("image for \(result.target): CA certificates \(verdict.needsCertificates ? "included" : "not included") (\(verdict.reason))")
            inputs.append(ImagePlatformInput(target: result.target.triple, executables: programs.map { .init(name: $0.name, path: $0.path) },
                                             sbom: (request.sbomsByTarget[result.target.triple] ?? request.sbom).map(absolute),
                                             caCertificates: verdict.needsCertificates))
        }
        let facts = project!
        let name = request.tag ?? "\(facts.name):\(facts.version ?? "latest")"
        let reference = try ImageReference(name)
        let manifest = try request.build.manifestPath()
        let (epoch, origin) = ImageDate.resolve(given: given, manifest: manifest, runner: runner)
        reporter.detail("image created \(ImageSettings.rfc3339(epoch)) (\(origin))")
        var labels = facts.labels
        if let revision = gitRevision() { labels["org.opencontainers.image.revision"] = revision }
        labels.merge(request.labels) { _, given in given }
        let output = request.output.map(absolute) ?? (targetDirectory(facts) + "/image")
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        var settings = ImageSettings(entrypoint: entrypoint, reference: reference, labels: labels, sourceDateEpoch: epoch,
                                     caBundle: request.caBundle.map(absolute) ?? ImageLayout.hostCABundle)
        settings.referenceName = name
        return try OCIImageWriter(settings: settings).write(inputs, layout: output + "/oci", archive: output + "/image.tar")
    }

    /// --entrypoint, else the only executable, else the one named like its package.
    func chooseEntrypoint(_ result: TargetResult) throws -> String {
        let names = result.executables.filter { !$0.isTest }.map(\.name)
        if let wanted = request.entrypoint {
            guard names.contains(wanted) else {
                throw CargoStaticError(.badInput, "--entrypoint \(wanted) is not an executable of this build (it built: \(names.joined(separator: ", ")))",
                                       fix: "name one of those, or build it with --bin \(wanted)")
            }
            return wanted
        }
        if names.count == 1 { return names[0] }
        if let same = result.executables.first(where: { !$0.isTest && $0.package.split(separator: " ").first.map(String.init) == $0.name }) {
            return same.name
        }
        throw CargoStaticError(.badInput, names.isEmpty ? "the build produced no executable for the image"
                                                        : "the build produced several executables (\(names.joined(separator: ", "))) and none is named like its package",
                               fix: names.isEmpty ? "build a binary crate (or pass --bin NAME)" : "choose the one the container runs with --entrypoint NAME")
    }

    /// `cargo metadata` for one target: the resolved graph (TLS detection) and Cargo.toml's fields.
    private func cargoMetadata(target triple: String) throws -> CargoMetadata {
        let target = try Target(triple)
        let toolchain = try ToolchainDiscovery(runner: runner, probes: ProbeCache(file: session.layout.probes))
            .choose(for: target, requested: request.build.toolchain).toolchain
        return try ProjectMetadata.load(toolchain: toolchain, target: target, request: request.build, runner: runner, layout: session.layout)
    }

    /// The commit the project's directory is at, when it is in a git work tree.
    private func gitRevision() -> String? {
        guard let manifest = try? request.build.manifestPath(), runner.which("git") != nil else { return nil }
        let dir = URL(fileURLWithPath: manifest).deletingLastPathComponent().path
        guard let result = try? runner.capture(Command("git", ["-C", dir, "rev-parse", "--verify", "HEAD"])), result.succeeded else { return nil }
        let revision = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return revision.count == 40 || revision.count == 64 ? revision : nil
    }

    /// cargo's --target-dir when given, else the one cargo metadata reports.
    private func targetDirectory(_ facts: ProjectFacts) -> String {
        if let dir = request.build.cargo.targetDir { return absolute(dir) }
        return facts.targetDirectory ?? request.build.directory + "/target"
    }

    private func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : request.build.directory + "/" + path
    }
}

/// What Cargo.toml says about the package whose executable the image runs.
public struct ProjectFacts: Equatable {
    public let name: String
    public let version: String?
    public let targetDirectory: String?
    /// org.opencontainers.image.{title,version,source,description,licenses,url,documentation}
    public let labels: [String: String]

    public init(metadata: CargoMetadata, package name: String) {
        let members = Set(metadata.workspaceMembers)
        let package = metadata.packageList.first { $0.name == name && members.contains($0.id) }
            ?? metadata.packageList.first { $0.name == name }
        self.name = name
        version = package?.version
        targetDirectory = metadata.targetDirectory
        var labels = ["org.opencontainers.image.title": name]
        let fields: [(String?, String)] = [(package?.version, "version"), (package?.repository, "source"), (package?.description, "description"),
                                           (package?.license, "licenses"), (package?.homepage, "url"), (package?.documentation, "documentation")]
        for (value, key) in fields {
            if let value, !value.isEmpty { labels["org.opencontainers.image." + key] = value }
        }
        self.labels = labels
    }
}

/// When the image was made, reproducibly: SOURCE_DATE_EPOCH; else the project's last git
/// commit (`git log -1 --format=%ct`); else the newest of the package's Cargo.toml and
/// Cargo.lock (a crate unpacked from a registry keeps its archive's times). Never 1970 and
/// never "now": the same sources give the same image.
public enum ImageDate {
    public static func resolve(given: Int64?, manifest: String, runner: Runner) -> (Int64, String) {
        if let given { return (given, "SOURCE_DATE_EPOCH") }
        let dir = (manifest as NSString).deletingLastPathComponent
        if runner.which("git") != nil,
           let log = try? runner.capture(Command("git", ["-C", dir, "log", "-1", "--format=%ct"])), log.succeeded,
           let seconds = Int64(log.output.trimmingCharacters(in: .whitespacesAndNewlines)) {
            return (seconds, "the project's last commit")
        }
        let times = [manifest, dir + "/Cargo.lock"].compactMap { path -> Int64? in
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date).map { Int64($0.timeIntervalSince1970) }
        }
        if let newest = times.max() { return (newest, "the time of Cargo.toml/Cargo.lock: no SOURCE_DATE_EPOCH and no git commit") }
        return (0, "no SOURCE_DATE_EPOCH, git commit or manifest time")
    }
}
