import Foundation

/// The cargo command that builds the project for one target, rendered from the plan's values.
public enum CargoInvocation {
    /// Variables that must not reach the user's build: RUSTC_BOOTSTRAP would make old
    /// proc-macro2 versions switch to unstable APIs; CARGO_BUILD_TARGET would add a target.
    public static let unset = ["RUSTC_BOOTSTRAP", "CARGO_BUILD_TARGET"]

    /// pkg-config confined to the cache's prefixes, plus what each -sys crate of a provided library reads.
    public static func nativeLibraryEnvironment(_ libraries: [ProvidedLibrary], target: Target) -> [String: String] {
        var env = SysCrateTable.pkgConfigEnvironment(prefixes: libraries.map(\.prefix), target: target)
        for lib in libraries {
            for binding in SysCrateTable.bindings where binding.library == lib.name.name {
                env.merge(binding.environment(prefix: lib.prefix, target: target)) { _, new in new }
            }
        }
        return env
    }

    /// `CARGO_PROFILE_<NAME>_*` overrides: what the std profile asks of the program, and --strip.
    /// (cargo ranks these above the manifest's [profile] tables.)
    public static func profileEnvironment(_ settings: StdSettings, strip: Bool, profile: String) -> [String: String] {
        var keys = settings.userProfile ?? [:]
        if strip { keys["STRIP"] = "symbols" }
        let name = profile.uppercased().replacingEvery("-", with: "_")
        return Dictionary(uniqueKeysWithValues: keys.map { ("CARGO_PROFILE_\(name)_\($0.key)", $0.value) })
    }

    /// The rustflags cargo receives: the user's own (as cargo would have chosen them), then
    /// ours, 0x1F-separated so a path with spaces stays one argument.
    public static func encodedRustflags(user: [String], link: LinkSpec) -> String {
        (user + link.rustflags).joined(separator: "\u{1F}")
    }

    /// `userEnvironment`: the user's values of `BuildScriptEnvironment.userKeys`, which ours join.
    /// `rustc`: the toolchain directory's rustc when the std was built from source (it has
    /// the std in its own sysroot), else the toolchain's.
    public static func command(mode: BuildRequest.Mode, toolchain: Toolchain, rustc: String? = nil, link: LinkSpec, cargo: CargoArguments,
                               libraries: [ProvidedLibrary], settings: StdSettings, strip: Bool,
                               userRustflags: [String], directory: String, userEnvironment: [String: String] = [:],
                               userDebug: String? = nil) -> Command {
        let target = link.target
        var env = link.cargoEnvironment
        env["RUSTC"] = rustc ?? toolchain.rustc
        env["CARGO_ENCODED_RUSTFLAGS"] = encodedRustflags(user: userRustflags, link: link)
        env.merge(profileEnvironment(settings, strip: strip, profile: cargo.profileName(mode))) { _, new in new }
        if link.debug == .split {
            // Line tables at least, so `<exe>.debug` maps addresses to source lines; rustc does not strip.
            let name = cargo.profileName(mode).uppercased().replacingEvery("-", with: "_")
            env["CARGO_PROFILE_\(name)_STRIP"] = "none"
            if userDebug == nil { env["CARGO_PROFILE_\(name)_DEBUG"] = "line-tables-only" }
        }
        // C code of build scripts gets the same path mappings as Rust code (the cc crate reads
        // these), and the built libraries' headers; bindgen gets those too.
        env.merge(BuildScriptEnvironment.environment(target: target, includeDirectories: libraries.map { $0.prefix + "/include" },
                                                     cflags: link.buildScriptCFlags, user: userEnvironment)) { _, new in new }
        env.merge(nativeLibraryEnvironment(libraries, target: target)) { _, new in new }
        var unsetting = unset
        if settings.userBootstrap == true {
            env["RUSTC_BOOTSTRAP"] = "1"
            unsetting.removeAll { $0 == "RUSTC_BOOTSTRAP" }
        }
        var args = [mode == .test ? "test" : "build", "--target", target.triple, cargo.messageFormatArgument]
        if mode == .test { args.append("--no-run") }
        args += cargo.forwarded
        // cargo runs where the user ran us: a relative --manifest-path and cargo's config lookup
        // (.cargo/config.toml from the current directory upwards) mean what they would for cargo.
        return Command(toolchain.cargo, args, environment: env, unset: unsetting, directory: directory)
    }
}
