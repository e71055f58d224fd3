import ClaimdeckTestSupport
import Foundation
import Logging
import PostgresNIO
import Testing

@testable import PostgresStore

@Suite struct PostgresURLTests {
    @Test func partsAndARedactedDescription() throws {
        let url = try PostgresURL("postgresql://app:s3cret@db.example:6543/claimdeck?sslmode=require")
        #expect(url.host == "db.example")
        #expect(url.port == 6543)
        #expect(url.username == "app")
        #expect(url.password == "s3cret")
        #expect(url.database == "claimdeck")
        #expect(url.sslMode == "require")
        #expect(url.description == "postgres://app:***@db.example:6543/claimdeck?sslmode=require")
        #expect(!"\(url)".contains("s3cret"))
    }

    @Test func poolMaxConnsSizesThePoolAndABadOneNamesTheField() throws {
        let url = try PostgresURL("postgres://app@db.example/claimdeck?pool_max_conns=8&connect_timeout=3")
        #expect(url.poolMaxConnections == 8)
        #expect(url.description == "postgres://app@db.example:5432/claimdeck?connect_timeout=3&pool_max_conns=8")
        #expect(try PostgresURL("postgres://app@db.example/claimdeck").poolMaxConnections == nil)
        for bad in ["0", "1", "1001", "eight", ""] {
            let error = #expect(throws: PostgresStoreError.self) { try PostgresURL("postgres://app@db.example/c?pool_max_conns=\(bad)") }
            #expect(error?.description.contains("pool_max_conns") == true)
        }
    }

    @Test func notAURLSaysSoWithoutRepeatingIt() {
        let error = #expect(throws: PostgresStoreError.self) { try PostgresURL("mysql://u:s3cret@h/db") }
        #expect(error.map { !$0.description.contains("s3cret") } == true)
    }
}

@Suite struct PostgresOpeningTests {
    @Test func opensMigratesAndAnswersPing() async throws {
        let store = try await PostgresStore(url: PostgresURL(TestPostgres.freshDatabase()))
        defer { store.close() }
        try await store.ping()
        let versions = try await store.client.query("SELECT version FROM schema_migrations ORDER BY version", logger: store.logger)
        var applied: [Int] = []
        for try await v in versions.decode(Int.self) { applied.append(v) }
        #expect(applied == PostgresMigrations.all.map(\.version))
    }

    /// The smallest pool the URL allows still serves: the change feed's LISTEN holds one
    /// connection, writes and reads share the other.
    @Test func opensWithTheSmallestPool() async throws {
        let fresh = try TestPostgres.freshDatabase()
        let store = try await PostgresStore(url: PostgresURL(fresh + (fresh.contains("?") ? "&" : "?") + "pool_max_conns=2"))
        defer { store.close() }
        try await store.ping()
        #expect(try await store.settingOnce("k", "first") == "first")
        #expect(try await store.settingOnce("k", "second") == "first")
    }

    /// Three nodes start at once on an empty database: the advisory lock lets one migrate and the
    /// others find the schema done (without it, two would run CREATE TABLE and one would fail).
    @Test func nodesStartingAtOnceMigrateOnce() async throws {
        let url = try PostgresURL(TestPostgres.freshDatabase())
        let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
            for _ in 0..<3 { group.addTask { try await PostgresStore(url: url) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        defer { for store in stores { store.close() } }
        let rows = try await stores[0].client.query("SELECT count(*) FROM schema_migrations", logger: stores[0].logger)
        for try await count in rows.decode(Int.self) { #expect(count == PostgresMigrations.all.count) }
    }

    @Test func anUnreachableServerIsAClearErrorWithoutThePassword() async throws {
        let error = await #expect(throws: PostgresStoreError.self) {
            try await PostgresStore(url: PostgresURL("postgres://u:s3cret@127.0.0.1:1/none?sslmode=disable&connect_timeout=1"))
        }
        #expect(error?.description.contains("s3cret") == false)
        #expect(error?.description.contains("postgres://u:***@127.0.0.1:1/none") == true)
        // Within its connect_timeout, not after the pool's own retries (a minute and more).
        #expect(error?.description.contains("did not answer within 1 s") == true, "\(String(describing: error))")
    }
}
