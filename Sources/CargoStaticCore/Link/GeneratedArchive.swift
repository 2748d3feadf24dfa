import Foundation

/// Static archives compiled from generated C (or from bundled sources) for a target:
/// planned as `ArchiveStep`s, cached as entries of the `archives` area, keyed by the
/// compiler's identity, the flags and the source text.
enum GeneratedArchive {
    /// `lib<name>.a` from one generated C file.
    static func step(_ name: String, source: String, flags: [String] = ["-O2"], toolchain: CToolchain,
                     cache: CacheView, label: String) -> ArchiveStep {
        let compile = flags + ["-fPIC", "-c", "\(name).c", "-o", "\(name).o"]
        let key = """
        archive: lib\(name).a
        compiler: \(toolchain.driver.identity)
        compile: \(compile.joined(separator: " "))
        source:
        \(source)
        """
        let id = EntryID(area: .archives, group: toolchain.target.triple, prefix: name, key: key)
        let work = cache.layout.work(id)
        return ArchiveStep(
            build: CachedBuild(entry: id, cached: cache.isPublished(id), label: label),
            sources: [.text(work + "/\(name).c", source)],
            commands: [Command(toolchain.cc, compile, directory: work),
                       Command(toolchain.ar, ["rcs", "lib\(name).a", "\(name).o"], directory: work)],
            outputs: ["lib\(name).a"],
            archive: cache.layout.entry(id) + "/lib\(name).a")
    }
}

/// Runs an `ArchiveStep` in its work directory and publishes the outputs.
struct ArchiveBuilder {
    let store: CacheStore
    let runner: Runner
    let reporter: Reporter

    @discardableResult
    func run(_ step: ArchiveStep) throws -> CacheStore.Outcome {
        let id = step.build.entry
        let work = store.layout.work(id)
        let outcome = try store.ensure(id, reporter: reporter, waitMessage: "waiting for another cargo-static that is building \(step.build.label)") { staging in
            try? FileManager.default.removeItem(atPath: work)
            try FileSystem.makeDirectory(work)
            for source in step.sources { try source.apply() }
            for command in step.commands {
                try runner.check(command, what: "compiling \(step.build.label) for \(id.group ?? "the target")", kind: .noCToolchain)
            }
            for output in step.outputs {
                try FileManager.default.moveItem(atPath: work + "/" + output, toPath: staging + "/" + output)
            }
            return ArchiveEntry(name: id.name, key: id.key, label: step.build.label, created: Date())
        }
        try? FileManager.default.removeItem(atPath: work)
        return outcome
    }
}

/// What an archive entry records about itself.
struct ArchiveEntry: Codable {
    let name: String
    let key: String
    let label: String
    let created: Date
}
