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
    public static func runtimeCrates(metadata json: [String: Any], roots: [String]) -> [String] {
        let packages = json["packages"] as? [[String: Any]] ?? []
        var name: [String: String] = [:]
        var isProcMacro: Set<String> = []
        for p in packages {
            guard let id = p["id"] as? String else { continue }
            name[id] = p["name"] as? String
            let targets = p["targets"] as? [[String: Any]] ?? []
            if targets.contains(where: { ($0["kind"] as? [String] ?? []).contains("proc-macro") }) { isProcMacro.insert(id) }
        }
        let nodes = (json["resolve"] as? [String: Any])?["nodes"] as? [[String: Any]] ?? []
        var edges: [String: [String]] = [:]
        for node in nodes {
            guard let id = node["id"] as? String else { continue }
            let deps = node["deps"] as? [[String: Any]] ?? []
            edges[id] = deps.compactMap { dep in
                let kinds = dep["dep_kinds"] as? [[String: Any]] ?? []
                // A normal dependency has kind null (NSNull) in at least one of its dep_kinds.
                let normal = kinds.contains { $0["kind"] == nil || $0["kind"] is NSNull }
                return normal ? dep["pkg"] as? String : nil
            }
        }
        let rootSet = Set(roots)
        let members = json["workspace_members"] as? [String] ?? []
        var stack = members.filter { name[$0].map(rootSet.contains) ?? false }
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
