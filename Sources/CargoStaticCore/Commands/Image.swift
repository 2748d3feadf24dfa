import Foundation

/// What `cargo-static image` was asked for, on top of the build (`BuildRequest.image`).
public struct ImageRequest: Equatable {
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

    public init(tag: String? = nil, output: String? = nil, entrypoint: String? = nil,
                caCertificates: Bool? = nil, caBundle: String? = nil, sbom: String? = nil, labels: [String: String] = [:]) {
        self.tag = tag
        self.output = output
        self.entrypoint = entrypoint
        self.caCertificates = caCertificates
        self.caBundle = caBundle
        self.sbom = sbom
        self.labels = labels
    }

    /// Every SBOM document given (relative to the project's directory or absolute).
    var sboms: [String] { [sbom].compactMap { $0 } + sbomsByTarget.keys.sorted().compactMap { sbomsByTarget[$0] } }

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

/// The executor's image step: the planned image, with the executables the build made.
struct ImageBuilder {
    let reporter: Reporter

    /// `results` are the plan's targets' results, in its order.
    func run(_ step: ImageStep, results: [TargetResult]) throws -> OCIImageResult {
        guard let first = results.first else {
            throw CargoStaticError(.badInput, "the build produced nothing to put in an image", fix: "build at least one target")
        }
        let entrypoint = try step.chooseEntrypoint(first.executables)
        let package = step.package(of: entrypoint)
        var inputs: [ImagePlatformInput] = []
        for (platform, result) in zip(step.platforms, results) {
            let programs = result.executables.filter { !$0.isTest }
            let verdict = platform.certificates(packages: Array(Set(programs.map(ImageStep.packageName))),
                                                nativeLibraries: result.nativeLibraries.map(\.name.name))
            reporter.info("image for \(result.target): CA certificates \(verdict.needsCertificates ? "included" : "not included") (\(verdict.reason))")
            inputs.append(ImagePlatformInput(target: result.target.triple, executables: programs.map { .init(name: $0.name, path: $0.path) },
                                             sbom: platform.sbom, caCertificates: verdict.needsCertificates))
        }
        let name = step.name(for: package)
        reporter.detail("image created \(ImageSettings.rfc3339(step.created)) (\(step.createdOrigin))")
        try FileSystem.makeDirectory(step.output)
        var settings = ImageSettings(entrypoint: entrypoint.name, reference: try ImageReference(name), labels: step.labels(for: package),
                                     sourceDateEpoch: step.created, caBundle: step.caBundle)
        settings.referenceName = name
        return try OCIImageWriter(settings: settings).write(inputs, layout: step.layout, archive: step.archive)
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
           let seconds = Int64(log.output.trimmed()) {
            return (seconds, "the project's last commit")
        }
        let times = [manifest, dir + "/Cargo.lock"].compactMap { path -> Int64? in
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date).map { Int64($0.timeIntervalSince1970) }
        }
        if let newest = times.max() { return (newest, "the time of Cargo.toml/Cargo.lock: no SOURCE_DATE_EPOCH and no git commit") }
        return (0, "no SOURCE_DATE_EPOCH, git commit or manifest time")
    }

    /// The commit the project's directory is at, when it is in a git work tree (the revision label).
    public static func revision(manifest: String, runner: Runner) -> String? {
        guard runner.which("git") != nil else { return nil }
        let dir = (manifest as NSString).deletingLastPathComponent
        guard let result = try? runner.capture(Command("git", ["-C", dir, "rev-parse", "--verify", "HEAD"])), result.succeeded else { return nil }
        let revision = result.output.trimmed()
        return revision.count == 40 || revision.count == 64 ? revision : nil
    }
}
