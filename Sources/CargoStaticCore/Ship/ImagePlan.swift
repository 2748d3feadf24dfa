import Foundation

/// `image`: the plan's last step, run once every target is built. Everything is decided
/// when planning (name, directory, date, labels, SBOMs, the CA rule and the TLS crates each
/// package reaches) except what only the build knows: which executables came out, so the
/// entrypoint (unless --entrypoint) and the packages the CA detection starts from.
public struct ImageStep: Codable, Equatable {
    /// --entrypoint; nil: the only executable built, else the one named like its package.
    public let entrypoint: String?
    /// --tag; nil: `<package>:<version>` of the entrypoint's package.
    public let tag: String?
    /// Where `oci/` and `image.tar` go: --output, else `<cargo target dir>/image`.
    public let output: String
    /// The image's time (SOURCE_DATE_EPOCH, the last commit or the manifest's time) and where it came from.
    public let created: Int64
    public let createdOrigin: String
    /// Over the entrypoint package's own labels: the git revision, then --label.
    public let labels: [String: String]
    /// The workspace's packages with the labels Cargo.toml gives each.
    public let packages: [ImagePackage]
    /// The CA bundle put into images that need one.
    public let caBundle: String
    /// One per target, in the plan's order: one multi-platform index.
    public let platforms: [ImagePlatformStep]

    public var layout: String { output + "/oci" }
    public var archive: String { output + "/image.tar" }

    /// --entrypoint, else the only executable, else the one named like its package.
    public func chooseEntrypoint(_ executables: [BuiltExecutable]) throws -> BuiltExecutable {
        let programs = executables.filter { !$0.isTest }
        let names = programs.map(\.name)
        if let wanted = entrypoint {
            guard let chosen = programs.first(where: { $0.name == wanted }) else {
                throw CargoStaticError(.badInput, "--entrypoint \(wanted) is not an executable of this build (it built: \(names.joined(separator: ", ")))",
                                       fix: "name one of those, or build it with --bin \(wanted)")
            }
            return chosen
        }
        if programs.count == 1 { return programs[0] }
        if let same = programs.first(where: { Self.packageName($0) == $0.name }) { return same }
        throw CargoStaticError(.badInput, names.isEmpty ? "the build produced no executable for the image"
                                                        : "the build produced several executables (\(names.joined(separator: ", "))) and none is named like its package",
                               fix: names.isEmpty ? "build a binary crate (or pass --bin NAME)" : "choose the one the container runs with --entrypoint NAME")
    }

    /// The package an executable belongs to (`BuiltExecutable.package` is cargo's "name version (source)").
    static func packageName(_ executable: BuiltExecutable) -> String {
        String(executable.package.split(separator: " ").first ?? Substring(executable.package))
    }

    /// The entrypoint's package as planned (a package the plan did not see gets its name alone).
    func package(of executable: BuiltExecutable) -> ImagePackage {
        let name = Self.packageName(executable)
        return packages.first { $0.name == name } ?? ImagePackage(name: name, version: nil, labels: ["org.opencontainers.image.title": name])
    }

    /// --tag, else the package's name and version.
    func name(for package: ImagePackage) -> String { tag ?? "\(package.name):\(package.version ?? "latest")" }

    /// The package's labels, then the planned ones (revision, --label) over them.
    func labels(for package: ImagePackage) -> [String: String] { package.labels.merging(labels) { _, planned in planned } }
}

/// A workspace package as the image names it.
public struct ImagePackage: Codable, Equatable {
    public let name: String
    public let version: String?
    /// org.opencontainers.image.{title,version,source,description,licenses,url,documentation} from Cargo.toml.
    public let labels: [String: String]
}

/// One platform of the image.
public struct ImagePlatformStep: Codable, Equatable {
    public let target: Target
    /// The SBOM document attached to this platform's manifest (--attach-sbom), absolute.
    public let sbom: String?
    /// Decided by the command line (--ca-certificates, --no-ca-certificates, --ca-bundle); nil: detected.
    public let certificates: TLSDetection.Verdict?
    /// Workspace package -> the TLS crates among its run-time dependencies for this target
    /// (only packages that reach one).
    public let tlsCrates: [String: [String]]

    /// Whether the CA bundle goes in, for the packages whose executables were built and the
    /// C libraries built into them.
    public func certificates(packages: [String], nativeLibraries: [String]) -> TLSDetection.Verdict {
        certificates ?? TLSDetection.decide(crates: Array(Set(packages.flatMap { tlsCrates[$0] ?? [] })).sorted(),
                                            nativeLibraries: nativeLibraries, override: nil)
    }
}

/// What discovery found for an image: its date and the project's git revision.
struct ImageFacts: Equatable {
    var created: Int64
    var createdOrigin: String
    var revision: String?
}

/// Decides the image step from the request and the facts: reads no file, runs no command.
enum ImagePlanner {
    static func plan(_ request: ImageRequest, facts: ImageFacts, targets: [(plan: TargetPlan, metadata: CargoMetadata)],
                     context: Context) throws -> ImageStep {
        guard let first = targets.first else {
            throw CargoStaticError(.badInput, "the build produced nothing to put in an image", fix: "build at least one target")
        }
        _ = try request.tag.map(ImageReference.init)
        let metadata = first.metadata
        let members = Set(metadata.workspaceMembers)
        let packages = metadata.packageList.filter { members.contains($0.id) }.map { package -> ImagePackage in
            let project = ProjectFacts(metadata: metadata, package: package.name)
            return ImagePackage(name: project.name, version: project.version, labels: project.labels)
        }
        var labels: [String: String] = [:]
        if let revision = facts.revision { labels["org.opencontainers.image.revision"] = revision }
        labels.merge(request.labels) { _, given in given }
        let certificates = request.caCertificates == nil && request.caBundle != nil
            ? TLSDetection.Verdict(needsCertificates: true, reason: "--ca-bundle")
            : request.caCertificates.map { TLSDetection.decide(crates: [], nativeLibraries: [], override: $0) }
        let platforms = targets.map { target -> ImagePlatformStep in
            var tls: [String: [String]] = [:]
            for package in packages {
                let crates = TLSDetection.runtimeCrates(metadata: target.metadata, roots: [package.name]).filter(TLSDetection.tlsCrates.contains)
                if !crates.isEmpty { tls[package.name] = crates }
            }
            return ImagePlatformStep(target: target.plan.target,
                                     sbom: (request.sbomsByTarget[target.plan.target.triple] ?? request.sbom).map(context.absolute),
                                     certificates: certificates, tlsCrates: tls)
        }
        let targetDirectory = first.plan.targetDirectory.isEmpty ? context.directory + "/target" : first.plan.targetDirectory
        return ImageStep(entrypoint: request.entrypoint, tag: request.tag, output: request.output.map(context.absolute) ?? targetDirectory + "/image",
                         created: facts.created, createdOrigin: facts.createdOrigin, labels: labels, packages: packages,
                         caBundle: request.caBundle.map(context.absolute) ?? ImageLayout.hostCABundle, platforms: platforms)
    }
}
