import Foundation

/// A Rust musl target triple, parsed once, with everything the tool needs to know
/// about it. The per-architecture facts live in `TargetTable.known` (data, not code paths).
public struct Target: Hashable, Codable, CustomStringConvertible, Comparable {
    public let triple: String
    public let info: TargetInfo

    public static let defaultTriple = "x86_64-unknown-linux-musl"

    public init(_ triple: String) throws {
        let trimmed = triple.trimmingSpaces()
        guard let info = TargetTable.known[trimmed] else {
            let suggestion = Self.suggestion(for: trimmed).map { "did you mean --target \($0)? " } ?? ""
            if !trimmed.contains("-linux-musl") {
                throw CargoStaticError(.usage, "target `\(trimmed)` is not a Linux musl target",
                                       fix: suggestion + "use a `*-linux-musl*` triple (glibc cannot be linked fully statically); supported: \(TargetTable.known.keys.sorted().joined(separator: ", "))")
            }
            throw CargoStaticError(.usage, "target `\(trimmed)` is not in cargo-static's target table",
                                   fix: suggestion + "supported targets: \(TargetTable.known.keys.sorted().joined(separator: ", "))")
        }
        self.triple = trimmed
        self.info = info
    }

    public var description: String { triple }

    /// The known triple meant by a partial or mistyped one: same architecture first
    /// (`aarch64`, `aarch64-unknown-linux-gnu`), then the closest spelling.
    static func suggestion(for text: String) -> String? {
        let arch = String(text.split(separator: "-").first ?? "")
        let known = TargetTable.known.keys.sorted()
        if let same = known.first(where: { $0.hasPrefix(arch + "-") }), !arch.isEmpty { return same }
        return Suggest.closest(text, in: known)
    }

    public static func < (a: Target, b: Target) -> Bool { a.triple < b.triple }

    /// Encoded as its triple: results and plans name targets the way users type them.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(triple)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        try self.init(try c.decode(String.self))
    }

    /// The architecture part of the triple (`x86_64`, `aarch64`, ...).
    public var arch: String { String(triple.split(separator: "-")[0]) }

    /// `x86_64-unknown-linux-musl` -> `x86_64_unknown_linux_musl`, for `CC_<target>` and friends.
    public var envSuffix: String { triple.replacingEvery("-", with: "_") }

    /// `CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_...` prefix.
    public var cargoEnvPrefix: String { "CARGO_TARGET_\(envSuffix.uppercased())" }

    public var isNative: Bool {
        #if arch(x86_64)
        return info.elfMachine == 62
        #elseif arch(arm64)
        return info.elfMachine == 183
        #else
        return false
        #endif
    }

    /// Parses `a,b,c` into targets (duplicates dropped, order kept).
    public static func list(_ spec: String) throws -> [Target] {
        var seen = Set<String>()
        var result: [Target] = []
        for part in spec.split(separator: ",") {
            let name = String(part).trimmingSpaces()
            let expanded = name == "all-tested" ? TargetTable.tested : [name]
            for triple in expanded where seen.insert(triple).inserted { result.append(try Target(triple)) }
        }
        if result.isEmpty {
            throw CargoStaticError(.usage, "--target needs a target triple", fix: "for example: --target \(defaultTriple), or leave --target out")
        }
        return result
    }
}

/// Facts about one target: how zig and qemu name it, what the ELF header must say.
public struct TargetInfo: Hashable, Codable {
    /// binutils' name for the target's executable format (`objcopy --info` lists those it handles).
    public var bfdFormat: String {
        let endian = bigEndian ? "big" : "little"
        switch elfMachine {
        case 62: return "elf64-x86-64"
        case 3: return "elf32-i386"
        case 183: return "elf64-\(endian)aarch64"
        case 40: return "elf32-\(endian)arm"
        case 243: return "elf\(bits)-littleriscv"
        case 21: return bigEndian ? "elf64-powerpc" : "elf64-powerpcle"
        case 22: return "elf64-s390"
        case 258: return "elf64-loongarch"
        default: return "unknown-\(elfMachine)"
        }
    }

    public let zigTarget: String
    /// The GNU triple autotools' `--host` takes for this target.
    public let gnuTriple: String
    public let elfMachine: UInt16
    public let bits: Int
    public let bigEndian: Bool
    public let qemu: String?
    /// The CPU qemu should emulate (`-cpu`, or `QEMU_CPU`) so that a run proves the program
    /// fits the target's oldest CPU; qemu's default is its most capable one.
    public let qemuCPU: String?
    /// Whether cargo-static links static-pies for this target by default (verified: ET_DYN,
    /// no PT_INTERP, full RELRO, and hello/panic/threads/tcp-echo run under qemu).
    public let staticPie: Bool
    /// Whether rustc's built-in target spec asks for static-pie itself
    /// (`static-position-independent-executables`); elsewhere it links `-static -no-pie`.
    public let rustcStaticPie: Bool
    /// Extra arguments for the C compiler (CPU/ABI choices).
    public let cflags: [String]
    public let notes: String?

    public init(zigTarget: String, gnuTriple: String, elfMachine: UInt16, bits: Int, bigEndian: Bool = false, qemu: String?,
                qemuCPU: String? = nil, staticPie: Bool = true, rustcStaticPie: Bool = false, cflags: [String] = [], notes: String? = nil) {
        self.zigTarget = zigTarget
        self.gnuTriple = gnuTriple
        self.elfMachine = elfMachine
        self.bits = bits
        self.bigEndian = bigEndian
        self.qemu = qemu
        self.qemuCPU = qemuCPU
        self.staticPie = staticPie
        self.rustcStaticPie = rustcStaticPie
        self.cflags = cflags
        self.notes = notes
    }
}

public enum TargetTable {
    public static let known: [String: TargetInfo] = [
        "x86_64-unknown-linux-musl": TargetInfo(zigTarget: "x86_64-linux-musl", gnuTriple: "x86_64-linux-musl", elfMachine: 62, bits: 64,
                                                qemu: "qemu-x86_64-static", rustcStaticPie: true),
        "aarch64-unknown-linux-musl": TargetInfo(zigTarget: "aarch64-linux-musl", gnuTriple: "aarch64-linux-musl", elfMachine: 183, bits: 64,
                                                 qemu: "qemu-aarch64-static"),
        "armv7-unknown-linux-musleabihf": TargetInfo(zigTarget: "arm-linux-musleabihf", gnuTriple: "arm-linux-musleabihf", elfMachine: 40, bits: 32,
                                                     qemu: "qemu-arm-static", cflags: ["-mcpu=generic+v7a+vfp3d16"], notes: "hard-float ABI"),
        // ARMv6 with VFPv2 and the hard-float ABI: the Raspberry Pi Zero and 1 (ARM1176JZF-S).
        "arm-unknown-linux-musleabihf": TargetInfo(zigTarget: "arm-linux-musleabihf", gnuTriple: "arm-linux-musleabihf", elfMachine: 40, bits: 32,
                                                   qemu: "qemu-arm-static", qemuCPU: "arm1176", cflags: ["-mcpu=arm1176jzf_s"],
                                                   notes: "ARMv6, hard-float ABI"),
        "i686-unknown-linux-musl": TargetInfo(zigTarget: "x86-linux-musl", gnuTriple: "i686-linux-musl", elfMachine: 3, bits: 32,
                                              qemu: "qemu-i386-static", cflags: ["-mcpu=pentium4"]),
        "riscv64gc-unknown-linux-musl": TargetInfo(zigTarget: "riscv64-linux-musl", gnuTriple: "riscv64-linux-musl", elfMachine: 243, bits: 64,
                                                   qemu: "qemu-riscv64-static"),
        // rustc's and zig's code use the LSX vector extension: qemu 7.2 (Debian 12) lacks it
        // (SIGILL in the start code); qemu 8.1 and later run it.
        "loongarch64-unknown-linux-musl": TargetInfo(zigTarget: "loongarch64-linux-musl", gnuTriple: "loongarch64-linux-musl", elfMachine: 258, bits: 64,
                                                     qemu: "qemu-loongarch64-static", notes: "runs under qemu 8.1 or later (LSX)"),
        "powerpc64-unknown-linux-musl": TargetInfo(zigTarget: "powerpc64-linux-musl", gnuTriple: "powerpc64-linux-musl", elfMachine: 21, bits: 64, bigEndian: true,
                                                   qemu: "qemu-ppc64-static", notes: "big-endian"),
        "powerpc64le-unknown-linux-musl": TargetInfo(zigTarget: "powerpc64le-linux-musl", gnuTriple: "powerpc64le-linux-musl", elfMachine: 21, bits: 64,
                                                     qemu: "qemu-ppc64le-static"),
        "s390x-unknown-linux-musl": TargetInfo(zigTarget: "s390x-linux-musl", gnuTriple: "s390x-linux-musl", elfMachine: 22, bits: 64, bigEndian: true,
                                               qemu: "qemu-s390x-static", rustcStaticPie: true, notes: "big-endian"),
    ]

    /// The targets CI builds and runs under qemu.
    public static let tested = [
        "aarch64-unknown-linux-musl", "armv7-unknown-linux-musleabihf", "i686-unknown-linux-musl",
        "riscv64gc-unknown-linux-musl", "s390x-unknown-linux-musl",
        "loongarch64-unknown-linux-musl", "powerpc64le-unknown-linux-musl", "arm-unknown-linux-musleabihf",
    ]
}
