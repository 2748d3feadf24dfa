import Foundation

/// What cargo's metadata says about a package of the workspace: the fields cargo hands to
/// the programs it runs (`cargo run`, `cargo test`) as CARGO_PKG_* variables.
public struct PackageInfo: Codable, Equatable {
    public var id: String
    public var name: String
    public var version: String
    public var authors: [String] = []
    public var description: String?
    public var homepage: String?
    public var repository: String?
    public var license: String?
    public var licenseFile: String?
    public var rustVersion: String?
    public var readme: String?
    public var manifestPath: String

    public var directory: String { (manifestPath as NSString).deletingLastPathComponent }

    /// One package of `cargo metadata --format-version 1`.
    public static func from(metadata p: CargoMetadata.Package) -> PackageInfo {
        PackageInfo(id: p.id, name: p.name, version: p.version, authors: p.authors, description: p.description, homepage: p.homepage,
                    repository: p.repository, license: p.license, licenseFile: p.licenseFile, rustVersion: p.rustVersion,
                    readme: p.readme, manifestPath: p.manifestPath)
    }

    /// The workspace's own packages and path dependencies (the ones whose executables run).
    public static func local(_ metadata: CargoMetadata) -> [PackageInfo] {
        metadata.localPackages.map(from)
    }
}

/// The environment and working directory cargo gives a program it runs: `cargo run` in the
/// user's directory, unit and integration tests in their package's directory, each with
/// CARGO, CARGO_MANIFEST_DIR, CARGO_MANIFEST_PATH and CARGO_PKG_*; CARGO_BIN_NAME for a binary;
/// CARGO_TARGET_TMPDIR for integration tests and benchmarks.
public enum RunEnvironment {
    /// cargo's kinds of the executable's target: `bin`, `test`, `bench`, `example`, `lib`, ….
    public static func variables(package: PackageInfo, targetName: String, kinds: [String], cargo: String,
                                 targetDirectory: String) -> [String: String] {
        let (major, minor, patch, pre) = versionParts(package.version)
        var env: [String: String] = [
            "CARGO": cargo,
            "CARGO_MANIFEST_DIR": package.directory,
            "CARGO_MANIFEST_PATH": package.directory + "/Cargo.toml",
            "CARGO_PKG_NAME": package.name,
            "CARGO_PKG_VERSION": package.version,
            "CARGO_PKG_VERSION_MAJOR": major,
            "CARGO_PKG_VERSION_MINOR": minor,
            "CARGO_PKG_VERSION_PATCH": patch,
            "CARGO_PKG_VERSION_PRE": pre,
            "CARGO_PKG_AUTHORS": package.authors.joined(separator: ":"),
            "CARGO_PKG_DESCRIPTION": package.description ?? "",
            "CARGO_PKG_HOMEPAGE": package.homepage ?? "",
            "CARGO_PKG_REPOSITORY": package.repository ?? "",
            "CARGO_PKG_LICENSE": package.license ?? "",
            "CARGO_PKG_LICENSE_FILE": package.licenseFile ?? "",
            "CARGO_PKG_RUST_VERSION": package.rustVersion ?? "",
            "CARGO_PKG_README": package.readme ?? "",
            "CARGO_CRATE_NAME": targetName.replacingEvery("-", with: "_"),
        ]
        if kinds.contains("bin") { env["CARGO_BIN_NAME"] = targetName }
        if kinds.contains("test") || kinds.contains("bench") { env["CARGO_TARGET_TMPDIR"] = targetDirectory + "/tmp" }
        return env
    }

    /// `1.2.3-rc.1+build` → ("1", "2", "3", "rc.1").
    static func versionParts(_ version: String) -> (String, String, String, String) {
        let core = version.split(separator: "+", maxSplits: 1).first.map(String.init) ?? version
        let dash = core.firstIndex(of: "-")
        let numbers = (dash.map { String(core[..<$0]) } ?? core).split(separator: ".").map(String.init)
        let pre = dash.map { String(core[core.index(after: $0)...]) } ?? ""
        func part(_ i: Int) -> String { i < numbers.count ? numbers[i] : "0" }
        return (part(0), part(1), part(2), pre)
    }

    /// Where cargo runs it: `run` in the user's directory, tests in their package's.
    public static func directory(isTest: Bool, package: PackageInfo?, userDirectory: String) -> String {
        isTest ? (package?.directory ?? userDirectory) : userDirectory
    }
}

extension RunEnvironment {
    /// The executable with the variables cargo would run it with (its package from the plan's metadata).
    static func attach(_ exe: BuiltExecutable, plan: TargetPlan) -> BuiltExecutable {
        guard let package = plan.packages.first(where: { $0.id == exe.packageID }) else { return exe }
        var copy = exe
        copy.runPackage = package
        copy.runEnvironment = variables(package: package, targetName: exe.name, kinds: exe.kinds, cargo: plan.toolchain.cargo,
                                        targetDirectory: plan.targetDirectory)
        return copy
    }
}
