import Digest
import Foundation

/// Whether a CycloneDX SBOM describes a given file: the SHA-256 it records for the
/// executable (`metadata.component.hashes`) against the file's own.
public struct SBOMCheck: Codable, Equatable {
    public let sbom: String
    /// `metadata.component.name`.
    public let describes: String?
    public let recordedSHA256: String
    public let actualSHA256: String
    /// The SBOM's std component: where std came from (compiled by cargo-static from which
    /// rust-src, with which recipe digest, or prebuilt).
    public var std: String? = nil
    public var matches: Bool { recordedSHA256 == actualSHA256 }

    public static func check(sbom path: String, executable: String) throws -> SBOMCheck {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SBOMCheckError("cannot read the SBOM \(path)", fix: "pass the `<executable>\(SBOM.fileSuffix)` file written by the build")
        }
        guard let object = (try? JSONDecoder().decode(JSONValue.self, from: data))?.objectValue else {
            throw SBOMCheckError("\(path) is not a JSON object", fix: "pass a CycloneDX JSON SBOM")
        }
        guard object["bomFormat"]?.stringValue == "CycloneDX" else {
            throw SBOMCheckError("\(path) is not a CycloneDX SBOM (no \"bomFormat\": \"CycloneDX\")", fix: "pass a CycloneDX JSON SBOM")
        }
        let component = object["metadata"]?["component"]
        let sha256 = component?["hashes"]?.arrayValue?.first { $0["alg"]?.stringValue == "SHA-256" }
        guard let recorded = sha256?["content"]?.stringValue else {
            throw SBOMCheckError("\(path) records no SHA-256 for the executable it describes (metadata.component.hashes)", fix: "use an SBOM written by cargo-static, which records the executable's SHA-256")
        }
        var check = SBOMCheck(sbom: path, describes: component?["name"]?.stringValue,
                              recordedSHA256: recorded.lowercased(), actualSHA256: try SHA256.hex(file: executable))
        let std = object["components"]?.arrayValue?.first { $0["name"]?.stringValue == "std" && $0["group"]?.stringValue == "rust-lang" }
        check.std = std?["description"]?.stringValue
        return check
    }

    /// The message for a mismatch.
    public func mismatch(executable: String) -> String {
        "\(executable) does not match \(sbom): the SBOM describes \(describes.map { "`\($0)` " } ?? "")with SHA-256 \(recordedSHA256), "
            + "the file's SHA-256 is \(actualSHA256) (a different or modified build; rebuild to get a matching SBOM)"
    }
}

/// A reason `verify --sbom` cannot compare (exit status 2 in `verify`), with its fix.
public struct SBOMCheckError: Error, CustomStringConvertible, LocalizedError {
    public let description: String
    init(_ problem: String, fix: String) { description = "\(problem) (\(fix))" }
    public var errorDescription: String? { description }
}
