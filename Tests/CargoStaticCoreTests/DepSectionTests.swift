import XCTest
@testable import CargoStaticCore

/// The `.dep-v0` object, linked for real: a tiny program linked with it for each target
/// (as rustc links: `--gc-sections`, and stripped too), then the section read back by our
/// reader and, independently, located by readelf and inflated by Python.
final class DepSectionTests: XCTestCase {
    static let info = DepInfo(packages: [
        .init(name: "app", version: "0.1.0", source: "local", dependencies: [1, 2], root: true),
        .init(name: "cc", version: "1.0.83", source: "crates.io", kind: .build),
        .init(name: "libc", version: "0.2.150", source: "crates.io"),
    ])

    var dir = ""

    override func setUpWithError() throws {
        dir = try DepTestSupport.tempDirectory("depsection")
        try DepTestSupport.write(dir + "/main.c", "void _start(void) { for (;;) {} }\n")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func testAssemblyIsPortableAcrossAssemblers() throws {
        let text = DepSection.assembly(payload: Data([0x78, 0xda, 0x00, 0xff] + [UInt8](repeating: 7, count: 40)))
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.first, "\t.section .dep-v0,\"R\",%progbits")
        XCTAssertEqual(lines[1], "\t.byte 120,218,0,255" + String(repeating: ",7", count: 28))
        XCTAssertEqual(lines[2], "\t.byte " + Array(repeating: "7", count: 12).joined(separator: ","))
        XCTAssertEqual(lines.last, "\t.section .note.GNU-stack,\"\",%progbits")
        XCTAssertFalse(text.contains("@"), "`@` starts a comment on ARM")
        XCTAssertFalse(text.contains("#"), "`#` starts a comment on x86")
        XCTAssertEqual(DepSection.objectCommand(compiler: ["zig", "cc", "-target", "x86-linux-musl"], assembly: "a.s", object: "a.o").arguments,
                       ["cc", "-target", "x86-linux-musl", "-g0", "-c", "a.s", "-o", "a.o"])
    }

    /// The kept object: a second run into an emptied directory copies it instead of running
    /// the compiler; another text, path or compiler is another key (never a stale object).
    func testKeptObjectIsCopiedBackAndKeyedByEveryInput() throws {
        let count = dir + "/runs"
        let compiler = dir + "/fake-cc"
        // Called as: fake-cc -g0 -c ASM -o OBJ; the "object" is the assembly's copy.
        try FileSystem.write("#!/bin/sh\necho run >> \(count)\ncp \"$3\" \"$5\"\n", to: compiler, mode: 0o755)
        let memo = dir + "/memo"
        let object = dir + "/target/dep-v0/app.o"
        let step = DepInfoStep.make(package: "app", payload: Data("one".utf8), object: object, compiler: [compiler],
                                    memoDirectory: memo, compilerIdentity: "zig 0.17.1")
        func runs() -> Int { ((try? String(contentsOfFile: count, encoding: .utf8)) ?? "").split(separator: "\n").count }
        try step.run(Runner())
        XCTAssertEqual(runs(), 1)
        let first = try Data(contentsOf: URL(fileURLWithPath: object))
        XCTAssertEqual(FileManager.default.contents(atPath: step.memo!), first)
        XCTAssertFalse(step.kept)
        XCTAssertEqual(Step.depInfo(step).commands, [step.command])
        // Planned again (the cache's directory listed by discovery): kept, and no command.
        let planned = DepInfoStep.make(package: "app", payload: Data("one".utf8), object: object, compiler: [compiler], memoDirectory: memo,
                                       compilerIdentity: "zig 0.17.1", kept: Set(try FileManager.default.contentsOfDirectory(atPath: memo)))
        XCTAssertTrue(planned.kept)
        XCTAssertEqual(Step.depInfo(planned).commands, [])
        try FileManager.default.removeItem(atPath: dir + "/target")
        try planned.run(Runner())
        XCTAssertEqual(runs(), 1, "the kept object is copied, the compiler not run")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: object)), first)

        let kept = Set(try FileManager.default.contentsOfDirectory(atPath: memo))
        let others = [
            DepInfoStep.make(package: "app", payload: Data("two".utf8), object: object, compiler: [compiler], memoDirectory: memo, compilerIdentity: "zig 0.17.1", kept: kept),
            DepInfoStep.make(package: "app", payload: Data("one".utf8), object: dir + "/elsewhere/app.o", compiler: [compiler], memoDirectory: memo, compilerIdentity: "zig 0.17.1"),
            DepInfoStep.make(package: "app", payload: Data("one".utf8), object: object, compiler: [compiler], memoDirectory: memo, compilerIdentity: "zig 0.18.0"),
            DepInfoStep.make(package: "app", payload: Data("one".utf8), object: object, compiler: [compiler, "-target", "s390x-linux-musl"], memoDirectory: memo, compilerIdentity: "zig 0.17.1"),
        ]
        XCTAssertEqual(Set(([step] + others).compactMap(\.memo)).count, 5)
        XCTAssertFalse(others[0].kept, "another text is not the kept object")
        // Gone since the plan: assembled after all.
        try FileManager.default.removeItem(atPath: planned.memo!)
        try FileManager.default.removeItem(atPath: dir + "/target")
        try planned.run(Runner())
        XCTAssertEqual(runs(), 2)
        XCTAssertTrue(FileManager.default.fileExists(atPath: object))
        try FileManager.default.removeItem(atPath: dir + "/target")
        try others[0].run(Runner())
        XCTAssertEqual(runs(), 3, "a changed text is assembled again")
        XCTAssertEqual(String(decoding: try Data(contentsOf: URL(fileURLWithPath: object)), as: UTF8.self), DepSection.assembly(payload: Data("two".utf8)))
        // No memo directory: always the compiler.
        try FileManager.default.removeItem(atPath: dir + "/target")
        try DepInfoStep.make(package: "app", payload: Data("one".utf8), object: object, compiler: [compiler]).run(Runner())
        XCTAssertEqual(runs(), 4)
    }

    /// x86_64, aarch64, 32-bit ARM hard-float, i686, riscv64gc and the two big-endian
    /// targets, each through the target's own zig assembler and lld.
    func testRoundTripThroughExecutablesOfEveryTarget() throws {
        let zig = try Self.zig()
        let payload = try Self.info.sectionPayload()
        for triple in ["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl", "armv7-unknown-linux-musleabihf", "i686-unknown-linux-musl",
                       "riscv64gc-unknown-linux-musl", "s390x-unknown-linux-musl", "powerpc64-unknown-linux-musl"] {
            let target = try Target(triple)
            let cc = [zig, "cc", "-target", target.info.zigTarget] + target.info.cflags
            let object = "\(dir)/\(triple)/dep.o"
            try DepInfoStep.make(package: "test", payload: payload, object: object, compiler: cc).run(Runner())
            for (name, flags) in [("exe", ["-Wl,--gc-sections"]), ("exe-stripped", ["-Wl,--gc-sections", "-Wl,-s"])] {
                let exe = "\(dir)/\(triple)/\(name)"
                try Self.run(cc + ["-nostdlib", "-static"] + flags + ["-o", exe, dir + "/main.c", object])
                try checkExecutable(exe, payload: payload, machine: target.info.elfMachine, bigEndian: target.info.bigEndian)
            }
        }
    }

    /// GNU ld drops an unreferenced section under --gc-sections unless it is retained:
    /// the musl-gcc and cross-gcc toolchains link with it.
    func testGNULinkerKeepsTheSection() throws {
        guard Context.process.which("gcc") != nil, Context.process.which("ld") != nil else { throw XCTSkip("no gcc/ld (apt-get install gcc)") }
        let payload = try Self.info.sectionPayload()
        let object = dir + "/gnu/dep.o"
        try DepInfoStep.make(package: "test", payload: payload, object: object, compiler: ["gcc"]).run(Runner())
        let exe = dir + "/gnu/exe"
        let link = try Runner().capture(Command("gcc", ["-nostdlib", "-static", "-Wl,--gc-sections", "-Wl,--print-gc-sections", "-s", "-o", exe, dir + "/main.c", object]))
        XCTAssertEqual(link.status, 0, link.output)
        XCTAssertFalse(link.output.contains(".dep-v0"), "ld removed the section: \(link.output)")
        try checkExecutable(exe, payload: payload, machine: 62, bigEndian: false)
        // The empty .note.GNU-stack keeps the stack non-executable with GNU ld.
        let segments = try Runner().capture(Command("readelf", ["-lW", exe])).output
        let stack = try XCTUnwrap(segments.split(separator: "\n").first { $0.contains("GNU_STACK") })
        XCTAssertFalse(stack.contains("RWE"), String(stack))
    }

    func testFilesWithoutTheSectionAndBrokenFiles() throws {
        let zig = try Self.zig()
        let exe = dir + "/plain"
        try Self.run([zig, "cc", "-target", "x86_64-linux-musl", "-nostdlib", "-static", "-o", exe, dir + "/main.c"])
        XCTAssertNil(try EmbeddedDependencies.read(path: exe))
        XCTAssertThrowsError(try EmbeddedDependencies.read(path: dir + "/main.c")) { XCTAssertTrue("\($0)".contains("not an ELF file"), "\($0)") }
        XCTAssertThrowsError(try EmbeddedDependencies.read(path: dir + "/missing")) { XCTAssertTrue("\($0)".contains("no such file"), "\($0)") }

        // A section header table pointing past the end of the file, and a corrupt payload.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: exe)))
        bytes[40] = 0xff; bytes[41] = 0xff; bytes[42] = 0xff
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/broken"))
        XCTAssertThrowsError(try EmbeddedDependencies.read(path: dir + "/broken")) { XCTAssertTrue("\($0)".contains("malformed ELF"), "\($0)") }

        let object = dir + "/garbage.o"
        try DepInfoStep.make(package: "test", payload: Data("not zlib".utf8), object: object, compiler: [zig, "cc", "-target", "x86_64-linux-musl"]).run(Runner())
        try Self.run([zig, "cc", "-target", "x86_64-linux-musl", "-nostdlib", "-static", "-o", dir + "/garbage", dir + "/main.c", object])
        XCTAssertThrowsError(try EmbeddedDependencies.read(path: dir + "/garbage")) { XCTAssertTrue("\($0)".contains("not zlib"), "\($0)") }
    }

    /// Mutated headers and section tables end in an error or a result, never in a crash,
    /// a hang or a huge allocation (the reader bounds every read by the file's size).
    func testMutatedFilesNeverCrashTheReader() throws {
        let zig = try Self.zig()
        let object = dir + "/fuzz.o"
        try DepInfoStep.make(package: "test", payload: try Self.info.sectionPayload(), object: object, compiler: [zig, "cc", "-target", "s390x-linux-musl"]).run(Runner())
        let exe = dir + "/fuzz"
        try Self.run([zig, "cc", "-target", "s390x-linux-musl", "-nostdlib", "-static", "-o", exe, dir + "/main.c", object])
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: exe)))
        let found = try XCTUnwrap(try EmbeddedDependencies.read(path: exe))
        // Bytes worth hitting: the ELF header, the section header table, the section itself.
        let shoff = Int(original[40...47].reduce(0) { $0 << 8 | UInt64($1) })
        let hot = Array(0..<64) + Array(shoff..<min(original.count, shoff + 64 * 12)) + Array(Int(found.section.offset)..<Int(found.section.offset + found.section.size))
        var rng = SystemRandomNumberGenerator()
        var outcomes = (read: 0, none: 0, error: 0)
        for round in 0..<500 {
            var bytes = original
            for _ in 0..<(1 + round % 4) {
                bytes[hot.randomElement(using: &rng)!] = [0, 0xff, 0x7f, 0x80, UInt8.random(in: 0...255, using: &rng)].randomElement(using: &rng)!
            }
            let path = dir + "/mutant"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                if try EmbeddedDependencies.read(path: path) == nil { outcomes.none += 1 } else { outcomes.read += 1 }
            } catch {
                outcomes.error += 1
            }
        }
        XCTAssertGreaterThan(outcomes.error, 0, "mutations must be detected: \(outcomes)")
        XCTAssertGreaterThan(outcomes.read, 0, "harmless mutations still read: \(outcomes)")
    }

    // MARK: - Helpers

    private func checkExecutable(_ exe: String, payload: Data, machine: UInt16, bigEndian: Bool, file: StaticString = #filePath, line: UInt = #line) throws {
        let found = try XCTUnwrap(try EmbeddedDependencies.read(path: exe), "\(exe): no .dep-v0", file: file, line: line)
        XCTAssertFalse(found.section.allocated, exe, file: file, line: line)
        XCTAssertFalse(found.section.loaded, "\(exe): .dep-v0 lies in a PT_LOAD segment", file: file, line: line)
        XCTAssertEqual(found.packages.map(\.name), ["app", "cc", "libc"], file: file, line: line)
        XCTAssertEqual(found.packages.map(\.kind), ["runtime", "build", "runtime"], file: file, line: line)
        XCTAssertEqual(found.packages[0].dependencies, [1, 2], file: file, line: line)

        // Independently: readelf finds the section (not allocated) at the same place with
        // the right machine and byte order, and Python inflates the bytes found there.
        let header = try Runner().capture(Command("readelf", ["-hSW", exe])).output
        XCTAssertTrue(header.contains(bigEndian ? "big endian" : "little endian"), header, file: file, line: line)
        let row = try XCTUnwrap(header.split(separator: "\n").first { $0.contains(" .dep-v0 ") }, header, file: file, line: line)
        let fields = row.split(separator: "]", maxSplits: 1)[1].split(separator: " ")
        // name type address offset size entsize [flags] link info align
        XCTAssertEqual(UInt64(fields[3], radix: 16), found.section.offset, String(row), file: file, line: line)
        XCTAssertEqual(UInt64(fields[4], radix: 16), UInt64(payload.count), String(row), file: file, line: line)
        XCTAssertFalse(fields.count > 6 && fields[6].contains("A"), "allocated: \(row)", file: file, line: line)
        let script = "import sys, zlib, json; f = open(sys.argv[1], 'rb'); f.seek(int(sys.argv[2])); "
            + "d = json.loads(zlib.decompress(f.read(int(sys.argv[3])))); print(','.join(p['name'] for p in d['packages']))"
        let python = try Runner().capture(Command("python3", ["-c", script, exe, String(found.section.offset), String(found.section.size)]))
        XCTAssertEqual(python.output.trimmingCharacters(in: .whitespacesAndNewlines), "app,cc,libc", exe, file: file, line: line)
        let m = [UInt8](try Data(contentsOf: URL(fileURLWithPath: exe)).prefix(20))
        XCTAssertEqual(bigEndian ? UInt16(m[18]) << 8 | UInt16(m[19]) : UInt16(m[19]) << 8 | UInt16(m[18]),
                       machine, "e_machine", file: file, line: line)
    }

    static func zig() throws -> String {
        guard let zig = ZigInstallation.locate(probes: nil, runner: Runner()) else {
            throw XCTSkip("zig is not installed (scripts/setup installs the ziglang package)")
        }
        return zig.executable
    }

    @discardableResult
    static func run(_ argv: [String]) throws -> String {
        let result = try Runner().capture(Command(argv[0], Array(argv.dropFirst())))
        guard result.succeeded else { throw DepInfoError("\(argv.joined(separator: " ")) failed:\n\(result.output)") }
        return result.output
    }
}
