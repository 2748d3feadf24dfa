import Foundation

/// An OCI platform (GOOS/GOARCH names, the variant for ARM), derived from a Rust target triple.
public struct OCIPlatform: Equatable, Codable, CustomStringConvertible {
    public let os: String
    public let architecture: String
    public let variant: String?

    public init(os: String = "linux", architecture: String, variant: String? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
    }

    /// "linux/arm/v7", as podman, skopeo and docker spell `--platform`.
    public var description: String { [os, architecture, variant].compactMap { $0 }.joined(separator: "/") }

    public var json: JSONValue {
        var fields: [String: JSONValue] = ["os": .string(os), "architecture": .string(architecture)]
        if let variant { fields["variant"] = .string(variant) }
        return .object(fields)
    }

    /// The platform of a Linux target triple. ARM's variant is the architecture version the
    /// triple names (armv7 -> v7; plain `arm` targets are ARMv6, as rustc defines them).
    public static func forTriple(_ triple: String) throws -> OCIPlatform {
        let parts = triple.split(separator: "-").map(String.init)
        guard let arch = parts.first, parts.contains("linux") else {
            throw CargoStaticError(.badInput, "target \(triple) is not a Linux target; OCI images here are linux images",
                                   fix: "build the image for a *-linux-musl* target")
        }
        switch arch {
        case "x86_64": return OCIPlatform(architecture: "amd64")
        case "aarch64": return OCIPlatform(architecture: "arm64", variant: "v8")
        case "i386", "i586", "i686": return OCIPlatform(architecture: "386")
        case "riscv64gc", "riscv64": return OCIPlatform(architecture: "riscv64")
        case "s390x": return OCIPlatform(architecture: "s390x")
        case "powerpc64": return OCIPlatform(architecture: "ppc64")
        case "powerpc64le": return OCIPlatform(architecture: "ppc64le")
        case "powerpc": return OCIPlatform(architecture: "ppc")
        case "loongarch64": return OCIPlatform(architecture: "loong64")
        case "mips": return OCIPlatform(architecture: "mips")
        case "mipsel": return OCIPlatform(architecture: "mipsle")
        case "mips64": return OCIPlatform(architecture: "mips64")
        case "mips64el": return OCIPlatform(architecture: "mips64le")
        case "arm": return OCIPlatform(architecture: "arm", variant: "v6")
        case _ where arch.hasPrefix("armv") || arch.hasPrefix("thumbv"):
            // armv7, armv7neon, armv5te, thumbv7neon: the digit after "v" is the variant.
            let version = arch.drop { !$0.isNumber }.prefix { $0.isNumber }
            guard !version.isEmpty else { break }
            return OCIPlatform(architecture: "arm", variant: "v" + version)
        default: break
        }
        throw CargoStaticError(.badInput, "no OCI architecture is known for target \(triple)",
                               fix: "build the image for one of the targets cargo-static supports (`cargo-static build --help` lists them)")
    }
}
