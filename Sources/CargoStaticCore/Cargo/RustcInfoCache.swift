import Foundation

/// cargo's record of what rustc said about itself and the targets: `.rustc_info.json` in
/// the target directory (`rustc -vV` and the `--print` probes, for the host and for the
/// musl target: four rustc runs, about 100 ms of a one-file crate's build). A build in an
/// emptied target directory (after `cargo clean`, or a fresh checkout with the cache
/// restored) asks all of them again. The record is kept in the cache after a build, per
/// cargo, rustc and target directory, and put back before cargo runs when the target
/// directory has none. cargo checks the record itself (rustc's fingerprint, each probe's
/// command line and environment) and asks rustc again for whatever no longer matches, so
/// a stale copy only costs the probes it would have run anyway.
public struct RustcInfoCache: Codable, Equatable {
    /// `<target dir>/.rustc_info.json`.
    public let file: String
    /// The copy in the cache.
    public let kept: String

    static let name = ".rustc_info.json"

    /// Where cargo keeps it for `targetDirectory`, and where the cache keeps it for this
    /// cargo and rustc (`command` is the cargo step's).
    public static func plan(targetDirectory: String, command: Command, layout: CacheLayout) -> RustcInfoCache? {
        guard targetDirectory.hasPrefix("/") else { return nil }
        let key = Fingerprint.hex([command.executable, command.environment["RUSTC"] ?? "", targetDirectory].joined(separator: "\u{0}"))
        return RustcInfoCache(file: targetDirectory + "/" + name, kept: layout.work + "/cargo-rustc-info/" + key + ".json")
    }

    /// Before cargo: the kept record into a target directory that has none. Best effort:
    /// without it cargo asks rustc, as it always did. The target directory also gets the
    /// cache-directory tag cargo writes only into a directory it makes itself (cargo-static
    /// makes it first, for the executables' dependency lists).
    func restore() {
        let directory = String(file.dropLast(Self.name.count + 1))
        if FileSystem.kind(directory + "/CACHEDIR.TAG") == .missing {
            try? FileSystem.write(Self.cacheDirectoryTag, to: directory + "/CACHEDIR.TAG")
        }
        guard FileSystem.kind(file) == .missing, FileSystem.kind(kept) == .regular else { return }
        try? FileSystem.copy(kept, to: file)
    }

    /// After cargo succeeded: its record, when it changed, for the next build.
    func keep() {
        guard FileSystem.kind(file) == .regular,
              FileManager.default.contents(atPath: file) != FileManager.default.contents(atPath: kept) else { return }
        try? FileSystem.copy(file, to: kept)
    }

    /// A cache directory tag (bford.info/cachedir): backup tools leave the directory out.
    static let cacheDirectoryTag = """
        Signature: 8a477f597d28d172789f06886806bc55
        # This file is a cache directory tag created for cargo by cargo-static.
        # For information about cache directory tags see https://bford.info/cachedir/

        """
}
