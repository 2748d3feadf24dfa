import XCTest
@testable import CargoStaticCore

/// The paths that reach the executables: a build elsewhere (another directory, another
/// target dir, another cache) must name its sources the same way.
final class PathRemapTests: XCTestCase {
    private let context = Context(variables: ["CARGO_HOME": "/home/u/.cargo"], directory: "/work/here", home: "/home/u")
    private let layout = CacheLayout(root: "/home/u/.cache/cargo-static")

    private func metadata(root: String, target: String) -> CargoMetadata {
        .testing(["packages": [], "workspace_root": .string(root), "target_directory": .string(target)])
    }

    private func mapped(_ remaps: [LinkSpec.PathRemap], _ path: String) -> String {
        // rustc applies the last mapping whose prefix matches.
        for remap in remaps.reversed() where path.hasPrefix(remap.from) {
            return remap.to + path.dropFirst(remap.from.count)
        }
        return path
    }

    func testTargetInsideAndOutsideTheProjectMapAlike() {
        let inside = Planner.pathRemaps(metadata: metadata(root: "/a/proj", target: "/a/proj/target"), context: context, layout: layout)
        let outside = Planner.pathRemaps(metadata: metadata(root: "/tmp/copy", target: "/tmp/copy/target"),
                                         targetDir: "/tmp/elsewhere/t", context: context, layout: layout)
        XCTAssertEqual(mapped(inside, "/a/proj/target/release/build/x-1/out/gen.rs"), "target/release/build/x-1/out/gen.rs")
        XCTAssertEqual(mapped(outside, "/tmp/elsewhere/t/release/build/x-1/out/gen.rs"), "target/release/build/x-1/out/gen.rs")
        XCTAssertEqual(mapped(inside, "/a/proj/src/main.rs"), mapped(outside, "/tmp/copy/src/main.rs"))
    }

    func testCargoHomeAndCacheHaveFixedNames() {
        let remaps = Planner.pathRemaps(metadata: metadata(root: "/a/proj", target: "/a/proj/target"), context: context, layout: layout)
        XCTAssertEqual(mapped(remaps, "/home/u/.cargo/registry/src/x/y.rs"), "/cargo/registry/src/x/y.rs")
        XCTAssertEqual(mapped(remaps, "/home/u/.cache/cargo-static/std/lib.rs"), "/cargo-static/std/lib.rs")
    }

    /// A path dependency outside the workspace (`helper = { path = "../helper" }`) is named
    /// the same wherever the checkout lives.
    func testPathDependenciesOutsideTheWorkspaceMapAlike() {
        func metadata(_ base: String) -> CargoMetadata {
            .testing([
                "workspace_root": .string(base + "/app"), "target_directory": .string(base + "/app/target"),
                "packages": [
                    ["id": "a", "name": "app", "version": "0.1.0", "source": .null, "manifest_path": .string(base + "/app/Cargo.toml")],
                    ["id": "h", "name": "helper", "version": "0.2.0", "source": .null, "manifest_path": .string(base + "/helper/Cargo.toml")],
                    ["id": "i", "name": "inner", "version": "1.0.0", "source": .null, "manifest_path": .string(base + "/helper/inner/Cargo.toml")],
                    ["id": "s", "name": "serde", "version": "1.0.0", "source": "registry+https://github.com/rust-lang/crates.io-index",
                     "manifest_path": "/home/u/.cargo/registry/src/x/serde-1.0.0/Cargo.toml"],
                ],
            ])
        }
        let one = Planner.pathRemaps(metadata: metadata("/home/a/src"), context: context, layout: layout)
        let two = Planner.pathRemaps(metadata: metadata("/srv/ci/build 2"), context: context, layout: layout)
        XCTAssertEqual(mapped(one, "/home/a/src/helper/src/lib.rs"), "/path/helper-0.2.0/src/lib.rs")
        XCTAssertEqual(mapped(one, "/home/a/src/helper/src/lib.rs"), mapped(two, "/srv/ci/build 2/helper/src/lib.rs"))
        XCTAssertEqual(mapped(one, "/home/a/src/helper/inner/src/lib.rs"), "/path/inner-1.0.0/src/lib.rs")
        XCTAssertEqual(mapped(one, "/home/a/src/app/src/main.rs"), "src/main.rs")
        XCTAssertFalse(one.contains { $0.to.contains("serde") }, "registry crates keep CARGO_HOME's mapping")
    }
}
