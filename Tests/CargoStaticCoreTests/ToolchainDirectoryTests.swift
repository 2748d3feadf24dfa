import XCTest
@testable import CargoStaticCore

final class ToolchainDirectoryTests: XCTestCase {
    private func toolchain(_ versionInfo: String = "rustc 1.96.0\nhost: x86_64-unknown-linux-gnu") -> Toolchain {
        Toolchain(rustc: "/usr/bin/rustc", cargo: "/usr/bin/cargo", origin: .system, name: "system",
                  versionInfo: versionInfo, release: "1.96.0", host: "x86_64-unknown-linux-gnu", sysroot: "/usr")
    }

    private func std(_ name: String) -> EntryID { EntryID(area: .std, group: nil, prefix: name, key: name) }

    /// One directory per rustc and std entry; its script names the std (sccache hashes the
    /// compiler file, not the target's std) but no path (the same bytes in every cache).
    func testEntryAndScriptFollowTheStdButNotTheCachePath() throws {
        let target = try Target("x86_64-unknown-linux-musl")
        let a = ToolchainDirectory.plan(toolchain: toolchain(), target: target, std: std("default"), cache: CacheView(layout: CacheLayout(root: "/c1")))
        let moved = ToolchainDirectory.plan(toolchain: toolchain(), target: target, std: std("default"), cache: CacheView(layout: CacheLayout(root: "/c2")))
        let size = ToolchainDirectory.plan(toolchain: toolchain(), target: target, std: std("size"), cache: CacheView(layout: CacheLayout(root: "/c1")))
        let newer = ToolchainDirectory.plan(toolchain: toolchain("rustc 1.97.0"), target: target, std: std("default"), cache: CacheView(layout: CacheLayout(root: "/c1")))
        XCTAssertEqual(a.entry, moved.entry)
        XCTAssertEqual(a.script, moved.script)
        XCTAssertFalse(a.script.contains("/c1"))
        XCTAssertNotEqual(a.entry.name, size.entry.name)
        XCTAssertNotEqual(a.script, size.script)
        XCTAssertNotEqual(a.entry.name, newer.entry.name)
        XCTAssertEqual(a.rustc, "/c1/toolchains/x86_64-unknown-linux-musl/\(a.entry.name)/bin/rustc")
        XCTAssertFalse(CacheArea.toolchains.transferable)
    }

    /// With the machine's own rustc: the directory is published through the cache protocol,
    /// and its rustc reports the directory as its sysroot, with the target's std beside the host's.
    func testRustcReportsTheDirectoryAsItsSysroot() throws {
        let fm = FileManager.default
        guard fm.isExecutableFile(atPath: "/usr/bin/rustc"),
              let info = try? Runner(context: Context(variables: ["PATH": "/usr/bin:/bin"], directory: "/")).capture(Command("/usr/bin/rustc", ["-vV"])),
              info.succeeded else { throw XCTSkip("no /usr/bin/rustc") }
        let root = try FileSystem.temporaryDirectory(in: "/tmp", label: "toolchain-test")
        defer { try? fm.removeItem(atPath: root) }
        let store = CacheStore(root: root)
        let target = try Target("x86_64-unknown-linux-musl")
        let stdID = std("default")
        try FileSystem.write("rlib", to: store.layout.sysroot(stdID) + "/lib/rustlib/x86_64-unknown-linux-musl/lib/libstd-x.rlib")
        let host = info.output.split(separator: "\n").first { $0.hasPrefix("host: ") }.map { String($0.dropFirst(6)) } ?? ""
        let tc = Toolchain(rustc: "/usr/bin/rustc", cargo: "/usr/bin/cargo", origin: .system, name: "system",
                           versionInfo: info.output, release: "x", host: host, sysroot: "/usr")
        let dir = ToolchainDirectory.plan(toolchain: tc, target: target, std: stdID, cache: .snapshot(store, target: target))
        XCTAssertFalse(dir.cached)
        XCTAssertEqual(try dir.ensure(store: store, reporter: Reporter(quiet: true)), .built)
        XCTAssertEqual(store.state(dir.entry), .published)
        XCTAssertEqual(try dir.ensure(store: store, reporter: Reporter(quiet: true)), .hit)
        let sysroot = try Runner(context: Context(variables: ["PATH": "/usr/bin:/bin"], directory: "/")).capture(Command(dir.rustc, ["--print", "sysroot"]))
        XCTAssertTrue(sysroot.succeeded, sysroot.output)
        XCTAssertEqual(sysroot.output.trimmingCharacters(in: .whitespacesAndNewlines), dir.directory)
        // The script's other branch (called by a relative path, or with `..`): the same sysroot.
        for (call, directory) in [("./rustc", dir.directory + "/bin"), (dir.directory + "/bin/../bin/rustc", "/")] {
            let other = try Runner(context: Context(variables: ["PATH": "/usr/bin:/bin"], directory: "/"))
                .capture(Command("/bin/sh", ["-c", "cd \(Shell.quote(directory)) && exec \(Shell.quote(call)) --print sysroot"]))
            XCTAssertTrue(other.succeeded, other.output)
            XCTAssertEqual(other.output.trimmingCharacters(in: .whitespacesAndNewlines), dir.directory, call)
        }
        XCTAssertTrue(fm.fileExists(atPath: dir.directory + "/lib/rustlib/x86_64-unknown-linux-musl/lib/libstd-x.rlib"))
        XCTAssertTrue(fm.fileExists(atPath: dir.directory + "/lib/rustlib/\(host)/lib"))
        // Not carried by an export: it runs this machine's rustc.
        XCTAssertThrowsError(try CacheTransfer.export(store, to: root + "/out.tar", matching: ["rustc-"], reporter: Reporter(quiet: true)))
    }
}
