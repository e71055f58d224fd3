import AuthEngine
import Logging
import PostgresNIO

/// The store for several nodes: PostgreSQL through postgres-nio's pooled `PostgresClient`.
///
/// First step of issue 12: it connects, migrates under an advisory lock and answers `ping`; the
/// store protocols (ConfigStore, TokenStore, AuditStore, then the rest) are still to come.
public final class PostgresStore: Sendable {
    let client: PostgresClient
    let logger: Logger
    private let runTask: Task<Void, Never>
    /// The URL connected to, password redacted.
    public let url: PostgresURL

    /// Connects to the database `url` names and migrates it.
    public init(url: PostgresURL, logger: Logger = Logger(label: "claimdeck.store")) async throws {
        self.url = url
        self.logger = logger
        let tls: PostgresClient.Configuration.TLS
        switch url.sslMode ?? "prefer" {
        case "disable": tls = .disable
        case "allow", "prefer": tls = .prefer(try .clientDefault)
        case "require", "verify-ca", "verify-full": tls = .require(try .clientDefault)
        default: throw PostgresStoreError("unknown sslmode in \(url)")
        }
        let configuration = PostgresClient.Configuration(
            host: url.host,
            port: url.port,
            username: url.username,
            password: url.password,
            database: url.database,
            tls: tls
        )
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        runTask = Task { await client.run() }
        do {
            try await client.withConnection { connection in
                try await PostgresMigrations.migrate(connection, logger: logger)
            }
        } catch {
            runTask.cancel()
            throw PostgresStoreError("cannot open the PostgreSQL database at \(url): \(String(reflecting: error))")
        }
    }

    /// Closes the pool's connections.
    public func close() {
        runTask.cancel()
    }
}

extension PostgresStore: HealthCheckable {
    public func ping() async throws {
        _ = try await client.query("SELECT 1", logger: logger)
    }
}
