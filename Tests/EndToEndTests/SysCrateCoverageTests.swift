import CargoStaticCore
import Foundation
import XCTest

/// A representative subset of `scripts/sys-crates` (the table of every Debian -sys crate in
/// docs/c-libraries.md), run through the script itself, so the programs, the calls and the
/// way a result is read are the table's own. Each crate takes a distinct path:
/// - pcsc-sys: no `links` key; its build script asks pkg-config for `libpcsclite`, and the
///   generic builder makes pcsc-lite from Debian's source;
/// - libdbus-sys: a chain of two libraries (dbus needs expat), found and built in order;
/// - hidapi-sys: refused before anything is built, in one line naming crate and library;
/// - cryptoki-sys: loads its library with dlopen, so it builds with a warning naming it.
/// Programs run in an empty root (the script uses `run --empty-root`).
final class SysCrateCoverageTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    private static let crates = ["pcsc-sys", "libdbus-sys", "hidapi-sys", "cryptoki-sys"]

    func testRepresentativeSubsetOfDebianSysCrates() throws {
        let work = try Harness.temporaryDirectory("sys-crates")
        let table = work + "/c-libraries.md"
        let script = try Harness.runTool(Harness.packageRoot + "/scripts/sys-crates",
                                         ["--out", table] + Self.crates,
                                         environment: ["CARGO_STATIC": Harness.binary,
                                                       "CARGO_STATIC_CACHE": Harness.sharedCache,
                                                       "SYS_CRATES_WORK": work])
        XCTAssertEqual(script.status, 0, script.all)
        let rows = try Self.rows(of: table)
        func row(_ crate: String) -> String {
            let found = rows.first { $0.hasPrefix("| \(crate) ") } ?? ""
            XCTAssertFalse(found.isEmpty, "no row for \(crate) in \(rows)")
            return found
        }
        func log(_ crate: String, _ kind: String) -> String {
            (try? String(contentsOfFile: "\(work)/\(crate).\(kind).log", encoding: .utf8)) ?? ""
        }

        // pkg-config-discovered library, built from Debian's source; SCARD_E_NO_SERVICE without pcscd.
        let pcsc = row("pcsc-sys")
        XCTAssertTrue(pcsc.range(of: #"^\| pcsc-sys [0-9.]+ \| pcsc-lite [^,|]+ \| static-and-running: SCardEstablishContext without pcscd: 0x8010001d \|"#,
                                 options: .regularExpression) != nil, pcsc)
        XCTAssertTrue(log("pcsc-sys", "build").contains("asked pkg-config for `libpcsclite`"), log("pcsc-sys", "build"))

        // Two libraries, the dependency first; DBUS_MESSAGE_TYPE_SIGNAL is 4.
        let dbus = row("libdbus-sys")
        XCTAssertTrue(dbus.range(of: #"^\| libdbus-sys [0-9.]+ \| expat [^,|]+, dbus [^,|]+ \| static-and-running: dbus signal message type: 4 \|"#,
                                 options: .regularExpression) != nil, dbus)
        XCTAssertTrue(log("libdbus-sys", "build").contains("asked pkg-config for `dbus-1`; building dbus"), log("libdbus-sys", "build"))

        // Refused, before cargo compiles anything, in one error line and one fix line.
        let hidapi = row("hidapi-sys")
        XCTAssertTrue(hidapi.contains("| — | refused: crate hidapi-sys 0.1.4 (used by hidapi-sys-probe 0.1.0) needs hidapi"), hidapi)
        let refusal = log("hidapi-sys", "build")
        let errors = refusal.split(separator: "\n").filter { $0.hasPrefix("error:") }
        XCTAssertEqual(errors.count, 1, refusal)
        XCTAssertTrue(errors.first?.contains("which cannot be linked into a static executable: hidapi finds devices through systemd's libudev") == true, refusal)
        XCTAssertTrue(refusal.split(separator: "\n").last?.hasPrefix("fix: ") == true, refusal)
        XCTAssertFalse(refusal.contains("Compiling"), refusal)

        // dlopen: builds and runs, with a warning that names the crate.
        let cryptoki = row("cryptoki-sys")
        XCTAssertTrue(cryptoki.contains("| — | static-and-running (dlopen warning): CKR_OK = 0 |"), cryptoki)
        XCTAssertTrue(log("cryptoki-sys", "build").contains("warning: crate cryptoki-sys 0.1.4 loads a library with dlopen (through libloading or the like), which always fails in a static executable"),
                      log("cryptoki-sys", "build"))

        // The running ones are audited kernel-only static-pie (warm: cargo has nothing to do).
        for (crate, libraries) in [("pcsc-sys", ["pcsc-lite"]), ("libdbus-sys", ["expat", "dbus"]), ("cryptoki-sys", [])] {
            let probe = try Self.probeDirectory(of: crate, in: work)
            let out = try Harness.run(["build", "--release", "--json"], in: probe)
            XCTAssertEqual(out.status, 0, out.all)
            let result = try Harness.onlyResult(out)
            let audit = try XCTUnwrap(result.executables.first, "\(crate): \(out.all)").audit
            XCTAssertEqual(audit.linkage, .staticPie, "\(crate): \(audit)")
            XCTAssertTrue(audit.kernelOnly, "\(crate): \(audit)")
            let built = result.nativeLibraries.map(\.name.name)
            XCTAssertEqual(Set(built), Set(libraries), "\(crate): \(out.all)")
        }
    }

    /// The result rows of the script's table (between its header and the first blank line).
    private static func rows(of table: String) throws -> [String] {
        let text = try String(contentsOfFile: table, encoding: .utf8)
        guard let header = text.range(of: "| crate | C libraries built | result | build time | size |\n|---|---|---|---|---|\n") else {
            XCTFail("no result table in \(table):\n\(text)")
            return []
        }
        return text[header.upperBound...].split(separator: "\n", omittingEmptySubsequences: false)
            .prefix { $0.hasPrefix("| ") }.map(String.init)
    }

    /// The program the script wrote for a crate (`<crate>-probe` in its work directory).
    private static func probeDirectory(of crate: String, in work: String) throws -> String {
        let dir = work + "/\(crate)-probe"
        guard FileManager.default.fileExists(atPath: dir + "/Cargo.toml") else {
            throw SetupFailure("the script wrote no program for \(crate) in \(work)")
        }
        return dir
    }
}
