import Foundation

/// The result for one produced executable.
public struct BuiltExecutable: Codable {
    public let target: Target
    public let path: String
    public let package: String
    public let packageID: String
    public let name: String
    public let isTest: Bool
    public let audit: Audit
    /// `--check-reproducible`: the second build elsewhere gave the same bytes (nil: not checked).
    public var reproducible: Bool? = nil
    /// cargo's kinds of its target (`bin`, `test`, …).
    public var kinds: [String] = []
    /// The variables cargo would give it when it runs it (`RunEnvironment`), and its package.
    public var runEnvironment: [String: String] = [:]
    public var runPackage: PackageInfo? = nil
    public var verdict: String { Verdict.line(audit) }

    enum CodingKeys: String, CodingKey { case target, path, package, packageID, name, isTest, audit, reproducible, kinds }
}

/// What running a plan made: each target's result, in the plan's order, and the image when
/// the plan has an image step.
public struct PlanResults {
    public var targets: [TargetResult]
    public var image: OCIImageResult?
    /// The plan's `default-run`.
    public var defaultRun: String? = nil
}

/// The result for one target.
public struct TargetResult: Codable {
    public let target: Target
    public let toolchain: String
    public let rustcRelease: String
    public let std: StdOutcome
    public let stdCacheEntry: String?
    public let cToolchain: String
    /// C libraries built for (or found cached for) this target's -sys crates.
    public let nativeLibraries: [ProvidedLibrary]
    /// The malloc linked into the executables (each one's audit confirms it).
    public let allocator: Allocator
    public var executables: [BuiltExecutable]
    public let seconds: Double
    /// The toolchain's `rustc -vV` (cargo's install record keeps it).
    public var rustcVersionInfo = ""

    enum CodingKeys: String, CodingKey {
        case target, toolchain, rustcRelease, std, stdCacheEntry, cToolchain, nativeLibraries, allocator, executables, seconds
    }

    func markedReproducible() -> TargetResult {
        var copy = self
        copy.executables = executables.map { var e = $0; e.reproducible = true; return e }
        return copy
    }
}

/// Where a target's std came from (JSON: "prebuilt", "cache hit", "cache hit after waiting", "built").
public enum StdOutcome: String, Codable {
    case prebuilt, hit = "cache hit", hitAfterWait = "cache hit after waiting", built

    init(_ outcome: CacheStore.Outcome) {
        switch outcome {
        case .hit: self = .hit
        case .hitAfterWait: self = .hitAfterWait
        case .built: self = .built
        }
    }
}

/// One-line verdicts for people.
public enum Verdict {
    public static func line(_ a: Audit) -> String {
        var parts = [a.linkage.rawValue]
        parts.append(a.interpreter == nil ? "no interpreter" : "interpreter \(a.interpreter!)")
        parts.append(a.needed.isEmpty ? "no shared libraries" : "needs \(a.needed.joined(separator: ", "))")
        parts.append("\(a.relro.rawValue) RELRO")
        parts.append(a.nx ? "NX" : "executable stack")
        return parts.joined(separator: ", ")
    }

    /// `hello 558.6 KiB static-pie x86_64`: the summary line of one executable.
    public static func summary(_ e: BuiltExecutable) -> String {
        "\(e.name) \(humanSize(e.audit.size)) \(e.audit.kernelOnly ? e.audit.linkage.rawValue : "NOT static") \(e.target.arch)"
    }
}

/// The per-target summary of a multi-target build.
public enum SummaryTable {
    public static func render(_ results: [TargetResult]) -> String {
        var rows = [["target", "executable", "size", "verdict", "time"]]
        for r in results {
            for e in r.executables {
                rows.append([r.target.triple, e.name, humanSize(e.audit.size), e.audit.kernelOnly ? e.audit.linkage.rawValue + ", kernel-only" : "NOT static",
                             String(format: "%.1f s", r.seconds)])
            }
        }
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { row in row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") }
            .joined(separator: "\n")
    }
}
