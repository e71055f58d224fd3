// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    // The issuance hot path crosses JOSE -> AuthEngine -> SQLiteStore -> OAuthHTTP; let the optimizer
    // specialize generics across those module boundaries.
    .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
]

let package = Package(
    name: "claimdeck",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "claimdeck", targets: ["claimdeck"]),
        // For Swift APIs on Hummingbird that accept Claimdeck's tokens (README "Protecting a Swift API").
        .library(name: "ClaimdeckResourceServer", targets: ["ClaimdeckResourceServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // NIOHTTPTypes: the HTTP parts Hummingbird's channel pipeline carries (the connection guard watches them).
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        // HummingbirdTesting's request headers (tests only); no traits, as Hummingbird asks for none.
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0", traits: []),
        // Runs the `claimdeck` binary and the Authlib client in ClaimdeckCLITests.
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        // The PostgreSQL store (issue 12): PostgresClient has the connection pool built in.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // HTTPS (issue 15): NIOSSL serves it; X509 reads and checks the certificate and key files.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    ],
    targets: [
        // JOSE: keys, JWS, JWK, sealing, digests. Pure crypto, no engine knowledge.
        .target(
            name: "JOSE",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The authorization server as pure Swift: no sockets, no SQL, no terminal.
        .target(
            name: "AuthEngine",
            dependencies: [
                "JOSE",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // GRDB implementation of the engine's store protocols.
        .target(
            name: "SQLiteStore",
            dependencies: [
                "AuthEngine", "JOSE",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // postgres-nio implementation of the engine's store protocols, for several nodes on one database.
        .target(
            name: "PostgresStore",
            dependencies: [
                "AuthEngine", "JOSE",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Hummingbird 2 routes: translates HTTP <-> engine.
        .target(
            name: "OAuthHTTP",
            dependencies: [
                "AuthEngine", "JOSE",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // The resource-server library: token validation (JWKS, RFC 9068, introspection), the token and
        // claims cache, the RFC 6750 middleware. Knows the issuer only over HTTP: no engine, no store.
        .target(
            name: "ClaimdeckResourceServer",
            dependencies: [
                "JOSE",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The demo's invoices API, protected by ClaimdeckResourceServer: the example of the README.
        .executableTarget(
            name: "InvoicesAPI",
            dependencies: [
                "ClaimdeckResourceServer", "JOSE",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Tenant definitions as YAML (demo data, config as code).
        .target(
            name: "TenantYAML",
            dependencies: ["AuthEngine", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        // The HTTP client of external claim lookups (the engine itself does no I/O).
        .target(
            name: "ClaimLookupHTTP",
            dependencies: [
                "AuthEngine",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The command line: argument parsing and wiring, as a library so commands can be tested.
        .target(
            name: "ClaimdeckCLI",
            dependencies: [
                "AuthEngine", "SQLiteStore", "PostgresStore", "OAuthHTTP", "TenantYAML", "ConsoleUI", "ConsoleTerminal", "ClaimLookupHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // libncursesw as a Swift module; only ConsoleTerminal imports it.
        .systemLibrary(name: "CNcursesw", pkgConfig: "ncursesw", providers: [.apt(["libncurses-dev"])]),
        // The console as pure Swift: screens as state machines, key maps, themes, widgets over a cell grid.
        .target(
            name: "ConsoleUI",
            dependencies: ["AuthEngine", "JOSE", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        // Flushes the cell grid to the terminal, reads keys, owns the UI thread.
        .target(name: "ConsoleTerminal", dependencies: ["CNcursesw", "ConsoleUI", "AuthEngine"], swiftSettings: swiftSettings),
        .executableTarget(name: "claimdeck", dependencies: ["ClaimdeckCLI"], swiftSettings: swiftSettings),
        // The engine and store under load without HTTP (see bench/README.md).
        .executableTarget(
            name: "EngineBench",
            dependencies: ["AuthEngine", "SQLiteStore", "TenantYAML", "JOSE"],
            swiftSettings: swiftSettings
        ),

        // The resource-server library's validations per second, fresh and cached, and memory per token.
        .executableTarget(
            name: "ResourceServerBench",
            dependencies: ["ClaimdeckResourceServer", "JOSE", .product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: swiftSettings
        ),

        // The console screens at 5,000 audit events/s and over 1,000,000 tokens.
        .executableTarget(
            name: "ConsoleBench",
            dependencies: ["ConsoleUI", "AuthEngine", "SQLiteStore", "TenantYAML", "JOSE"],
            swiftSettings: swiftSettings
        ),

        // What the test targets share: the demo tenant as a cached template database, its clients and
        // secrets, repository paths, a log capture and a manual `Clock`. A regular target under Tests/.
        .target(
            name: "ClaimdeckTestSupport",
            dependencies: [
                "AuthEngine", "JOSE", "SQLiteStore", "TenantYAML",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Tests/ClaimdeckTestSupport",
            swiftSettings: swiftSettings
        ),

        .testTarget(name: "JOSETests", dependencies: ["JOSE"], swiftSettings: swiftSettings),
        .testTarget(name: "AuthEngineTests", dependencies: ["AuthEngine", "JOSE"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SQLiteStoreTests",
            dependencies: [
                "SQLiteStore", "AuthEngine", "JOSE", "TenantYAML", "ClaimdeckTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // The store protocols' semantics and the engine's flows over every store: memory, SQLite and
        // PostgreSQL (TestPostgres), so the stores cannot drift.
        .testTarget(
            name: "StoreConformanceTests",
            dependencies: ["SQLiteStore", "PostgresStore", "AuthEngine", "JOSE", "ClaimdeckTestSupport"],
            swiftSettings: swiftSettings
        ),
        // Against a throwaway PostgreSQL (TestPostgres): fails, never skips, in CI without one.
        .testTarget(
            name: "PostgresStoreTests",
            dependencies: [
                "PostgresStore", "AuthEngine", "ClaimdeckTestSupport", .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OAuthHTTPTests",
            dependencies: [
                "OAuthHTTP", "SQLiteStore", "AuthEngine", "TenantYAML", "ClaimdeckCLI", "ClaimLookupHTTP", "JOSE", "ClaimdeckTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // The resource-server library against a real Claimdeck server on loopback, its middleware in process.
        .testTarget(
            name: "ClaimdeckResourceServerTests",
            dependencies: [
                "ClaimdeckResourceServer", "JOSE", "OAuthHTTP", "AuthEngine", "SQLiteStore", "ClaimdeckTestSupport", "ClaimLookupHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ConsoleUITests",
            dependencies: ["ConsoleUI", "AuthEngine", "SQLiteStore", "TenantYAML", "JOSE", "ClaimdeckTestSupport"],
            swiftSettings: swiftSettings
        ),
        // Runs the real `claimdeck` binary as a subprocess: exit codes, output, a server beside the CLI.
        .testTarget(
            name: "ClaimdeckCLITests",
            dependencies: [
                "ClaimdeckCLI", "JOSE", "ClaimdeckTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
