import CargoStaticCore
import Foundation
import XCTest

/// C libraries cargo-static has no hand-written recipe for, found from the crates that need
/// them and built from Debian's source packages by the generic builder: each fixture really
/// uses its libraries (known answers), is audited as kernel-only static-pie, and runs in an
/// empty root. Libraries land in the shared cache, so each is built once per run.
final class DebianLibraryTests: XCTestCase {
    override func setUpWithError() throws { try Harness.skipUnlessEndToEnd() }

    private func buildStatic(_ name: String) throws -> (dir: String, libraries: [String]) {
        let dir = try Harness.fixture(name)
        let out = try Harness.run(["build", "--release", "--json"], in: dir)
        XCTAssertEqual(out.status, 0, out.all)
        let result = try Harness.onlyResult(out)
        let audit = try XCTUnwrap(result.executables.first, out.all).audit
        XCTAssertEqual(audit.linkage, .staticPie, out.all)
        XCTAssertTrue(audit.kernelOnly, "\(audit)")
        XCTAssertEqual(audit.libc, .musl, "\(audit)")
        XCTAssertEqual(audit.needed, [], "\(audit)")
        return (dir, result.nativeLibraries.map(\.name.name))
    }

    /// `hostNetwork`: the sandbox's own loopback is not the host's, where the test's server listens.
    private func runInEmptyRoot(_ dir: String, env: [String: String] = [:], hostNetwork: Bool = false) throws -> Harness.Output {
        let out = try Harness.run(["run", "--release", "--empty-root"] + (hostNetwork ? ["--network", "host"] : []) + Harness.passed(env), in: dir, environment: env)
        XCTAssertEqual(out.status, 0, out.all)
        return out
    }

    /// git2 (libgit2 with libssh2, OpenSSL, pcre2, http-parser, zlib): a commit written and
    /// read back; a hashed known_hosts entry checked by libssh2 (HMAC-SHA1 in OpenSSL).
    func testGit2AndLibssh2() throws {
        let (dir, libraries) = try buildStatic("git-ssh")
        XCTAssertEqual(Set(libraries), ["zlib", "openssl", "libssh2", "http-parser", "pcre2", "libgit2"], "\(libraries)")
        let out = try runInEmptyRoot(dir)
        XCTAssertTrue(out.stdout.contains("libgit2 1.5.1: https true, ssh true"), out.all)
        XCTAssertTrue(out.stdout.contains(#"message: "first static commit""#), out.all)
        // `git hash-object` of "hello\n".
        XCTAssertTrue(out.stdout.contains(#"blob ce013625030ba8dba906f756967f9e9ca394464a content "hello\n""#), out.all)
        XCTAssertTrue(out.stdout.contains("revparse HEAD:hello.txt = ce013625030ba8dba906f756967f9e9ca394464a"), out.all)
        XCTAssertTrue(out.stdout.contains("config regex match: static.linkage=musl"), out.all)
        XCTAssertTrue(out.stdout.range(of: #"commit ([0-9a-f]{40}) == head \1: true"#, options: .regularExpression) != nil, out.all)
        XCTAssertTrue(out.stdout.contains("libssh2 1.10.0"), out.all)
        XCTAssertTrue(out.stdout.contains("known_hosts line read: 0"), out.all)
        XCTAssertTrue(out.stdout.contains("hashed host check: match true, mismatch true, notfound true"), out.all)
    }

    /// Oniguruma, Nettle with Hogweed and GMP, PCRE2 and libsodium: known answers.
    func testOnigNettlePcre2Sodium() throws {
        let (dir, libraries) = try buildStatic("crypto-regex")
        XCTAssertEqual(Set(libraries), ["libonig", "gmp", "nettle", "pcre2", "libsodium"], "\(libraries)")
        let out = try runInEmptyRoot(dir)
        XCTAssertTrue(out.stdout.contains("oniguruma 6.9.8"), out.all)
        XCTAssertTrue(out.stdout.contains("onig captures: year=2023 month=06 day=10"), out.all)
        XCTAssertTrue(out.stdout.contains(#"onig greek words: ["αλφα", "βήτα"]"#), out.all)
        XCTAssertTrue(out.stdout.contains("nettle sha256(abc) = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), out.all)
        XCTAssertTrue(out.stdout.contains("nettle aes128 fips-197 = 69c4e0d86a7b0430d8cdb78070b4c55a"), out.all)
        // RFC 8032, test 1.
        XCTAssertTrue(out.stdout.contains("hogweed ed25519 public = d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"), out.all)
        XCTAssertTrue(out.stdout.contains(#"pcre2 matches: ["Ann@Example.org", "bob@debian.org"]"#), out.all)
        XCTAssertTrue(out.stdout.contains("libsodium 1.0.18"), out.all)
        XCTAssertTrue(out.stdout.contains("sodium blake2b-256(abc) = bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319 (rc 0)"), out.all)
    }

    /// libpcap (savefile and BPF), libcurl over HTTPS with OpenSSL and HTTP/2 (nghttp2), libseccomp (a filter loaded).
    func testPcapCurlSeccomp() throws {
        let (dir, libraries) = try buildStatic("system-libs")
        XCTAssertTrue(Set(["libpcap", "libseccomp", "curl", "openssl", "zlib", "nghttp2"]).isSubset(of: Set(libraries)), "\(libraries)")
        let server = try TLSServer.start()
        defer { server.stop() }
        let out = try runInEmptyRoot(dir, env: ["TLS_ADDRESS": server.address, "TLS_CA_PEM": server.certificatePEM], hostNetwork: true)
        XCTAssertTrue(out.stdout.contains("libpcap version 1.10.3"), out.all)
        XCTAssertTrue(out.stdout.contains("pcap savefile: 3 packets, 3 match `tcp dst port 80`, 0 match `udp port 53`"), out.all)
        XCTAssertTrue(out.stdout.contains("libcurl 7.88.1 with OpenSSL/3."), out.all)
        XCTAssertTrue(out.stdout.contains(", http2: true"), out.all)
        XCTAssertFalse(out.stdout.contains("http2 refused"), out.all)
        XCTAssertTrue(out.stdout.contains("curl https: status 200, body has cipher line: true"), out.all)
        XCTAssertTrue(out.stdout.contains("seccomp: load 0, getppid before ok, after -1 errno EPERM"), out.all)
    }

    /// expat through expat-sys; libxml2 and lz4 named in Cargo.toml and found with pkg-config.
    func testExpatLibxml2Lz4() throws {
        let (dir, libraries) = try buildStatic("xml-lz4")
        XCTAssertEqual(Set(libraries), ["expat", "libxml2", "lz4"], "\(libraries)")
        let out = try runInEmptyRoot(dir)
        XCTAssertTrue(out.stdout.contains("expat_2.5.0"), out.all)
        XCTAssertTrue(out.stdout.contains("expat: status 1, 5 elements, depth 3"), out.all)
        XCTAssertTrue(out.stdout.contains("libxml2: 3 children: a=one,b=twox,c=three"), out.all)
        XCTAssertTrue(out.stdout.contains("libxml2: malformed rejected: true"), out.all)
        XCTAssertTrue(out.stdout.contains("lz4 1.9.4"), out.all)
        XCTAssertTrue(out.stdout.contains("lz4: 20000 bytes ->"), out.all)
        XCTAssertTrue(out.stdout.contains("round trip ok: true"), out.all)
    }

    /// xxhash-c-sys has no `links` key and no binding: its build script asks pkg-config for
    /// `libxxhash` and fails; cargo-static reads that, builds xxhash (Debian's source, make),
    /// and runs cargo again, without --deps. XXH64("abc", seed 0) is a known answer.
    func testLibraryAskedOfPkgConfigIsBuiltAndCargoRunsAgain() throws {
        let dir = try Harness.fixture("pkgconfig-xxhash")
        let out = try Harness.run(["run", "--release", "--empty-root"], in: dir)
        XCTAssertEqual(out.status, 0, out.all)
        XCTAssertTrue(out.stderr.contains("crate xxhash-c-sys 0.8.3 asked pkg-config for `libxxhash`; building xxhash for x86_64-unknown-linux-musl, then building again"), out.all)
        XCTAssertTrue(out.stdout.contains("xxhash 0.8.1"), out.all)
        XCTAssertTrue(out.stdout.contains("XXH64(abc) = 44bc2cf5ad770999"), out.all)
        // Warm: the project remembers (in its target directory) what the crate asked for: cargo runs once.
        let again = try Harness.run(["build", "--release", "--json"], in: dir)
        XCTAssertEqual(again.status, 0, again.all)
        XCTAssertFalse(again.stderr.contains("asked pkg-config for"), again.all)
        XCTAssertEqual(try Harness.onlyResult(again).nativeLibraries.map(\.name.name), ["xxhash"], again.all)
        let audit = try Harness.onlyExecutable(again).audit
        XCTAssertTrue(audit.kernelOnly, "\(audit)")
    }

    /// A build script that fails looking for a library: cargo-static's last line names the
    /// crate, the library, and that it cannot build it.
    func testFailedBuildScriptEndsWithOneLineAboutTheLibrary() throws {
        let out = try Harness.run(["build", "--release"], in: try Harness.fixture("missing-lib"))
        XCTAssertNotEqual(out.status, 0)
        let last = out.stderr.split(separator: "\n").last.map(String.init) ?? ""
        XCTAssertTrue(last.hasPrefix("fix: the build script of crate nosuch-sys 0.1.0 failed looking for the C library `nosuchlib`: cargo-static cannot build it"), out.all)
    }

    /// PAM and a PulseAudio client: refused before anything is built, naming crate, library and reason.
    func testPamAndPulseAreRefusedBeforeBuilding() throws {
        let pam = try Harness.run(["build", "--release"], in: try Harness.fixture("pam-refused"))
        XCTAssertNotEqual(pam.status, 0)
        XCTAssertTrue(pam.stderr.contains("crate pam-sys 0.5.6 (used by pam-refused 0.1.0) needs PAM (libpam), which cannot be linked into a static executable"), pam.all)
        XCTAssertTrue(pam.stderr.contains("dlopen"), pam.all)
        XCTAssertFalse(pam.stderr.contains("Compiling"), "refused before cargo builds anything: \(pam.all)")
        let pulse = try Harness.run(["build", "--release"], in: try Harness.fixture("pulse-refused"))
        XCTAssertNotEqual(pulse.status, 0)
        XCTAssertTrue(pulse.stderr.contains("crate libpulse-sys 1.20.1 (used by pulse-refused 0.1.0) needs PulseAudio (libpulse)"), pulse.all)
        XCTAssertTrue(pulse.stderr.contains("fix: build audio programs dynamically"), pulse.all)
    }
}
