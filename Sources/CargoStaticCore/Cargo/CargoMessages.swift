import Foundation

/// An executable that cargo produced.
public struct Artifact: Codable {
    public let path: String
    public let package: String
    /// cargo's package id (to find the package's dependency list).
    public var packageID: String = ""
    public let name: String
    public let isTest: Bool
    /// cargo's kinds of the target: `bin`, `test`, `bench`, `example`, ….
    public var kinds: [String] = []
}

/// What cargo's JSON messages say: executables and what build scripts linked.
public struct CargoMessages {
    public var artifacts: [Artifact] = []
    public var linkedLibraries: [(package: String, libs: [String], paths: [String])] = []

    public mutating func consume(_ line: String) {
        guard line.hasPrefix("{"), let message = try? JSONDecoder().decode(Message.self, from: Data(line.utf8)) else { return }
        let package = CargoMessages.packageName(message.packageID ?? "")
        if message.reason == "compiler-artifact", let exe = message.executable {
            var artifact = Artifact(path: exe, package: package, name: message.target?.name ?? "", isTest: message.profile?.test ?? false)
            artifact.packageID = message.packageID ?? ""
            artifact.kinds = message.target?.kind ?? []
            artifacts.append(artifact)
        } else if message.reason == "build-script-executed" {
            let libs = message.linkedLibs ?? [], paths = message.linkedPaths ?? []
            if !libs.isEmpty || !paths.isEmpty { linkedLibraries.append((package, libs, paths)) }
        }
    }

    /// The fields of cargo's JSON messages read here (typed: casting `Any` from
    /// JSONSerialization cost more than the decoding).
    private struct Message: Decodable {
        struct Target: Decodable { var name: String?; var kind: [String]? }
        struct Profile: Decodable { var test: Bool? }
        var reason: String
        var packageID: String?
        var executable: String?
        var target: Target?
        var profile: Profile?
        var linkedLibs: [String]?
        var linkedPaths: [String]?
        enum CodingKeys: String, CodingKey {
            case reason, executable, target, profile
            case packageID = "package_id", linkedLibs = "linked_libs", linkedPaths = "linked_paths"
        }
    }

    /// `registry+https://...#flate2@1.0.0` or `path+file:///x#hello@0.1.0` -> `flate2 1.0.0`
    static func packageName(_ id: String) -> String {
        let parts = id.split(separator: "#", maxSplits: 1).map(String.init)
        let last = parts.last ?? id
        if last.contains("@") { return last.replacingEvery("@", with: " ") }
        // `path+file:///w/hello#0.1.0`: the name is the directory's when cargo omits it.
        if parts.count == 2, let dir = parts[0].split(separator: "/").last { return "\(dir) \(last)" }
        if id.contains(" ") { return id.split(separator: " ").prefix(2).joined(separator: " ") }
        return last
    }

    /// Libraries that build scripts asked to link from the host's own library
    /// directories: glibc-built, so they either fail to link or make the binary dynamic.
    /// A library the plan built (`providedDirectories`: the entries' lib/) is not one of them:
    /// the link searches the entries first and never the host's directories.
    public func hostLinkedLibraries(providedDirectories: [String] = []) -> [(package: String, library: String, directory: String)] {
        var found: [(String, String, String)] = []
        for entry in linkedLibraries {
            let dirs = entry.paths.map { $0.split(separator: "=").last.map(String.init) ?? $0 }
            let hostDirs = dirs.filter(HostLibraries.isHostDirectory)
            let ownDirs = dirs.filter { !HostLibraries.isHostDirectory($0) }
            for lib in entry.libs {
                let parts = lib.split(separator: "=", maxSplits: 1).map(String.init)
                let kind = parts.count == 2 ? parts[0] : ""
                let name = parts.last ?? lib
                // A shared library the plan built as an archive is linked from that archive:
                // the link is static and never searches the host's directories.
                let builtArchive = { providedDirectories.contains(where: { HostLibraries.hasArchive(name, in: $0) }) }
                if kind.hasPrefix("dylib") {
                    if !builtArchive() { found.append((entry.package, name, hostDirs.first ?? "(shared library)")) }
                } else if let dir = hostDirs.first, !ownDirs.contains(where: { HostLibraries.has(name, in: $0) }),
                          !builtArchive() {
                    // Searched for in a host directory and not supplied by the crate's own build.
                    found.append((entry.package, name, dir))
                }
            }
        }
        return found
    }
}

enum HostLibraries {
    static let directories = ["/usr/lib", "/lib", "/usr/lib64", "/lib64", "/usr/local/lib",
                              "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu"]

    /// The list above, gcc's directories, and any multiarch directory (`/usr/lib/<tuple>`,
    /// such as musl-dev's /usr/lib/x86_64-linux-musl that `DEB_HOST_MULTIARCH` names: its
    /// libc is not the one the link uses).
    static func isHostDirectory(_ dir: String) -> Bool {
        let clean = URL(fileURLWithPath: dir).standardizedFileURL.path
        if directories.contains(clean) || clean.hasPrefix("/usr/lib/gcc/") { return true }
        let parent = (clean as NSString).deletingLastPathComponent
        let name = (clean as NSString).lastPathComponent
        return ["/usr/lib", "/lib", "/usr/local/lib"].contains(parent) && name.contains("-linux-")
    }

    static func hasArchive(_ lib: String, in dir: String) -> Bool {
        FileManager.default.fileExists(atPath: "\(dir)/lib\(lib).a")
    }

    static func has(_ lib: String, in dir: String) -> Bool {
        let fm = FileManager.default
        return fm.fileExists(atPath: "\(dir)/lib\(lib).a") || fm.fileExists(atPath: "\(dir)/lib\(lib).so")
    }
}
