import Logging
import PostgresNIO

/// Versioned schema migrations, in code. Each is a list of statements (the extended protocol takes
/// one statement per query) applied in one transaction with its row in `schema_migrations`.
enum PostgresMigrations {
    /// The advisory lock key every node takes while it migrates, so two nodes starting at once do
    /// not both migrate: the second waits, then finds nothing left to do. ("claimdeck" in ASCII.)
    static let lockKey: Int64 = 0x636c_6169_6d64_6563

    static let all: [(version: Int, name: String, statements: [String])] = [
        (1, "config, tokens, audit", PostgresSchema.v1),
        (2, "user flows, partner grants, designs, settings", PostgresSchema.v2),
        (3, "shared throttles", PostgresSchema.v3),
        (4, "pushed authorization requests", PostgresSchema.v4),
        (5, "security event streams and outbox", PostgresSchema.v5),
    ]

    /// Applies the missing migrations under the advisory lock; returns the versions it applied.
    @discardableResult
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws -> [Int] {
        _ = try await connection.query("SELECT pg_advisory_lock(\(lockKey))", logger: logger)
        do {
            let applied = try await run(connection, logger: logger)
            _ = try await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
            return applied
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
            throw error
        }
    }

    private static func run(_ connection: PostgresConnection, logger: Logger) async throws -> [Int] {
        _ = try await connection.query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
            logger: logger
        )
        var done = Set<Int>()
        for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: logger).decode(Int.self) {
            done.insert(version)
        }
        var applied: [Int] = []
        for migration in all where !done.contains(migration.version) {
            _ = try await connection.query("BEGIN", logger: logger)
            do {
                for statement in migration.statements {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                _ = try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger
                )
                _ = try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
            logger.info("migrated the PostgreSQL schema", metadata: ["version": "\(migration.version)"])
            applied.append(migration.version)
        }
        return applied
    }
}
