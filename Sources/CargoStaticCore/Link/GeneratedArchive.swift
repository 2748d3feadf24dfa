import Foundation

/// A static archive compiled from one generated C file into a C toolchain's wrapper
/// directory. Compiled once: again only when the source text changes. Written under a
/// temporary name and renamed, so concurrent builds (which hold no lock here) never see
/// half of it.
enum GeneratedArchive {
    /// `lib<name>.a` in `dir`, with `<name>.c` beside it as the stamp of what it holds.
    static func ensure(_ name: String, source: String, in dir: String, toolchain cc: String, ar: String,
                       flags: [String] = ["-O2"], what: String, runner: Runner) throws -> String {
        let archive = "\(dir)/lib\(name).a"
        let stamp = "\(dir)/\(name).c"
        let fm = FileManager.default
        if fm.fileExists(atPath: archive), fm.contents(atPath: stamp) == Data(source.utf8) { return archive }
        let tmp = "\(dir)/.\(name)-\(getpid())"
        try fm.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: tmp) }
        try source.write(toFile: "\(tmp)/\(name).c", atomically: false, encoding: .utf8)
        try runner.check(Command(cc, flags + ["-fPIC", "-c", "\(name).c", "-o", "\(name).o"], directory: tmp),
                         what: "compiling \(what) for musl", kind: .noCToolchain)
        try runner.check(Command(ar, ["rcs", "lib\(name).a", "\(name).o"], directory: tmp), what: "archiving \(what)")
        _ = rename("\(tmp)/lib\(name).a", archive)
        _ = rename("\(tmp)/\(name).c", stamp)
        return archive
    }
}
