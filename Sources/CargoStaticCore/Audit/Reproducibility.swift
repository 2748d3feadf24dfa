import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `build --check-reproducible`: the workspace is copied to another directory and built a
/// second time there, into another target directory, with another umask, time zone and
/// locale, later. (Another cache path is not among the variations: the wrappers in the
/// cache name its path, so a second path to the same cache would rewrite them under the
/// first; a debug build through another cache path still differs in its DWARF.) Every
/// executable, SBOM and debug file must come out byte for byte the same; a difference
/// names the first ELF section (or SBOM line) that differs, with diffoscope's report when
/// diffoscope is installed.
public enum Reproducibility {
    /// What the second build changes, in the report's words.
    public static let variations = [
        "build directory (a copy of the workspace elsewhere)", "target directory", "umask 0077", "time zone (TZ=Etc/GMT-14)",
        "locale (LANG and LC_ALL fr_FR.UTF-8)", "build time",
    ]

    /// The environment of the second build, on top of the first one's.
    static let environment: [String: String?] = ["TZ": "Etc/GMT-14", "LANG": "fr_FR.UTF-8", "LC_ALL": "fr_FR.UTF-8"]

    public struct Difference: Codable, Equatable {
        public let file: String
        public let detail: String
        /// The second build's copy, kept beside the first for comparison.
        public var kept: String? = nil
    }

    public struct Report: Codable {
        public let compared: [String]
        public let differences: [Difference]
        public let variations: [String]
        public var reproducible: Bool { differences.isEmpty }
    }

    /// Builds again with `build` and compares with `first`; throws when anything differs.
    public static func check(_ first: [TargetResult], request: BuildRequest, session: Session,
                             build: (BuildRequest, Session) throws -> [TargetResult]) throws -> Report {
        let manifest = try request.manifestPath()
        let root = workspaceRoot(of: manifest)
        let scratch = try FileSystem.temporaryDirectory(in: request.context.temporaryDirectory, label: "reproducible", purpose: " for the second build",
                                                        fix: "point TMPDIR at a writable directory with room for a second build")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let copy = scratch + "/elsewhere/" + (root as NSString).lastPathComponent
        try copyWorkspace(root, to: copy, skipping: [root + "/target", request.cargo.targetDir.map(request.context.absolute)].compactMap { $0 })
        let second = try secondRequest(request, root: root, copy: copy, manifest: manifest, targetDir: scratch + "/target")
        session.reporter.status("Rebuilding", "a copy of the workspace elsewhere, to check that the build is reproducible")
        let secondSession = Session(context: second.context, quiet: true, verbose: session.reporter.verbose, color: false)
        let previous = umask(0o077)
        let again: [TargetResult]
        do { again = try build(second, secondSession); umask(previous) } catch { umask(previous); throw error }

        var report = compare(first, again, runner: session.runner)
        guard report.reproducible else {
            report = keepSecondCopies(report)
            let kept = report.differences.first { $0.kept != nil }
            let causes = buildScriptCauses(first, again, rewrite: [(copy, root)])
            let fix = causes.isEmpty
                ? "see which section differs above; `cargo-static plan` shows every path and variable the build uses"
                : "the build script of \(Set(causes.map(\.package)).sorted().joined(separator: ", ")) writes something else on every run (above): "
                    + "no setting of the build can fix that; report it to the crate, or use a version whose build script is deterministic"
            report = Report(compared: report.compared, differences: causes.map { Difference(file: $0.file, detail: BuildScriptOutputs.described($0)) } + report.differences,
                            variations: report.variations)
            throw CargoStaticError(.notReproducible, "the build is not reproducible: \(report.differences.count - causes.count) file(s) differ when built again elsewhere",
                                   fix: fix + (kept.map { "; compare the two builds with `diffoscope \($0.file) \($0.kept!)`" } ?? ""),
                                   detail: report.differences.map { "\($0.file): \($0.detail)" + ($0.kept.map { "\n  the second build's copy: \($0)" } ?? "") }
                                       .joined(separator: "\n"))
        }
        for file in report.compared { session.reporter.status("Reproduced", "\(file) (same bytes when built again elsewhere)") }
        return report
    }

    /// The outermost directory above the manifest whose Cargo.toml declares `[workspace]`.
    static func workspaceRoot(of manifest: String) -> String {
        var root = (manifest as NSString).deletingLastPathComponent
        var dir = root
        while dir != "/" && !dir.isEmpty {
            dir = (dir as NSString).deletingLastPathComponent
            if let text = try? String(contentsOfFile: dir + "/Cargo.toml", encoding: .utf8),
               text.split(separator: "\n").contains(where: { $0.trimmingSpaces() == "[workspace]" }) {
                root = dir
            }
        }
        return root
    }

    /// Everything in the workspace but its build output.
    static func copyWorkspace(_ root: String, to copy: String, skipping: [String]) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: copy, withIntermediateDirectories: true)
        for item in try fm.contentsOfDirectory(atPath: root) where !skipping.contains(root + "/" + item) {
            do { try fm.copyItem(atPath: root + "/" + item, toPath: copy + "/" + item) } catch {
                throw FileSystem.explain(error, at: copy)
            }
        }
    }

    /// The same request, pointed at the copy: its manifest, a working directory at the same
    /// place inside it, another target directory, and the other environment.
    /// cargo config files above the workspace (which the copy does not sit under) are
    /// passed with --config.
    static func secondRequest(_ request: BuildRequest, root: String, copy: String, manifest: String,
                              targetDir: String) throws -> BuildRequest {
        let moved = { (path: String) -> String in path == root ? copy : path.hasPrefix(root + "/") ? copy + path.dropFirst(root.count) : copy }
        let config = try CargoConfig.load(context: request.context, cargo: request.cargo)
        let cargoHome = request.context.nonEmpty("CARGO_HOME") ?? request.context.home + "/.cargo"
        let above = config.layers.map(\.origin).filter {
            $0.hasPrefix("/") && !$0.hasPrefix(root + "/") && !$0.hasPrefix(cargoHome + "/") && FileManager.default.fileExists(atPath: $0)
        }
        var second = request
        second.cargo = try request.cargo.replacing(["--manifest-path": moved(manifest), "--target-dir": targetDir],
                                                   adding: above.flatMap { ["--config", $0] }, mode: request.mode)
        second.context = Context(variables: request.context.with(environment).variables, directory: moved(request.directory), home: request.context.home,
                                 executable: request.context.executable)
        second.checkReproducible = false
        second.artifactDirectory = nil
        second.image = nil
        return second
    }

    /// The build scripts whose output differs between the two builds, for each target's
    /// build directory (each path of the second build read as the first's).
    static func buildScriptCauses(_ first: [TargetResult], _ second: [TargetResult], rewrite: [(from: String, to: String)]) -> [BuildScriptOutputs.Change] {
        var seen = Set<String>(), changes: [BuildScriptOutputs.Change] = []
        for result in first {
            guard let exe = result.executables.first,
                  let other = second.first(where: { $0.target == result.target })?.executables.first else { continue }
            let left = BuildScriptOutputs.buildDirectory(of: exe.path), right = BuildScriptOutputs.buildDirectory(of: other.path)
            guard seen.insert(left).inserted else { continue }
            let roots = differingRoots(left, right)
            changes += BuildScriptOutputs.changes(left, right, rewrite: [(roots.second, roots.first)] + rewrite)
        }
        return changes
    }

    /// `a/x/p/q`, `b/y/p/q` → (`a/x`, `b/y`): the two directories the paths' common tail hangs from.
    static func differingRoots(_ first: String, _ second: String) -> (first: String, second: String) {
        var a = first.split(separator: "/", omittingEmptySubsequences: false), b = second.split(separator: "/", omittingEmptySubsequences: false)
        while a.count > 1, b.count > 1, a.last == b.last { a.removeLast(); b.removeLast() }
        return (a.joined(separator: "/"), b.joined(separator: "/"))
    }

    /// Each executable with its SBOM and debug file, matched by target and name.
    static func compare(_ first: [TargetResult], _ second: [TargetResult], runner: Runner) -> Report {
        var compared: [String] = [], differences: [Difference] = []
        for result in first {
            for exe in result.executables {
                let other = second.first { $0.target == result.target }?.executables
                    .first { $0.name == exe.name && $0.package == exe.package && $0.isTest == exe.isTest }
                guard let other else {
                    differences.append(Difference(file: exe.path, detail: "the second build produced no such executable"))
                    continue
                }
                for suffix in ["", ".cdx.json", ".debug"] where suffix.isEmpty || FileManager.default.fileExists(atPath: exe.path + suffix) {
                    compared.append(exe.path + suffix)
                    if let detail = difference(exe.path + suffix, other.path + suffix, runner: runner) {
                        differences.append(Difference(file: exe.path + suffix, detail: detail, kept: other.path + suffix))
                    }
                }
            }
        }
        return Report(compared: compared, differences: differences, variations: variations)
    }

    /// The second build is deleted with its scratch directory: each differing file of it is
    /// kept beside the first build's as `<file>.elsewhere`, so the two can be compared.
    static func keepSecondCopies(_ report: Report) -> Report {
        let differences = report.differences.map { difference -> Difference in
            guard let second = difference.kept else { return difference }
            let kept = difference.file + ".elsewhere"
            try? FileManager.default.removeItem(atPath: kept)
            guard (try? FileSystem.copy(second, to: kept)) != nil else { return Difference(file: difference.file, detail: difference.detail) }
            return Difference(file: difference.file, detail: difference.detail, kept: kept)
        }
        return Report(compared: report.compared, differences: differences, variations: report.variations)
    }

    /// nil when both files hold the same bytes; otherwise where they first differ.
    static func difference(_ a: String, _ b: String, runner: Runner) -> String? {
        guard let left = FileManager.default.contents(atPath: a) else { return "cannot be read" }
        guard let right = FileManager.default.contents(atPath: b) else { return "the second build's copy cannot be read (\(b))" }
        if left == right { return nil }
        var detail = firstDifference([UInt8](left), [UInt8](right))
        if let diffoscope = runner.which("diffoscope"),
           let out = try? runner.capture(Command(diffoscope, ["--text", "-", "--no-progress", a, b])) {
            detail += "\n--- diffoscope (its first lines) ---\n" + out.output.split(separator: "\n", omittingEmptySubsequences: false).prefix(40).joined(separator: "\n")
        }
        return detail
    }

    /// The first ELF section whose bytes differ (for executables and debug files), the first
    /// differing line (for text), else the first differing byte offset.
    static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
        if let left = try? ELFFile.parse(bytes: a), let right = try? ELFFile.parse(bytes: b) {
            // The build-id is a digest of the rest: it differs whenever anything does, so it
            // is named only when nothing else is.
            let ordered = left.sections.filter { !$0.name.isEmpty }.sorted { ($0.name == buildIDSection ? 1 : 0, $0.offset) < ($1.name == buildIDSection ? 1 : 0, $1.offset) }
            let twins = ordered.map { section in (section, right.sections.first { $0.name == section.name }) }
            if let missing = twins.first(where: { $0.1 == nil }) { return "section \(missing.0.name) is missing from the second build" }
            // A section that changed size moves every later one: it is the cause to name.
            if let resized = twins.first(where: { $0.0.size != $0.1!.size }) {
                return "section \(resized.0.name) differs in size (\(resized.0.size) and \(resized.1!.size) bytes)"
                    + (symbolDifference(left.definedSymbolNames, right.definedSymbolNames).map { "; \($0)" } ?? "")
            }
            for (section, twin) in twins where section.type != 8 {  // SHT_NOBITS holds no bytes in the file
                if bytes(a, section) != bytes(b, twin!) { return "section \(section.name) differs" }
            }
            if left.sections.count != right.sections.count { return "the section lists differ" }
        }
        if let left = String(bytes: a, encoding: .utf8), let right = String(bytes: b, encoding: .utf8) {
            let l = left.split(separator: "\n", omittingEmptySubsequences: false), r = right.split(separator: "\n", omittingEmptySubsequences: false)
            if let line = zip(l, r).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
                return "line \(line.offset + 1) differs: \(line.element.0.prefix(120)) | \(line.element.1.prefix(120))"
            }
            return "one has \(l.count) lines, the other \(r.count)"
        }
        let offset = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
        return "the bytes differ from offset \(offset) (sizes \(a.count) and \(b.count))"
    }

    /// Symbols defined in only one of the two files, a few of each: their names carry the
    /// crate and its hash, so they say which crate compiled differently.
    static func symbolDifference(_ first: Set<String>, _ second: Set<String>, shown: Int = 5) -> String? {
        let onlyFirst = first.subtracting(second).sorted(), onlySecond = second.subtracting(first).sorted()
        guard !onlyFirst.isEmpty || !onlySecond.isEmpty else { return nil }
        func some(_ names: [String]) -> String {
            names.prefix(shown).joined(separator: ", ") + (names.count > shown ? ", …" : "")
        }
        return "\(onlyFirst.count) symbol(s) only in the first build (\(some(onlyFirst))), \(onlySecond.count) only in the second (\(some(onlySecond)))"
    }

    static let buildIDSection = ".note.gnu.build-id"

    private static func bytes(_ data: [UInt8], _ section: ELFFile.Section) -> ArraySlice<UInt8> {
        let start = Int(clamping: section.offset), end = start + Int(clamping: section.size)
        guard start <= end, end <= data.count else { return [] }
        return data[start..<end]
    }
}
