import CargoStaticCore
import Foundation
import XCTest

/// `build --check-reproducible`: a second build from a copy elsewhere (another directory,
/// target directory, umask, time zone and locale) must give the same bytes.
final class ReproducibilityTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    private func check(_ dir: String, _ extra: [String] = []) throws -> Harness.Output {
        try Harness.run(["build", "--release", "--json", "--check-reproducible"] + extra, in: dir)
    }

    /// hello, and a crate whose C library (zlib) cargo-static builds: same executable,
    /// same SBOM, and the JSON says so.
    func testHelloAndZlibCrateAreReproducible() throws {
        for fixture in ["hello", "zlib-flate2"] {
            let out = try check(try Harness.fixture(fixture))
            XCTAssertEqual(out.status, 0, out.all)
            let exe = try Harness.onlyExecutable(out)
            XCTAssertEqual(exe.reproducible, true, out.stderr)
            let path = exe.path
            for file in [path, path + ".cdx.json"] {
                XCTAssertTrue(out.stderr.contains("Reproduced \(file) (same bytes"), "\(fixture): \(file) not compared\n\(out.stderr)")
            }
            XCTAssertFalse(out.stderr.contains("not reproducible"), out.stderr)
        }
    }

    /// A link replayed from zig's kept line (`LinkReplay`) gives the bytes zig's driver
    /// gives: a build with replay off, the build that keeps the line, and one that replays
    /// it (proven by a map file only the kept line asks for) make the same executable.
    func testReplayedLinkGivesTheBytesOfZigsDriver() throws {
        let dir = try Harness.fixture("hello")
        let fm = FileManager.default
        func build(_ environment: [String: String] = [:]) throws -> Data {
            try? fm.removeItem(atPath: dir + "/target")
            let out = try Harness.run(["build", "--release", "--json"], in: dir, environment: environment)
            XCTAssertEqual(out.status, 0, out.all)
            return try Data(contentsOf: URL(fileURLWithPath: try Harness.onlyExecutable(out).path))
        }
        // This project's linker: its configuration names the project (its dependency list).
        func templates() throws -> String? {
            let cc = Harness.sharedCache + "/cc"
            for wrapper in try fm.contentsOfDirectory(atPath: cc) {
                for name in (try? fm.contentsOfDirectory(atPath: cc + "/" + wrapper)) ?? [] where name.hasSuffix(".json") && name.hasPrefix("static-link-") {
                    let spec = cc + "/" + wrapper + "/" + name
                    if (try? String(contentsOfFile: spec, encoding: .utf8))?.contains(dir) == true { return LinkReplay.directory(forSpecFile: spec) }
                }
            }
            return nil
        }
        let driver = try build([LinkReplay.switchVariable: "0"])
        let links = try XCTUnwrap(try templates())
        XCTAssertFalse(fm.fileExists(atPath: links), "replay off keeps no line")
        XCTAssertEqual(try build(), driver, "the build that keeps zig's line")
        let kept = try fm.contentsOfDirectory(atPath: links)
        XCTAssertEqual(kept.count, 1, "\(kept)")
        let file = links + "/" + kept[0]
        var template = try JSONDecoder().decode(LinkTemplate.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
        XCTAssertTrue(template.lld.contains("--gc-sections"), "\(template.lld)")
        let map = dir + "/replayed.map"
        template = LinkTemplate(shape: template.shape, lld: template.lld + ["-Map=" + map])
        try JSONEncoder().encode(template).write(to: URL(fileURLWithPath: file))
        XCTAssertEqual(try build(), driver, "the replayed link")
        XCTAssertTrue(fm.fileExists(atPath: map), "the link did not run the kept line")
    }

    /// Debug info names sources in the target directory (code a build script generated, C
    /// the cc crate compiled): a second build with another `--target-dir` must name them
    /// the same way.
    func testDebugInfoOfGeneratedAndCCodeIsReproducible() throws {
        let dir = try Harness.temporaryDirectory("generated")
        let files = [
            "Cargo.toml": "[package]\nname = \"generated\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n"
                + "[build-dependencies]\ncc = \"1\"\n\n[profile.release]\ndebug = true\n",
            ".cargo/config.toml": try String(contentsOfFile: Harness.fixtures + "/cxx-cc/.cargo/config.toml", encoding: .utf8),
            "build.rs": """
                fn main() {
                    let out = std::env::var("OUT_DIR").unwrap();
                    std::fs::write(format!("{out}/gen.rs"), "pub fn twice(x: u32) -> u32 { x.checked_mul(2).expect(\\"overflow\\") }\\n").unwrap();
                    cc::Build::new().file("src/add.c").compile("add");
                }
                """,
            "src/add.c": "unsigned add_one(unsigned x) { return x + 1; }\n",
            "src/main.rs": """
                include!(concat!(env!("OUT_DIR"), "/gen.rs"));
                extern "C" { fn add_one(x: u32) -> u32; }
                fn main() { println!("{}", twice(unsafe { add_one(20) })); }
                """,
        ]
        for (name, text) in files {
            try FileManager.default.createDirectory(atPath: (dir + "/" + name as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
        }
        let out = try check(dir)
        XCTAssertEqual(out.status, 0, out.all)
        let exe = try Harness.onlyExecutable(out)
        XCTAssertEqual(exe.reproducible, true, out.stderr)
        let path = exe.path
        let run = try Harness.runTool(path, [])
        XCTAssertEqual(run.stdout, "42\n", run.all)
        // The debug info is there, and names the generated file by its remapped path only.
        let lines = try Harness.runTool("/usr/bin/readelf", ["--debug-dump=line", path])
        XCTAssertTrue(lines.stdout.contains("gen.rs"), "no line table for the generated file")
        XCTAssertFalse(lines.stdout.contains(dir), "the project's path is in the debug info")
    }

    /// A path dependency outside the workspace (`helper = { path = "../helper" }`) that
    /// panics: its panic location names `/path/helper-0.1.0/…`, and no byte of the
    /// executable holds the directory the checkout lives in, for two checkouts under
    /// different parent directories. (Their bytes still differ: cargo hashes the absolute
    /// path of a package outside the workspace into `-C metadata`, hence into symbol
    /// names; see docs/security.md.)
    func testPathDependencyOutsideTheWorkspaceLeavesNoPath() throws {
        for parent in ["first", "second place"] {
            let base = try Harness.temporaryDirectory("outside-dep") + "/" + parent
            let files = [
                "app/Cargo.toml": "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nhelper = { path = \"../helper\" }\n",
                "app/src/main.rs": "fn main() { helper::check(std::env::args().count()); }\n",
                "helper/Cargo.toml": "[package]\nname = \"helper\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
                "helper/src/lib.rs": "pub fn check(n: usize) { if n > 1 { panic!(\"helper refuses {n}\"); } }\n",
            ]
            for (name, text) in files {
                try FileManager.default.createDirectory(atPath: (base + "/" + name as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                try text.write(toFile: base + "/" + name, atomically: true, encoding: .utf8)
            }
            let out = try Harness.run(["build", "--release", "--json"], in: base + "/app")
            XCTAssertEqual(out.status, 0, out.all)
            let path = try Harness.onlyExecutable(out).path
            let run = try Harness.runTool(path, ["x"])
            XCTAssertTrue(run.stderr.contains("/path/helper-0.1.0/src/lib.rs"), run.all)
            XCTAssertFalse(run.stderr.contains(base), "the checkout's path is in the panic location: \(run.stderr)")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            XCTAssertNil(bytes.firstRange(of: Data(base.utf8)), "the checkout's path is in the executable")
            XCTAssertNil(bytes.firstRange(of: Data((base as NSString).deletingLastPathComponent.utf8)), "the parent's path is in the executable")
        }
    }

    /// A build script that embeds its build directory: the check fails (exit 1), names the
    /// section that changed and the SBOM line that changed, and leaves no copy behind.
    func testEmbeddedBuildPathIsFoundAndNamed() throws {
        let dir = try Harness.temporaryDirectory("stamped")
        try FileManager.default.createDirectory(atPath: dir + "/src", withIntermediateDirectories: true)
        try "[package]\nname = \"stamped\"\nversion = \"0.1.0\"\nedition = \"2021\"\n".write(toFile: dir + "/Cargo.toml", atomically: true, encoding: .utf8)
        try "fn main() { println!(\"cargo:rustc-env=BUILT_IN={}\", std::env::var(\"OUT_DIR\").unwrap()); }\n"
            .write(toFile: dir + "/build.rs", atomically: true, encoding: .utf8)
        try "fn main() { println!(\"built in {}\", env!(\"BUILT_IN\")); }\n".write(toFile: dir + "/src/main.rs", atomically: true, encoding: .utf8)
        let before = try FileManager.default.contentsOfDirectory(atPath: "/tmp").filter { $0.hasPrefix("cargo-static-reproducible-") }
        let out = try check(dir)
        XCTAssertEqual(out.status, 1, out.all)
        XCTAssertTrue(out.stderr.contains("error: the build is not reproducible"), out.stderr)
        // The two build directories may have names of the same length: then only the bytes differ.
        XCTAssertTrue(out.stderr.contains("release/stamped: section .rodata differs"), out.stderr)
        XCTAssertTrue(out.stderr.contains("release/stamped.cdx.json: line "), out.stderr)
        XCTAssertEqual(try Harness.decode(ErrorReport.self, out).kind, "not-reproducible", out.stdout)
        let after = try FileManager.default.contentsOfDirectory(atPath: "/tmp").filter { $0.hasPrefix("cargo-static-reproducible-") }
        XCTAssertEqual(Set(after), Set(before), "the second build's copy was left behind")
        // The shared wrappers still work (the second build must not leave them pointing elsewhere).
        XCTAssertEqual(try Harness.run(["build", "--release"], in: try Harness.fixture("hello")).status, 0)
    }

    /// A build script that writes something new on every run (here the time; in real
    /// crates often a hash map's random order): the check fails and names that package's
    /// build script and the file it wrote, as the cause.
    func testBuildScriptWithChangingOutputIsNamedAsTheCause() throws {
        let dir = try Harness.temporaryDirectory("seeded")
        try FileManager.default.createDirectory(atPath: dir + "/src", withIntermediateDirectories: true)
        try "[package]\nname = \"seeded\"\nversion = \"0.1.0\"\nedition = \"2021\"\n".write(toFile: dir + "/Cargo.toml", atomically: true, encoding: .utf8)
        try """
            fn main() {
                let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
                let out = std::env::var("OUT_DIR").unwrap();
                std::fs::write(format!("{out}/seed.rs"), format!("pub const SEED: u128 = {nanos};\\n")).unwrap();
            }
            """.write(toFile: dir + "/build.rs", atomically: true, encoding: .utf8)
        try "include!(concat!(env!(\"OUT_DIR\"), \"/seed.rs\"));\nfn main() { println!(\"{}\", SEED); }\n"
            .write(toFile: dir + "/src/main.rs", atomically: true, encoding: .utf8)
        let out = try check(dir)
        XCTAssertEqual(out.status, 1, out.all)
        XCTAssertTrue(out.stderr.contains("/out/seed.rs: written by seeded's build script, which writes something else on every run (a random hash seed, the time or the host: the fix is in that build script): line 1 differs: pub const SEED"),
                      out.stderr)
        XCTAssertTrue(out.stderr.contains("fix: the build script of seeded writes something else on every run"), out.stderr)
        XCTAssertTrue(out.stderr.contains("release/seeded: section "), out.stderr)
    }
}
