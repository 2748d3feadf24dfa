import Digest
import Foundation

/// Everything one static executable is made of, as the build knows it: the input of the
/// CycloneDX SBOM written beside the executable (`<exe>.cdx.json`).
public struct SBOMInventory {
    public struct Executable {
        public var name: String
        /// Lower-case hex SHA-256 of the finished file.
        public var sha256: String
        public var target: String

        public init(name: String, sha256: String, target: String) {
            self.name = name
            self.sha256 = sha256
            self.target = target
        }
    }

    /// A C library compiled from a Debian source package.
    public struct CLibrary {
        /// cargo-static's name for it (`NativeLibrary.name`: zlib, openssl, sqlite3, mimalloc, …).
        public var name: String
        public var debianSource: String
        /// The Debian version (`1:1.2.13.dfsg-1`).
        public var version: String
        /// From the source tree's debian/patches/series (`DebianPatch.read(sourceTree:)`).
        public var patches: [DebianPatch]
        /// The release it came from (`bookworm`), when known: a purl `distro` qualifier.
        public var distro: String?

        public init(name: String, debianSource: String, version: String, patches: [DebianPatch], distro: String? = nil) {
            self.name = name
            self.debianSource = debianSource
            self.version = version
            self.patches = patches
            self.distro = distro
        }
    }

    /// The Rust standard library linked in.
    public struct RustStd {
        /// rustc's release (`1.96.0`).
        public var version: String
        /// The Debian source package of the rust-src tree std was compiled from (`rustc-web`)
        /// and its version; nil for a prebuilt std (rustup's).
        public var debianSource: String?
        public var debianVersion: String?
        /// cargo-static's std profile (`default`, `size`, `min`).
        public var profile: String?
        /// Compiled by cargo-static (from which rust-src, which recipe) or prebuilt; nil:
        /// told from `debianSource` alone.
        public var provenance: StdProvenance?

        public init(version: String, debianSource: String? = nil, debianVersion: String? = nil, profile: String? = nil,
                    provenance: StdProvenance? = nil) {
            self.version = version
            self.debianSource = debianSource
            self.debianVersion = debianVersion
            self.profile = profile
            self.provenance = provenance
        }
    }

    public struct Tool {
        public var name: String
        public var version: String
        public init(name: String, version: String) {
            self.name = name
            self.version = version
        }
    }

    public var executable: Executable
    /// The crates (from `DepInfo.from(metadata:rootPackageID:)`, so with their origins).
    public var crates: DepInfo
    public var cLibraries: [CLibrary]
    public var libc: LibcIdentity
    /// `Allocator.rawValue`: mimalloc and jemalloc are among `cLibraries`; musl is the libc's own.
    public var allocator: String
    public var std: RustStd
    /// rustc, zig or gcc, cargo-static.
    public var tools: [Tool]
    /// `SOURCE_DATE_EPOCH`, the document's timestamp; nil gives 1970-01-01T00:00:00Z.
    public var sourceDateEpoch: Int?

    public init(executable: Executable, crates: DepInfo, cLibraries: [CLibrary], libc: LibcIdentity, allocator: String,
                std: RustStd, tools: [Tool], sourceDateEpoch: Int?) {
        self.executable = executable
        self.crates = crates
        self.cLibraries = cLibraries
        self.libc = libc
        self.allocator = allocator
        self.std = std
        self.tools = tools
        self.sourceDateEpoch = sourceDateEpoch
    }
}

/// A CycloneDX 1.6 JSON document. 1.6 (ECMA-424) because every reader this project
/// targets (Trivy, Grype and Syft through cyclonedx-go, osv-scanner, Dependency-Track)
/// accepts it, while 1.7 is too new for several; what is needed here (metadata.tools as
/// components, pedigree patches with the issues they resolve, vulnerability analysis
/// `resolved_with_pedigree`) is all in 1.6.
///
/// Deterministic: keys sorted, lists in a fixed order, the timestamp from
/// SOURCE_DATE_EPOCH, and the serial number a UUID made from the SHA-256 of the rest.
public enum SBOM {
    public static let specVersion = "1.6"
    /// The suffix of the file written beside each executable.
    public static let fileSuffix = ".cdx.json"

    public static func render(_ inventory: SBOMInventory) -> String { document(inventory).rendered() }

    /// A no-op build describes the same executable in the same words: then the file already
    /// holds these bytes and is left alone (no temporary file, no rename, same time).
    public static func write(_ inventory: SBOMInventory, to path: String) throws {
        let data = Data(render(inventory).utf8)
        if FileSystem.kind(path) == .regular, FileManager.default.contents(atPath: path) == data { return }
        try FileSystem.write(data, to: path)
    }

    public static func document(_ inv: SBOMInventory) -> JSONValue {
        let refs = References(inv)
        var body: [String: JSONValue] = [
            "bomFormat": "CycloneDX",
            "specVersion": .string(specVersion),
            "version": 1,
            "metadata": metadata(inv, refs),
            "components": .array(crateComponents(inv, refs) + cLibraryComponents(inv, refs) + [libcComponent(inv, refs), stdComponent(inv, refs)]),
            "dependencies": .array(dependencies(inv, refs)),
        ]
        let vulnerabilities = resolvedVulnerabilities(inv, refs)
        if !vulnerabilities.isEmpty { body["vulnerabilities"] = .array(vulnerabilities) }
        body["serialNumber"] = .string(serialNumber(of: .object(body)))
        return .object(body)
    }

    /// `urn:uuid:` + the first 128 bits of the SHA-256 of the compact document (without the
    /// serial number), with the RFC 9562 version 8 ("custom") and variant bits set.
    static func serialNumber(of content: JSONValue) -> String {
        var hex = Array(SHA256.hex(Data(content.rendered(pretty: false).utf8)).prefix(32))
        hex[12] = "8"
        let variant = (Int(String(hex[16]), radix: 16)! & 0x3) | 0x8
        hex[16] = Character(String(variant, radix: 16))
        let s = String(hex)
        let parts = [s.prefix(8), s.dropFirst(8).prefix(4), s.dropFirst(12).prefix(4), s.dropFirst(16).prefix(4), s.dropFirst(20)]
        return "urn:uuid:" + parts.joined(separator: "-")
    }

    static func timestamp(_ epoch: Int?) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(epoch ?? 0)))
    }

    // MARK: - bom-refs

    /// One stable reference per component; crates that share name and version (from
    /// different sources) are told apart by their position.
    struct References {
        let executable: String
        let crates: [String]
        let cLibraries: [String: String]
        let libc: String
        let std: String

        init(_ inv: SBOMInventory) {
            executable = "executable:" + inv.executable.name
            var seen: [String: Int] = [:]
            crates = inv.crates.packages.map { p in
                let base = "crate:\(p.name)@\(p.version)"
                seen[base, default: 0] += 1
                return seen[base]! == 1 ? base : "\(base)#\(seen[base]!)"
            }
            cLibraries = Dictionary(inv.cLibraries.map { ($0.name, "deb:\($0.debianSource)@\($0.version)") }, uniquingKeysWith: { a, _ in a })
            libc = "libc:\(inv.libc.name)@\(inv.libc.version)"
            std = "rust-std@\(inv.std.version)"
        }
    }

    // MARK: - metadata

    static func metadata(_ inv: SBOMInventory, _ refs: References) -> JSONValue {
        let exe = inv.executable
        let component = JSONValue.object([
            ("type", "application"),
            ("bom-ref", .string(refs.executable)),
            ("name", .string(exe.name)),
            ("version", inv.crates.root.map { .string($0.version) }),
            ("hashes", [["alg": "SHA-256", "content": .string(exe.sha256.lowercased())]]),
            ("properties", properties([("cargo-static:target", exe.target), ("cargo-static:allocator", inv.allocator),
                                       ("cargo-static:linkage", "static")])),
        ])
        let tools = inv.tools.sorted { $0.name < $1.name }.map { tool -> JSONValue in
            ["type": "application", "name": .string(tool.name), "version": .string(tool.version)]
        }
        return [
            "timestamp": .string(timestamp(inv.sourceDateEpoch)),
            "lifecycles": [["phase": "build"]],
            "tools": ["components": .array(tools)],
            "component": component,
        ]
    }

    static func properties(_ pairs: [(String, String?)]) -> JSONValue? {
        let items = pairs.compactMap { name, value in value.map { JSONValue.object(["name": .string(name), "value": .string($0)]) } }
        return items.isEmpty ? nil : .array(items)
    }

    // MARK: - crates

    static func crateComponents(_ inv: SBOMInventory, _ refs: References) -> [JSONValue] {
        inv.crates.packages.enumerated().map { i, p in
            .object([
                ("type", p.root ? "application" : "library"),
                ("bom-ref", .string(refs.crates[i])),
                ("name", .string(p.name)),
                ("version", .string(p.version)),
                ("purl", cratePurl(p).map(JSONValue.string)),
                // Build dependencies ran at build time and are not in the executable.
                ("scope", p.kind == .build ? "excluded" : "required"),
                ("properties", properties([("cargo-static:crate-source", p.source),
                                           ("cargo-static:dependency-kind", p.kind.rawValue)])),
            ])
        }
    }

    /// pkg:cargo/NAME@VERSION, with the registry or repository when it is not crates.io.
    /// Local (path) crates get none: they are in no registry a scanner could look up.
    static func cratePurl(_ p: DepInfo.Package) -> String? {
        let base = "pkg:cargo/\(Purl.encode(p.name))@\(Purl.encode(p.version))"
        let origin = p.origin ?? ""
        switch p.source {
        case "crates.io": return base
        case "local": return nil
        case "git":
            // git+https://host/repo?rev=x#<commit> -> vcs_url=git+https://host/repo@<commit>
            guard !origin.isEmpty else { return base }
            let fragment = origin.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
            let url = fragment[0].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let commit = fragment.count > 1 ? "@" + fragment[1] : ""
            return base + "?vcs_url=" + Purl.encode(url + commit, qualifier: true)
        default:
            guard let plus = origin.firstIndex(of: "+") else { return base }
            return base + "?repository_url=" + Purl.encode(String(origin[origin.index(after: plus)...]), qualifier: true)
        }
    }

    // MARK: - C libraries, libc, std

    static func cLibraryComponents(_ inv: SBOMInventory, _ refs: References) -> [JSONValue] {
        inv.cLibraries.sorted { $0.name < $1.name }.map { lib in
            let patches = lib.patches.map { patch -> JSONValue in
                .object([
                    ("type", patch.fromUpstream ? "backport" : "unofficial"),
                    ("diff", ["url": .string("https://sources.debian.org/src/\(lib.debianSource)/\(Purl.encode(lib.version))/debian/patches/\(patch.name)/")]),
                    ("resolves", patch.fixes.isEmpty ? nil : .array(patch.fixes.map { securityIssue($0, description: patch.summary) })),
                ])
            }
            return .object([
                ("type", "library"),
                ("bom-ref", .string(refs.cLibraries[lib.name]!)),
                ("name", .string(lib.name)),
                ("version", .string(lib.version)),
                ("purl", .string(debPurl(lib.debianSource, lib.version, distro: lib.distro))),
                ("scope", "required"),
                ("pedigree", patches.isEmpty ? nil : ["patches": .array(patches)]),
                ("properties", properties([("cargo-static:debian-source", lib.debianSource),
                                           ("cargo-static:debian-patches", String(lib.patches.count)),
                                           ("cargo-static:role", lib.name == inv.allocator ? "allocator" : nil)])),
            ])
        }
    }

    /// pkg:deb/debian/SOURCE@VERSION?arch=source: the Debian source package, which Debian's
    /// security tracker and the scanners that use it know.
    static func debPurl(_ source: String, _ version: String, distro: String? = nil) -> String {
        "pkg:deb/debian/\(Purl.encode(source.lowercased()))@\(Purl.encode(version))?arch=source"
            + (distro.map { "&distro=" + Purl.encode($0, qualifier: true) } ?? "")
    }

    static func libcComponent(_ inv: SBOMInventory, _ refs: References) -> JSONValue {
        let libc = inv.libc
        let purl: String
        let note: String
        switch libc.bundler {
        case .zig:
            purl = "pkg:generic/\(libc.name)@\(Purl.encode(libc.version))?download_url="
                + Purl.encode("https://musl.libc.org/releases/\(libc.name)-\(libc.version).tar.gz", qualifier: true)
            note = "musl \(libc.version) as bundled by zig \(libc.bundlerVersion) (lib/libc/musl), compiled by zig for this target"
        case .debian:
            purl = debPurl(libc.debianSource ?? libc.name, libc.bundlerVersion)
            note = "musl \(libc.version) as built by Debian (\(libc.debianSource ?? libc.name) \(libc.bundlerVersion))"
        }
        let patches = libc.patches.map { patch -> JSONValue in
            let resolves: [JSONValue] = patch.fixes.isEmpty
                ? [["type": "defect", "name": .string(patch.summary)]]
                : patch.fixes.map { securityIssue($0, description: patch.summary) }
            return ["type": "backport", "diff": ["url": .string(patch.url)], "resolves": .array(resolves)]
        }
        return .object([
            ("type", "library"),
            ("bom-ref", .string(refs.libc)),
            ("name", .string(libc.name)),
            ("version", .string(libc.version)),
            ("description", .string(note)),
            ("purl", .string(purl)),
            ("cpe", .string("cpe:2.3:a:musl-libc:musl:\(libc.version):*:*:*:*:*:*:*")),
            ("scope", "required"),
            ("pedigree", .object([("notes", .string(note)), ("patches", patches.isEmpty ? nil : .array(patches))])),
            ("properties", properties([("cargo-static:libc-bundler", "\(libc.bundler.rawValue) \(libc.bundlerVersion)"),
                                       ("cargo-static:role", inv.allocator == "musl" ? "libc, allocator" : "libc")])),
        ])
    }

    static func stdComponent(_ inv: SBOMInventory, _ refs: References) -> JSONValue {
        let std = inv.std
        let origin: String
        var purl: String?
        if let source = std.debianSource, let version = std.debianVersion { purl = debPurl(source, version) }
        if let provenance = std.provenance {
            origin = provenance.description
        } else if let source = std.debianSource, let version = std.debianVersion {
            origin = "compiled by cargo-static from the rust-src tree of Debian's \(source) \(version)"
        } else {
            origin = "prebuilt by the Rust project for this target"
        }
        return .object([
            ("type", "library"),
            ("bom-ref", .string(refs.std)),
            ("group", "rust-lang"),
            ("name", "std"),
            ("version", .string(std.version)),
            ("description", .string("The Rust standard library (core, alloc, std) \(std.version), \(origin)")),
            ("purl", purl.map(JSONValue.string)),
            ("cpe", .string("cpe:2.3:a:rust-lang:rust:\(std.version):*:*:*:*:*:*:*")),
            ("scope", "required"),
            ("properties", properties([("cargo-static:std-profile", std.profile),
                                       ("cargo-static:std-origin", std.provenance.map { $0.compiled ? "compiled" : "prebuilt" }),
                                       ("cargo-static:std-source-package", std.provenance?.compiled == true ? (std.provenance?.package ?? "unknown") : nil),
                                       ("cargo-static:std-source-version", std.provenance?.version),
                                       ("cargo-static:std-recipe", std.provenance?.recipe)])),
        ])
    }

    static func securityIssue(_ cve: String, description: String?) -> JSONValue {
        .object([("type", "security"), ("id", .string(cve)), ("description", description.map(JSONValue.string)),
                 ("source", ["name": "NVD", "url": .string("https://nvd.nist.gov/vuln/detail/\(cve)")])])
    }

    // MARK: - dependencies and vulnerabilities

    static func dependencies(_ inv: SBOMInventory, _ refs: References) -> [JSONValue] {
        var graph: [String: Set<String>] = [:]
        func edge(_ from: String, _ to: String) { graph[from, default: []].insert(to) }
        func node(_ ref: String) { graph[ref, default: []] = graph[ref] ?? [] }

        let present = Set(inv.cLibraries.map(\.name))
        var linkedByCrate = Set<String>()
        for (i, p) in inv.crates.packages.enumerated() {
            node(refs.crates[i])
            for d in p.dependencies { edge(refs.crates[i], refs.crates[d]) }
            // A -sys crate links the C library cargo-static built for it.
            if let binding = SysCrateTable.binding(for: p.name), present.contains(binding.library) {
                edge(refs.crates[i], refs.cLibraries[binding.library]!)
                linkedByCrate.insert(binding.library)
            }
        }
        for lib in inv.cLibraries {
            node(refs.cLibraries[lib.name]!)
            for dep in (try? NativeLibrary.library(LibraryID(resolvedName: lib.name)))?.dependencies ?? [] where present.contains(dep) {
                edge(refs.cLibraries[lib.name]!, refs.cLibraries[dep]!)
            }
        }
        node(refs.executable)
        if let root = inv.crates.packages.firstIndex(where: \.root) { edge(refs.executable, refs.crates[root]) }
        for lib in inv.cLibraries where !linkedByCrate.contains(lib.name) { edge(refs.executable, refs.cLibraries[lib.name]!) }
        edge(refs.executable, refs.std)
        edge(refs.executable, refs.libc)
        edge(refs.std, refs.libc)
        node(refs.libc)

        return graph.keys.sorted().map { ref in
            .object([("ref", .string(ref)), ("dependsOn", graph[ref]!.isEmpty ? nil : .array(graph[ref]!.sorted().map(JSONValue.string)))])
        }
    }

    /// The CVEs that applied patches fix, stated as resolved (VEX inside the SBOM), so a
    /// scanner that matched the bare version can see the fix and where it came from.
    static func resolvedVulnerabilities(_ inv: SBOMInventory, _ refs: References) -> [JSONValue] {
        var affected: [String: [(ref: String, detail: String)]] = [:]
        for cve in inv.libc.fixedCVEs {
            let ids = inv.libc.patches.filter { $0.fixes.contains(cve) }.map { String($0.id.prefix(12)) }.joined(separator: ", ")
            affected[cve, default: []].append((refs.libc, "musl \(inv.libc.version) from \(inv.libc.bundler.rawValue) \(inv.libc.bundlerVersion) carries the fix (\(ids))"))
        }
        for lib in inv.cLibraries {
            for patch in lib.patches {
                for cve in patch.fixes {
                    affected[cve, default: []].append((refs.cLibraries[lib.name]!, "\(lib.debianSource) \(lib.version) applies debian/patches/\(patch.name)"))
                }
            }
        }
        return affected.keys.sorted().map { cve in
            let entries = affected[cve]!.sorted { $0.ref < $1.ref }
            return [
                "bom-ref": .string("vulnerability:\(cve)"),
                "id": .string(cve),
                "source": ["name": "NVD", "url": .string("https://nvd.nist.gov/vuln/detail/\(cve)")],
                "analysis": ["state": "resolved_with_pedigree", "detail": .string(entries.map(\.detail).joined(separator: "; "))],
                "affects": .array(Array(Set(entries.map(\.ref))).sorted().map { ["ref": .string($0)] }),
            ]
        }
    }
}

/// Package URL text encoding (purl-spec): unreserved characters stay, everything else is
/// percent-encoded; qualifier values keep `:` and `/` readable, as the spec's canonical form does.
enum Purl {
    static func encode(_ text: String, qualifier: Bool = false) -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:")
        if qualifier { allowed.insert(charactersIn: "/@") }
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
