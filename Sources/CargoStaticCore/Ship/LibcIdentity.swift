import Foundation

/// Which libc an executable links, established from the toolchain that links it: musl,
/// its release, who bundled it, and the fixes that toolchain carries on top of the
/// release. A bare version number would make scanners report CVEs the bundler has
/// already patched (zig 0.14 and later carry the CVE-2025-26519 fixes on musl 1.2.5).
public struct LibcIdentity: Codable, Equatable {
    public enum Bundler: String, Codable {
        /// zig's own copy of the musl sources (`<zig lib dir>/libc/musl`), compiled by zig.
        case zig
        /// Debian's musl-dev (musl-gcc and the cross toolchains built on it).
        case debian
    }

    public let name: String
    /// The upstream musl release (`1.2.5`).
    public let version: String
    public let bundler: Bundler
    /// zig's version, or Debian's package version (`1.2.3-1`).
    public let bundlerVersion: String
    /// Debian's source package (`musl`) when Debian's build is linked.
    public let debianSource: String?
    /// Fixes on top of the release that the bundled sources were found to contain.
    public let patches: [LibcPatch]
    /// Where the facts were read (files, package names), for people checking them.
    public let evidence: [String]

    public init(name: String = "musl", version: String, bundler: Bundler, bundlerVersion: String,
                debianSource: String? = nil, patches: [LibcPatch], evidence: [String]) {
        self.name = name
        self.version = version
        self.bundler = bundler
        self.bundlerVersion = bundlerVersion
        self.debianSource = debianSource
        self.patches = patches
        self.evidence = evidence
    }

    /// The CVEs that the carried patches fix.
    public var fixedCVEs: [String] { Array(Set(patches.flatMap(\.fixes))).sorted() }
}

/// One fix carried on top of a musl release.
public struct LibcPatch: Codable, Equatable {
    /// musl's commit id, or for a Debian change the package version that made it.
    public let id: String
    public let summary: String
    public let url: String
    /// CVE ids the patch fixes (empty for hardening and ordinary bug fixes).
    public let fixes: [String]
}

extension LibcIdentity {
    /// musl as zig bundles it: the release from `src/internal/version.h` (the file musl's
    /// build generates, which zig ships pre-generated) and the known post-release fixes
    /// found in the sources zig compiles.
    public static func zig(libDirectory: String, zigVersion: String) throws -> LibcIdentity {
        let musl = libDirectory + "/libc/musl"
        let versionFile = musl + "/src/internal/version.h"
        guard let text = try? String(contentsOfFile: versionFile, encoding: .utf8),
              let version = Self.versionDefine(text) else {
            throw CargoStaticError(.noCToolchain, "cannot tell which musl zig \(zigVersion) bundles: \(versionFile) is missing or has no VERSION",
                                   fix: "reinstall zig (`python3 -m pip install --force-reinstall ziglang`); its lib directory should hold libc/musl")
        }
        let patches = MuslPatches.known.filter { $0.isPresent(inTree: musl) }.map(\.patch)
        return LibcIdentity(version: version, bundler: .zig, bundlerVersion: zigVersion, patches: patches,
                            evidence: [versionFile] + patches.map { "\(musl)/\(MuslPatches.file(of: $0)): \($0.id.prefix(12)) applied" })
    }

    /// musl as Debian builds it (musl-dev, what musl-gcc links): version and source from
    /// dpkg, fixes from the CVE ids Debian's changelog names (Debian records security
    /// fixes there; its purl lets scanners use Debian's own tracker as well).
    public static func debian(runner: Runner, package: String = "musl-dev") throws -> LibcIdentity {
        guard let owner = try DebianPackage.query(package, runner: runner) else {
            throw CargoStaticError(.noCToolchain, "Debian's \(package) is not installed, so the musl that musl-gcc links cannot be identified",
                                   fix: "apt-get install musl-tools musl-dev")
        }
        let changelog = DebianPackage.changelog(of: package, source: owner.source)
        let patches = changelog.map { Self.changelogFixes($0.text, source: owner.source) } ?? []
        return LibcIdentity(version: DebianVersion(owner.sourceVersion).upstreamVersion, bundler: .debian,
                            bundlerVersion: owner.sourceVersion, debianSource: owner.source, patches: patches,
                            evidence: ["dpkg-query: \(package) from source \(owner.source) \(owner.sourceVersion)"] + (changelog.map { [$0.path] } ?? []))
    }

    /// `#define VERSION "1.2.5"` -> 1.2.5
    static func versionDefine(_ text: String) -> String? {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 3, parts[0] == "#define", parts[1] == "VERSION" {
                let value = parts[2].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                if !value.isEmpty { return value }
            }
        }
        return nil
    }

    /// One fix per changelog entry that names CVEs: `musl (1.2.3-1+deb12u1) …` followed by
    /// lines mentioning CVE ids.
    static func changelogFixes(_ text: String, source: String) -> [LibcPatch] {
        var patches: [LibcPatch] = []
        var version: String?
        var lines: [String] = []
        func flush() {
            guard let version else { return }
            let cves = CVE.ids(in: lines.joined(separator: "\n"))
            guard !cves.isEmpty else { return }
            let summary = lines.first { !CVE.ids(in: $0).isEmpty }?.trimmingCharacters(in: CharacterSet(charactersIn: " *-")) ?? ""
            patches.append(LibcPatch(id: "debian \(version)", summary: summary,
                                     url: "https://sources.debian.org/src/\(source)/\(version)/debian/changelog/", fixes: cves))
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if !line.hasPrefix(" "), let open = line.firstIndex(of: "("), let close = line.firstIndex(of: ")"), open < close {
                flush()
                version = String(line[line.index(after: open)..<close])
                lines = []
            } else {
                lines.append(line)
            }
        }
        flush()
        return patches
    }
}

/// Fixes made in musl's repository after a release that bundlers carry before the next
/// one. Each is recognised by text the fix adds to the source (whitespace-insensitive),
/// so a tree is credited only with what it really contains.
public enum MuslPatches {
    public struct Known {
        public let patch: LibcPatch
        let file: String
        let marker: String

        func isPresent(inTree tree: String) -> Bool {
            guard let text = try? String(contentsOfFile: tree + "/" + file, encoding: .utf8) else { return false }
            return MuslPatches.squeeze(text).contains(MuslPatches.squeeze(marker))
        }
    }

    static func commit(_ id: String) -> String { "https://git.musl-libc.org/cgit/musl/commit/?id=\(id)" }

    public static let known: [Known] = [
        // CVE-2025-26519 (oss-security, 2025-02-13): out-of-bounds write in iconv's EUC-KR decoder.
        Known(patch: LibcPatch(id: "e5adcd97b5196e29991b524237381a0202a60659", summary: "iconv: fix erroneous input validation in EUC-KR decoder",
                               url: commit("e5adcd97b5196e29991b524237381a0202a60659"), fixes: ["CVE-2025-26519"]),
              file: "src/locale/iconv.c", marker: "if (c > 0xc6-0x81 || c==0xc6-0x81 && d>0x52)"),
        // The second half of the CVE-2025-26519 mitigation: a decoder bug can no longer move the output pointer.
        Known(patch: LibcPatch(id: "c47ad25ea3b484e10326f933e927c0bc8cded3da", summary: "iconv: harden UTF-8 output code path against input decoder bugs",
                               url: commit("c47ad25ea3b484e10326f933e927c0bc8cded3da"), fixes: ["CVE-2025-26519"]),
              file: "src/locale/iconv.c", marker: "if (k>4) goto ilseq;"),
        Known(patch: LibcPatch(id: "5e594aeabf331ae0abb380c5fa58e5348b2b0148", summary: "iconv: fix erroneous decoding of some invalid ShiftJIS sequences",
                               url: commit("5e594aeabf331ae0abb380c5fa58e5348b2b0148"), fixes: []),
              file: "src/locale/iconv.c", marker: "d -= 159; } else { goto ilseq; } if (c>=84) goto ilseq;"),
    ]

    static func file(of patch: LibcPatch) -> String { known.first { $0.patch == patch }?.file ?? "?" }

    /// Whitespace removed, so indentation and line breaks do not matter.
    static func squeeze(_ text: String) -> String { String(text.unicodeScalars.filter { !CharacterSet.whitespacesAndNewlines.contains($0) }.map(Character.init)) }
}

enum CVE {
    private static let pattern = try! NSRegularExpression(pattern: "CVE[-_]([0-9]{4})[-_]([0-9]{4,})", options: [.caseInsensitive])

    /// CVE-YYYY-NNNN… ids (also spelled with `_`, as in patch file names) in order of first
    /// appearance, without duplicates.
    static func ids(in text: String) -> [String] {
        let ns = text as NSString
        var found: [String] = []
        for m in pattern.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            let id = "CVE-\(ns.substring(with: m.range(at: 1)))-\(ns.substring(with: m.range(at: 2)))"
            if !found.contains(id) { found.append(id) }
        }
        return found
    }
}

/// dpkg's view of an installed package.
public struct DebianPackage: Equatable {
    public let package: String
    public let version: String
    public let source: String
    public let sourceVersion: String

    /// nil when the package is not installed (or dpkg is absent).
    public static func query(_ package: String, runner: Runner) throws -> DebianPackage? {
        guard runner.which("dpkg-query") != nil else { return nil }
        let r = try runner.capture(Command("dpkg-query", ["-W", "-f=${db:Status-Status}\t${Version}\t${source:Package}\t${source:Version}", package]))
        let f = r.output.trimmed().split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard r.succeeded, f.count == 4, f[0] == "installed" else { return nil }
        return DebianPackage(package: package, version: f[1], source: f[2], sourceVersion: f[3])
    }

    /// The installed package owning `path` (`rust-web-src` for the rust-src tree, for example).
    public static func owning(_ path: String, runner: Runner) throws -> DebianPackage? {
        guard runner.which("dpkg-query") != nil else { return nil }
        let r = try runner.capture(Command("dpkg-query", ["-S", path]))
        guard r.succeeded, let line = r.output.split(separator: "\n").first, let colon = line.firstIndex(of: ":") else { return nil }
        // `pkg:arch: path` or `pkg: path`; diversions and multi-owner lines list packages with commas.
        let name = line[..<colon].split(separator: ",").first.map { String($0).trimmingSpaces() } ?? ""
        return name.isEmpty ? nil : try query(name, runner: runner)
    }

    /// Debian's changelog of an installed package (its own doc directory, else the one
    /// named after its source, which packages of one source often share).
    static func changelog(of package: String, source: String) -> (path: String, text: String)? {
        for path in ["/usr/share/doc/\(package)/changelog.Debian.gz", "/usr/share/doc/\(source)/changelog.Debian.gz"] {
            guard let data = FileManager.default.contents(atPath: path), let text = try? Zlib.decompress(data, gzip: true) else { continue }
            return (path, String(decoding: text, as: UTF8.self))
        }
        return nil
    }
}
