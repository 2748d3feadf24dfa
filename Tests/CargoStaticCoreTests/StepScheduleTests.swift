import XCTest
@testable import CargoStaticCore

/// Which steps the executor runs at the same time: the plan's steps as values, nothing on disk.
final class StepScheduleTests: XCTestCase {
    private let target = try! Target("x86_64-unknown-linux-musl")

    private func std(cached: Bool) -> Step {
        let id = EntryID(area: .std, group: nil, name: "x86_64-unknown-linux-musl-1.96.0-release-abc", key: "k")
        let dir = ToolchainDirectory(entry: EntryID(area: .toolchains, group: target.triple, name: "rustc-1.96.0-def", key: "k"),
                                     directory: "/c/toolchains/t", cached: cached, realRustc: "/usr/bin/rustc", hostSysroot: "/usr",
                                     host: "x86_64-unknown-linux-gnu", target: target, stdEntry: id)
        return .std(StdStep(build: CachedBuild(entry: id, cached: cached, label: "std for \(target)"), target: target, workspace: [],
                            unitGraph: Command("cargo", ["build", "--unit-graph"]), command: Command("cargo", ["build"]),
                            outputDirectory: "/c/work/std/target", sysroot: "/c/std/s", toolchainDirectory: dir,
                            rustc: "/usr/bin/rustc", release: "1.96.0", settings: "release", estimateSeconds: nil))
    }

    private var write: Step { .write(.text("/c/cc/zig/cc", "#!/bin/sh\n", executable: true)) }

    private var archive: Step {
        .archive(ArchiveStep(build: CachedBuild(entry: EntryID(area: .archives, group: target.triple, name: "unwind-stub-1", key: "k"), cached: false, label: "unwinder stand-ins"),
                             sources: [], commands: [Command("zig", ["cc", "-c", "stub.c"])], outputs: ["libunwind.a"], archive: "libunwind.a"))
    }

    private var library: Step {
        .library(LibraryStep(library: LibraryID(resolvedName: "mimalloc"), target: target, build: nil, source: nil,
                             fetch: SourceFetch(package: "mimalloc", version: "2.0.9+ds-1", command: Command("apt-get", ["source", "mimalloc"])),
                             commands: [], dependencies: [], prefix: nil))
    }

    private var runtime: Step {
        .runtime(RuntimeStep(target: target, key: "zig 0.17 | -static-pie", done: false, source: .text("/c/work/rt/first-link.c", "int main(void) { return 0; }\n"),
                             command: Command("/c/cc/zig/cc", ["-static-pie", "/c/work/rt/first-link.c"]), estimateSeconds: nil))
    }

    private var depInfo: Step {
        .depInfo(DepInfoStep.make(package: "hello", payload: Data("{}".utf8), object: "/t/hello.dep.o", compiler: ["zig", "cc"]))
    }

    private var cargo: Step {
        let driver = CompilerDriver(c: ["/z/zig", "cc"], cxx: ["/z/zig", "c++"], ar: ["/z/zig", "ar"], ranlib: ["/z/zig", "ranlib"],
                                    environment: [:], identity: "zig 0.17")
        let link = LinkSpec(target: target, kind: .zig, driver: driver, wrapperDirectory: "/c/cc/zig", selfContainedCrt: false, pie: true,
                            wholeArchives: [], unwinderStub: nil, searchDirectories: [], trailing: [], objects: [], profileRustflags: [], tool: "/bin/cs")
        return .cargo(CargoStep(command: Command("cargo", ["build"]), target: target, link: link,
                                expectations: .init(machine: 62, bits: 64, staticPie: true, allocator: .mimalloc)))
    }

    private var sbom: Step { .sbom(SBOMStep(target: target, suffix: ".cdx.json")) }

    /// The planner's order on a cold cache: std is started and left running; wrappers,
    /// archives, the allocator, the dependency lists and zig's libc do not wait for it; cargo does.
    func testColdStdRunsBesideTheCSideAndCargoWaitsForIt() {
        let steps = [write, archive, std(cached: false), library, library, depInfo, runtime, cargo, sbom]
        let slots = StepSchedule.slots(steps)
        XCTAssertEqual(slots.map(\.index), Array(steps.indices), "every step once, in the plan's order")
        XCTAssertEqual(slots.filter(\.background).map(\.index), [2])
        for i in [0, 1, 3, 4, 5, 6] { XCTAssertEqual(slots[i].awaits, [], "step \(i) does not need std") }
        XCTAssertEqual(slots[7].awaits, [2], "cargo links against the std being built")
        XCTAssertEqual(slots[8].awaits, [], "std was awaited once, by cargo")
    }

    /// A cached std only has its toolchain directory checked: it runs in order, nothing waits.
    func testCachedStdRunsInOrder() {
        let slots = StepSchedule.slots([write, std(cached: true), library, runtime, cargo])
        XCTAssertFalse(slots.contains(where: \.background))
        XCTAssertTrue(slots.allSatisfy { $0.awaits.isEmpty })
    }

    /// Without a std step (a prebuilt std): plain order.
    func testPrebuiltStdPlainOrder() {
        let slots = StepSchedule.slots([write, library, runtime, cargo, sbom])
        XCTAssertEqual(slots, (0..<5).map { StepSchedule.Slot(index: $0, background: false, awaits: []) })
    }

    /// Only steps that never read std's output may run beside it.
    func testWhatIsIndependentOfStd() {
        for step in [write, archive, library, runtime, depInfo] { XCTAssertTrue(StepSchedule.independentOfStd(step)) }
        for step in [cargo, sbom, std(cached: false)] { XCTAssertFalse(StepSchedule.independentOfStd(step)) }
    }

    /// A background step's error reaches whoever waits for it, and it counts as failed.
    func testBackgroundStepCarriesItsError() {
        let job = BackgroundStep<Int>("failing") { throw CargoStaticError(.stdBuildFailed, "std failed") }
        XCTAssertThrowsError(try job.wait()) { XCTAssertEqual(($0 as? CargoStaticError)?.message, "std failed") }
        XCTAssertTrue(job.finished)
        XCTAssertTrue(job.failed)
        let ok = BackgroundStep<Int>("ok") { 7 }
        XCTAssertEqual(try ok.wait(), 7)
        XCTAssertEqual(try ok.wait(), 7, "waiting twice returns the same value")
        XCTAssertFalse(ok.failed)
    }

    /// Two tasks share the one live line; a long one is cut to the terminal's width.
    func testLiveLineCombinesTasksWithinTheWidth() {
        XCTAssertEqual(Reporter.combined(["building std: 3/40 units, 12 s", "preparing zig's libc: 0 steps, 5 s"], width: 200),
                       "building std: 3/40 units, 12 s | preparing zig's libc: 0 steps, 5 s")
        // Too wide: each task keeps an equal share, so both stay in sight.
        let cut = Reporter.combined([String(repeating: "x", count: 50), String(repeating: "y", count: 50)], width: 40)
        XCTAssertEqual(cut, String(repeating: "x", count: 17) + "… | " + String(repeating: "y", count: 17) + "…")
        XCTAssertLessThan(cut.count, 40)
        XCTAssertEqual(Reporter.combined(["short", String(repeating: "y", count: 50)], width: 40), "short | " + String(repeating: "y", count: 17) + "…",
                       "a task that fits its share is not cut")
        // Too narrow to share: the line is cut at the width.
        let narrow = Reporter.combined([String(repeating: "x", count: 50), String(repeating: "y", count: 50)], width: 20)
        XCTAssertEqual(narrow.count, 19)
        XCTAssertTrue(narrow.hasSuffix("…"))
    }

    /// When another step fails, a background step still running is stopped, not waited out:
    /// its command gets SIGTERM and `stop` returns once it has ended.
    func testStopEndsARunningBackgroundStep() throws {
        let runner = Runner()
        let starting = DispatchSemaphore(value: 0)
        let job = BackgroundStep<Int32>("sleeper") {
            starting.signal()
            return try runner.capture(Command("/bin/sleep", ["60"])).status
        }
        // Until the child has started there is nothing to stop: give it a second.
        starting.wait()
        sleep(1)
        let started = Date()
        BackgroundStep.stop([job])
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "stop waited for the command to end by itself")
        XCTAssertTrue(job.finished)
        XCTAssertEqual(try job.wait(), SIGTERM, "the command ended by SIGTERM")
    }
}
