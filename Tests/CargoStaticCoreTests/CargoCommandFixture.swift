import Foundation
@testable import CargoStaticCore

/// The system toolchain and a zig link spec for x86_64 musl, as the tests of the cargo
/// command build it (nothing on disk is read).
enum CargoCommandFixture {
    static let toolchain = Toolchain(rustc: "/usr/bin/rustc", cargo: "/usr/bin/cargo", origin: .system, name: "system", versionInfo: "v",
                                     release: "1.96.0", host: "x86_64-unknown-linux-gnu", sysroot: "/nonexistent")

    static func zigLink(_ target: Target) -> LinkSpec {
        let driver = CompilerDriver(c: ["/z", "cc"], cxx: ["/z", "c++"], ar: ["/z", "ar"], ranlib: ["/z", "ranlib"], environment: [:], identity: "z")
        return LinkSpec(target: target, kind: .zig, driver: driver, wrapperDirectory: "/c", selfContainedCrt: false,
                        pie: true, wholeArchives: [], unwinderStub: nil, searchDirectories: [], trailing: [], objects: [],
                        profileRustflags: [], tool: "/cs")
    }
}
