import Foundation

/// `--artifact-dir DIR` (as cargo's unstable flag): the executables that passed their audit,
/// with the files that describe them, copied out of cargo's target directory to a place of
/// the user's choosing. Tests are left where cargo put them.
public enum ArtifactDirectory {
    /// The files written beside an executable that travel with it (the SBOM, the split
    /// debug info; the executable's `.gnu_debuglink` names the latter by its file name).
    static let companions = [SBOM.fileSuffix, ".debug"]

    /// Where each checked executable goes: DIR/<name> for one target, DIR/<triple>/<name>
    /// for several (the same name for every target).
    public static func destinations(_ results: [TargetResult], directory: String) -> [(source: String, destination: String)] {
        results.flatMap { result in
            result.executables.filter { !$0.isTest && $0.audit.kernelOnly }.map { exe in
                let dir = results.count > 1 ? directory + "/" + result.target.triple : directory
                return (exe.path, dir + "/" + (exe.path as NSString).lastPathComponent)
            }
        }
    }

    /// Copies the executables and their companions (through `FileSystem`: a link or a file
    /// where a directory belongs is refused); returns the executables' new paths.
    @discardableResult
    public static func copy(_ results: [TargetResult], to directory: String, reporter: Reporter) throws -> [String] {
        var copied: [String] = []
        for (source, destination) in destinations(results, directory: directory) {
            // The companions first, so the executable appears last; a companion this build
            // did not write (an earlier --split-debug's) would describe another file: removed.
            for suffix in companions {
                if FileManager.default.fileExists(atPath: source + suffix) {
                    try FileSystem.copy(source + suffix, to: destination + suffix)
                } else {
                    try FileSystem.removeFile(destination + suffix)
                }
            }
            try FileSystem.copy(source, to: destination)
            reporter.status("Copied", "\((source as NSString).lastPathComponent) to \(destination)")
            copied.append(destination)
        }
        return copied
    }
}
