import Foundation

/// Build scripts seen in cargo's JSON messages: compiled, and (when they succeeded) run.
/// A build script that was compiled but never reported as executed is one that failed.
public struct BuildScriptTracker {
    public struct Script: Equatable {
        /// `name version`
        public let crate: String
        public let name: String
        /// The crate's `links` key (read from its Cargo.toml).
        public let links: String?
    }
    private var compiled: [String: Script] = [:]
    private var order: [String] = []
    private var executed: Set<String> = []

    public init() {}

    public mutating func consume(_ line: String) {
        guard line.hasPrefix("{"), line.contains("custom-build") || line.contains("build-script-executed"),
              let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let reason = obj["reason"] as? String, let id = obj["package_id"] as? String else { return }
        if reason == "build-script-executed" { executed.insert(id); return }
        guard reason == "compiler-artifact", let target = obj["target"] as? [String: Any],
              (target["kind"] as? [String])?.contains("custom-build") == true, compiled[id] == nil else { return }
        let crate = CargoMessages.packageName(id)
        let name = String(crate.split(separator: " ").first ?? Substring(crate))
        let links = (obj["manifest_path"] as? String).flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }.flatMap(Self.linksKey)
        compiled[id] = Script(crate: crate, name: name, links: links)
        order.append(id)
    }

    /// Build scripts that were compiled and did not finish successfully, in build order.
    public var failed: [Script] { order.filter { !executed.contains($0) }.compactMap { compiled[$0] } }

    /// `links = "git2"` in the [package] table of a manifest.
    static func linksKey(_ manifest: String) -> String? {
        var inPackage = false
        for raw in manifest.split(separator: "\n") {
            let line = raw.trimmingSpaces()
            if line.hasPrefix("[") { inPackage = line == "[package]"; continue }
            guard inPackage, line.hasPrefix("links"), let eq = line.firstIndex(of: "=") else { continue }
            guard line[..<eq].trimmingSpaces() == "links" else { continue }
            let value = line[line.index(after: eq)...].trimmingSpaces()
            return value.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }
        return nil
    }
}

/// The last line cargo-static prints after a failed build whose build script (or link)
/// wanted a C library: which crate, which library, and whether cargo-static can build it.
public enum LibraryDiagnosis {
    /// What cargo-static can do about a library.
    public enum Verdict {
        case buildable(NativeLibrary)
        case refused(RefusedLibrary)
        case unknown
    }

    /// The verdict for a link name, from the refusal table and the resolver.
    public static func verdict(_ link: String, resolver: LibraryResolver) -> Verdict {
        if let refusal = RefusalTable.refusal(for: link) { return .refused(refusal) }
        if let library = try? resolver.library(for: .link(link)) { return .buildable(library) }
        return .unknown
    }

    /// One line, or nil when no build script failed and nothing linked a missing library.
    /// `linked`: what executed build scripts asked to link; `provided`: libraries built for this build.
    public static func line(failed: [BuildScriptTracker.Script], linked: [(package: String, libs: [String])],
                            provided: [String], verdict: (String) -> Verdict) -> String? {
        if let script = failed.first {
            guard let link = NativeDependencyScan.linkName(name: script.name, links: script.links) else {
                return "the build script of crate \(script.crate) failed (see its output above); it declares no C library (no `links` key), so cargo-static built none for it"
            }
            return explain(crate: script.crate, link: link, provided: provided, verdict: verdict(link), failedScript: true)
        }
        for entry in linked {
            for lib in entry.libs {
                let name = String(lib.split(separator: "=").last ?? Substring(lib))
                // -lrt, -ldl, -lpthread: parts of musl's libc.a, never the missing library.
                if PkgConfigFixup.libcParts.contains(name) { continue }
                let v = verdict(name)
                if case .buildable(let library) = v, provided.contains(library.name) { continue }
                if case .unknown = v { continue }
                return explain(crate: entry.package, link: name, provided: provided, verdict: v, failedScript: false)
            }
        }
        return nil
    }

    static func explain(crate: String, link: String, provided: [String], verdict: Verdict, failedScript: Bool) -> String {
        let asked = failedScript ? "the build script of crate \(crate) failed looking for the C library `\(link)`"
                                 : "crate \(crate) links the C library `\(link)`"
        switch verdict {
        case .refused(let r):
            return "\(asked): cargo-static cannot build \(r.library) for a static executable (\(r.reason)); \(r.instead)"
        case .buildable(let library) where provided.contains(library.name):
            return "\(asked), although cargo-static built \(library.name) for it (in the cache, through pkg-config): the crate's build script wants something else (see its output above; `cargo-static plan` shows the variables it was given)"
        case .buildable(let library):
            let origin = library.devPackage.map { "Debian's \(library.debianSource), as \($0)" } ?? "Debian's \(library.debianSource)"
            return "\(asked): cargo-static can build it (\(library.name), from \(origin)): pass --deps \(library.name), or add `deps = [\"\(library.name)\"]` under [package.metadata.cargo-static] in Cargo.toml"
        case .unknown:
            return "\(asked): cargo-static cannot build it (no recipe, and no Debian -dev package ships lib\(LibraryResolver.bare(link)).a/.so or \(link).pc); enable the crate's vendored/bundled feature, or build the library for musl and point the crate at it"
        }
    }
}
