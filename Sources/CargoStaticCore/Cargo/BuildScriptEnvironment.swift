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
        ["CFLAGS", "CXXFLAGS", "BINDGEN_EXTRA_CLANG_ARGS"].flatMap { lookupOrder($0, target: target) } + ["DEB_HOST_MULTIARCH"]
    }

    /// The names the cc crate (CFLAGS, CXXFLAGS) and bindgen read a variable under, first
    /// found wins: with the triple as written, with underscores, (cc only) `TARGET_`, plain.
    static func lookupOrder(_ name: String, target: Target) -> [String] {
        ["\(name)_\(target.triple)", "\(name)_\(target.envSuffix)"] + (name.hasSuffix("FLAGS") ? ["TARGET_\(name)"] : []) + [name]
    }

    /// `ours` after the user's value (the first found in the tool's order), under the name the
    /// tool reads: the user's dashed name when that is set (it would hide ours), else ours with
    /// underscores; the user's lower-ranked value is carried over, not hidden.
    static func joined(_ name: String, _ ours: [String], target: Target, user: [String: String]) -> (key: String, value: String) {
        let order = lookupOrder(name, target: target)
        let key = user[order[0]] != nil ? order[0] : order[1]
        let theirs = order.lazy.compactMap { user[$0] }.first
        return (key, ([theirs].compactMap { $0 } + ours).joined(separator: " "))
    }

    /// `includeDirectories`: the built libraries' include directories, in the plan's order.
    /// `cflags`: cargo-static's own flags for build scripts' C code (path mappings).
    public static func environment(target: Target, includeDirectories: [String], cflags: [String],
                                   user: [String: String]) -> [String: String] {
        var env: [String: String] = [:]
        // The cc crate splits its flags on whitespace: a directory with a space cannot be said.
        let compileFlags = cflags + includeDirectories.filter { !$0.contains(where: \.isWhitespace) }.flatMap { ["-idirafter", $0] }
        if !compileFlags.isEmpty {
            for name in ["CFLAGS", "CXXFLAGS"] {
                let (key, value) = joined(name, compileFlags, target: target, user: user)
                env[key] = value
            }
        }
        if !includeDirectories.isEmpty {
            let (key, value) = joined("BINDGEN_EXTRA_CLANG_ARGS", includeDirectories.flatMap { ["-isystem", shellQuoted($0)] },
                                      target: target, user: user)
            env[key] = value
        }
        if user["DEB_HOST_MULTIARCH"] == nil { env["DEB_HOST_MULTIARCH"] = target.debianMultiarch }
        return env
    }

    /// One word for bindgen's shell-like splitting.
    static func shellQuoted(_ word: String) -> String {
        let plain = word.allSatisfy { $0.isLetter || $0.isNumber || "/._-+=:,@%".contains($0) }
        return plain && !word.isEmpty ? word : "'" + word.replacingEvery("'", with: "'\\''") + "'"
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
