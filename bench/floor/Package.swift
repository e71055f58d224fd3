// swift-tools-version:6.2
// The floor Claimdeck is measured against (bench/README.md): a bare Hummingbird 2 server with no
// store, no audit and no client lookup, that answers a static JSON and mints an ES256 JWT with
// jwt-kit. Its own package, so that its build never slows the product's.
import PackageDescription

let package = Package(
    name: "claimdeck-floor",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
    ],
    targets: [
        .executableTarget(
            name: "floor",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ]
        )
    ]
)
