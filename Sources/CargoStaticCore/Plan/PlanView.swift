import Foundation

/// The human view of a `BuildPlan`: every step as shell lines a user can paste (cached
/// steps as comments), so that on a warm cache the lines rebuild the same executables.
public enum PlanView {
    public static func render(_ plan: BuildPlan) -> String {
        var out: [String] = ["# cargo-static plan for \(plan.manifest) (\(plan.mode.rawValue), \(plan.pie ? "static-pie" : "static, no PIE"))",
                             "set -e"]
        for t in plan.targets {
            out.append("")
            out.append("## \(t.target)")
            out.append("# rustc \(t.toolchain.release) at \(t.toolchain.rustc): \(t.toolchainReason)")
            out.append("# C toolchain: \(t.cToolchain.version); wrappers in \(t.cToolchain.directory)")
            for r in t.requirements { out.append("# C library \(r.library): needed by \(r.reason)") }
            out.append(t.allocator == .musl ? "# allocator: the libc's own malloc" : "# allocator: \(t.allocator.rawValue), linked first by the linker wrapper")
            if let note = t.allocatorNote { out.append("# note: \(note)") }
            if let warning = t.dlopenWarning { out.append("# warning: \(warning)") }
            if let stub = t.unwinderStub { out.append("# unwinder: none (this std profile never unwinds); \(stub) stands in for -lunwind") }
            for step in t.steps { out += lines(step) }
        }
        if let image = plan.image { out += [""] + lines(image) }
        return out.joined(separator: "\n")
    }

    /// The image is written by cargo-static itself, not by commands: its lines are comments.
    static func lines(_ image: ImageStep) -> [String] {
        var out = ["## image",
                   "# cargo-static writes a FROM-scratch OCI image of the executables built above into \(image.layout) and \(image.archive):",
                   "#   name: " + (image.tag ?? "<package>:<version> of the entrypoint's package"),
                   "#   entrypoint: " + (image.entrypoint.map { "/usr/local/bin/\($0)" } ?? "the only executable built, else the one named like its package"),
                   "#   created: \(ImageSettings.rfc3339(image.created)) (\(image.createdOrigin))"]
        for package in image.packages {
            out.append("#   labels if the entrypoint is \(package.name)'s:")
            // One per line, a newline of a description kept inside the comment.
            out += image.labels(for: package).sorted { $0.key < $1.key }.map { "#     \($0.key)=\($0.value.replacingEvery("\n", with: "\\n"))" }
        }
        out.append("#   CA bundle, in the images that get one: \(image.caBundle)")
        for platform in image.platforms {
            let tls = platform.tlsCrates.keys.sorted().map { "\($0) (TLS: \(platform.tlsCrates[$0]!.joined(separator: ", ")))" }
            let ca = platform.certificates.map { "\($0.needsCertificates ? "included" : "not included") (\($0.reason))" }
                ?? ((tls.isEmpty ? "" : "included for executables of \(tls.joined(separator: ", ")); otherwise ")
                    + "included only if a TLS C library (OpenSSL) is built in")
            out.append("#   \(platform.target): CA certificates \(ca)" + (platform.sbom.map { "; SBOM \($0) attached" } ?? ""))
        }
        return out
    }

    static func lines(_ step: Step) -> [String] {
        switch step {
        case .write(let file):
            return file.shellLines
        case .archive(let a):
            if a.build.cached { return ["# \(a.build.label): cached (\(a.build.entry))"] }
            let work = a.commands.first?.directory ?? ""
            return ["# \(a.build.label) (cargo-static then moves \(a.outputs.joined(separator: ", ")) into \(a.archive)):", "mkdir -p \(Shell.quote(work))"]
                + a.sources.flatMap(\.shellLines) + a.commands.map(\.shellLine)
        case .runtime(let r):
            if r.done { return ["# zig's libc for \(r.target): built by an earlier first link"] }
            return ["# zig builds its libc for \(r.target) on the first link:"] + r.source.shellLines + [r.command.shellLine]
        case .std(let s):
            let rustc = "#   cargo-static then links \(s.toolchainDirectory.rustc) (rustc with it in its own sysroot)"
                + (s.toolchainDirectory.cached ? ", cached" : "")
            let variant = s.variant.map { ["#   std variant: \($0)"] } ?? []
            if s.build.cached { return ["# std for \(s.target): cached (\(s.build.entry.name)); sysroot \(s.sysroot)"] + variant + [rustc] }
            return ["# std for \(s.target) (not cached yet; cargo-static then copies the .rlib files from",
                    "#   \(s.outputDirectory) into \(s.sysroot)/lib/rustlib/\(s.target)/lib):"] + variant
                + s.workspace.flatMap(\.shellLines) + [s.command.shellLine, rustc]
        case .library(let l):
            let name = l.build.map { "\(l.library) (\($0.entry.name))" } ?? l.library.name
            if l.cached { return ["# \(name): cached; prefix \(l.prefix ?? "")"] }
            var lines = ["# \(name) for \(l.target) (cargo-static copies its source into the work directory, runs these,",
                         "#   then moves the installed prefix into the cache entry):"]
            if let fetch = l.fetch { lines.append(fetch.command.shellLine) }
            if l.pending { lines.append("# (its commands are known once \(l.fetch == nil ? "its dependencies are built" : "the source is fetched"))") }
            return lines + l.commands.map(\.shellLine)
        case .depInfo(let d):
            // Printed even when the object is up to date: the lines must rebuild it after `rm -rf target`.
            let note = d.upToDate ? " (up to date; cargo-static skips this)" : d.kept ? " (cargo-static copies the object kept in its cache instead)" : ""
            return ["# the dependency list of \(d.package), embedded as a .dep-v0 section\(note):"]
                + d.assembly.shellLines + [d.command.shellLine]
        case .cargo(let c):
            return ["# the project (cargo-static then audits every executable):", c.command.shellLine,
                    "# if a build script asks pkg-config for a C library not built above, cargo-static builds it and",
                    "#   plans and runs this target again (at most \(Executor.maxLibraryRounds) rounds)"]
        case .debugFiles(let d):
            let example = d.command(executable: "EXE", debug: "EXE.debug").shellLine
            return ["# cargo-static copies each executable's debug file (deps/NAME-HASH.debug) to EXE.debug beside it, then:", "#   \(example)"]
        case .sbom(let b):
            return ["# cargo-static writes an SBOM beside each executable for \(b.target): EXE\(b.suffix)"]
        }
    }
}
