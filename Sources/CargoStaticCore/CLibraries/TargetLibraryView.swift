import Foundation

/// A cross toolchain's sysroot has one library directory where `crt1.o` sits beside
/// `pkgconfig/`, with the .pc files of the target's libraries, and configure macros find
/// libraries through it: GnuPG's (gpg-error.m4, and the libgcrypt, libassuan and ksba ones
/// built on it) ask the compiler where `crt1.o` is and read `gpg-error.pc` beside it with
/// `gpgrt-config`; gpgme's newer copy looks for it in the compiler's `-print-search-dirs`.
/// Each dependency here is a prefix of its own, so each library build gets such a
/// directory, `<work>/sysroot/lib`: its `pkgconfig/` holds every dependency's .pc files
/// with `${pcfiledir}` written out (gpgrt-config is not pkg-config and does not know it).
/// The zig wrapper answers `-print-file-name=crt1.o` (and the other start files) with a
/// path in it, and `-print-search-dirs` with it as the one library directory. It holds no
/// library, so a build that searches it for one finds none. Nothing of the host's is named.
enum TargetLibraryView {
    /// The variable that tells the compiler wrapper where the directory is.
    static let variable = "CARGO_STATIC_TARGET_LIBDIR"
    /// The C start files a sysroot's library directory holds.
    static let startFiles: Set<String> = ["crt1.o", "Scrt1.o", "rcrt1.o", "crti.o", "crtn.o"]

    /// The directory for a build whose source copy is `source` (`<work>/src`). It ends in
    /// `lib`, as the macros expect of a library directory.
    static func directory(source: String) -> String {
        let work = (source as NSString).deletingLastPathComponent
        return (work.isEmpty ? "$WORK" : work) + "/sysroot/lib"  // the cache key's `$SRC` has no parent
    }

    /// Writes `directory/pkgconfig/` from the dependencies' prefixes, the first one's file
    /// winning when two ship the same name (the order is the build's own search order).
    static func write(_ directory: String, dependencyPrefixes: [String]) throws {
        let pkgconfig = directory + "/pkgconfig"
        try FileSystem.makeDirectory(pkgconfig)
        var written = Set<String>()
        for prefix in dependencyPrefixes {
            let from = prefix + "/lib/pkgconfig"
            guard FileSystem.kind(from) == .directory else { continue }
            for name in try FileSystem.openDirectory(from).names().sorted() where name.hasSuffix(".pc") && written.insert(name).inserted {
                guard FileSystem.kind(from + "/" + name) == .regular,
                      let text = try? String(contentsOfFile: from + "/" + name, encoding: .utf8) else { continue }
                try FileSystem.write(rendered(text, pcDirectory: from), to: pkgconfig + "/" + name)
            }
        }
    }

    /// The .pc text with `${pcfiledir}` replaced by the directory the file came from.
    static func rendered(_ text: String, pcDirectory: String) -> String {
        text.replacingEvery("${pcfiledir}", with: pcDirectory)
    }

    /// The wrapper's answer to `-print-file-name=NAME` for a start file, when the build
    /// named a directory; nil otherwise.
    static func startFile(_ name: String, directory: String?) -> String? {
        guard startFiles.contains(name), let directory, !directory.isEmpty else { return nil }
        return directory + "/" + name
    }
}
