import Foundation

/// `doctor`: every piece the pipeline needs, found or missing, with the command that installs it.
public struct DoctorReport: Codable {
    public struct Item: Codable {
        public let area: String
        public let name: String
        public let ok: Bool
        public let detail: String
        public let fix: String?
    }
    public let target: String
    public let items: [Item]
    /// True when `cargo static build` in this directory can build for the target now: the
    /// toolchain it would choose (with this directory's request) exists and can, and a C
    /// toolchain is there.
    public var ready: Bool {
        items.contains { $0.area == "rust" && $0.name == Self.chosen && $0.ok } && items.contains { $0.area == "c-toolchain" && $0.ok }
    }

    static let chosen = "what `cargo static build` would use here"

    public static func collect(target: Target, runner: Runner, store: CacheStore, requested: ToolchainRequest? = nil) -> DoctorReport {
        var items: [Item] = []
        let probes = ProbeCache(file: store.layout.probes)
        let discovery = ToolchainDiscovery(runner: runner, probes: probes)
        let candidates = discovery.candidates(requested: requested?.isPreference == true ? nil : requested?.name,
                                              preferred: requested?.isPreference == true ? requested?.name : nil)
        for tc in candidates {
            let usable = tc.hasPrebuiltStd(for: target) || tc.hasVendoredLibraryDependencies
            items.append(Item(area: "rust", name: "rustc \(tc.release) (\(tc.origin.rawValue)) \(tc.rustc)", ok: usable,
                              detail: discovery.describe(tc, target) + "; cargo: \(tc.cargo)",
                              fix: usable ? nil : (tc.origin != .system ? "rustup target add \(target) (needs network) or rustup component add rust-src" : nil)))
        }
        if !candidates.contains(where: { $0.hasPrebuiltStd(for: target) || $0.hasVendoredLibraryDependencies }) {
            items.append(Item(area: "rust", name: "a rustc that can build for \(target)", ok: false,
                              detail: candidates.isEmpty ? "no rustc found" : "none of the rustc above has a musl std or a vendored rust-src",
                              fix: "apt-get install rustc-web cargo-web rust-web-src"))
        }
        items.append(chosenItem(discovery, target, requested))
        let ccDiscovery = CToolchainDiscovery(runner: runner, layout: store.layout, probes: probes)
        for kind in CToolchain.Kind.allCases {
            if let cc = try? ccDiscovery.find(target, preferred: kind) {
                items.append(Item(area: "c-toolchain", name: kind.rawValue, ok: true, detail: "\(cc.version); wrappers in \(cc.directory)", fix: nil))
                let unwinder = cc.bringsUnwinder || UnwinderBuild.sourceDirectory(cc, context: runner.context) != nil
                items.append(Item(area: "unwinder", name: "\(kind.rawValue) unwinder", ok: unwinder,
                                  detail: cc.bringsUnwinder ? "zig builds LLVM's libunwind for musl" : unwinder ? "LLVM's libunwind, compiled for musl on first use" : "no musl libunwind: panic=unwind programs cannot link with this backend",
                                  fix: unwinder ? nil : "use zig (the default)"))
            } else {
                let fix: String
                switch kind {
                case .zig: fix = "python3 -m pip install ziglang"
                case .muslGcc: fix = "apt-get install musl-tools"
                case .crossGcc: fix = "install a \(CToolchainDiscovery.crossGccName(target)) cross compiler on PATH (optional)"
                }
                items.append(Item(area: "c-toolchain", name: kind.rawValue, ok: false, detail: "not found", fix: fix))
            }
        }
        if !target.isNative {
            let qemu = try? ProgramRunner.emulator(for: target, runner: runner)
            items.append(Item(area: "run", name: target.info.qemu ?? "qemu", ok: qemu != nil, detail: qemu ?? "not found",
                              fix: qemu == nil ? "apt-get install qemu-user-static" : nil))
        }
        items.append(Sandbox.doctorItem(runner: runner))
        items += cLibraryItems(target: target, runner: runner, store: store)
        let entries = store.entries(.std)
        items.append(Item(area: "cache", name: store.layout.shown, ok: true,
                          detail: "\(entries.count) cached std(s), \(humanSize(entries.map { directorySize($0.directory) }.reduce(0, +)))", fix: nil))
        let curl = runner.which("curl")
        items.append(Item(area: "cache", name: "cache push/pull (an OCI registry)", ok: curl != nil,
                          detail: curl.map { "through \($0)" } ?? "curl not found (only `cache push` and `cache pull` need it)",
                          fix: curl == nil ? "apt-get install curl" : nil))
        let order = ["rust", "c-toolchain", "unwinder", "c-libraries", "run", "cache"]
        let sorted = items.enumerated().sorted { (order.firstIndex(of: $0.element.area) ?? 9, $0.offset) < (order.firstIndex(of: $1.element.area) ?? 9, $1.offset) }
        return DoctorReport(target: target.triple, items: sorted.map(\.element))
    }

    /// The toolchain a build here would use (with this directory's request or preference), or why it would fail.
    static func chosenItem(_ discovery: ToolchainDiscovery, _ target: Target, _ requested: ToolchainRequest?) -> Item {
        let asked = requested.map { " (\($0.origin): \($0.name)\($0.isPreference ? ", a preference" : ""))" } ?? ""
        do {
            let choice = try discovery.choose(for: target, requested: requested)
            var detail = "rustc \(choice.toolchain.release) at \(choice.toolchain.rustc)\(asked): \(choice.reason)"
            if let usual = choice.differsFromDefault { detail += "; not your default rustc \(usual.release) at \(usual.rustc), which cannot build for \(target)" }
            return Item(area: "rust", name: chosen, ok: true, detail: detail, fix: nil)
        } catch let error as CargoStaticError {
            return Item(area: "rust", name: chosen, ok: false, detail: "the build would fail\(asked): \(error.message)", fix: error.fix)
        } catch {
            return Item(area: "rust", name: chosen, ok: false, detail: "the build would fail\(asked): \(error)", fix: nil)
        }
    }

    /// What C libraries and allocators need: Debian sources through apt, pkg-config for the
    /// crates' build scripts, and what is already built for the target.
    static func cLibraryItems(target: Target, runner: Runner, store: CacheStore) -> [Item] {
        var items: [Item] = []
        let showsrc = runner.which("apt-cache").flatMap { try? runner.capture(Command($0, ["showsrc", "--only-source", "zlib"])) }
        let sources = showsrc.map { $0.succeeded && $0.output.contains("Version:") } ?? false
        items.append(Item(area: "c-libraries", name: "Debian source packages (apt-get source)", ok: sources,
                          detail: sources ? "a deb-src entry is configured: C libraries and allocators can be fetched"
                                          : "no deb-src entry (or no apt): C libraries and --allocator mimalloc/jemalloc need --source PATH, the default allocator falls back to the libc's",
                          fix: sources ? nil : "add a deb-src entry (a copy of your `deb` line or stanza with deb-src), then apt-get update; scripts/setup does both"))
        let dpkgSource = runner.which("dpkg-source") != nil
        items.append(Item(area: "c-libraries", name: "dpkg-source", ok: dpkgSource, detail: dpkgSource ? "unpacks source packages" : "not found",
                          fix: dpkgSource ? nil : "apt-get install dpkg-dev"))
        let pkgConfig = runner.which("pkg-config")
        items.append(Item(area: "c-libraries", name: "pkg-config", ok: pkgConfig != nil, detail: pkgConfig ?? "not found: -sys crates cannot find the libraries built for the target",
                          fix: pkgConfig == nil ? "apt-get install pkg-config" : nil))
        let built = store.entries(.deps).filter { $0.group == target.triple }
            .compactMap { FileManager.default.contents(atPath: $0.directory + "/entry.json").flatMap { try? JSONDecoder.cache.decode(LibraryEntry.self, from: $0) } }
        items.append(Item(area: "c-libraries", name: "built for \(target)", ok: true,
                          detail: built.isEmpty ? "none yet (built when a project needs them, or: cargo-static deps build NAME)"
                                                : built.map { "\($0.library) \($0.version) (\($0.cToolchain))" }.joined(separator: ", "), fix: nil))
        return items
    }

    public var human: String {
        var lines: [String] = ["cargo-static doctor (target \(target))"]
        var area = ""
        for item in items {
            if item.area != area { area = item.area; lines.append("\n[\(area)]") }
            lines.append("  \(item.ok ? "ok     " : "missing") \(item.name): \(item.detail)")
            if let fix = item.fix { lines.append("          install: \(fix)") }
        }
        lines.append("\n" + (ready ? "ready: `cargo-static build` can build for \(target)" : "not ready: install what is missing above"))
        return lines.joined(separator: "\n")
    }
}
