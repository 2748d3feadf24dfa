import Foundation
import XCTest
@testable import CargoStaticCore

/// Mutation fuzzing of the ELF reader: every variant of a few real binaries
/// must either parse (and audit) or throw `ELFError`; none may crash or hang.
/// Besides random bytes, the mutator forges what an attacker would: e_phnum,
/// e_phentsize, e_type, program header types and fields, dynamic tags and
/// section headers. A differential oracle checks the verdict: no variant the
/// audit calls kernel-only may show readelf an interpreter, DT_NEEDED entries
/// or a program header table it cannot read.
///
/// Variant `i` is derived only from the fixed seed and `i`, so a failure
/// reproduces with `CARGO_STATIC_FUZZ_ONLY=i`. `CARGO_STATIC_FUZZ_ITERATIONS`
/// overrides the count (scripts/fuzz-elf runs millions in release mode).
final class ELFFuzzTests: XCTestCase {
    static let seedFixtures = ["glibc-dynamic", "musl-gcc-static-pie", "zig-ppc32-stripped"]
    static let baseSeed: UInt64 = 0x5EED_CA46_0E1F_F00D
    /// Generous even for a debug build on a slow machine; real variants take microseconds.
    static let perVariantLimit: Double = 2.0

    override class func setUp() {
        super.setUp()
        ELFFixtures.shared.build(seedFixtures)
    }

    func testMutatedBinariesParseOrThrowELFError() throws {
        let seeds = try loadSeeds()
        let environment = ProcessInfo.processInfo.environment
        let iterations = environment["CARGO_STATIC_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 30_000
        let indices = environment["CARGO_STATIC_FUZZ_ONLY"].flatMap { Int($0) }.map { [$0] } ?? Array(0 ..< iterations)
        let previous = FuzzCrashReporter.install()
        defer { FuzzCrashReporter.restore(previous) }

        var stats = FuzzStats()
        let started = Date()
        for index in indices {
            let seed = seeds[index % seeds.count]
            var rng = SplitMix64(seed: ELFFuzzTests.baseSeed ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
            FuzzCrashReporter.currentVariant = index
            let variant = Mutator.mutate(seed, &rng)
            let seconds = try check(variant, index: index, seed: seed, stats: &stats)
            if seconds > stats.slowest { stats.slowest = seconds; stats.slowestIndex = index }
            XCTAssertLessThan(seconds, ELFFuzzTests.perVariantLimit, "variant \(index) (seed \(seed.name)) is too slow")
            if index % 1000 == 0 { try checkFileReadAgrees(variant, index: index) }
            if let audit = stats.lastAudit, audit.kernelOnly, seed.dynamic || index % ELFFuzzTests.staticOracleStride == 0 {
                checkAgainstReadelf(variant, index: index, seed: seed, stats: &stats)
            }
        }
        FuzzCrashReporter.currentVariant = -1
        let elapsed = Date().timeIntervalSince(started)
        print("ELF fuzz: \(indices.count) variants of \(seeds.map(\.name)) in \(String(format: "%.1f", elapsed)) s: "
            + "\(stats.parsed) parsed, \(stats.rejected) rejected; slowest \(String(format: "%.4f", stats.slowest)) s (variant \(stats.slowestIndex))\n"
            + "most frequent rejections:\n" + stats.summary + "\n"
            + "readelf oracle: \(stats.oracleRuns) kernel-only variants compared, \(stats.oracleRunsOnDynamicSeeds) of them from dynamic seeds\n"
            + "reasons for not kernel-only:\n" + stats.problemSummary)
        if indices.count >= 1000 {
            XCTAssertGreaterThan(stats.parsed, 0, "mutations too destructive: nothing parses")
            XCTAssertGreaterThan(stats.rejected, 0, "mutations too timid: nothing is rejected")
        }
        if indices.count >= 20000 { assertBypassesReached(stats) }
    }

    /// Variants of the static seed judged kernel-only are many; every n-th goes to readelf.
    static let staticOracleStride = 16

    /// The forgeries the issue lists must actually occur, and be caught.
    private func assertBypassesReached(_ stats: FuzzStats) {
        let rejections = ["e_phnum is", "e_phnum is PN_XNUM", "e_phentsize is", "no PT_LOAD segment", "are both",
                          "PT_DYNAMIC (file offset", "PT_INTERP is", "larger than p_memsz"]
        for text in rejections where !stats.reasons.keys.contains(where: { $0.contains(text) }) {
            XCTFail("no variant was rejected with \"\(text)\": the mutator does not reach that forgery")
        }
        let problems = ["has a .interp section", "its .dynamic section needs", "needs symbol versions", "its entry point",
                        "its PT_DYNAMIC segment", "its PT_PHDR segment"]
        for text in problems where !stats.problems.keys.contains(where: { $0.hasPrefix(text) }) {
            XCTFail("no variant was judged not static because it \"\(text)\": the mutator does not reach that forgery")
        }
        XCTAssertGreaterThan(stats.oracleRuns, 100, "the readelf oracle saw too few kernel-only variants")
    }

    /// The differential oracle: readelf (binutils, an independent reader) must
    /// see no interpreter and no DT_NEEDED in a variant judged kernel-only, and
    /// must read the same number of program headers.
    private func checkAgainstReadelf(_ variant: [UInt8], index: Int, seed: FuzzSeed, stats: inout FuzzStats) {
        guard ELFTestTools.which("readelf") != nil else { return }
        let path = ELFFixtures.shared.directory + "/oracle-variant"
        guard (try? Data(variant).write(to: URL(fileURLWithPath: path))) != nil else { return XCTFail("cannot write \(path)") }
        stats.oracleRuns += 1
        if seed.dynamic { stats.oracleRunsOnDynamicSeeds += 1 }
        let output = ELFTestTools.run(["readelf", "-lW", "-dW", path], timeout: 60).output
        var disagreements: [String] = []
        if let interp = ReadelfOutput.interpreter(output) { disagreements.append("readelf sees the interpreter \(interp)") }
        let needed = ReadelfOutput.needed(output)
        if !needed.isEmpty { disagreements.append("readelf sees NEEDED \(needed)") }
        if !output.contains("Program Headers:") { disagreements.append("readelf cannot read the program headers") }
        let ours = stats.lastProgramHeaderCount
        let theirs = ReadelfOutput.programHeaderCount(output)
        if output.contains("Program Headers:") && ours != theirs { disagreements.append("readelf reads \(theirs) program headers, we read \(ours)") }
        let errors = output.split(separator: "\n").filter { line in
            line.contains("Error:") && !ReadelfOutput.unrelatedErrors.contains { line.contains($0) }
        }
        if !errors.isEmpty { disagreements.append("readelf reports errors") }
        guard !disagreements.isEmpty else { return }
        let saved = save(variant, index: index)
        XCTFail("variant \(index) (seed \(seed.name)) judged kernel-only, but " + disagreements.joined(separator: "; ")
            + "; bytes saved to \(saved)\nreadelf -lW -dW:\n\(output.prefix(3000))")
    }

    /// Parses one variant; returns the time it took.
    private func check(_ variant: [UInt8], index: Int, seed: FuzzSeed, stats: inout FuzzStats) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            stats.lastAudit = nil
            let elf = try ELFFile.parse(bytes: variant, path: "variant-\(index)")
            let audit = Audit(elf)
            _ = AuditReport.human([audit])
            if index % 100 == 0 { _ = try AuditReport.json([audit]) }
            stats.parsed += 1
            stats.lastAudit = audit
            stats.lastProgramHeaderCount = elf.programHeaders.count
            for problem in audit.problems { stats.problems[FuzzStats.kind(of: problem), default: 0] += 1 }
        } catch let error as ELFError {
            XCTAssertFalse(error.description.isEmpty)
            stats.rejected += 1
            stats.reasons[FuzzStats.kind(of: error), default: 0] += 1
        } catch {
            let saved = save(variant, index: index)
            XCTFail("variant \(index) (seed \(seed.name)) threw a non-ELFError: \(error); bytes saved to \(saved)")
        }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Every so often go through the pread path too; it must agree with the in-memory parse.
    private func checkFileReadAgrees(_ variant: [UInt8], index: Int) throws {
        let path = ELFFixtures.shared.directory + "/fuzz-variant"
        try Data(variant).write(to: URL(fileURLWithPath: path))
        let fromFile = Result { try ELFFile.read(path: path) }
        let fromMemory = Result { try ELFFile.parse(bytes: variant, path: path) }
        switch (fromFile, fromMemory) {
        case let (.success(a), .success(b)):
            XCTAssertEqual(a.sections, b.sections, "variant \(index)")
            XCTAssertEqual(a.symbolNames, b.symbolNames, "variant \(index)")
        case let (.failure(a), .failure(b)):
            XCTAssertEqual(a as? ELFError, b as? ELFError, "variant \(index)")
        default:
            XCTFail("variant \(index): file read and memory parse disagree: \(fromFile) vs \(fromMemory)")
        }
    }

    private func save(_ bytes: [UInt8], index: Int) -> String {
        // Outside the fixture directory, which is removed when the tests end.
        let directory = NSTemporaryDirectory() + "cargo-static-fuzz-failures"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/variant-\(index)"
        try? Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func loadSeeds() throws -> [FuzzSeed] {
        var seeds: [FuzzSeed] = []
        var skipped: [String] = []
        for name in ELFFuzzTests.seedFixtures {
            do {
                let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try ELFFixtures.shared.path(name))))
                seeds.append(try FuzzSeed(name: name, bytes: bytes))
            } catch let skip as XCTSkip {
                skipped.append("\(name): \(skip)")
            }
        }
        if seeds.isEmpty { throw XCTSkip("no fuzz seed could be built: " + skipped.joined(separator: "; ")) }
        return seeds
    }
}

struct FuzzStats {
    var parsed = 0
    var rejected = 0
    var slowest = 0.0
    var slowestIndex = -1
    var reasons: [String: Int] = [:]
    /// The problems of the variants that parsed but are not kernel-only.
    var problems: [String: Int] = [:]
    var oracleRuns = 0
    var oracleRunsOnDynamicSeeds = 0
    var lastAudit: Audit?
    var lastProgramHeaderCount = 0

    /// The error without its numbers, so similar rejections group together.
    static func kind(of error: ELFError) -> String {
        switch error {
        case .notELF: return "not ELF"
        case .unreadable: return "unreadable"
        case let .malformed(_, reason):
            return reason.split(separator: " ").filter { word in !word.contains(where: \.isNumber) }.prefix(8).joined(separator: " ")
        }
    }

    static func kind(of problem: String) -> String {
        problem.split(separator: " ").filter { word in !word.contains(where: \.isNumber) }.prefix(6).joined(separator: " ")
    }

    var summary: String { FuzzStats.table(reasons) }
    var problemSummary: String { FuzzStats.table(problems) }

    private static func table(_ counts: [String: Int]) -> String {
        counts.sorted { $0.value > $1.value }.prefix(20).map { "  \($0.value)\t\($0.key)" }.joined(separator: "\n")
    }
}

/// SplitMix64: tiny, fast, and the same sequence everywhere.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(next() % UInt64(bound)) }
}

/// A seed binary and the byte ranges where mutations hurt most: the headers
/// and the tables the reader follows.
struct FuzzSeed {
    let name: String
    let bytes: [UInt8]
    let big: Bool
    let is64: Bool
    let hot: [Range<Int>]
    /// An interpreter or DT_NEEDED: no variant of it may be judged kernel-only
    /// where readelf still sees them.
    let dynamic: Bool
    /// Program headers by type, and the sections whose headers the forgeries edit.
    let segmentTypes: [UInt32]
    let forgedSections: [Int]
    let sectionNameOffsets: [UInt64]

    init(name: String, bytes: [UInt8]) throws {
        let elf = try ELFFile.parse(bytes: bytes, path: name)
        self.name = name
        self.bytes = bytes
        big = elf.endianness == .big
        is64 = elf.elfClass == .elf64
        hot = FuzzSeed.hotRanges(elf, bytes: bytes, big: big, is64: is64)
        dynamic = elf.interpreter != nil || !elf.needed.isEmpty
        segmentTypes = elf.programHeaders.map(\.type)
        let names: Set<String> = [".interp", ".dynamic", ".gnu.version_r", ".dynstr", ".dynsym", ".shstrtab"]
        forgedSections = elf.sections.indices.filter { names.contains(elf.sections[$0].name) }
        let patch = ELFPatch(bytes)
        sectionNameOffsets = elf.sections.indices.map { patch[section: $0, field: .name] }
    }

    /// Offsets of e_phoff/e_shoff and the 16-bit count fields, per class.
    var headerFields: [(offset: Int, width: Int)] {
        is64 ? [(32, 8), (40, 8), (54, 2), (56, 2), (58, 2), (60, 2), (62, 2), (24, 8), (16, 2), (4, 1), (5, 1)]
            : [(28, 4), (32, 4), (42, 2), (44, 2), (46, 2), (48, 2), (50, 2), (24, 4), (16, 2), (4, 1), (5, 1)]
    }

    private static func hotRanges(_ elf: ELFFile, bytes: [UInt8], big: Bool, is64: Bool) -> [Range<Int>] {
        func field(_ at: Int, _ width: Int) -> Int {
            let raw = bytes[at ..< at + width]
            let ordered = big ? Array(raw) : raw.reversed()
            return ordered.reduce(0) { $0 << 8 | Int($1) }
        }
        let phoff = is64 ? field(32, 8) : field(28, 4), shoff = is64 ? field(40, 8) : field(32, 4)
        var ranges = [0 ..< (is64 ? 64 : 52)]
        ranges.append(phoff ..< phoff + elf.programHeaders.count * (is64 ? 56 : 32))
        ranges.append(shoff ..< shoff + elf.sections.count * (is64 ? 64 : 40))
        let followed: Set<UInt32> = [2, 3, 4, 6, 7, 11, 0x6fff_fffe]  // PT_DYNAMIC, PT_INTERP, PT_NOTE
        for p in elf.programHeaders where followed.contains(p.type) { ranges.append(Int(p.offset) ..< Int(p.offset + p.filesz)) }
        for s in elf.sections where followed.contains(s.type) || s.name == ".comment" {
            ranges.append(Int(s.offset) ..< Int(s.offset + min(s.size, 4096)))
        }
        return ranges.filter { !$0.isEmpty && $0.upperBound <= bytes.count }
    }
}

/// The mutation operators: bit flips, byte and field overwrites with edge
/// values, header count/offset fields, truncation, splices and zeroed runs.
enum Mutator {
    static func mutate(_ seed: FuzzSeed, _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = seed.bytes
        for _ in 0 ..< 1 + rng.below(3) {
            switch rng.below(11) {
            case 8, 9, 10: Forger.forge(&bytes, seed, &rng)
            case 0: flipBits(&bytes, seed, &rng)
            case 1: setByte(&bytes, seed, &rng)
            case 2, 3: overwriteField(&bytes, seed, &rng, at: nil)
            case 4:
                let field = seed.headerFields[rng.below(seed.headerFields.count)]
                overwriteField(&bytes, seed, &rng, at: field)
            case 5: truncate(&bytes, &rng)
            case 6: splice(&bytes, &rng)
            default: zeroRun(&bytes, &rng)
            }
        }
        return bytes
    }

    /// Mostly inside a hot range, sometimes anywhere.
    private static func position(_ bytes: [UInt8], _ seed: FuzzSeed, _ rng: inout SplitMix64, width: Int = 1) -> Int? {
        guard bytes.count >= width else { return nil }
        let hot = seed.hot.filter { $0.upperBound <= bytes.count && $0.count >= width }
        if rng.below(4) != 0, !hot.isEmpty {
            let range = hot[rng.below(hot.count)]
            return range.lowerBound + rng.below((range.count - width) / width + 1) * width
        }
        return rng.below(bytes.count - width + 1)
    }

    private static func flipBits(_ bytes: inout [UInt8], _ seed: FuzzSeed, _ rng: inout SplitMix64) {
        for _ in 0 ..< 1 + rng.below(8) {
            guard let at = position(bytes, seed, &rng) else { return }
            bytes[at] ^= UInt8(1) << UInt8(rng.below(8))
        }
    }

    private static func setByte(_ bytes: inout [UInt8], _ seed: FuzzSeed, _ rng: inout SplitMix64) {
        guard let at = position(bytes, seed, &rng) else { return }
        bytes[at] = [0, 0xff, 0x7f, 0x80, UInt8(truncatingIfNeeded: rng.next())][rng.below(5)]
    }

    private static func overwriteField(_ bytes: inout [UInt8], _ seed: FuzzSeed, _ rng: inout SplitMix64, at fixed: (offset: Int, width: Int)?) {
        let width = fixed?.width ?? [2, 4, 8][rng.below(3)]
        guard let at = fixed?.offset ?? position(bytes, seed, &rng, width: width), at + width <= bytes.count else { return }
        let value = interesting(width: width, fileSize: seed.bytes.count, &rng)
        for i in 0 ..< width {
            let shift = seed.big ? 8 * (width - 1 - i) : 8 * i
            bytes[at + i] = UInt8(truncatingIfNeeded: value >> UInt64(shift))
        }
    }

    private static func interesting(width: Int, fileSize: Int, _ rng: inout SplitMix64) -> UInt64 {
        let all: UInt64 = width == 8 ? .max : (1 << UInt64(8 * width)) - 1
        let size = UInt64(fileSize)
        let choices: [UInt64] = [0, 1, 2, all, all >> 1, (all >> 1) + 1, all - 7, size, size - 1, size + 1,
                                 size / 2, 0xffff, 0xff00, UInt64(rng.below(4096)), rng.next()]
        return choices[rng.below(choices.count)] & all
    }

    private static func truncate(_ bytes: inout [UInt8], _ rng: inout SplitMix64) {
        let length = rng.below(2) == 0 ? rng.below(min(bytes.count, 256) + 1) : rng.below(bytes.count + 1)
        bytes.removeSubrange(length...)
    }

    private static func splice(_ bytes: inout [UInt8], _ rng: inout SplitMix64) {
        guard bytes.count > 16 else { return }
        let length = 1 + rng.below(64)
        let from = rng.below(bytes.count), to = rng.below(bytes.count)
        let chunk = Array(bytes[from ..< min(from + length, bytes.count)])
        let end = min(to + chunk.count, bytes.count)
        bytes.replaceSubrange(to ..< end, with: chunk.prefix(end - to))
    }

    private static func zeroRun(_ bytes: inout [UInt8], _ rng: inout SplitMix64) {
        guard !bytes.isEmpty else { return }
        let start = rng.below(bytes.count)
        let end = min(bytes.count, start + 1 + rng.below(256))
        for i in start ..< end { bytes[i] = 0 }
    }
}

/// Names the variant being parsed if the process dies on a signal, since a
/// crash ends the test run before any assertion can report it.
enum FuzzCrashReporter {
    static var currentVariant = -1
    static let signals = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT]

    static func install() -> [sighandler_t?] {
        signals.map { signal($0, onSignal) }
    }

    static func restore(_ handlers: [sighandler_t?]) {
        for (sig, handler) in zip(signals, handlers) { signal(sig, handler) }
    }
}

private func onSignal(_ sig: Int32) {
    let index = FuzzCrashReporter.currentVariant
    let text = "\nELF fuzz: signal \(sig) while parsing variant \(index); reproduce with CARGO_STATIC_FUZZ_ONLY=\(index)\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
    signal(sig, SIG_DFL)
    raise(sig)
}

/// Deliberate forgeries of the structures the kernel and the loader read,
/// the bypasses a random byte rarely finds: header counts and sizes, segment
/// types and fields, duplicated segments, e_type, dynamic tags, section headers.
enum Forger {
    static func forge(_ bytes: inout [UInt8], _ seed: FuzzSeed, _ rng: inout SplitMix64) {
        var p = ELFPatch(bytes, is64: seed.is64, big: seed.big)
        switch rng.below(9) {
        case 8: hideDynamicLinking(&p, seed, &rng)
        case 0: p[.phnum] = pick([0, 0xffff, 1, UInt64(seed.segmentTypes.count) &- 1, UInt64(seed.segmentTypes.count) + 1, UInt64(rng.below(64))], &rng)
        case 1: entrySize(&p, seed, &rng)
        case 2: p[segment: segment(seed, &rng), field: .type] = UInt64(pick(segmentTypes, &rng))
        case 3: segmentField(&p, seed, &rng)
        case 4: p.copySegment(segment(seed, &rng), over: rng.below(max(seed.segmentTypes.count, 1)))
        case 5:
            if rng.below(2) == 0 { p[.type] = pick([0, 1, 2, 3, 4, 0xfe00, 0xff00, 0xffff], &rng) } else { p[.entry] = pick([0, 0x10, p[.entry] &+ 0x1000_0000, UInt64(bytes.count)], &rng) }
        case 6: dynamicEntry(&p, &rng)
        default: sectionHeader(&p, seed, &rng)
        }
        bytes = p.bytes
    }

    static let segmentTypes: [UInt32] = [0, ELFConst.PT_LOAD, ELFConst.PT_DYNAMIC, ELFConst.PT_INTERP, ELFConst.PT_NOTE, 6,
                                         ELFConst.PT_GNU_STACK, ELFConst.PT_GNU_RELRO, 0x7000_0000]

    static func pick<T>(_ choices: [T], _ rng: inout SplitMix64) -> T { choices[rng.below(choices.count)] }

    /// Mostly a PT_INTERP, PT_DYNAMIC or PT_LOAD header; sometimes any.
    static func segment(_ seed: FuzzSeed, _ rng: inout SplitMix64) -> Int {
        let wanted: Set<UInt32> = [ELFConst.PT_INTERP, ELFConst.PT_DYNAMIC, ELFConst.PT_LOAD]
        let interesting = seed.segmentTypes.indices.filter { wanted.contains(seed.segmentTypes[$0]) }
        if rng.below(4) != 0, !interesting.isEmpty { return pick(interesting, &rng) }
        return rng.below(max(seed.segmentTypes.count, 1))
    }

    /// A wrong size, sometimes with e_phnum scaled so the table stays inside the file.
    static func entrySize(_ p: inout ELFPatch, _ seed: FuzzSeed, _ rng: inout SplitMix64) {
        let size = UInt64(p.phdrSize), count = UInt64(seed.segmentTypes.count)
        switch rng.below(3) {
        case 0:
            p[.phentsize] = 2 * size
            p[.phnum] = count / 2
        case 1:
            p[.phentsize] = size + 8
        default:
            p[.phentsize] = pick([0, size - 1, size / 2, p.is64 ? 32 : 56, 0xffff], &rng)
        }
    }

    static func segmentField(_ p: inout ELFPatch, _ seed: FuzzSeed, _ rng: inout SplitMix64) {
        let index = segment(seed, &rng)
        let field = pick([ELFPatch.SegmentField.offset, .vaddr, .filesz, .memsz], &rng)
        let current = p[segment: index, field: field], other = p[segment: rng.below(max(seed.segmentTypes.count, 1)), field: field]
        let size = UInt64(p.bytes.count)
        p[segment: index, field: field] = pick([0, 1, 2, size, size &- 1, current &+ 8, current &- 8, current &+ 0x10_0000, other, .max, UInt64(rng.below(4096))], &rng)
    }

    /// A tag in the dynamic array turned into another (DT_NULL ends it early,
    /// DT_DEBUG hides a DT_NEEDED), or a DT_NEEDED's string offset moved.
    static func dynamicEntry(_ p: inout ELFPatch, _ rng: inout SplitMix64) {
        let entries = p.dynamicEntries()
        guard !entries.isEmpty else { return }
        let needed = entries.filter { $0.tag == ELFConst.DT_NEEDED }
        let entry = !needed.isEmpty && rng.below(2) == 0 ? pick(needed, &rng) : pick(entries, &rng)
        if rng.below(3) == 0 {
            p.set(entry.at + p.word, p.word, p.get(entry.at + p.word, p.word) &+ pick([1, 0x1000, 0x100_0000], &rng))
        } else {
            p.set(entry.at, p.word, pick([0, ELFConst.DT_NEEDED, 21, ELFConst.DT_STRTAB, ELFConst.DT_VERNEED, 0x7fff_ffff], &rng))
        }
    }

    /// The attacker's move: PT_INTERP and PT_DYNAMIC turned into harmless
    /// types, and some of the section-side evidence hidden as well.
    static func hideDynamicLinking(_ p: inout ELFPatch, _ seed: FuzzSeed, _ rng: inout SplitMix64) {
        for (index, type) in seed.segmentTypes.enumerated() where type == ELFConst.PT_INTERP || type == ELFConst.PT_DYNAMIC {
            if rng.below(4) != 0 { p[segment: index, field: .type] = UInt64(pick([0, ELFConst.PT_NOTE, ELFConst.PT_GNU_STACK], &rng)) }
        }
        for index in seed.forgedSections where rng.below(2) == 0 {
            switch rng.below(3) {
            case 0: p[section: index, field: .name] = 0
            case 1: p[section: index, field: .type] = 1  // SHT_PROGBITS
            default: p[section: index, field: .size] = 0
            }
        }
    }

    /// .interp, .dynamic, .gnu.version_r and the dynamic string and symbol
    /// tables renamed, retyped, moved or resized.
    static func sectionHeader(_ p: inout ELFPatch, _ seed: FuzzSeed, _ rng: inout SplitMix64) {
        guard !seed.forgedSections.isEmpty else { return }
        let index = pick(seed.forgedSections, &rng)
        switch rng.below(4) {
        case 0: p[section: index, field: .name] = pick(seed.sectionNameOffsets, &rng)
        case 1: p[section: index, field: .type] = UInt64(pick([0, 1, ELFConst.SHT_DYNAMIC, ELFConst.SHT_NOBITS, ELFConst.SHT_GNU_verneed, ELFConst.SHT_STRTAB], &rng))
        case 2: p[section: index, field: .offset] = pick([0, UInt64(p.bytes.count), p[section: index, field: .offset] &+ 16], &rng)
        default: p[section: index, field: .size] = pick([0, 1, p[section: index, field: .size] &* 2, UInt64(p.bytes.count)], &rng)
        }
    }
}
