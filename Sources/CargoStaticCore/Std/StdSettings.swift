import Foundation

/// How the standard library is compiled. Part of the cache key: a different setting
/// is a different cache entry.
public struct StdSettings: Codable, Equatable {
    public var name: String
    public var profile: String
    public var features: [String]
    public var crates: [String]
    public var rustflags: [String]
    /// Extra `[profile.<profile>]` keys, as TOML values (`opt-level = "\"z\""`).
    /// (Optionals, so settings without them keep the cache keys they always had.)
    public var profileKeys: [String: String]? = nil
    /// The same profile keys for the user's crates, as `CARGO_PROFILE_<NAME>_<KEY>` values:
    /// a crate built against a panic=abort std must itself be panic=abort.
    public var userProfile: [String: String]? = nil
    /// Extra flags for the program's crates (`-Clink-arg=-Os`: zig then builds the libc for size).
    public var userRustflags: [String]? = nil
    /// The program's crates need unstable flags too (`-Cpanic=immediate-abort`): the one
    /// profile that sets RUSTC_BOOTSTRAP for them, on the user's explicit request.
    public var userBootstrap: Bool? = nil

    /// panic=unwind std (with backtraces), plus panic_abort so `panic = "abort"` profiles work too,
    /// libtest so `cargo-static test` can build test harnesses, and proc_macro (programs that
    /// parse Rust at run time through proc-macro2 link it): what rustup ships for a target.
    /// Bitcode is embedded so user crates may use LTO against this std. crt-static is on even
    /// where the target's default is off (riscv64, powerpc64): then no std dylib is attempted,
    /// which would need a host linker for the target.
    public static let standard = StdSettings(
        name: "default", profile: "release",
        features: ["panic-unwind", "backtrace"],
        crates: ["std", "panic_unwind", "panic_abort", "test", "proc_macro"],
        rustflags: ["-Zforce-unstable-if-unmarked", "-Cembed-bitcode=yes", "-Ctarget-feature=+crt-static"])

    /// `--std-profile size`: std compiled for size (opt-level z, one codegen unit,
    /// size-optimised algorithms), panic=abort without the unwinder and without the
    /// backtrace symbolizer, and without file:line strings for std's own panics (a panic in
    /// std says `<redacted>`; the program's panics keep their locations). The program
    /// follows: opt-level z, panic=abort, one codegen unit and fat LTO against std's embedded
    /// bitcode, linked without an unwinder. No test harness (tests unwind).
    public static let size = StdSettings(
        name: "size", profile: "release",
        features: ["optimize_for_size"],
        crates: ["std", "panic_abort", "proc_macro"],
        rustflags: ["-Zforce-unstable-if-unmarked", "-Cembed-bitcode=yes", "-Ctarget-feature=+crt-static", "-Cforce-unwind-tables=no",
                    "-Zlocation-detail=none"],
        profileKeys: ["opt-level": "\"z\"", "codegen-units": "1", "panic": "\"abort\""],
        userProfile: ["OPT_LEVEL": "z", "PANIC": "abort", "CODEGEN_UNITS": "1", "LTO": "fat"],
        userRustflags: ["-Cforce-unwind-tables=no", "-Clink-arg=-Os"])

    /// `--std-profile min`: `size`, and panics abort on the spot (panic=immediate-abort:
    /// no message, no formatting or unwinding code at all). That strategy is unstable, so
    /// the program's crates are compiled with RUSTC_BOOTSTRAP=1 and -Zunstable-options.
    public static let min = StdSettings(
        name: "min", profile: "release",
        features: ["optimize_for_size"],
        crates: ["std", "panic_abort", "proc_macro"],
        rustflags: ["-Zforce-unstable-if-unmarked", "-Cembed-bitcode=yes", "-Ctarget-feature=+crt-static", "-Cforce-unwind-tables=no",
                    "-Zunstable-options", "-Cpanic=immediate-abort"],
        profileKeys: ["opt-level": "\"z\"", "codegen-units": "1"],
        userProfile: ["OPT_LEVEL": "z", "PANIC": "abort", "CODEGEN_UNITS": "1", "LTO": "fat"],
        userRustflags: ["-Cforce-unwind-tables=no", "-Zunstable-options", "-Cpanic=immediate-abort", "-Clink-arg=-Os"],
        userBootstrap: true)

    public static let profiles: [StdSettings] = [.standard, .size, .min]

    /// `--std-profile NAME`.
    public static func named(_ name: String?) throws -> StdSettings {
        if let found = profiles.first(where: { $0.name == (name ?? "default") }) { return found }
        throw CargoStaticError(.badInput, "unknown std profile `\(name ?? "")`",
                               fix: "use --std-profile default (speed, unwinding, backtraces), size (small, panic=abort) or min (smallest, panics abort without a message)")
    }

    /// The allocator without --allocator: the size profiles keep the libc's malloc, which
    /// is far smaller than mimalloc (docs/benchmarks.md has both sizes).
    public var defaultAllocator: Allocator { userProfile?["OPT_LEVEL"] == "z" ? .musl : .default }

    /// Whether std itself is compiled with a panic strategy in its flags (then panic_abort follows it).
    var setsPanicStrategy: Bool { rustflags.contains { $0.hasPrefix("-Cpanic=") } }

    /// Whether programs built against this std need a real unwinder: for unwinding panics or
    /// for backtraces. The size profiles need neither (`UnwinderStub` stands in).
    public var needsUnwinder: Bool { features.contains("panic-unwind") || features.contains("backtrace") }

    /// Whether `cargo-static test` can use this std (the test harness needs unwinding and libtest).
    public var supportsTests: Bool { crates.contains("test") }
}
