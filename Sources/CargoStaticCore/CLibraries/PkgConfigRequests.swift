import Foundation

/// A pkg-config module a build script asked for and did not get: the need found in the
/// build script's own words, without a table of crates.
public struct PkgConfigRequest: Equatable, Hashable {
    /// `name version` of the crate whose build script asked.
    public let crate: String
    public let module: String
}

/// Reads cargo's stderr after a failed build for build scripts that failed because
/// pkg-config had no module: pkg-config-rs ("could not find system library 'X' required by
/// the 'C' crate"), pkg-config/pkgconf themselves ("Package X was not found in the
/// pkg-config search path", "Package 'X', required by 'Y', not found") and system-deps,
/// which quotes pkg-config-rs.
public enum PkgConfigFailure {
    /// The requests, in the order cargo reported them, each module once.
    /// `failedCrates`: the build scripts cargo compiled and never ran to the end (`name version`),
    /// for a message that does not name its crate.
    public static func requests(inCargoStderr text: String, failedCrates: [String] = []) -> [PkgConfigRequest] {
        var found: [PkgConfigRequest] = []
        for (crate, body) in sections(text, failedCrates: failedCrates) {
            for module in modules(in: body) where !found.contains(where: { $0.module == module }) {
                found.append(PkgConfigRequest(crate: crate, module: module))
            }
        }
        return found
    }

    /// cargo's "failed to run custom build command for `C v1.0`" and the text up to the next one.
    static func sections(_ text: String, failedCrates: [String]) -> [(String, String)] {
        let marker = "failed to run custom build command for `"
        var out: [(String, String)] = []
        var rest = Substring(text)
        guard rest.range(of: marker) != nil else {
            // No cargo header (a quoted message): the first failed build script asked.
            return failedCrates.first.map { [($0, text)] } ?? [("?", text)]
        }
        while let start = rest.range(of: marker) {
            let after = rest[start.upperBound...]
            guard let close = after.firstIndex(of: "`") else { break }
            let crate = String(after[..<close]).replacingEvery(" v", with: " ")
            let body = after[after.index(after: close)...]
            let next = body.range(of: marker)?.lowerBound ?? body.endIndex
            out.append((crate, String(body[..<next])))
            rest = body[next...]
        }
        return out
    }

    /// The modules a build script's output says are missing.
    static func modules(in text: String) -> [String] {
        var out: [String] = []
        func add(_ m: String) {
            let name = m.trimmingCharacters(in: CharacterSet(charactersIn: " '\"`"))
            guard !name.isEmpty, !name.contains(" "), !out.contains(name) else { return }
            out.append(name)
        }
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingSpaces()
            // pkgconf names the module that required it: the missing one is X, and Y is found.
            if let x = between(line, "Package '", "', required by") { add(x); continue }
            if let x = between(line, "Package ", " was not found in the pkg-config search path") { add(x); continue }
            if let x = between(line, "could not find system library '", "'") { add(x); continue }
            // Older pkg-config-rs and system-deps: `No package 'X' found` (pkg-config's own).
            if let x = between(line, "No package '", "' found") { add(x); continue }
        }
        return out
    }

    private static func between(_ line: String, _ open: String, _ close: String) -> String? {
        guard let a = line.range(of: open) else { return nil }
        let rest = line[a.upperBound...]
        guard let b = rest.range(of: close) else { return nil }
        return String(rest[..<b.lowerBound])
    }
}

/// What the tool does about one missing module: the library to build, or the one line that
/// ends the build.
public enum PkgConfigResolution: Equatable {
    case build(PkgConfigRequest, library: String)
    case refused(PkgConfigRequest, line: String)
    case unknown(PkgConfigRequest, line: String)

    /// The library for each request, through the resolver (a recipe, else the -dev package
    /// that ships `<module>.pc` and its source package). `alreadyBuilt`: libraries this build
    /// already provides: a module they should have given is not built a second time.
    public static func resolve(_ requests: [PkgConfigRequest], alreadyBuilt: [String],
                               library: (String) throws -> NativeLibrary?) -> [PkgConfigResolution] {
        requests.map { request in
            if let refusal = RefusalTable.refusal(for: request.module) {
                return .refused(request, line: "the build script of crate \(request.crate) asked pkg-config for `\(request.module)`: \(refusal.library) cannot be linked into a static executable (\(refusal.reason)); \(refusal.instead)")
            }
            let found: NativeLibrary?
            do { found = try library(request.module) } catch let error as CargoStaticError {
                return .refused(request, line: "the build script of crate \(request.crate) asked pkg-config for `\(request.module)`: \(error.message)" + (error.fix.map { "; \($0)" } ?? ""))
            } catch { found = nil }
            guard let lib = found else {
                return .unknown(request, line: "the build script of crate \(request.crate) asked pkg-config for `\(request.module)`, which cargo-static cannot build: no recipe matches it, and no Debian -dev package ships \(request.module).pc (looked for lib\(LibraryResolver.bare(request.module))-dev, \(LibraryResolver.bare(request.module))-dev and versioned names, then the installed packages' files); build it for musl and add its directory to PKG_CONFIG_PATH, or enable the crate's vendored/bundled feature")
            }
            if alreadyBuilt.contains(lib.name) {
                return .unknown(request, line: "the build script of crate \(request.crate) asked pkg-config for `\(request.module)`, but \(lib.name), built for this build from Debian's \(lib.debianSource), installed no \(request.module).pc (see the build script's output above; `cargo-static plan` shows the library's steps)")
            }
            return .build(request, library: lib.name)
        }
    }
}

/// What build scripts asked pkg-config for in earlier builds, by crate (`name version`):
/// the next plan builds those libraries first, so a warm build runs cargo once. A memo of the
/// project's (`<target-dir>/cargo-static/pkgconfig-requests.json`, gone with `cargo clean`):
/// losing it costs one failed build-script run, nothing else.
public struct LearnedPkgConfigNeeds: Codable, Equatable {
    /// `name version` -> module -> library
    public var byCrate: [String: [String: String]] = [:]

    public init() {}

    /// The memo of the project whose `cargo metadata` this is (nil: no target directory).
    public static func file(metadata: CargoMetadata) -> String? {
        metadata.targetDirectory.map { $0 + "/cargo-static/pkgconfig-requests.json" }
    }

    public static func load(file: String?) -> LearnedPkgConfigNeeds {
        file.flatMap { FileManager.default.contents(atPath: $0) }.flatMap { try? JSONDecoder().decode(Self.self, from: $0) } ?? Self()
    }

    public static func remember(_ requests: [(request: PkgConfigRequest, library: String)], file: String?) {
        guard let file else { return }
        var learned = load(file: file)
        for (r, library) in requests { learned.byCrate[r.crate, default: [:]][r.module] = library }
        try? FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? FileSystem.write(JSONEncoder.sorted.encode(learned), to: file)
    }

    /// The requirements for a crate of the graph, with the module it asked for as the reason.
    public func requirements(crate: String) -> [LibraryRequirement] {
        (byCrate[crate] ?? [:]).sorted { $0.key < $1.key }.map {
            // Remembered from a library the resolver gave.
            LibraryRequirement(library: LibraryID(resolvedName: $0.value), reason: "crate \(crate) (its build script asked pkg-config for `\($0.key)` in an earlier build)")
        }
    }
}

/// dlopen in a static executable: musl's always fails ("Dynamic loading not supported"), so a
/// crate that loads its C library at run time (libloading: cryptoki-sys's PKCS#11 provider,
/// osmesa-sys, nvml-wrapper-sys) builds but cannot work. Found in the resolved graph (who
/// depends on libloading) and, for direct calls, in the linked executable's symbols.
public enum DlopenUse {
    static let loaders: Set<String> = ["libloading", "dlopen", "dlopen2", "shared_library", "sharedlib", "dylib"]

    /// The crates of the graph (target side) that depend on a dlopen crate, `name version`.
    public static func users(inMetadata metadata: CargoMetadata) -> [String] {
        let targetSide = metadata.targetPackages()
        let loaderIDs = Set(metadata.packageList.filter { loaders.contains($0.name) }.map(\.id))
            .filter { targetSide?.contains($0) ?? true }
        guard !loaderIDs.isEmpty else { return [] }
        var users: [String] = []
        for node in metadata.resolve?.nodes ?? [] {
            guard targetSide?.contains(node.id) ?? true, !loaderIDs.contains(node.id), let label = metadata.label(node.id) else { continue }
            let deps = Set((node.deps ?? []).map(\.pkg) + (node.dependencies ?? []))
            if !deps.isDisjoint(with: loaderIDs) { users.append(label) }
        }
        return Array(Set(users)).sorted()
    }

    public static func warning(inMetadata metadata: CargoMetadata) -> String? {
        let users = users(inMetadata: metadata)
        guard !users.isEmpty else { return nil }
        let who = users.map { "crate \($0)" }.joined(separator: ", ")
        return "\(who) load\(users.count == 1 ? "s" : "") a library with dlopen (through libloading or the like), which always fails in a static executable: it builds, but that code path returns an error at run time; build this program dynamically (plain `cargo build`) if it needs the loaded library"
    }

    /// Whether the executable links dlopen (defined or undefined: musl's static stub is defined).
    public static func calls(_ elf: ELFFile) -> Bool { elf.symbolNames.contains("dlopen") }

    public static func executableWarning(_ name: String) -> String {
        "\(name) calls dlopen, which always fails in a static executable: the code that loads a library at run time will get an error (build dynamically, with plain `cargo build`, if it needs that library)"
    }
}
