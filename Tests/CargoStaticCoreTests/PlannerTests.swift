import XCTest
@testable import CargoStaticCore

/// The planner decides from facts alone: every test here writes the facts by hand (no disk,
/// no subprocess) and checks the plan that comes out.
final class PlannerTests: XCTestCase {
    private let layout = CacheLayout(root: "/cache")
    private let context = Context(variables: [:], directory: "/w/app", home: "/home/u", executable: "/opt/cargo-static")
    private let rustSource = "/usr/lib/rustlib/src/rust/library"

    private func toolchain() -> Toolchain {
        Toolchain(rustc: "/usr/bin/rustc", cargo: "/usr/bin/cargo", origin: .system, name: "system",
                  versionInfo: "rustc 1.85.0\nhost: x86_64-unknown-linux-gnu\nrelease: 1.85.0", release: "1.85.0",
                  host: "x86_64-unknown-linux-gnu", sysroot: "/usr")
    }

    private func zig(_ target: Target) -> CToolchain {
        let driver = CompilerDriver(c: ["/z/zig", "cc"], cxx: ["/z/zig", "c++"], ar: ["/z/zig", "ar"], ranlib: ["/z/zig", "ranlib"],
                                    environment: [:], identity: "zig 0.14.0 \(target.triple)")
        return CToolchain(kind: .zig, target: target, version: "zig 0.14.0", driver: driver, directory: "/cache/cc/zig-\(target.triple)",
                          files: [], zigLibDirectory: "/z/lib")
    }

    /// One binary package, `app`, depending on `extra` crates (`name`, `links`), each a node of the graph.
    private func metadata(_ extra: [(name: String, links: String?)] = []) throws -> CargoMetadata {
        func id(_ name: String) -> String { name == "app" ? "path+file:///w/app#0.1.0" : "registry+x#\(name)@1.0.0" }
        let crates = extra.map { crate -> String in
            let links = crate.links.map { "\"\($0)\"" } ?? "null"
            return #"{"id":"\#(id(crate.name))","name":"\#(crate.name)","version":"1.0.0","source":"registry+x","manifest_path":"/reg/\#(crate.name)/Cargo.toml","targets":[{"name":"\#(crate.name)","kind":["lib"]}],"links":\#(links)}"#
        }
        let deps = extra.map { #"{"pkg":"\#(id($0.name))","dep_kinds":[{"kind":null}]}"# }
        let nodes = [#"{"id":"\#(id("app"))","deps":[\#(deps.joined(separator: ","))],"dependencies":[\#(extra.map { "\"\(id($0.name))\"" }.joined(separator: ","))],"features":[]}"#]
            + extra.map { #"{"id":"\#(id($0.name))","deps":[],"dependencies":[],"features":[]}"# }
        let json = """
        {"packages":[{"id":"\(id("app"))","name":"app","version":"0.1.0","source":null,"manifest_path":"/w/app/Cargo.toml",
                      "targets":[{"name":"app","kind":["bin"]}]}\(crates.map { "," + $0 }.joined())],
         "resolve":{"nodes":[\(nodes.joined(separator: ","))],"root":"\(id("app"))"},
         "workspace_members":["\(id("app"))"],"workspace_root":"/w/app","target_directory":"/w/app/target"}
        """
        return try CargoMetadata(json: Data(json.utf8))
    }

    private func target(_ triple: String, std: StdSource = .fromSource(library: "/usr/lib/rustlib/src/rust/library"),
                        metadata: CargoMetadata) throws -> TargetFacts {
        let target = try Target(triple)
        return TargetFacts(
            target: target, choice: ToolchainChoice(toolchain: toolchain(), std: std, reason: "the system's rustc", differsFromDefault: nil),
            selfContainedCrt: false, targetCfg: [], cc: zig(target), objcopy: [], unwinderSource: nil, metadata: metadata,
            scan: ScanFacts(), allocatorUnavailable: nil, libraries: LibraryFacts(sourcesRoot: layout.sources, jobs: 2),
            inventory: InventoryFacts(), cache: CacheView(layout: layout), runtimes: RuntimeRecord(), lastStdBuildSeconds: nil)
    }

    private func facts(_ targets: [TargetFacts]) -> PlanFacts {
        PlanFacts(manifest: "/w/app/Cargo.toml", context: context, config: CargoConfig(layers: []),
                  project: ProjectManifest(package: [:], profileLayers: [], environment: [:]), targets: targets)
    }

    private func request(_ triples: [String], settings: StdSettings = .standard, extra: [LibraryRequest] = []) throws -> BuildRequest {
        BuildRequest(mode: .build, targets: try triples.map(Target.init), extraLibraries: extra, allocator: .musl, stdSettings: settings, context: context)
    }

    private func kinds(_ steps: [Step]) -> [String] {
        steps.map { step in
            switch step {
            case .write: return "write"
            case .archive: return "archive"
            case .runtime: return "runtime"
            case .std: return "std"
            case .library(let l): return "library:" + l.library.name
            case .depInfo: return "depInfo"
            case .cargo: return "cargo"
            case .debugFiles: return "debugFiles"
            case .sbom: return "sbom"
            }
        }.filter { $0 != "write" }
    }

    private func cargoStep(_ plan: TargetPlan) throws -> CargoStep {
        try XCTUnwrap(plan.steps.compactMap { if case .cargo(let c) = $0 { return c } else { return nil } }.first)
    }

    /// `run`'s choice among several executables comes from the Cargo.toml the facts read, in the plan.
    func testDefaultRunIsReadWithTheManifest() throws {
        var withDefault = facts([try target("x86_64-unknown-linux-musl", metadata: metadata())])
        withDefault.project = ProjectManifest(package: ["package": .table(["name": .string("app"), "default-run": .string("server")])],
                                              profileLayers: [], environment: [:])
        let plan = try Planner.plan(request(["x86_64-unknown-linux-musl"]), facts: withDefault)
        XCTAssertEqual(plan.defaultRun, "server")
        XCTAssertEqual(try decode(BuildPlan.self, from: try JSONEncoder().encode(plan)).defaultRun, "server", "kept in the plan's JSON")
        XCTAssertNil(try Planner.plan(request(["x86_64-unknown-linux-musl"]), facts: facts([try target("x86_64-unknown-linux-musl", metadata: metadata())])).defaultRun)
    }

    func testCrossTargetBuildsForTheTargetThroughItsOwnLinker() throws {
        let triple = "aarch64-unknown-linux-musl"
        let plan = try Planner.plan(request([triple]), facts: facts([target(triple, metadata: metadata())])).targets[0]
        XCTAssertEqual(plan.target.triple, triple)
        XCTAssertEqual(kinds(plan.steps), ["archive", "std", "depInfo", "runtime", "cargo"])
        let cargo = try cargoStep(plan)
        XCTAssertEqual(Array(cargo.command.arguments.prefix(3)), ["build", "--target", triple])
        XCTAssertEqual(cargo.command.environment["CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER"], plan.linker)
        XCTAssertTrue(plan.linker.hasPrefix("/cache/cc/zig-\(triple)/"), plan.linker)
        XCTAssertNil(cargo.command.environment["CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER"])
        XCTAssertEqual(cargo.expectations.machine, 183, "EM_AARCH64")
        XCTAssertEqual(cargo.expectations.bits, 64)
        // std from source, for this target; cargo runs the rustc that has it in its sysroot.
        guard case .std(let std)? = plan.steps.first(where: { if case .std = $0 { return true } else { return false } }) else { return XCTFail("no std step") }
        XCTAssertEqual(std.target.triple, triple)
        XCTAssertTrue(std.command.arguments.contains(triple), "\(std.command.arguments)")
        XCTAssertEqual(cargo.command.environment["RUSTC"], std.toolchainDirectory.rustc)
        // zig's libc for this target comes from a first link through the same linker.
        guard case .runtime(let runtime)? = plan.steps.first(where: { if case .runtime = $0 { return true } else { return false } }) else { return XCTFail("no runtime step") }
        XCTAssertEqual(runtime.command.executable, plan.linker)
        XCTAssertFalse(runtime.done)
    }

    func testCLibraryChainIsBuiltDependenciesFirstAndHandedToCargo() throws {
        var found = try target("x86_64-unknown-linux-musl", metadata: metadata())
        found.scan = ScanFacts(names: ["libedit": "libedit"])
        let libedit = try NativeLibrary.named("libedit"), ncurses = try NativeLibrary.named("ncurses")
        found.libraries.closure = .success([ncurses, libedit])
        for (library, version) in [(ncurses, "6.4"), (libedit, "3.1")] {
            found.libraries.selected[library.name] = LibrarySource(package: library.debianSource, version: version + "-1", upstreamVersion: version,
                                                                    origin: "debian", path: "/cache/sources/\(library.name)/tree")
        }
        let request = try request(["x86_64-unknown-linux-musl"], extra: [LibraryRequest(name: "libedit", reason: "--deps")])
        let plan = try Planner.plan(request, facts: facts([found])).targets[0]
        XCTAssertEqual(kinds(plan.steps), ["archive", "std", "library:ncurses", "library:libedit", "depInfo", "runtime", "cargo"])
        XCTAssertEqual(plan.requirements, [LibraryRequirement(library: "libedit", reason: "--deps")])
        let (first, second) = (plan.libraries[0], plan.libraries[1])
        XCTAssertEqual(second.dependencies, [ncurses.id])
        let ncursesPrefix = try XCTUnwrap(first.prefix)
        XCTAssertTrue(second.commands.contains { $0.shellLine.contains(ncursesPrefix) }, "libedit is built against ncurses's prefix")
        XCTAssertTrue(second.build?.entry.key.contains(first.build!.entry.name) ?? false, "libedit's key names the ncurses entry it is built on")
        let cargo = try cargoStep(plan)
        XCTAssertTrue(cargo.link.searchDirectories.contains(ncursesPrefix + "/lib"))
        let pkgConfig = try XCTUnwrap(cargo.command.environment["PKG_CONFIG_LIBDIR_x86_64_unknown_linux_musl"])
        XCTAssertTrue(pkgConfig.contains(ncursesPrefix) && pkgConfig.contains(second.prefix!), pkgConfig)

        // zig's first link is the same with or without C libraries: their -L directories are
        // not part of its key, or each new set of libraries would count as another first link.
        let runtimeKey = { (plan: TargetPlan) -> String? in
            plan.steps.lazy.compactMap { if case .runtime(let r) = $0 { return r.key } else { return nil } }.first
        }
        let plain = try Planner.plan(try self.request(["x86_64-unknown-linux-musl"]), facts: facts([try target("x86_64-unknown-linux-musl", metadata: metadata())])).targets[0]
        XCTAssertNotNil(runtimeKey(plan))
        XCTAssertFalse(runtimeKey(plan)!.contains("-L"), runtimeKey(plan)!)
        XCTAssertEqual(runtimeKey(plan), runtimeKey(plain))

        // ncurses cached: its step runs nothing, libedit is still built.
        found.cache.add(first.build!.entry)
        let warm = try Planner.plan(request, facts: facts([found])).targets[0]
        XCTAssertTrue(warm.libraries[0].cached)
        XCTAssertTrue(warm.libraries[0].commands.isEmpty)
        XCTAssertFalse(warm.libraries[1].cached)
        XCTAssertFalse(warm.libraries[1].commands.isEmpty)
        XCTAssertEqual(warm.libraries[1].build?.entry, second.build?.entry)

        // Not fetched yet: apt's newest version decides the entry, and the fetch comes first.
        found.libraries.selected = [:]
        found.libraries.versions = ["ncurses": .success([DebianVersion("6.4-4")]), "libedit": .success([DebianVersion("3.1-20221030-2")])]
        let cold = try Planner.plan(request, facts: facts([found])).targets[0]
        XCTAssertEqual(cold.libraries.map(\.fetch?.version), ["6.4-4", "3.1-20221030-2"])
        XCTAssertEqual(cold.libraries[0].allCommands.first, cold.libraries[0].fetch?.command)
    }

    /// `deps build` plans from the same facts with the same decision as a build's library steps.
    func testDepsBuildPlansTheSameLibraryStepsAsABuild() throws {
        var found = try target("x86_64-unknown-linux-musl", metadata: metadata())
        found.scan = ScanFacts(names: ["libedit": "libedit"])
        let libedit = try NativeLibrary.named("libedit"), ncurses = try NativeLibrary.named("ncurses")
        found.libraries.closure = .success([ncurses, libedit])
        found.libraries.selected["ncurses"] = LibrarySource(package: "ncurses", version: "6.4-4", upstreamVersion: "6.4", origin: "debian",
                                                            path: "/cache/sources/ncurses/tree")
        found.libraries.versions = ["libedit": .success([DebianVersion("3.1-20221030-2")])]
        let request = try request(["x86_64-unknown-linux-musl"], extra: [LibraryRequest(name: "libedit", reason: "--deps")])
        let build = try Planner.plan(request, facts: facts([found])).targets[0].libraries
        let deps = try Planner.planLibraries(LibraryTargetFacts(target: found.target, cc: found.cc, libraries: found.libraries, cache: found.cache))
        XCTAssertEqual(deps, build)
        XCTAssertEqual(deps.map(\.library), [ncurses.id, libedit.id])
        XCTAssertNil(deps[0].fetch, "a selected source is not fetched")
        XCTAssertEqual(deps[1].fetch?.version, "3.1-20221030-2")
    }

    /// The executor runs the fetch the plan shows: the step's own command, older versions
    /// (asked from apt then) only after it fails.
    func testPlannedFetchIsTheCommandTheExecutorRunsAndThePlanShows() throws {
        var found = try target("x86_64-unknown-linux-musl", metadata: metadata())
        found.scan = ScanFacts(names: ["ncurses": "ncurses"])
        let ncurses = try NativeLibrary.named("ncurses")
        found.libraries.closure = .success([ncurses])
        found.libraries.versions = ["ncurses": .success([DebianVersion("6.4-4"), DebianVersion("6.4-2"), DebianVersion("6.3-1")])]
        let request = try request(["x86_64-unknown-linux-musl"], extra: [LibraryRequest(name: "ncurses", reason: "--deps")])
        let step = try Planner.plan(request, facts: facts([found])).targets[0].libraries[0]
        let fetch = try XCTUnwrap(step.fetch)
        XCTAssertEqual(fetch.command.arguments.last, "ncurses=6.4-4")
        XCTAssertEqual(fetch.command.directory, layout.sources + "/.staging-ncurses")
        let first = try XCTUnwrap(SourceStore.plannedAttempt(fetch))
        XCTAssertEqual(first.command, fetch.command, "the executor's first (and on a good mirror only) command is the planned one")
        XCTAssertEqual(first.version, DebianVersion("6.4-4"))
        XCTAssertTrue(PlanView.lines(.library(step)).contains(fetch.command.shellLine), "plan prints the command that runs")
        let older = SourceStore.olderAttempts(than: first.version, in: [DebianVersion("6.3-1"), DebianVersion("6.4-4"), DebianVersion("6.4-2")],
                                              package: "ncurses", into: layout.sources + "/.staging-ncurses")
        XCTAssertEqual(older.map(\.command.arguments.last), ["ncurses=6.4-2", "ncurses=6.3-1"])
        // No version planned: nothing to run as planned (the executor asks apt itself).
        XCTAssertNil(SourceStore.plannedAttempt(SourceFetch(package: "ncurses", version: nil, command: fetch.command)))
    }

    func testSizeProfileLinksStandInsAndAsksCargoForASmallProgram() throws {
        let size = try request(["x86_64-unknown-linux-musl"], settings: .size)
        let profile = "CARGO_PROFILE_" + size.cargo.profileName(.build).uppercased()
        let plan = try Planner.plan(size, facts: facts([target("x86_64-unknown-linux-musl", metadata: metadata())])).targets[0]
        let archives = plan.steps.compactMap { if case .archive(let a) = $0 { return a } else { return nil } }
        let stub = try XCTUnwrap(archives.first { $0.build.label == "the unwinder stand-ins" })
        XCTAssertEqual(plan.unwinderStub, stub.archive)
        XCTAssertFalse(archives.contains { $0.build.label == "libunwind for musl" })
        XCTAssertTrue(plan.stdCacheEntry?.contains("-size-") ?? false, plan.stdCacheEntry ?? "no std entry")
        let env = try cargoStep(plan).command.environment
        XCTAssertEqual(env[profile + "_OPT_LEVEL"], "z")
        XCTAssertEqual(env[profile + "_PANIC"], "abort")
        XCTAssertEqual(env[profile + "_LTO"], "fat")
        XCTAssertTrue(env["CARGO_ENCODED_RUSTFLAGS"]?.split(separator: "\u{1F}").contains("-Cforce-unwind-tables=no") ?? false)
        XCTAssertNotEqual(plan.link.debug, .keepSymbols, "no unwinder, no symbols kept for it")

        let standard = try Planner.plan(request(["x86_64-unknown-linux-musl"]),
                                        facts: facts([target("x86_64-unknown-linux-musl", metadata: metadata())])).targets[0]
        XCTAssertNil(standard.unwinderStub)
        XCTAssertNil(try cargoStep(standard).command.environment[profile + "_OPT_LEVEL"])
        XCTAssertNotEqual(standard.stdCacheEntry, plan.stdCacheEntry)
    }

    func testStdIsBuiltOnlyWhenTheCacheLacksIt() throws {
        let request = try request(["x86_64-unknown-linux-musl"])
        var found = try target("x86_64-unknown-linux-musl", metadata: metadata())
        let cold = try Planner.plan(request, facts: facts([found]))
        guard case .std(let std)? = cold.targets[0].steps.first(where: { if case .std = $0 { return true } else { return false } }) else { return XCTFail("no std step") }
        XCTAssertFalse(std.build.cached)
        XCTAssertTrue(cold.commands.contains(std.command), "an uncached std is compiled")
        XCTAssertTrue(std.workspace.contains { $0.copyOf == rustSource + "/Cargo.lock" })

        found.cache.add(std.build.entry)
        let warm = try Planner.plan(request, facts: facts([found]))
        guard case .std(let cached)? = warm.targets[0].steps.first(where: { if case .std = $0 { return true } else { return false } }) else { return XCTFail("no std step") }
        XCTAssertTrue(cached.build.cached)
        XCTAssertEqual(cached.build.entry, std.build.entry)
        XCTAssertFalse(warm.commands.contains(std.command), "a cached std runs nothing")
        XCTAssertEqual(warm.commands.count, cold.commands.count - 2, "neither the unit graph nor the build")

        // A prebuilt std (rustup's musl target): no std step, no sysroot of ours.
        let prebuilt = try Planner.plan(request, facts: facts([target("x86_64-unknown-linux-musl", std: .prebuilt, metadata: metadata())])).targets[0]
        XCTAssertFalse(kinds(prebuilt.steps).contains("std"))
        XCTAssertNil(prebuilt.sysroot)
        XCTAssertEqual(try cargoStep(prebuilt).command.environment["RUSTC"], "/usr/bin/rustc")
    }

    func testRefusedLibraryStopsThePlanNamingTheCrateAndWhoPulledItIn() throws {
        let found = try target("x86_64-unknown-linux-musl", metadata: metadata([("pam-sys", "pam")]))
        XCTAssertThrowsError(try Planner.plan(request(["x86_64-unknown-linux-musl"]), facts: facts([found]))) { error in
            let error = error as? CargoStaticError
            XCTAssertEqual(error?.message.hasPrefix("crate pam-sys 1.0.0 (used by app 0.1.0) needs PAM (libpam), which cannot be linked"), true,
                           error?.message ?? "not a CargoStaticError")
            XCTAssertTrue(error?.fix?.contains("drop the PAM feature") ?? false)
        }
        // The same graph without it plans.
        XCTAssertNoThrow(try Planner.plan(request(["x86_64-unknown-linux-musl"]), facts: facts([target("x86_64-unknown-linux-musl", metadata: metadata())])))
    }

    /// The default allocator falls back to the libc's, with a note, when discovery found its source unobtainable.
    func testUnavailableDefaultAllocatorFallsBackWithANote() throws {
        var found = try target("x86_64-unknown-linux-musl", metadata: metadata())
        found.allocatorUnavailable = CargoStaticError(.commandFailed, "apt knows no source package `mimalloc`", fix: "add a deb-src entry")
        var request = try request(["x86_64-unknown-linux-musl"])
        request.allocator = nil
        let plan = try Planner.plan(request, facts: facts([found])).targets[0]
        XCTAssertEqual(plan.allocator, .musl)
        XCTAssertTrue(plan.allocatorNote?.contains("apt knows no source package `mimalloc`") ?? false, plan.allocatorNote ?? "no note")
        XCTAssertTrue(plan.libraries.isEmpty)
    }

    /// `image`: the plan's last step, decided from the facts (date, revision, the package's
    /// labels, the TLS crates per target), shown in the plan and in its JSON; only the
    /// entrypoint and the packages CA detection starts from wait for the build.
    func testImageIsAPlannedStepAfterTheTargets() throws {
        let tls = try metadata([("rustls", nil)])
        var request = try request(["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl"])
        request.image = ImageRequest(tag: "ghcr.io/acme/app:1", sbom: "app.spdx.json", labels: ["org.opencontainers.image.vendor": "ACME", "org.opencontainers.image.description": "two\nlines"])
        var found = facts([try target("x86_64-unknown-linux-musl", metadata: tls), try target("aarch64-unknown-linux-musl", metadata: metadata())])
        // Without discovered image facts the planner refuses rather than guesses a date.
        XCTAssertThrowsError(try Planner.plan(request, facts: found))
        found.image = ImageFacts(created: 1_700_000_000, createdOrigin: "SOURCE_DATE_EPOCH", revision: String(repeating: "a", count: 40))
        let plan = try Planner.plan(request, facts: found)
        let image = try XCTUnwrap(plan.image)
        XCTAssertEqual(image.output, "/w/app/target/image")
        XCTAssertEqual(image.layout, "/w/app/target/image/oci")
        XCTAssertNil(image.entrypoint)
        XCTAssertEqual(image.created, 1_700_000_000)
        XCTAssertEqual(image.packages.map(\.name), ["app"])
        XCTAssertEqual(image.labels(for: image.packages[0]), [
            "org.opencontainers.image.title": "app", "org.opencontainers.image.version": "0.1.0",
            "org.opencontainers.image.revision": String(repeating: "a", count: 40), "org.opencontainers.image.vendor": "ACME",
            "org.opencontainers.image.description": "two\nlines"])
        XCTAssertEqual(image.name(for: image.packages[0]), "ghcr.io/acme/app:1")
        XCTAssertEqual(image.platforms.map(\.target.triple), ["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl"])
        XCTAssertEqual(image.platforms.map(\.sbom), ["/w/app/app.spdx.json", "/w/app/app.spdx.json"])
        // CA certificates: detected per target from the graph; rustls only where it is a dependency.
        XCTAssertEqual(image.platforms.map(\.tlsCrates), [["app": ["rustls"]], [:]])
        XCTAssertEqual(image.platforms[0].certificates(packages: ["app"], nativeLibraries: []),
                       .init(needsCertificates: true, reason: "does TLS: crate rustls"))
        XCTAssertFalse(image.platforms[1].certificates(packages: ["app"], nativeLibraries: []).needsCertificates)
        XCTAssertTrue(image.platforms[1].certificates(packages: ["app"], nativeLibraries: ["openssl"]).needsCertificates)
        XCTAssertFalse(image.platforms[0].certificates(packages: ["other"], nativeLibraries: []).needsCertificates)
        // The JSON plan carries it, and `plan` shows it, as comments: no command writes it.
        let decoded = try JSONDecoder().decode(BuildPlan.self, from: JSONEncoder().encode(plan))
        XCTAssertEqual(decoded, plan)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(plan)) as? [String: Any])
        XCTAssertEqual((json["image"] as? [String: Any])?["output"] as? String, "/w/app/target/image")
        let text = PlanView.render(plan)
        let shown = try XCTUnwrap(text.components(separatedBy: "## image\n").last)
        XCTAssertTrue(text.components(separatedBy: "## ").last?.hasPrefix("image") ?? false, "the image comes after every target")
        XCTAssertTrue(shown.split(separator: "\n").allSatisfy { $0.hasPrefix("#") }, shown)
        for expected in ["/w/app/target/image/image.tar", "name: ghcr.io/acme/app:1", "2023-11-14T22:13:20Z (SOURCE_DATE_EPOCH)",
                         "#     org.opencontainers.image.vendor=ACME\n", "x86_64-unknown-linux-musl: CA certificates included for executables of app (TLS: rustls)",
                         "aarch64-unknown-linux-musl: CA certificates included only if a TLS C library (OpenSSL) is built in", "SBOM /w/app/app.spdx.json attached"] {
            XCTAssertTrue(shown.contains(expected), "\(expected) not in:\n\(shown)")
        }
        // --no-ca-certificates and --ca-bundle are decided now; --output and --entrypoint are taken as given.
        request.image?.caCertificates = false
        request.image?.output = "img"
        request.image?.entrypoint = "app"
        var decided = try XCTUnwrap(try Planner.plan(request, facts: found).image)
        XCTAssertEqual(decided.output, "/w/app/img")
        XCTAssertEqual(decided.entrypoint, "app")
        XCTAssertEqual(decided.platforms[0].certificates(packages: ["app"], nativeLibraries: []), .init(needsCertificates: false, reason: "--no-ca-certificates"))
        request.image?.caCertificates = nil
        request.image?.caBundle = "/etc/my.pem"
        decided = try XCTUnwrap(try Planner.plan(request, facts: found).image)
        XCTAssertEqual(decided.caBundle, "/etc/my.pem")
        XCTAssertEqual(decided.platforms[1].certificates(packages: [], nativeLibraries: []), .init(needsCertificates: true, reason: "--ca-bundle"))
        // A malformed tag stops the plan, before anything is built.
        request.image?.tag = "UPPER/Case::bad"
        XCTAssertThrowsError(try Planner.plan(request, facts: found))
        // A build without an image request has no image step.
        XCTAssertNil(try Planner.plan(try self.request(["x86_64-unknown-linux-musl"]), facts: found).image)
    }

    // MARK: which std variant a build takes

    private func stdStep(_ plan: TargetPlan) throws -> StdStep {
        guard case .std(let std)? = plan.steps.first(where: { if case .std = $0 { return true } else { return false } }) else {
            throw XCTSkip("no std step")
        }
        return std
    }

    /// The std step of a release (or test) build of `app` for x86_64, with the project's
    /// `[profile.release]` and the cache as given.
    private func planStd(_ mode: BuildRequest.Mode = .build, release: [String: TOMLValue] = [:], variables: [String: String] = [:],
                         settings: StdSettings = .standard, published: [StdSettings] = []) throws -> StdStep {
        var found = try target("x86_64-unknown-linux-musl", metadata: metadata())
        for variant in published {
            found.cache.add(StdRecipe(toolchain: toolchain(), target: found.target, library: rustSource, settings: variant, layout: layout).entry)
        }
        var facts = facts([found])
        facts.project = ProjectManifest(package: [:], profileLayers: [["release": .table(release)]],
                                        environment: variables.filter { $0.key.hasPrefix("CARGO_PROFILE_") })
        facts.context = Context(variables: variables, directory: context.directory, home: context.home, executable: context.executable)
        var request = try request(["x86_64-unknown-linux-musl"], settings: settings)
        request.mode = mode
        request.cargo = try CargoArguments.parse(["--release"], mode: mode)
        return try stdStep(Planner.plan(request, facts: facts).targets[0])
    }

    private func has(_ std: StdStep) -> (libtest: Bool, bitcode: Bool) {
        (std.command.arguments.contains("test"), std.command.environment["CARGO_ENCODED_RUSTFLAGS"]?.contains("-Cembed-bitcode=yes") == true)
    }

    func testPlainReleaseBuildTakesAStdWithoutLibtestOrBitcode() throws {
        let std = try planStd()
        XCTAssertFalse(std.build.cached)
        XCTAssertTrue(std.build.entry.name.contains("-default-lean-"), std.build.entry.name)
        XCTAssertFalse(has(std).libtest, "\(std.command.arguments)")
        XCTAssertFalse(has(std).bitcode)
        XCTAssertFalse(std.workspace.contains { $0.text?.contains("library/test\"") == true }, "libtest is not even a dependency")
        XCTAssertEqual(std.settings, "default-lean")
        XCTAssertTrue(std.variant?.contains("not a test build") == true, std.variant ?? "")
        XCTAssertTrue(std.variant?.contains("no cross-crate LTO") == true, std.variant ?? "")
        // `plan` shows the variant and the reason.
        XCTAssertTrue(PlanView.lines(.std(std)).contains("#   std variant: without libtest and embedded bitcode: not a test build; no cross-crate LTO in profile `release`"),
                      PlanView.lines(.std(std)).joined(separator: "\n"))
    }

    func testTestBuildTakesTheFullStdEvenWhenALeanOneIsPublished() throws {
        let full = try planStd(.test, published: [StdSettings.standard.trimmed(to: StdComponents(libtest: false, bitcode: false))])
        XCTAssertFalse(full.build.cached, "the lean std cannot run tests: the full one is built")
        XCTAssertTrue(has(full).libtest && has(full).bitcode)
        // The full std is the profile itself: the entry every earlier version built and cached.
        XCTAssertEqual(full.build.entry, StdRecipe(toolchain: toolchain(), target: try Target("x86_64-unknown-linux-musl"), library: rustSource,
                                                   settings: .standard, layout: layout).entry)
        XCTAssertTrue(full.variant?.contains("a test build") == true, full.variant ?? "")
    }

    func testCrossCrateLTOKeepsTheBitcode() throws {
        for lto: TOMLValue in [.bool(true), .string("fat"), .string("thin")] {
            let std = try planStd(release: ["lto": lto])
            XCTAssertEqual(has(std).bitcode, true, "lto = \(lto.text)")
            XCTAssertFalse(has(std).libtest)
            XCTAssertTrue(std.variant?.contains("lto = \(lto.text)") == true, std.variant ?? "")
        }
        // LTO within each crate (false, the release default) or none needs no bitcode of std.
        for lto: TOMLValue in [.bool(false), .string("off")] { XCTAssertFalse(has(try planStd(release: ["lto": lto])).bitcode) }
        // cargo's environment overrides the manifest, and -Clto in RUSTFLAGS asks for it too.
        XCTAssertTrue(has(try planStd(variables: ["CARGO_PROFILE_RELEASE_LTO": "true"])).bitcode)
        XCTAssertFalse(has(try planStd(release: ["lto": .bool(true)], variables: ["CARGO_PROFILE_RELEASE_LTO": "off"])).bitcode)
        XCTAssertTrue(has(try planStd(variables: ["CARGO_ENCODED_RUSTFLAGS": "-C\u{1F}lto=fat"])).bitcode)
        // The size profile links with fat LTO of its own: its std keeps its bitcode and its entry.
        let size = try planStd(settings: .size)
        XCTAssertTrue(has(size).bitcode)
        XCTAssertEqual(size.settings, "size")
    }

    func testPublishedFullStdServesALeanNeed() throws {
        let std = try planStd(published: [.standard])
        XCTAssertTrue(std.build.cached, "a machine with the full std builds no lean one")
        XCTAssertEqual(std.settings, "default")
        XCTAssertTrue(std.variant?.contains("already built") == true, std.variant ?? "")
        // With both published, the leaner one is taken; with only an unrelated variant, exactly the need is built.
        let lean = StdSettings.standard.trimmed(to: StdComponents(libtest: false, bitcode: false))
        XCTAssertEqual(try planStd(published: [.standard, lean]).settings, "default-lean")
        let withBitcode = try planStd(release: ["lto": .bool(true)], published: [lean])
        XCTAssertFalse(withBitcode.build.cached, "a std without bitcode cannot serve an LTO build")
        XCTAssertEqual(withBitcode.settings, "default-notest")
    }
}
