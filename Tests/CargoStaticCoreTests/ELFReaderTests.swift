import Foundation
import XCTest
@testable import CargoStaticCore

// MARK: - Fixtures shared by ELFReaderTests and ELFFuzzTests

/// Runs build and inspection tools for the ELF tests.
enum ELFTestTools {
    struct Result {
        let status: Int32
        let output: String
    }

    /// Runs `args` through /usr/bin/env, stdout and stderr merged; kills it after `timeout`.
    static func run(_ args: [String], in directory: String? = nil, timeout: TimeInterval = 900) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = args
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return Result(status: -1, output: "\(error)") }
        let timer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        timer.cancel()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    static func which(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static let zigAvailable: Bool = run(["python3", "-m", "ziglang", "version"], timeout: 120).status == 0
}

/// Real binaries built once per test process into a temporary directory.
final class ELFFixtures {
    enum Tool {
        case muslGCC, gcc, zig

        /// Why the tool cannot be used, or nil when it can.
        var missing: String? {
            switch self {
            case .muslGCC: return ELFTestTools.which("musl-gcc") == nil ? "musl-gcc not found (apt-get install musl-tools)" : nil
            case .gcc: return ELFTestTools.which("gcc") == nil ? "gcc not found (apt-get install gcc)" : nil
            case .zig: return ELFTestTools.zigAvailable ? nil : "zig not found: `python3 -m ziglang` failed (pip install ziglang)"
            }
        }

        var command: [String] {
            switch self {
            case .muslGCC: return ["musl-gcc"]
            case .gcc: return ["gcc"]
            case .zig: return ["python3", "-m", "ziglang", "cc"]
            }
        }
    }

    struct Recipe {
        let tool: Tool
        let arguments: [String]
    }

    static let recipes: [String: Recipe] = [
        "musl-static": Recipe(tool: .muslGCC, arguments: ["-static", "-O2", "hello.c"]),
        "musl-static-stripped": Recipe(tool: .muslGCC, arguments: ["-static", "-O2", "-s", "hello.c"]),
        // Debian's musl-gcc silently produces a dynamic PIE for -static-pie.
        "musl-gcc-static-pie": Recipe(tool: .muslGCC, arguments: ["-static-pie", "-O2", "hello.c"]),
        "glibc-dynamic": Recipe(tool: .gcc, arguments: ["-O2", "hello.c"]),
        "glibc-static-nss": Recipe(tool: .gcc, arguments: ["-static", "-O2", "nss.c"]),
        "glibc-static": Recipe(tool: .gcc, arguments: ["-static", "-O2", "hello.c"]),
        "glibc-static-stripped": Recipe(tool: .gcc, arguments: ["-static", "-O2", "-s", "hello.c"]),
        "glibc-hardened": Recipe(tool: .gcc, arguments: [
            "-O2", "-D_FORTIFY_SOURCE=2", "-fstack-protector-strong", "-fcf-protection=full", "-fPIE", "-pie",
            "-Wl,-z,relro,-z,now,-z,ibt,-z,shstk", "-Wl,-rpath,/opt/elfx/lib", "-Wl,--enable-new-dtags", "hardened.c",
        ]),
        "glibc-soft": Recipe(tool: .gcc, arguments: [
            "-O0", "-fno-stack-protector", "-no-pie", "-Wl,-z,norelro,-z,execstack", "-Wl,-rpath,/opt/elfx/old",
            "-Wl,--disable-new-dtags", "hello.c",
        ]),
        "glibc-shared": Recipe(tool: .gcc, arguments: ["-shared", "-fPIC", "-O2", "-Wl,-soname,libelfx.so.1", "lib.c"]),
        "cet-object": Recipe(tool: .gcc, arguments: ["-fcf-protection=full", "-c", "hello.c"]),
        // zig ignores -static-pie itself; -static -pie -fPIE gives a real static PIE.
        // The flags of cargo-static's zig wrapper (-O2, and -mcpu=pentium4 for x86): zig then
        // builds each target's libc once for these tests and the end-to-end builds together.
        "zig-static-pie": Recipe(tool: .zig, arguments: ["-target", "x86_64-linux-musl", "-O2", "-fno-sanitize=undefined", "-static", "-pie", "-fPIE", "hello.c"]),
        "zig-aarch64": Recipe(tool: .zig, arguments: ["-target", "aarch64-linux-musl", "-O2", "-fno-sanitize=undefined", "-static", "hello.c"]),
        "zig-x86": Recipe(tool: .zig, arguments: ["-target", "x86-linux-musl", "-mcpu=pentium4", "-O2", "-fno-sanitize=undefined", "-static", "hello.c"]),
        "zig-s390x": Recipe(tool: .zig, arguments: ["-target", "s390x-linux-musl", "-O2", "-fno-sanitize=undefined", "-static", "hello.c"]),
        "zig-s390x-static-pie": Recipe(tool: .zig, arguments: ["-target", "s390x-linux-musl", "-O2", "-fno-sanitize=undefined", "-static", "-pie", "-fPIE", "hello.c"]),
        "zig-armv7": Recipe(tool: .zig, arguments: ["-target", "arm-linux-musleabihf", "-mcpu=generic+v7a+vfp3d16", "-O2", "-fno-sanitize=undefined", "-static", "hello.c"]),
        "zig-riscv64": Recipe(tool: .zig, arguments: ["-target", "riscv64-linux-musl", "-O2", "-fno-sanitize=undefined", "-static", "hello.c"]),
        "zig-ppc32-stripped": Recipe(tool: .zig, arguments: ["-target", "powerpc-linux-musleabi", "-static", "-Os", "-s", "hello.c"]),
    ]

    static let sources: [String: String] = [
        "hello.c": "#include <stdio.h>\nint main(int argc, char **argv) { printf(\"hi %d\\n\", argc); return 0; }\n",
        "nss.c": """
        #include <netdb.h>
        #include <pwd.h>
        #include <stdio.h>
        int main(void) {
            struct addrinfo *res = 0;
            int rc = getaddrinfo("localhost", 0, 0, &res);
            struct passwd *pw = getpwnam("root");
            printf("%d %p\\n", rc, (void *)pw);
            return 0;
        }
        """,
        "hardened.c": """
        #include <stdio.h>
        #include <string.h>
        int main(int argc, char **argv) {
            char buf[64];
            strcpy(buf, argv[0]);
            printf("%s %d\\n", buf, argc);
            return 0;
        }
        """,
        "lib.c": "int elfx_answer(void) { return 42; }\n",
    ]

    static let shared = ELFFixtures()

    let directory: String
    private var paths: [String: String] = [:]
    private var failures: [String: String] = [:]

    private init() {
        directory = NSTemporaryDirectory() + "cargo-static-elf-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, text) in ELFFixtures.sources {
            try? text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        }
        atexit { ELFFixtures.shared.remove() }
    }

    /// Builds the named fixtures not built yet (all when nil). Failures are kept for `path`.
    func build(_ names: [String]? = nil) {
        for name in (names ?? ELFFixtures.recipes.keys.sorted()) where paths[name] == nil && failures[name] == nil {
            buildOne(name)
        }
    }

    private func buildOne(_ name: String) {
        guard let recipe = ELFFixtures.recipes[name] else { failures[name] = "no recipe for fixture \(name)"; return }
        if let missing = recipe.tool.missing { failures[name] = "skip: " + missing; return }
        let output = directory + "/" + name
        let result = ELFTestTools.run(recipe.tool.command + recipe.arguments + ["-o", output], in: directory)
        if result.status == 0 && FileManager.default.fileExists(atPath: output) {
            paths[name] = output
        } else {
            failures[name] = "building \(name) failed (status \(result.status)): \(result.output.suffix(2000))"
        }
    }

    /// The fixture's path; XCTSkip when its tool is missing, an error when the build failed.
    func path(_ name: String) throws -> String {
        build([name])
        if let path = paths[name] { return path }
        let reason = failures[name] ?? "fixture \(name) unavailable"
        if reason.hasPrefix("skip: ") { throw XCTSkip(String(reason.dropFirst(6))) }
        throw FixtureError(message: reason)
    }

    struct FixtureError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

// MARK: - Real binaries

final class ELFReaderTests: XCTestCase {
    override class func setUp() {
        super.setUp()
        ELFFixtures.shared.build()
    }

    private func audit(_ fixture: String) throws -> Audit {
        try Audit.audit(path: try ELFFixtures.shared.path(fixture))
    }

    func testMuslStaticIsKernelOnly() throws {
        let a = try audit("musl-static")
        XCTAssertEqual(a.linkage, .staticExecutable)
        XCTAssertEqual(a.machine, "x86_64")
        XCTAssertEqual(a.bits, 64)
        XCTAssertEqual(a.endianness, "little")
        XCTAssertNil(a.interpreter)
        XCTAssertEqual(a.needed, [])
        XCTAssertEqual(a.libc, .musl, a.libcEvidence.joined(separator: "; "))
        XCTAssertTrue(a.libcEvidence.joined().contains("__init_libc"))
        XCTAssertEqual(a.runtimeLoading, [])
        XCTAssertFalse(a.pie)
        XCTAssertTrue(a.nx)
        XCTAssertFalse(a.stripped)
        XCTAssertFalse(a.textrel)
        XCTAssertTrue(a.kernelOnly)
        XCTAssertEqual(a.problems, [])
        XCTAssertGreaterThan(a.entry, 0)
        XCTAssertEqual(a.size, try fileSize(a.path))
    }

    func testZigStaticPIE() throws {
        let a = try audit("zig-static-pie")
        XCTAssertEqual(a.linkage, .staticPie)
        XCTAssertTrue(a.pie)
        XCTAssertNil(a.interpreter)
        XCTAssertEqual(a.needed, [])
        XCTAssertEqual(a.libc, .musl)
        XCTAssertEqual(a.relro, .full, "static-pie: PT_GNU_RELRO and no lazy binding")
        XCTAssertTrue(a.nx)
        XCTAssertEqual(a.fortify, [], "zig's compiler_rt ssp wrappers are linked whether used or not")
        XCTAssertTrue(a.kernelOnly, a.problems.joined(separator: "; "))
        let elf = try ELFFile.read(path: a.path)
        XCTAssertEqual(elf.type, ELFConst.ET_DYN)
        XCTAssertNotEqual(elf.flags1 & ELFConst.DF_1_PIE, 0)
        XCTAssertTrue(elf.hasDynamicSegment)
        XCTAssertNil(elf.soname)
        XCTAssertTrue(try AuditPolicy.parse("static-pie,pie,relro=full,nx,kernel-only,libc=musl").violations(a).isEmpty)
    }

    /// Debian's musl-gcc turns -static-pie into a dynamic PIE that needs
    /// /lib/ld-musl-x86_64.so.1: it must fail verification (exit 1).
    func testMuslGccStaticPIETrapIsDynamic() throws {
        let a = try audit("musl-gcc-static-pie")
        XCTAssertEqual(a.linkage, .dynamic)
        XCTAssertEqual(a.interpreter, "/lib/ld-musl-x86_64.so.1")
        XCTAssertEqual(a.libc, .musl)
        XCTAssertTrue(a.pie)
        XCTAssertFalse(a.kernelOnly)
        XCTAssertTrue(a.problems.contains { $0.contains("/lib/ld-musl-x86_64.so.1") && $0.contains("musl-gcc -static-pie") },
                      a.problems.joined(separator: "\n"))
        XCTAssertEqual(try AuditPolicy.parse("static-pie").violations(a), ["linkage is dynamic, not static-pie"])
    }

    func testGlibcDynamicBinLs() throws {
        guard FileManager.default.fileExists(atPath: "/bin/ls") else { throw XCTSkip("/bin/ls missing") }
        let elf = try ELFFile.read(path: "/bin/ls")
        let a = Audit(elf)
        XCTAssertEqual(a.linkage, .dynamic)
        XCTAssertTrue(a.needed.contains("libc.so.6"), "\(a.needed)")
        XCTAssertEqual(a.libc, .glibc)
        XCTAssertNotNil(a.interpreter)
        XCTAssertTrue(elf.symbolVersions.contains { $0.hasPrefix("GLIBC_2.") }, "\(elf.symbolVersions)")
        XCTAssertTrue(elf.symbolNames.contains("__libc_start_main"))
        XCTAssertFalse(a.kernelOnly)
    }

    func testGlibcStaticWithNSSLoadsAtRunTime() throws {
        let a = try audit("glibc-static-nss")
        XCTAssertEqual(a.linkage, .staticExecutable)
        XCTAssertNil(a.interpreter)
        XCTAssertEqual(a.needed, [])
        XCTAssertEqual(a.libc, .glibc, a.libcEvidence.joined(separator: "; "))
        XCTAssertTrue(a.runtimeLoading.contains("getaddrinfo"), "\(a.runtimeLoading)")
        XCTAssertTrue(a.runtimeLoading.contains("getpwnam"), "\(a.runtimeLoading)")
        XCTAssertFalse(a.kernelOnly)
        XCTAssertTrue(a.problems.contains { $0.contains("getaddrinfo") && $0.contains("not kernel-only") })
        XCTAssertNotNil(a.buildID)
        XCTAssertEqual(try AuditPolicy.parse("static").violations(a), [])
        XCTAssertEqual(try AuditPolicy.parse("kernel-only").violations(a).count, 1)
    }

    func testAarch64() throws {
        let a = try audit("zig-aarch64")
        XCTAssertEqual(a.machine, "aarch64")
        XCTAssertEqual(a.bits, 64)
        XCTAssertEqual(a.endianness, "little")
        XCTAssertEqual(a.linkage, .staticExecutable)
        XCTAssertEqual(a.libc, .musl)
        XCTAssertTrue(a.kernelOnly)
        XCTAssertEqual(try ELFFile.read(path: a.path).machine, ELFConst.EM_AARCH64)
    }

    func testThirtyTwoBit() throws {
        let a = try audit("zig-x86")
        let elf = try ELFFile.read(path: a.path)
        XCTAssertEqual(elf.elfClass, .elf32)
        XCTAssertEqual(elf.machine, ELFConst.EM_386)
        XCTAssertEqual(a.machine, "i386")
        XCTAssertEqual(a.bits, 32)
        XCTAssertEqual(a.linkage, .staticExecutable)
        XCTAssertEqual(a.libc, .musl)
        XCTAssertTrue(a.kernelOnly)
    }

    func testBigEndian() throws {
        let a = try audit("zig-s390x")
        let elf = try ELFFile.read(path: a.path)
        XCTAssertEqual(elf.endianness, .big)
        XCTAssertEqual(elf.machine, 22)
        XCTAssertEqual(a.machine, "s390x")
        XCTAssertEqual(a.endianness, "big")
        XCTAssertEqual(a.linkage, .staticExecutable)
        XCTAssertEqual(a.libc, .musl, "symbol names decode with the big-endian reader")
        XCTAssertTrue(a.kernelOnly)
    }

    func testThirtyTwoBitBigEndianStripped() throws {
        let a = try audit("zig-ppc32-stripped")
        XCTAssertEqual(a.machine, "powerpc")
        XCTAssertEqual(a.bits, 32)
        XCTAssertEqual(a.endianness, "big")
        XCTAssertEqual(a.linkage, .staticExecutable)
        XCTAssertTrue(a.stripped)
        // No symbols left: musl is recognised by its strerror text in .rodata.
        XCTAssertEqual(a.libc, .musl, "\(a.libcEvidence)")
        XCTAssertTrue(a.kernelOnly)
    }

    func testStrippedVersusUnstripped() throws {
        let full = try ELFFile.read(path: try ELFFixtures.shared.path("musl-static"))
        let bare = try ELFFile.read(path: try ELFFixtures.shared.path("musl-static-stripped"))
        XCTAssertTrue(full.hasSymbolTable)
        XCTAssertFalse(bare.hasSymbolTable)
        XCTAssertTrue(full.symbolNames.contains("main"))
        XCTAssertTrue(bare.symbolNames.isEmpty)
        let (a, b) = (Audit(full), Audit(bare))
        XCTAssertFalse(a.stripped)
        XCTAssertTrue(b.stripped)
        XCTAssertEqual(b.libc, .musl)
        XCTAssertTrue(b.libcEvidence.joined().contains("stripped binary"), "\(b.libcEvidence)")
        XCTAssertTrue(bare.rodataMarkers.contains("No error information"))
        XCTAssertTrue(full.rodataMarkers.isEmpty, "only searched when the symbols are gone")
        XCTAssertEqual(a.linkage, b.linkage)
        XCTAssertTrue(b.kernelOnly, "stripping does not change linkage")
        XCTAssertEqual(try AuditPolicy.parse("stripped").violations(a), ["not stripped (has .symtab)"])
        XCTAssertEqual(try AuditPolicy.parse("stripped").violations(b), [])
    }

    func testHardenedAndSoftGlibcBinaries() throws {
        let hard = try audit("glibc-hardened")
        XCTAssertTrue(hard.pie)
        XCTAssertEqual(hard.relro, .full)
        XCTAssertTrue(hard.nx)
        XCTAssertTrue(hard.stackProtector)
        XCTAssertEqual(hard.fortify, ["__printf_chk", "__strcpy_chk"])
        XCTAssertEqual(hard.cet, ["ibt", "shstk"])
        XCTAssertEqual(hard.runpath, "/opt/elfx/lib")
        XCTAssertNil(hard.rpath)
        XCTAssertTrue(try AuditPolicy.parse("pie,relro=full,nx,stack-protector,cet,ibt,shstk,fortify,build-id").violations(hard).isEmpty)
        XCTAssertEqual(try AuditPolicy.parse("no-rpath").violations(hard), ["has RPATH/RUNPATH /opt/elfx/lib"])

        let soft = try audit("glibc-soft")
        XCTAssertFalse(soft.pie)
        XCTAssertEqual(soft.relro, .none)
        XCTAssertFalse(soft.nx)
        XCTAssertFalse(soft.stackProtector)
        XCTAssertEqual(soft.cet, [])
        XCTAssertEqual(soft.rpath, "/opt/elfx/old")
        XCTAssertEqual(try AuditPolicy.parse("pie,relro,nx,canary,cet").violations(soft).count, 5)
    }

    func testSharedLibraryAndObjectFile() throws {
        let lib = try ELFFile.read(path: try ELFFixtures.shared.path("glibc-shared"))
        XCTAssertEqual(lib.soname, "libelfx.so.1")
        let a = Audit(lib)
        XCTAssertEqual(a.linkage, .sharedLibrary)
        XCTAssertFalse(a.pie)
        XCTAssertFalse(a.kernelOnly)

        let object = try ELFFile.read(path: try ELFFixtures.shared.path("cet-object"))
        XCTAssertEqual(object.type, ELFConst.ET_REL)
        XCTAssertEqual(object.programHeaders, [])
        XCTAssertEqual(object.gnuProperties.features, ["ibt", "shstk"], "notes come from SHT_NOTE sections")
        XCTAssertEqual(Audit(object).linkage, .relocatable)
        XCTAssertFalse(Audit(object).kernelOnly)
    }

    func testMemoryAndFileParsesAgree() throws {
        for name in ["musl-static", "zig-s390x", "glibc-hardened"] {
            let path = try ELFFixtures.shared.path(name)
            let fromFile = try ELFFile.read(path: path)
            let fromMemory = try ELFFile.parse(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path))), path: path)
            XCTAssertEqual(fromFile.sections, fromMemory.sections)
            XCTAssertEqual(fromFile.programHeaders, fromMemory.programHeaders)
            XCTAssertEqual(fromFile.symbolNames, fromMemory.symbolNames)
            XCTAssertEqual(fromFile.buildID, fromMemory.buildID)
            XCTAssertEqual(fromFile.comment, fromMemory.comment)
        }
    }

    func testReportsAndJSONRoundTrip() throws {
        let audits = [try audit("musl-static"), try audit("musl-gcc-static-pie")]
        let json = try AuditReport.json(audits)
        let decoded = try decode([Audit].self, from: json)
        XCTAssertEqual(decoded.map(\.linkage), [.staticExecutable, .dynamic])
        XCTAssertEqual(decoded[1].interpreter, "/lib/ld-musl-x86_64.so.1")
        XCTAssertTrue(json.contains("\"linkage\" : \"static\""), json)
        XCTAssertTrue(json.contains("\"kernelOnly\" : true"))
        let keys = try XCTUnwrap(try decode([JSONValue].self, from: json).first?.objectValue?.keys)
        XCTAssertTrue(keys.contains("runtimeLoading") && keys.contains("libcEvidence"))

        let human = AuditReport.human(audits)
        XCTAssertTrue(human.contains("kernel-only: fully static"), human)
        XCTAssertTrue(human.contains("NOT kernel-only"), human)
        XCTAssertTrue(human.contains("/lib/ld-musl-x86_64.so.1"), human)
    }

    /// The reader against binutils: section names and types, program header
    /// count, interpreter, DT_NEEDED, build-id and every symbol name.
    func testAgreesWithReadelf() throws {
        guard ELFTestTools.which("readelf") != nil else { throw XCTSkip("readelf not found (apt-get install binutils)") }
        var checked = 0
        for name in ELFFixtures.recipes.keys.sorted() {
            guard let path = try? ELFFixtures.shared.path(name) else { continue }
            try compareWithReadelf(path)
            checked += 1
        }
        try compareWithReadelf("/bin/ls")
        XCTAssertGreaterThan(checked, 5)
    }

    private func compareWithReadelf(_ path: String) throws {
        let elf = try ELFFile.read(path: path)
        let sections = ELFTestTools.run(["readelf", "-SW", path]).output
        XCTAssertEqual(elf.sections.map(\.name), ReadelfOutput.sectionNames(sections), path)
        let programs = ELFTestTools.run(["readelf", "-lW", path]).output
        XCTAssertEqual(elf.programHeaders.count, ReadelfOutput.programHeaderCount(programs), path)
        XCTAssertEqual(elf.interpreter, ReadelfOutput.interpreter(programs), path)
        XCTAssertEqual(elf.needed, ReadelfOutput.needed(ELFTestTools.run(["readelf", "-dW", path]).output), path)
        XCTAssertEqual(elf.buildID, ReadelfOutput.buildID(ELFTestTools.run(["readelf", "-nW", path]).output), path)
        // readelf shows section symbols (STT_SECTION, no name of their own) by their section's name.
        let symbols = ReadelfOutput.symbolNames(ELFTestTools.run(["readelf", "-sW", path]).output)
            .subtracting(Set(elf.sections.map(\.name)).subtracting(elf.symbolNames))
        XCTAssertEqual(elf.symbolNames.subtracting(symbols), [], path)
        XCTAssertEqual(symbols.subtracting(elf.symbolNames), [], path)
        XCTAssertFalse(elf.symbolsTruncated)
    }

    /// Hardening fields against checksec 2.6 (Debian `checksec`). Known,
    /// deliberate differences:
    /// - RELRO: a static or static-pie executable with PT_GNU_RELRO is "full"
    ///   for us, since nothing is bound lazily without a dynamic loader;
    ///   checksec says "partial" because it only looks for BIND_NOW.
    /// - FORTIFY: checksec reads only .dynsym, so static binaries always count
    ///   0 there; we also read .symtab. They agree on dynamic binaries.
    /// - PIE: checksec calls an ET_DYN "PIE" only if it has DT_DEBUG, else
    ///   "DSO"; we call it PIE when it is an executable (interpreter, DF_1_PIE
    ///   or static-pie). Same answers on all fixtures.
    func testAgreesWithChecksec() throws {
        guard ELFTestTools.which("checksec") != nil else { throw XCTSkip("checksec not found (apt-get install checksec)") }
        var compared = 0
        for name in ELFFixtures.recipes.keys.sorted() {
            guard let path = try? ELFFixtures.shared.path(name) else { continue }
            try compareWithChecksec(path)
            compared += 1
        }
        try compareWithChecksec("/bin/ls")
        XCTAssertGreaterThan(compared, 5)
    }

    private func compareWithChecksec(_ path: String) throws {
        let output = ELFTestTools.run(["checksec", "--output=json", "--file=\(path)"]).output
        let object = try decode([String: [String: String]].self, from: output)
        let cs = try XCTUnwrap(object[path], output)
        let elf = try ELFFile.read(path: path)
        let a = Audit(elf)
        let context = "\(path): checksec \(cs)"
        XCTAssertEqual(a.nx, cs["nx"] == "yes", context)
        XCTAssertEqual(a.pie, cs["pie"] == "yes", context)
        XCTAssertEqual(a.stackProtector, cs["canary"] == "yes", context)
        XCTAssertEqual(!a.stripped, cs["symbols"] == "yes", context)
        XCTAssertEqual(a.rpath != nil, cs["rpath"] == "yes", context)
        XCTAssertEqual(a.runpath != nil, cs["runpath"] == "yes", context)
        let fullyStatic = a.linkage.isStatic
        if fullyStatic && a.relro == .full && !elf.bindNow {
            XCTAssertEqual(cs["relro"], "partial", context)  // the documented difference
        } else {
            XCTAssertEqual(a.relro == .none ? "no" : a.relro.rawValue, cs["relro"], context)
        }
        if a.linkage == .dynamic {
            XCTAssertEqual(String(a.fortify.count), cs["fortified"], context)
        }
    }

    private func fileSize(_ path: String) throws -> UInt64 {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value ?? 0
    }
}

/// Just enough parsing of `readelf -W` output to serve as an oracle.
enum ReadelfOutput {
    /// readelf errors about section-header details that say nothing about
    /// what the kernel or the loader would load: a symbol table's entry size
    /// (the verdict does not depend on symbol tables being well-formed).
    static let unrelatedErrors = ["has invalid sh_entsize", "(Using the expected size"]

    static func sectionNames(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line -> String? in
            guard let open = line.firstIndex(of: "["), let close = line.firstIndex(of: "]"), open < close,
                  Int(line[line.index(after: open) ..< close].trimmingCharacters(in: .whitespaces)) != nil else { return nil }
            // One space follows "]", then the name column; a second space means no name.
            let column = line[line.index(after: close)...].dropFirst()
            if column.first == " " { return "" }
            return column.split(separator: " ").first.map(String.init) ?? ""
        }
    }

    static func programHeaderCount(_ text: String) -> Int {
        guard let start = text.range(of: "Program Headers:") else { return 0 }
        let lines = text[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2)
        // readelf's own errors land between the rows when stderr is merged into stdout.
        return lines.filter { !$0.hasPrefix("readelf: ") }
            .prefix { !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.contains("Section to Segment") }
            .filter { !$0.contains("[Requesting") }.count
    }

    static func interpreter(_ text: String) -> String? {
        guard let range = text.range(of: "[Requesting program interpreter: ") else { return nil }
        return String(text[range.upperBound...].prefix { $0 != "]" })
    }

    static func needed(_ text: String) -> [String] {
        text.split(separator: "\n").filter { $0.contains("(NEEDED)") }.compactMap { line in
            line.range(of: "Shared library: [").map { String(line[$0.upperBound...].prefix { $0 != "]" }) }
        }
    }

    static func buildID(_ text: String) -> String? {
        text.range(of: "Build ID: ").map { String(text[$0.upperBound...].prefix { $0.isHexDigit }) }
    }

    /// Symbol names from every table, without readelf's "@VERSION (n)" decoration.
    static func symbolNames(_ text: String) -> Set<String> {
        var names = Set<String>()
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 7, omittingEmptySubsequences: true)
            guard fields.count == 8, fields[0].hasSuffix(":"), Int(fields[0].dropLast()) != nil else { continue }
            var name = String(fields[7])
            if let at = name.firstIndex(of: "@") { name = String(name[..<at]) }
            if !name.isEmpty { names.insert(name) }
        }
        return names
    }
}

// MARK: - Malformed input

/// A hand-made little ELF64 image whose fields the malformed tests corrupt.
struct TinyELF {
    var bytes: [UInt8]

    /// Header + one PT_LOAD + a .shstrtab holding "\0.shstrtab\0" + two section headers.
    static func make() -> TinyELF {
        var b = [UInt8](repeating: 0, count: 64)
        b.replaceSubrange(0 ..< 8, with: [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0])
        var elf = TinyELF(bytes: b)
        elf.put16(16, 2); elf.put16(18, 62); elf.put32(20, 1)
        elf.put64(24, 0x400000)             // e_entry
        elf.put64(32, 64)                   // e_phoff
        elf.put16(52, 64); elf.put16(54, 56); elf.put16(56, 1)
        elf.bytes += [UInt8](repeating: 0, count: 56)
        elf.put32(64, 1); elf.put32(68, 5)  // PT_LOAD, R+X
        elf.put64(64 + 32, 120); elf.put64(64 + 40, 120)
        let strtab = Array("\0.shstrtab\0".utf8)
        let strtabOffset = UInt64(elf.bytes.count)
        elf.bytes += strtab
        let shoff = UInt64(elf.bytes.count)
        elf.bytes += [UInt8](repeating: 0, count: 128)
        let s1 = Int(shoff) + 64
        elf.put32(s1, 1); elf.put32(s1 + 4, 3)        // name ".shstrtab", SHT_STRTAB
        elf.put64(s1 + 24, strtabOffset); elf.put64(s1 + 32, UInt64(strtab.count))
        elf.put64(40, shoff); elf.put16(58, 64); elf.put16(60, 2); elf.put16(62, 1)
        return elf
    }

    var shoff: Int { Int(bytes[40]) | Int(bytes[41]) << 8 }
    var strtabOffset: Int { 120 }

    mutating func put16(_ at: Int, _ v: UInt16) { for i in 0 ..< 2 { bytes[at + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) } }
    mutating func put32(_ at: Int, _ v: UInt32) { for i in 0 ..< 4 { bytes[at + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) } }
    mutating func put64(_ at: Int, _ v: UInt64) { for i in 0 ..< 8 { bytes[at + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) } }
}

final class ELFMalformedInputTests: XCTestCase {
    private func expectError(_ bytes: [UInt8], _ check: (ELFError) -> Bool, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ELFFile.parse(bytes: bytes), file: file, line: line) { error in
            guard let e = error as? ELFError else { return XCTFail("not an ELFError: \(error)", file: file, line: line) }
            XCTAssertTrue(check(e), "unexpected: \(e)", file: file, line: line)
        }
    }

    func testTinyImageParses() throws {
        let elf = try ELFFile.parse(bytes: TinyELF.make().bytes)
        XCTAssertEqual(elf.sections.map(\.name), ["", ".shstrtab"])
        XCTAssertEqual(elf.programHeaders.count, 1)
        XCTAssertEqual(Audit(elf).linkage, .staticExecutable)
        XCTAssertFalse(Audit(elf).nx, "no PT_GNU_STACK")
    }

    func testEmptyFile() {
        expectError([]) { if case .notELF = $0 { return true }; return false }
    }

    func testWrongMagic() {
        var bytes = TinyELF.make().bytes
        bytes[3] = 0x47
        expectError(bytes) { $0.description.contains("bad magic") }
        expectError(Array("#!/bin/sh\necho hi\n".utf8)) { if case .notELF = $0 { return true }; return false }
    }

    func testTruncatedHeader() {
        let bytes = Array(TinyELF.make().bytes.prefix(40))
        expectError(bytes) { $0 == .malformed(offset: 0, reason: "file too short for an ELF64 header (needs 64 bytes, has 40)") }
    }

    func testInvalidClass() {
        var bytes = TinyELF.make().bytes
        bytes[4] = 7
        expectError(bytes) { $0 == .malformed(offset: 4, reason: "invalid EI_CLASS 7") }
    }

    func testProgramHeadersPastEnd() {
        var elf = TinyELF.make()
        elf.put64(32, UInt64(elf.bytes.count - 10))
        expectError(elf.bytes) {
            $0.description == "malformed ELF at offset \(hex(UInt64(elf.bytes.count - 10))): program header table extends past end of file (size \(elf.bytes.count))"
        }
    }

    func testHugeProgramHeaderCount() {
        var elf = TinyELF.make()
        elf.put16(56, 0xfffe)
        expectError(elf.bytes) { $0.description.contains("65534 program headers take 3669904 bytes; the kernel reads at most 65536") }
        elf.put16(56, 0xffff)  // PN_XNUM: real count lives in section 0's sh_info
        elf.put32(elf.shoff + 44, 0x7fff_ffff)
        expectError(elf.bytes) { $0.description.contains("e_phnum is PN_XNUM") }
        elf.put16(16, ELFConst.ET_CORE)  // core files may use PN_XNUM; the count is still capped
        expectError(elf.bytes) { $0.description.contains("program header count 2147483647 exceeds the limit") }
        elf.put16(56, 0xfffe)
        expectError(elf.bytes) { $0.description.contains("program header table extends past end of file") }
    }

    func testOffsetPlusSizeOverflow() {
        var elf = TinyELF.make()
        elf.put64(32, UInt64.max - 8)
        expectError(elf.bytes) { $0.description.contains("offset + size overflows") }
        var segment = TinyELF.make()
        segment.put64(64 + 8, UInt64.max - 4)  // PT_LOAD p_offset
        expectError(segment.bytes) { $0.description.contains("PT_LOAD segment offset + size overflows") }
    }

    func testStringTableWithoutNUL() {
        var elf = TinyELF.make()
        elf.bytes[elf.strtabOffset + 10] = 0x41  // the final NUL of "\0.shstrtab\0"
        expectError(elf.bytes) { $0.description.contains("section name string is not NUL-terminated within its table") }
    }

    func testSectionNameOffsetOutsideTable() {
        var elf = TinyELF.make()
        elf.put32(elf.shoff + 64, 500)
        expectError(elf.bytes) { $0.description.contains("string offset 0x1f4 is outside the table") }
    }

    func testSectionTableAndStringIndex() {
        var elf = TinyELF.make()
        elf.put16(62, 9)
        expectError(elf.bytes) { $0.description.contains("e_shstrndx 9 is not a section") }
        var small = TinyELF.make()
        small.put16(58, 12)
        expectError(small.bytes) { $0.description.contains("e_shentsize 12 is smaller than a section header") }
    }

    /// 100k symbols whose names start at successive offsets of one 1 MiB run:
    /// naive scanning would cost 100 GB; the shared scan budget cuts it short.
    func testHostileSymbolNamesAreBounded() throws {
        let strtab = [0] + [UInt8](repeating: 0x41, count: 1 << 20) + [0]
        var symtab = [UInt8](repeating: 0, count: 24 * 100_000)
        for i in 1 ..< 100_000 { SectionImage.put32(&symtab, 24 * i, UInt32(i)) }
        let image = SectionImage.make([(".strtab", 3, 0, 0, strtab), (".symtab", 2, 1, 24, symtab)])
        let start = Date()
        let elf = try ELFFile.parse(bytes: image)
        XCTAssertTrue(elf.symbolsTruncated)
        XCTAssertLessThan(elf.symbolNames.count, 1000)
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
    }

    /// Thousands of section headers naming the same 1 MiB symbol table share
    /// one read budget instead of reading it thousands of times.
    func testManySymbolTablesShareOneReadBudget() throws {
        let strtab: [UInt8] = [0, 0x78, 0]
        var symtab = [UInt8](repeating: 0, count: 1 << 20)
        SectionImage.put32(&symtab, 24, 1)
        var sections = [(".strtab", UInt32(3), UInt32(0), UInt64(0), strtab), (".symtab", UInt32(2), UInt32(1), UInt64(24), symtab)]
        let aliases = Array(repeating: (".symtab", UInt32(2), UInt32(1), UInt64(24), [UInt8]()), count: 2000)
        sections += aliases
        let image = SectionImage.make(sections, aliasEmptyTo: 2)
        let start = Date()
        let elf = try ELFFile.parse(bytes: image)
        XCTAssertEqual(elf.symbolNames, ["x"])
        XCTAssertTrue(elf.symbolsTruncated)
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
    }

    func testUnreadablePaths() {
        XCTAssertThrowsError(try ELFFile.read(path: "/nonexistent/cargo-static-elf")) { error in
            guard case .unreadable(let path, let reason)? = error as? ELFError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, "/nonexistent/cargo-static-elf")
            XCTAssertTrue(reason.contains("No such file"), reason)
        }
        XCTAssertThrowsError(try ELFFile.read(path: NSTemporaryDirectory())) { error in
            XCTAssertEqual(error as? ELFError, .unreadable(path: NSTemporaryDirectory(), reason: "is a directory"))
        }
    }

    func testPolicyParsing() throws {
        let policy = try AuditPolicy.parse(" static-pie, relro=full ,nx,pie,static,stack-protector,cet,stripped,kernel-only ")
        XCTAssertEqual(policy.requirements, [.staticPIE, .relro(.full), .nx, .pie, .fullyStatic, .stackProtector, .cet, .stripped, .kernelOnly])
        XCTAssertThrowsError(try AuditPolicy.parse("static,warp-drive")) { error in
            XCTAssertEqual(error as? AuditPolicyError, .unknownItem("warp-drive"))
            XCTAssertTrue("\(error)".contains("known: static"))
        }
        XCTAssertThrowsError(try AuditPolicy.parse(" , ")) { XCTAssertEqual($0 as? AuditPolicyError, .empty) }
    }
}

/// ELF64 little-endian object files (ET_REL) made of sections only (no program headers).
enum SectionImage {
    typealias Spec = (name: String, type: UInt32, link: UInt32, entsize: UInt64, data: [UInt8])

    /// Section 0 is the null section, `specs` follow from index 1, and the
    /// last section is .shstrtab. Specs with empty data and `aliasEmptyTo`
    /// set reuse the data of that section index.
    static func make(_ specs: [Spec], aliasEmptyTo alias: Int? = nil) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 64)
        bytes.replaceSubrange(0 ..< 8, with: [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0])
        put16(&bytes, 16, 1); put16(&bytes, 18, 62); put32(&bytes, 20, 1); put16(&bytes, 52, 64)
        var names: [UInt8] = [0]
        var placed: [(nameOffset: Int, offset: Int, size: Int)] = []
        for spec in specs {
            let nameOffset = names.count
            names += Array(spec.name.utf8) + [0]
            if spec.data.isEmpty, let alias { placed.append((nameOffset, placed[alias - 1].offset, placed[alias - 1].size)); continue }
            placed.append((nameOffset, bytes.count, spec.data.count))
            bytes += spec.data
        }
        let shstrtabName = names.count
        names += Array(".shstrtab".utf8) + [0]
        let shstrtabOffset = bytes.count
        bytes += names
        let shoff = bytes.count
        let count = specs.count + 2
        bytes += [UInt8](repeating: 0, count: 64 * count)
        for (i, spec) in specs.enumerated() {
            header(&bytes, at: shoff + 64 * (i + 1), name: placed[i].nameOffset, type: spec.type,
                   offset: placed[i].offset, size: placed[i].size, link: spec.link, entsize: spec.entsize)
        }
        header(&bytes, at: shoff + 64 * (count - 1), name: shstrtabName, type: 3, offset: shstrtabOffset, size: names.count, link: 0, entsize: 0)
        put64(&bytes, 40, UInt64(shoff)); put16(&bytes, 58, 64); put16(&bytes, 60, UInt16(count)); put16(&bytes, 62, UInt16(count - 1))
        return bytes
    }

    private static func header(_ b: inout [UInt8], at o: Int, name: Int, type: UInt32, offset: Int, size: Int, link: UInt32, entsize: UInt64) {
        put32(&b, o, UInt32(name)); put32(&b, o + 4, type)
        put64(&b, o + 24, UInt64(offset)); put64(&b, o + 32, UInt64(size))
        put32(&b, o + 40, link); put64(&b, o + 56, entsize)
    }

    static func put16(_ b: inout [UInt8], _ at: Int, _ v: UInt16) { for i in 0 ..< 2 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) } }
    static func put32(_ b: inout [UInt8], _ at: Int, _ v: UInt32) { for i in 0 ..< 4 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) } }
    static func put64(_ b: inout [UInt8], _ at: Int, _ v: UInt64) { for i in 0 ..< 8 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) } }
}
