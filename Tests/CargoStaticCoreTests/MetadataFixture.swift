import Foundation
@testable import CargoStaticCore

extension CargoMetadata {
    /// Metadata written in a test as a dictionary, with what cargo always prints filled in: a
    /// package without an id gets its name, without a version 0.0.0, without `manifest_path` one
    /// that does not exist and a target without a name the package's (cargo always prints
    /// both; these tests do not look at them).
    static func testing(_ json: [String: Any]) -> CargoMetadata {
        var json = json
        json["packages"] = (json["packages"] as? [[String: Any]] ?? []).map { p -> [String: Any] in
            var p = p
            if p["id"] == nil { p["id"] = p["name"] }
            if p["version"] == nil { p["version"] = "0.0.0" }
            if p["manifest_path"] == nil { p["manifest_path"] = "/nonexistent/\(p["name"] as? String ?? "?")/Cargo.toml" }
            if let targets = p["targets"] as? [[String: Any]] {
                p["targets"] = targets.map { t in t["name"] == nil ? t.merging(["name": p["name"] ?? "?"]) { a, _ in a } : t }
            }
            return p
        }
        return try! CargoMetadata(json: JSONSerialization.data(withJSONObject: json))
    }
}
