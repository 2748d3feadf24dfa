import Foundation

/// `cargo metadata` of the project for one target: the resolved dependency graph (features
/// included), which the C library scan, the embedded dependency list and the image need.
/// Asking cargo costs a process and a resolution on every build, so the answer is
/// remembered per project, target and arguments until a manifest, the lock file or a
/// cargo config file changes.
public enum ProjectMetadata {
    public static func load(toolchain: Toolchain, target: Target, request: BuildRequest, runner: Runner,
                            layout: CacheLayout) throws -> CargoMetadata {
        let manifest = try request.manifestPath()
        let args = ["metadata", "--format-version", "1", "--filter-platform", target.triple] + request.cargo.metadataArguments
        let key = Fingerprint.hex([manifest, toolchain.rustc, toolchain.release, target.triple, args.joined(separator: "\u{1F}")]
            .joined(separator: "\n"))
        let file = "\(layout.root)/metadata/\(key).json"
        if let saved = Saved.read(file), saved.isCurrent, let metadata = try? CargoMetadata(json: saved.metadata) {
            return metadata
        }
        let command = Command(toolchain.cargo, args, environment: ["RUSTC": toolchain.rustc], unset: CargoInvocation.unset,
                              directory: request.directory)
        var stdout = ""
        let result = try runner.captureStdout(command) { stdout += $0 + "\n" }
        guard result.succeeded, let metadata = try? CargoMetadata(json: Data(stdout.utf8)) else {
            throw CargoStaticError(.cargoFailed, "cargo could not resolve the project's dependencies",
                                   fix: "fix the error cargo reported above; `cargo metadata` shows the same",
                                   detail: "command: \(command.shellLine)")
        }
        let data = Data(stdout.utf8)
        let config = (try? CargoConfig.load(context: runner.context, cargo: request.cargo))?.layers.map(\.origin).filter { $0.hasPrefix("/") } ?? []
        let watched = [manifest] + metadata.localPackages.map(\.manifestPath) + [Self.lockFile(metadata, manifest: manifest)] + config
        try? Saved(stamps: Dictionary(watched.map { ($0, ProbeCache.stamp($0) ?? "absent") }, uniquingKeysWith: { a, _ in a }),
                   metadata: data).write(file)
        return metadata
    }

    static func lockFile(_ metadata: CargoMetadata, manifest: String) -> String {
        if let root = metadata.workspaceRoot { return root + "/Cargo.lock" }
        return (manifest as NSString).deletingLastPathComponent + "/Cargo.lock"
    }

    private struct Saved: Codable {
        let stamps: [String: String]
        let metadata: Data

        var isCurrent: Bool { stamps.allSatisfy { (ProbeCache.stamp($0.key) ?? "absent") == $0.value } }

        static func read(_ file: String) -> Saved? {
            FileManager.default.contents(atPath: file).flatMap { try? JSONDecoder().decode(Saved.self, from: $0) }
        }

        func write(_ file: String) throws { try FileSystem.write(JSONEncoder.sorted.encode(self), to: file) }
    }
}
