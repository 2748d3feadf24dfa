// swift-tools-version:6.0
import PackageDescription

// Start-up speed (a no-op build is mostly start-up): concrete generic types are reached
// through metadata accessors instead of mangled names, which the runtime would demangle and
// check conformances for (a scan of every conformance record) on first use: about a quarter
// of a no-op build's instructions. Every configuration, so the debug build the tests run
// reaches types the way the shipped release build does.
let fastStart: [SwiftSetting] = [
    .swiftLanguageMode(.v5),
    .unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"]),
]

let package = Package(
    name: "cargo-static",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "cargo-static", targets: ["cargo-static"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // SHA-256 from BoringSSL (hardware instructions where the CPU has them).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
    ],
    targets: [
        // Content digests (cache manifests, SBOMs, OCI blobs, build ids) through swift-crypto.
        .target(name: "Digest", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // zlib compresses the embedded dependency list (`.dep-v0`); Debian: zlib1g-dev.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // posix_spawn with the options Glibc's Swift module does not show (chdir, closefrom).
        .target(name: "CSpawn"),
        .target(name: "CargoStaticCore", dependencies: ["Digest", "CZlib", "CSpawn"], swiftSettings: fastStart),
        .executableTarget(
            name: "cargo-static",
            dependencies: [
                "CargoStaticCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: fastStart
        ),
        .testTarget(name: "CargoStaticCoreTests", dependencies: ["CargoStaticCore", "Digest"],
                    swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["CargoStaticCore", "cargo-static"],
            exclude: ["Fixtures"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
    ]
)
