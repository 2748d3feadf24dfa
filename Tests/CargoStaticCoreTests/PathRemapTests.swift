import XCTest
@testable import CargoStaticCore

/// The paths that reach the executables: a build elsewhere (another directory, another
/// target dir, another cache) must name its sources the same way.
final class PathRemapTests: XCTestCase {
    private let context = Context(variables: ["CARGO_HOME": "/home/u/.cargo"], directory: "/work/here", home: "/home/u")
    private let layout = CacheLayout(root: "/home/u/.cache/cargo-static")

    private func metadata(root: String, target: String) -> ProjectMetadata {
        let json: [String: Any] = ["workspace_root": root, "target_directory": target]
        return ProjectMetadata(data: Data(), json: json)
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
}
