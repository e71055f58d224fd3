import AuthEngine
import CoreMetrics
import Foundation
import Logging
import NIOPosix
import PostgresNIO

/// The store for several nodes: PostgreSQL through postgres-nio's pooled `PostgresClient`.
///
/// Reads go to any pooled connection; writes go through one group-committing writer per node
/// (`PostgresWriter`), whose transactions take the audit chain's advisory lock first, so all nodes
/// append to one chain. Single use (codes, refresh tokens, device codes, `jti`s, registration tokens)
/// is one conditional UPDATE or INSERT, so of two nodes redeeming the same code exactly one wins.
public final class PostgresStore: Sendable {
    /// The connections' own event loop thread: under load, PostgreSQL's answers are read at once
    /// instead of waiting behind HTTP work on the shared threads (measured: +10 % issuance).
    static let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    let client: PostgresClient
    let logger: Logger
    let writer: PostgresWriter
    let feed: PostgresChangeFeed
    private let runTask: Task<Void, Never>
    /// The URL connected to, password redacted.
    public let url: PostgresURL
    /// How long a store call waits for PostgreSQL: the URL's `connect_timeout`, else 5 s.
    let timeout: Duration

    /// Connects to the database `url` names and migrates it (under an advisory lock: of nodes
    /// starting at once one migrates, the others wait and find nothing to do).
    ///
    /// - Parameter maximumConnections: the pool's size on this node, unless the URL's
    ///   `pool_max_conns` names one.
    public init(
        url: PostgresURL,
        maximumConnections: Int = 20,
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        logger: Logger = Logger(label: "claimdeck.store")
    ) async throws {
        self.url = url
        self.logger = logger
        let timeout = Duration.seconds(url.connectTimeout ?? 5)
        self.timeout = timeout
        let tls: PostgresClient.Configuration.TLS
        switch url.sslMode ?? "prefer" {
        case "disable": tls = .disable
        case "allow", "prefer": tls = .prefer(.clientDefault)
        case "require", "verify-ca", "verify-full": tls = .require(.clientDefault)
        default: throw PostgresStoreError("unknown sslmode '\(url.sslMode ?? "")' in \(url): use disable, prefer, require or verify-full")
        }
        var configuration = PostgresClient.Configuration(
            host: url.host,
            port: url.port,
            username: url.username,
            password: url.password,
            database: url.database,
            tls: tls
        )
        configuration.options.maximumConnections = url.poolMaxConnections ?? maximumConnections
        configuration.options.connectTimeout = timeout
        // The pool logs every failed connection attempt at info while it retries; our own errors say it once.
        var background = logger
        background.logLevel = max(logger.logLevel, .warning)
        let client = PostgresClient(configuration: configuration, eventLoopGroup: Self.eventLoops, backgroundLogger: background)
        self.client = client
        // Queries wait until `run` has begun (postgres-nio warns of a lease before it).
        let (started, startedSignal) = AsyncStream<Void>.makeStream()
        runTask = Task {
            startedSignal.finish()
            await client.run()
        }
        for await _ in started {}
        let recorder = Recorder(label: "claimdeck_writer_batch_size", dimensions: [], aggregate: true, factory: metricsFactory)
        writer = PostgresWriter(client: client, timeout: timeout, logger: logger) { recorder.record($0) }
        feed = PostgresChangeFeed(client: client, logger: logger)
        do {
            _ = try await Deadline.run(timeout) {
                try await client.withConnection { connection in
                    try await PostgresMigrations.migrate(connection, logger: logger)
                }
            }
        } catch {
            feed.stop()
            runTask.cancel()
            throw PostgresStoreError("cannot open the PostgreSQL database at \(url): \(PostgresStoreError.wrap(error))")
        }
    }

    /// Stops taking writes and closes the pool's connections.
    public func close() {
        writer.stop()
        feed.stop()
        runTask.cancel()
    }

    /// Runs a read on a pooled connection and returns its rows.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let (client, logger) = (self.client, self.logger)
        do {
            return try await Deadline.run(timeout) { try await client.query(query, logger: logger).collect() }
        } catch {
            throw PostgresStoreError.wrap(error)
        }
    }

    func rows(_ sql: SQL) async throws -> [PostgresRow] { try await rows(sql.query) }

    /// Sets `key` to `value` unless it is set; returns the value now stored (the first writer's).
    public func settingOnce(_ key: String, _ value: String) async throws -> String {
        try await writer.submit { write in
            try await write.rows("INSERT INTO settings (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO NOTHING")
            return try await write.rows("SELECT value FROM settings WHERE key = \(key)").first?.decode(String.self) ?? value
        }
    }
}

extension PostgresStore: ChangeFeed {
    public func changes() -> AsyncStream<StoreChange> { feed.changes() }
}

extension PostgresStore: HealthCheckable {
    public func ping() async throws {
        _ = try await rows("SELECT 1")
    }
}
