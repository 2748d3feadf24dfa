import Foundation

/// The human view of a `BuildPlan`: commands a user can paste.
public enum PlanView {
    public static func render(_ plan: BuildPlan) -> String {
        var out: [String] = ["# cargo-static plan for \(plan.manifest) (\(plan.mode.rawValue), \(plan.pie ? "static-pie" : "static, no PIE"))"]
        for t in plan.targets {
            out.append("")
            out.append("## \(t.target)")
            out.append("# rustc \(t.toolchain.release) at \(t.toolchain.rustc): \(t.toolchainReason)")
            out.append("# C toolchain: \(t.cToolchain.version); wrappers: \(t.cToolchain.cc), \(t.cToolchain.cxx), \(t.cToolchain.ar)")
            switch t.std {
            case .prebuilt:
                out.append("# std: prebuilt in \(t.toolchain.sysroot)")
            case .fromSource(let library):
                out.append("# std: built from \(library) into \(t.sysroot ?? "?") (cache entry \(t.stdCacheEntry ?? "?"))")
                if let build = t.stdBuild {
                    out.append("# 1. build std (not cached yet; cargo-static writes the workspace's Cargo.toml, then copies")
                    out.append("#    the .rlib files from the target dir into the sysroot's lib/rustlib/\(t.target)/lib):")
                    out.append(build.shellLine)
                } else {
                    out.append("# 1. std is cached: nothing to build")
                }
            }
            for r in t.requirements { out.append("# C library \(r.library): needed by \(r.reason)") }
            for lib in t.libraries {
                if lib.cached { out.append("# \(lib.library) is cached (\(lib.entry ?? "")): nothing to build"); continue }
                out.append("# build \(lib.library) for \(t.target) (cargo-static copies its source into the work directory, runs these, then moves")
                out.append("#   the installed prefix into the cache entry):")
                if let fetch = lib.fetch { out.append(fetch.shellLine) }
                out += lib.steps.map(\.shellLine)
            }
            out.append(t.allocator == .musl ? "# allocator: the libc's own malloc" : "# allocator: \(t.allocator.rawValue), linked first by the linker wrapper")
            if let stub = t.unwinderStub {
                out.append("# unwinder: none (this std profile never unwinds); the linker wrapper puts \(stub) in place of -lunwind")
            }
            if t.linker != t.cToolchain.cc { out.append("# linker wrapper: \(t.linker)") }
            out.append("# 2. build the project:")
            out.append(t.cargo.shellLine)
        }
        return out.joined(separator: "\n")
    }
}

/// The per-target summary of a multi-target build.
public enum SummaryTable {
    public static func render(_ results: [TargetResult]) -> String {
        var rows = [["target", "executable", "size", "verdict", "time"]]
        for r in results {
            for e in r.executables {
                rows.append([r.target, e.name, humanSize(e.audit.size), e.audit.kernelOnly ? e.audit.linkage.rawValue + ", kernel-only" : "NOT static",
                             String(format: "%.1f s", r.seconds)])
            }
        }
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { row in row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") }
            .joined(separator: "\n")
    }
}
