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

    /// The optional parts this std has.
    public var components: StdComponents {
        StdComponents(libtest: crates.contains("test"), bitcode: rustflags.contains(StdComponents.bitcodeFlag))
    }

    /// This profile without the optional parts `needs` leaves out. A leaner variant is another
    /// cache entry (its name says what it lacks); the profile itself keeps its name and key.
    func trimmed(to needs: StdComponents) -> StdSettings {
        var lean = self
        let dropTest = components.libtest && !needs.libtest, dropBitcode = components.bitcode && !needs.bitcode
        if dropTest { lean.crates.removeAll { $0 == "test" } }
        if dropBitcode { lean.rustflags.removeAll { $0 == StdComponents.bitcodeFlag } }
        switch (dropTest, dropBitcode) {
        case (true, true): lean.name += "-lean"
        case (true, false): lean.name += "-notest"
        case (false, true): lean.name += "-nobitcode"
        case (false, false): break
        }
        return lean
    }

    /// The variants of this profile that serve `needs`, leanest first (the one with exactly
    /// what is needed) and this profile itself last: any of them will do, so the planner
    /// takes the first one published and builds the first one otherwise.
    func variants(serving needs: StdComponents) -> [StdSettings] {
        let have = components
        var found: [StdSettings] = []
        for libtest in Set([needs.libtest && have.libtest, have.libtest]).sorted(by: { !$0 && $1 }) {
            for bitcode in Set([needs.bitcode && have.bitcode, have.bitcode]).sorted(by: { !$0 && $1 }) {
                let variant = trimmed(to: StdComponents(libtest: libtest, bitcode: bitcode))
                if !found.contains(variant) { found.append(variant) }
            }
        }
        return found
    }
}

/// The optional parts of a std: libtest (and its dependencies), which only test harnesses
/// link, and LLVM bitcode embedded in every rlib, which only cross-crate LTO reads (rustc
/// otherwise skips writing it: cargo's own builds pass -Cembed-bitcode=no without LTO).
public struct StdComponents: Codable, Equatable, Hashable {
    public var libtest: Bool
    public var bitcode: Bool

    public init(libtest: Bool, bitcode: Bool) {
        self.libtest = libtest
        self.bitcode = bitcode
    }

    static let bitcodeFlag = "-Cembed-bitcode=yes"

    /// Whether a std with these parts serves a build that needs `needs`.
    public func covers(_ needs: StdComponents) -> Bool {
        (libtest || !needs.libtest) && (bitcode || !needs.bitcode)
    }

    /// "with libtest and bitcode", "without libtest, with bitcode", …
    public var described: String {
        switch (libtest, bitcode) {
        case (true, true): return "with libtest and embedded bitcode"
        case (false, false): return "without libtest and embedded bitcode"
        case (true, false): return "with libtest, without embedded bitcode"
        case (false, true): return "without libtest, with embedded bitcode"
        }
    }
}
