import XCTest
@testable import CargoStaticCore

/// The settings outside the command line: parsed strictly, merged in one order.
final class SettingsTests: XCTestCase {
    private var root = ""
    override func setUpWithError() throws {
        root = try scratchDirectory("settings")
        try FileManager.default.createDirectory(atPath: root + "/home/.cargo", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/proj/.cargo", withIntermediateDirectories: true)
    }

    private var context: Context {
        Context(variables: ["CARGO_HOME": root + "/home/.cargo"], directory: root + "/proj", home: root + "/home")
    }

    private func write(_ text: String, _ path: String) throws {
        try text.write(toFile: root + "/" + path, atomically: true, encoding: .utf8)
    }

    private func flags(_ layer: SettingsLayer, cargo: [String] = []) -> BuildFlags {
        BuildFlags(settings: layer, toolchain: nil, cargoArguments: cargo, ownOptions: [], programArguments: [], context: context)
    }

    func testEveryKeyIsRead() throws {
        let table = try TOML.parse("""
            target = ["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl"]
            allocator = "jemalloc"
            std-profile = "size"
            deps = ["zlib"]
            cc = "musl-gcc"
            """)
        let layer = try SettingsLayer.parse(table, origin: "test")
        XCTAssertEqual(layer.targets?.map(\.triple), ["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl"])
        XCTAssertEqual(layer.allocator, .jemalloc)
        XCTAssertEqual(layer.stdProfile?.name, "size")
        XCTAssertEqual(layer.deps, ["zlib"])
        XCTAssertEqual(layer.cc, .muslGcc)
        XCTAssertEqual(Set(table.keys), Set(SettingsLayer.keys), "every documented key is exercised here")
        // A single target may be a string, as on the command line.
        XCTAssertEqual(try SettingsLayer.parse(["target": .string("aarch64-unknown-linux-musl")], origin: "t").targets?.map(\.triple),
                       ["aarch64-unknown-linux-musl"])
    }

    func testUnknownKeyNamesTheKeyTheTableAndTheClosestKey() {
        XCTAssertThrowsError(try SettingsLayer.parse(["alocator": .string("musl")], origin: "[package.metadata.cargo-static] of /p/Cargo.toml")) { error in
            let e = error as? CargoStaticError
            XCTAssertEqual(e?.message, "unknown key `alocator` in [package.metadata.cargo-static] of /p/Cargo.toml")
            XCTAssertEqual(e?.fix, "did you mean `allocator`? known keys: target, allocator, std-profile, deps, cc")
            XCTAssertEqual(e?.exitCode, 2)
        }
    }

    func testWrongValuesNameTheKeyAndTheFile() {
        let cases: [(String, TOMLValue, String)] = [
            ("allocator", .string("tcmalloc"), "unknown allocator `tcmalloc`"),
            ("allocator", .integer(3), "is not a string"),
            ("target", .string("x86_64-unknown-linux-gnu"), "not a Linux musl target"),
            ("std-profile", .string("tiny"), "unknown std profile `tiny`"),
            ("cc", .string("clang"), "unknown C toolchain `clang`"),
            ("deps", .string("zlib"), "is not a list of library names"),
        ]
        for (key, value, reason) in cases {
            XCTAssertThrowsError(try SettingsLayer.parse([key: value], origin: "F"), key) { error in
                let e = error as? CargoStaticError
                XCTAssertTrue(e?.message.hasPrefix("`\(key) = \(value.text)` in F") ?? false, e?.message ?? "")
                XCTAssertTrue(e?.message.contains(reason) ?? false, e?.message ?? "")
                XCTAssertTrue(e?.fix?.contains("\(key) = ") ?? false, e?.fix ?? "")
            }
        }
    }

    /// Command line > Cargo.toml > cargo's config (deeper first) > defaults, key by key; deps add up.
    func testMergeOrder() throws {
        let aarch = try Target("aarch64-unknown-linux-musl")
        let layers = [
            SettingsLayer(origin: "the command line", allocator: .musl, deps: ["zlib"]),
            SettingsLayer(origin: "package", targets: [aarch]),
            SettingsLayer(origin: "deep config", allocator: .jemalloc, cc: .muslGcc),
            SettingsLayer(origin: "home config", targets: [try Target("riscv64gc-unknown-linux-musl")], stdProfile: .size, deps: ["zlib", "xz"]),
        ]
        let merged = try Settings.merge(layers)
        XCTAssertEqual(merged.targets, [aarch])
        XCTAssertEqual(merged.allocator, .musl)
        XCTAssertEqual(merged.stdSettings, .size)
        XCTAssertEqual(merged.cc, .muslGcc)
        XCTAssertEqual(merged.deps, [LibraryRequest(name: "zlib", reason: "the command line"),
                                     LibraryRequest(name: "xz", reason: "home config")])
        let none = try Settings.merge([SettingsLayer(origin: "empty")])
        XCTAssertEqual(none.targets.map(\.triple), [Target.defaultTriple])
        XCTAssertNil(none.allocator, "no allocator: the std profile's default")
        XCTAssertEqual(none.stdSettings, .standard)
        XCTAssertNil(none.cc)
    }

    /// The files as a build reads them: Cargo.toml's table, then the config files.
    func testRequestTakesTheFilesUnlessTheCommandLineSaysOtherwise() throws {
        try write("""
            [package]
            name = "p"
            version = "0.1.0"

            [package.metadata.cargo-static]
            allocator = "musl"
            target = ["aarch64-unknown-linux-musl"]
            deps = ["ncurses"]
            """, "proj/Cargo.toml")
        try write("[cargo-static]\nallocator = \"jemalloc\"\nstd-profile = \"size\"\ndeps = [\"zlib\"]\n", "proj/.cargo/config.toml")
        try write("[cargo-static]\ncc = \"musl-gcc\"\nstd-profile = \"min\"\n", "home/.cargo/config.toml")

        let fromFiles = try flags(SettingsLayer(origin: "the command line")).request(.build)
        XCTAssertEqual(fromFiles.targets.map(\.triple), ["aarch64-unknown-linux-musl"])
        XCTAssertEqual(fromFiles.allocator, .musl, "Cargo.toml over .cargo/config.toml")
        XCTAssertEqual(fromFiles.stdSettings.name, "size", "the project's config over $CARGO_HOME's")
        XCTAssertEqual(fromFiles.cToolchain, .muslGcc)
        // Cargo.toml's deps are the library scan's (for every workspace member); the config's are extra.
        XCTAssertEqual(fromFiles.extraLibraries.map(\.name), ["zlib"])
        XCTAssertEqual(fromFiles.extraLibraries.first?.reason, "[cargo-static] of \(root)/proj/.cargo/config.toml")

        let x86 = try Target(Target.defaultTriple)
        let given = try flags(SettingsLayer(origin: "the command line", targets: [x86], allocator: .mimalloc, stdProfile: .standard))
            .request(.build)
        XCTAssertEqual(given.targets, [x86])
        XCTAssertEqual(given.allocator, .mimalloc)
        XCTAssertEqual(given.stdSettings, .standard)

        // `--config` is cargo's highest config layer.
        let configured = try flags(SettingsLayer(origin: "the command line"), cargo: ["--config", "cargo-static.std-profile=\"default\""]).request(.build)
        XCTAssertEqual(configured.stdSettings, .standard)
    }

    func testUnknownKeyInTheProjectStopsTheRequest() throws {
        try write("[package]\nname = \"p\"\nversion = \"0.1.0\"\n[package.metadata.cargo-static]\nstd_profile = \"size\"\n", "proj/Cargo.toml")
        XCTAssertThrowsError(try flags(SettingsLayer(origin: "the command line")).request(.build)) { error in
            XCTAssertEqual((error as? CargoStaticError)?.message, "unknown key `std_profile` in [package.metadata.cargo-static] of \(root)/proj/Cargo.toml")
            XCTAssertTrue((error as? CargoStaticError)?.fix?.hasPrefix("did you mean `std-profile`?") ?? false)
        }
        try write("[package]\nname = \"p\"\nversion = \"0.1.0\"\n", "proj/Cargo.toml")
        try write("[cargo-static]\ntargets = \"x\"\n", "proj/.cargo/config.toml")
        XCTAssertThrowsError(try flags(SettingsLayer(origin: "the command line")).request(.build)) { error in
            XCTAssertEqual((error as? CargoStaticError)?.message, "unknown key `targets` in [cargo-static] of \(root)/proj/.cargo/config.toml")
        }
    }

    /// The library scan reads the members' tables from cargo metadata through the same parser.
    func testMetadataTablesGoThroughTheSameParser() throws {
        let layer = try SettingsLayer.parse(json: ["deps": ["zlib"], "allocator": "musl"], origin: "m")
        XCTAssertEqual(layer.deps, ["zlib"])
        XCTAssertEqual(layer.allocator, .musl)
        XCTAssertThrowsError(try SettingsLayer.parse(json: ["dep": ["zlib"]], origin: "m")) { error in
            XCTAssertEqual((error as? CargoStaticError)?.message, "unknown key `dep` in m")
        }
    }
}
