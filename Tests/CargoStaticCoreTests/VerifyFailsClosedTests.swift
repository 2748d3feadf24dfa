import XCTest
@testable import CargoStaticCore

/// `verify` fails closed: a static program whose run-time loading cannot be shown is
/// "not proven" (exit 1), whatever its libc evidence says; real musl output stays proven.
final class VerifyFailsClosedTests: XCTestCase {
    private var dir = ""
    override func setUpWithError() throws {
        dir = try scratchDirectory("verify-closed")
    }

    private func sh(_ arguments: [String]) throws {
        _ = try Runner().check(Command(arguments[0], Array(arguments.dropFirst())), what: arguments[0])
    }

    /// A static glibc program calling dlopen and getaddrinfo. `musl` puts musl's strerror
    /// text in its .rodata too, so that the libc evidence conflicts once it is stripped.
    private func program(_ name: String, musl: Bool) throws -> String {
        let source = dir + "/\(name).c"
        try """
        #include <dlfcn.h>
        #include <netdb.h>
        #include <stdio.h>
        const char *decoy = "\(musl ? "No error information" : "plain")";
        int main(int argc, char **argv) {
            struct addrinfo *r;
            if (argc > 5) { dlopen(argv[1], 0); getaddrinfo(argv[1], 0, 0, &r); }
            puts(decoy);
            return 0;
        }
        """.write(toFile: source, atomically: true, encoding: .utf8)
        let exe = dir + "/" + name
        guard Context.process.which("gcc") != nil else { throw XCTSkip("gcc is not installed") }
        try sh(["gcc", "-static", "-O1", source, "-o", exe])
        return exe
    }

    func testStrippedStaticGlibcProgramThatLoadsIsNotProven() throws {
        for musl in [false, true] {
            let exe = try program("dl\(musl)", musl: musl)
            let full = try Audit.audit(path: exe)
            XCTAssertFalse(full.kernelOnly)
            XCTAssertTrue(full.runtimeLoading.contains("getaddrinfo"), "\(full.runtimeLoading)")

            try sh(["strip", exe, "-o", exe + ".stripped"])
            let stripped = try Audit.audit(path: exe + ".stripped")
            XCTAssertFalse(stripped.kernelOnly, "stripped (musl decoy \(musl)): \(stripped.libc) \(stripped.libcEvidence)")
            XCTAssertTrue(stripped.problems.contains { $0.contains("not proven") }, "\(stripped.problems)")

            try sh(["objcopy", "--remove-section", ".note.ABI-tag", exe + ".stripped", exe + ".noabi"])
            let noNote = try Audit.audit(path: exe + ".noabi")
            XCTAssertNil(try ELFFile.read(path: exe + ".noabi").abiTag)
            XCTAssertFalse(noNote.kernelOnly, "no ABI note (musl decoy \(musl)): \(noNote.libc) \(noNote.libcEvidence)")
            XCTAssertTrue(noNote.problems.contains { $0.contains("not proven") }, "\(noNote.problems)")
        }
    }

    /// A static musl program, stripped or not, with musl's strerror linked (as every Rust
    /// program that prints has): proven kernel-only.
    func testStrippedMuslProgramStaysProven() throws {
        guard Context.process.which("musl-gcc") != nil else { throw XCTSkip("musl-gcc is not installed") }
        let source = dir + "/m.c"
        try "#include <stdio.h>\n#include <string.h>\nint main(int c, char **v) { puts(strerror(c)); return 0; }\n"
            .write(toFile: source, atomically: true, encoding: .utf8)
        for flags in [["-static"], ["-static-pie", "-fPIE"]] {
            let exe = dir + "/m" + flags[0]
            try sh(["musl-gcc"] + flags + [source, "-o", exe])
            try sh(["strip", exe, "-o", exe + ".stripped"])
            for file in [exe, exe + ".stripped"] {
                let audit = try Audit.audit(path: file)
                if audit.linkage == .dynamic { continue } // Debian's musl-gcc -static-pie keeps an interpreter
                XCTAssertEqual(audit.libc, .musl, "\(file): \(audit.libcEvidence)")
                XCTAssertTrue(audit.kernelOnly, "\(file): \(audit.problems)")
            }
        }
    }

    /// A stripped musl program that never calls strerror (a `--std-profile min` program whose
    /// panics abort without a message): musl's startup still shows, and it stays proven.
    func testStrippedMuslProgramWithoutStrerrorStaysProven() throws {
        let source = dir + "/tiny.c"
        try "int main(void) { return 0; }\n".write(toFile: source, atomically: true, encoding: .utf8)
        var builds: [(String, [String])] = []
        if Context.process.which("musl-gcc") != nil { builds.append(("musl-gcc", ["musl-gcc", "-static", "-Os", source, "-o", dir + "/musl-gcc"])) }
        if Context.process.which("python3") != nil, (try? Runner().capture(Command("python3", ["-m", "ziglang", "version"])))?.succeeded == true {
            builds.append(("zig", ["python3", "-m", "ziglang", "cc", "-target", "x86_64-linux-musl", "-fPIE", "-Os", source, "-o", dir + "/zig"]))
        }
        guard !builds.isEmpty else { throw XCTSkip("needs musl-gcc or zig") }
        for (name, command) in builds {
            try sh(command)
            try sh(["strip", dir + "/" + name, "-o", dir + "/" + name + ".stripped"])
            let audit = try Audit.audit(path: dir + "/" + name + ".stripped")
            XCTAssertEqual(audit.libc, .musl, "\(name): \(audit.libcEvidence)")
            XCTAssertTrue(audit.kernelOnly, "\(name): \(audit.problems)")
        }
    }

    /// Conflicting or missing libc evidence in a static file is "not proven".
    func testUnknownLibcIsNotProven() {
        XCTAssertNotNil(ConsistencyRules.unprovenRuntimeLoading(try! ELFFile.read(path: "/bin/true"), libc: .unknown, evidence: ["conflicting evidence"]))
    }
}
