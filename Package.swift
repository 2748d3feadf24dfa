// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "cargo-static",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "cargo-static", targets: ["cargo-static"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "CargoStaticCore", swiftSettings: [.swiftLanguageMode(.v5)]),
        .executableTarget(
            name: "cargo-static",
            dependencies: [
                "CargoStaticCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .testTarget(name: "CargoStaticCoreTests", dependencies: ["CargoStaticCore"],
                    swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["CargoStaticCore", "cargo-static"],
            exclude: ["Fixtures"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
    ]
)
