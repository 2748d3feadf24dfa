import Foundation

/// When `--check-reproducible` finds two builds that differ, the files the build scripts
/// wrote (each package's `OUT_DIR`) are compared too. A build script whose output changes
/// from one run to the next (a hash map with a random seed, the time, the host's name)
/// makes everything compiled from it differ; that package is then the cause to name,
/// and its fix is in its build script, not in the build's settings.
enum BuildScriptOutputs {
    struct Change: Equatable {
        /// The package whose build script wrote the file (cargo's directory name without its hash).
        let package: String
        /// The file in the first build.
        let file: String
        let detail: String
    }

    /// Text files larger than this are not compared (generated sources are far smaller).
    static let largestCompared = 8 << 20

    /// The build-script directories under `first` and `second` (each a `<profile>/build`
    /// directory) of the same name whose `out/` text files differ once the second build's
    /// paths (`rewrite`'s keys) are read as the first's. Object files and archives are left
    /// out: they embed paths in ways a text rewrite cannot undo, and what they were
    /// compiled from is itself compared.
    static func changes(_ first: String, _ second: String, rewrite: [(from: String, to: String)]) -> [Change] {
        guard let names = try? FileSystem.openDirectory(first).names() else { return [] }
        var changes: [Change] = []
        for name in names.sorted() {
            let left = first + "/" + name + "/out", right = second + "/" + name + "/out"
            guard FileSystem.kind(left) == .directory, FileSystem.kind(right) == .directory,
                  let files = try? FileSystem.openDirectory(left).walk() else { continue }
            for (relative, kind) in files where kind == .regular {
                guard let a = text(left + "/" + relative) else { continue }
                let b = text(right + "/" + relative).map { rewritten($0, rewrite) }
                guard b != a else { continue }
                let detail = b.map { Reproducibility.firstDifference(Array(a.utf8), Array($0.utf8)) } ?? "the second build did not write it"
                changes.append(Change(package: package(ofDirectory: name), file: left + "/" + relative, detail: detail))
            }
        }
        return changes
    }

    /// `unicode-linebreak-b78f5e1dfe61f8f9` → `unicode-linebreak`.
    static func package(ofDirectory name: String) -> String {
        guard let dash = name.lastIndex(of: "-"), name[name.index(after: dash)...].allSatisfy(\.isHexDigit) else { return name }
        return String(name[..<dash])
    }

    /// The build directory cargo ran `executable`'s build scripts in: `<profile>/build`
    /// beside it (tests sit one level deeper, in `<profile>/deps`).
    static func buildDirectory(of executable: String) -> String {
        var dir = (executable as NSString).deletingLastPathComponent
        if (dir as NSString).lastPathComponent == "deps" { dir = (dir as NSString).deletingLastPathComponent }
        return dir + "/build"
    }

    /// The file's text, when it is UTF-8 without NUL bytes and not too large.
    static func text(_ path: String) -> String? {
        guard let size = FileSystem.status(path)?.size, size <= largestCompared,
              let data = FileManager.default.contents(atPath: path), !data.contains(0) else { return nil }
        return String(data: data, encoding: .utf8)
    }

    static func rewritten(_ text: String, _ rewrite: [(from: String, to: String)]) -> String {
        rewrite.reduce(text) { $0.replacingEvery($1.from, with: $1.to) }
    }

    /// The report's words for one change.
    static func described(_ change: Change) -> String {
        "written by \(change.package)'s build script, which writes something else on every run (a random hash seed, the time or the host: "
            + "the fix is in that build script): \(change.detail)"
    }
}
