import Foundation

/// What build scripts are told beyond pkg-config, for those that do not ask it: where the
/// built libraries' headers are, and the target in Debian's terms.
///
/// - C compiles (`CFLAGS_<target>`, `CXXFLAGS_<target>`, read by the cc and cmake crates)
///   get each built library's include directory with `-idirafter`: searched after the
///   crate's own `-I` directories and the libc's, it only supplies a header nothing else has
///   (a script that passes `-I/usr/include/foo` finds `<foo/x.h>`, which zig's compiler
///   never looks for in the build machine's /usr/include), and never shadows a bundled copy.
/// - bindgen (`BINDGEN_EXTRA_CLANG_ARGS_<target>`) runs the build machine's libclang, which
///   searches the host's /usr/include: there the built headers come first, with `-isystem`
///   (after the crate's own `-I`), so the bindings describe the library that is linked.
/// - `DEB_HOST_MULTIARCH` (Debian's patched build scripts read it to name
///   `/usr/lib/$DEB_HOST_MULTIARCH`) is the target's multiarch tuple; the link never searches
///   that host directory (`HostLibraries`), so what such a script asks for by name is taken
///   from the built archives.
/// The user's own values come first and are kept.
public enum BuildScriptEnvironment {
    /// The variables read from the user's environment (for `environment(…user:)`).
    public static func userKeys(target: Target) -> [String] {
        ["CFLAGS_\(target.envSuffix)", "CXXFLAGS_\(target.envSuffix)", "BINDGEN_EXTRA_CLANG_ARGS_\(target.triple)",
         "BINDGEN_EXTRA_CLANG_ARGS_\(target.envSuffix)", "BINDGEN_EXTRA_CLANG_ARGS", "DEB_HOST_MULTIARCH"]
    }

    /// `includeDirectories`: the built libraries' include directories, in the plan's order.
    /// `cflags`: cargo-static's own flags for build scripts' C code (path mappings).
    public static func environment(target: Target, includeDirectories: [String], cflags: [String],
                                   user: [String: String]) -> [String: String] {
        var env: [String: String] = [:]
        // The cc crate splits its flags on whitespace: a directory with a space cannot be said.
        let compileFlags = cflags + includeDirectories.filter { !$0.contains(where: \.isWhitespace) }.flatMap { ["-idirafter", $0] }
        if !compileFlags.isEmpty {
            for key in ["CFLAGS_\(target.envSuffix)", "CXXFLAGS_\(target.envSuffix)"] {
                env[key] = ([user[key]].compactMap { $0 } + compileFlags).joined(separator: " ")
            }
        }
        if !includeDirectories.isEmpty {
            // bindgen reads the first of these that is set (with the triple as written, then
            // with underscores, then plain): ours goes where the user's would be read, after it.
            let dashed = "BINDGEN_EXTRA_CLANG_ARGS_\(target.triple)"
            let key = user[dashed] != nil ? dashed : "BINDGEN_EXTRA_CLANG_ARGS_\(target.envSuffix)"
            let own = user[dashed] ?? user["BINDGEN_EXTRA_CLANG_ARGS_\(target.envSuffix)"] ?? user["BINDGEN_EXTRA_CLANG_ARGS"]
            env[key] = ([own].compactMap { $0 } + includeDirectories.flatMap { ["-isystem", shellQuoted($0)] }).joined(separator: " ")
        }
        if user["DEB_HOST_MULTIARCH"] == nil { env["DEB_HOST_MULTIARCH"] = target.debianMultiarch }
        return env
    }

    /// One word for bindgen's shell-like splitting.
    static func shellQuoted(_ word: String) -> String {
        let plain = word.allSatisfy { $0.isLetter || $0.isNumber || "/._-+=:,@%".contains($0) }
        return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

extension Target {
    /// Debian's multiarch tuple for the target (`x86_64-linux-musl`, `i386-linux-musl`,
    /// `arm-linux-musleabihf`): the GNU triple, with Debian's name for 32-bit x86.
    public var debianMultiarch: String {
        let gnu = info.gnuTriple
        guard let dash = gnu.firstIndex(of: "-") else { return gnu }
        let cpu = gnu[..<dash]
        let rest = gnu[dash...]
        return (["i486", "i586", "i686"].contains(cpu) ? "i386" : String(cpu)) + rest
    }
}
