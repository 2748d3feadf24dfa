import Foundation

/// Whether a program does TLS, and so needs CA certificates in its image.
///
/// The rule: a program does TLS when, for its target, a crate that makes TLS connections
/// is among the run-time dependencies of its package (cargo's resolved graph, following
/// only normal dependencies and never into proc-macro crates: build scripts, proc macros
/// and dev-dependencies do not run in the container), or when a TLS C library (OpenSSL)
/// was built into it. HTTP clients with a TLS feature (reqwest, ureq, hyper, isahc, …)
/// reach TLS through one of these crates, so they are caught without reading features.
/// Crypto-only crates (ring, aws-lc-rs, sha2) do not count: they verify no certificate.
public enum TLSDetection {
    public static let tlsCrates: Set<String> = [
        "openssl", "openssl-sys", "native-tls", "tokio-native-tls", "tokio-openssl", "hyper-tls", "hyper-openssl",
        "async-native-tls", "rustls", "tokio-rustls", "hyper-rustls", "async-tls", "futures-rustls",
        "rustls-native-certs", "rustls-platform-verifier", "webpki", "rustls-webpki", "webpki-roots",
        "boring", "boring-sys", "tokio-boring", "s2n-tls", "s2n-tls-sys", "curl", "curl-sys", "mbedtls", "wolfssl",
    ]
    /// C libraries (cargo-static's names) that are TLS implementations.
    public static let tlsLibraries: Set<String> = ["openssl"]

    public struct Verdict: Equatable, Codable {
        public let needsCertificates: Bool
        /// For people: which crate or library decided it, or that none did.
        public let reason: String

        public init(needsCertificates: Bool, reason: String) {
            self.needsCertificates = needsCertificates
            self.reason = reason
        }
    }

    /// `override` is --ca-certificates (true) or --no-ca-certificates (false); nil detects.
    public static func decide(crates: [String], nativeLibraries: [String], override: Bool?) -> Verdict {
        if let override {
            return Verdict(needsCertificates: override, reason: override ? "--ca-certificates" : "--no-ca-certificates")
        }
        var evidence = crates.filter(tlsCrates.contains).map { "crate \($0)" }
        evidence += nativeLibraries.filter(tlsLibraries.contains).map { "C library \($0)" }
        var seen = Set<String>()
        evidence = evidence.filter { seen.insert($0).inserted }
        if evidence.isEmpty { return Verdict(needsCertificates: false, reason: "no TLS crate or library in the program") }
        return Verdict(needsCertificates: true, reason: "does TLS: " + evidence.joined(separator: ", "))
    }

    /// The names of the crates the `roots` workspace packages (names, as in Cargo.toml) reach at run time,
    /// from `cargo metadata --format-version 1` output (its `resolve` graph).
    public static func runtimeCrates(metadata: CargoMetadata, roots: [String]) -> [String] {
        let name = metadata.packages.mapValues(\.name)
        let isProcMacro = Set(metadata.packageList.filter(\.isProcMacro).map(\.id))
        var edges: [String: [String]] = [:]
        for node in metadata.resolve?.nodes ?? [] {
            // A normal dependency has kind null in at least one of its dep_kinds.
            edges[node.id] = (node.deps ?? []).filter { ($0.depKinds ?? []).contains { $0.kind == nil } }.map(\.pkg)
        }
        let rootSet = Set(roots)
        var stack = metadata.workspaceMembers.filter { name[$0].map(rootSet.contains) ?? false }
        var visited = Set(stack)
        var found: [String] = []
        while let id = stack.popLast() {
            for dep in edges[id] ?? [] where !isProcMacro.contains(dep) && visited.insert(dep).inserted {
                if let n = name[dep] { found.append(n) }
                stack.append(dep)
            }
        }
        return found.sorted()
    }
}
