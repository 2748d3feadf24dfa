import Foundation
@testable import CargoStaticCore

extension CargoMetadata {
    /// Metadata written in a test as a `JSONValue`, with what cargo always prints filled in: a
    /// package without an id gets its name, without a version 0.0.0, without `manifest_path` one
    /// that does not exist and a target without a name the package's (cargo always prints
    /// both; these tests do not look at them).
    static func testing(_ json: JSONValue) -> CargoMetadata {
        guard case var .object(top) = json, case let .array(packages)? = top["packages"] else {
            preconditionFailure("test metadata is an object with `packages`: \(json.rendered())")
        }
        top["packages"] = .array(packages.map { package in
            guard case var .object(p) = package, let name = p["name"] else { preconditionFailure("a test package has a name: \(package.rendered())") }
            if p["id"] == nil { p["id"] = name }
            if p["version"] == nil { p["version"] = "0.0.0" }
            if p["manifest_path"] == nil { p["manifest_path"] = .string("/nonexistent/\(name.stringValue ?? "?")/Cargo.toml") }
            if case let .array(targets)? = p["targets"] {
                p["targets"] = .array(targets.map { target in
                    guard case var .object(t) = target, t["name"] == nil else { return target }
                    t["name"] = name
                    return .object(t)
                })
            }
            return .object(p)
        })
        return try! CargoMetadata(json: JSONValue.object(top).data)
    }
}
