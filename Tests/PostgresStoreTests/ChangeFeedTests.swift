import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

@testable import PostgresStore

/// Two nodes (two engines, each with its own store and pool) on one database. Their timers are test
/// clocks that never move, so no fallback poll ever runs: what arrives came through LISTEN/NOTIFY.
@Suite struct ChangeFeedTests {
    struct Node {
        let store: PostgresStore
        let engine: ClaimdeckEngine
    }

    func node(_ url: String, key: Data) async throws -> Node {
        let store = try await PostgresStore(url: PostgresURL(url), maximumConnections: 4)
        let engine = try await ClaimdeckEngine(
            store: store,
            masterKey: key,
            configuration: EngineConfiguration(publicBaseURL: "http://127.0.0.1:1", passwordCost: .testing),
            timer: TestClock()
        )
        return Node(store: store, engine: engine)
    }

    /// Two nodes on one fresh database, with one master key.
    func twoNodes() async throws -> (Node, Node) {
        let url = try TestPostgres.freshDatabase()
        let key = SecretBox.generateMasterKey()
        return (try await node(url, key: key), try await node(url, key: key))
    }

    /// Waits for `condition` with a generous real-time bound (the push itself takes milliseconds).
    func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(20) {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    @Test func aChangeThroughOneNodeReachesTheOthersConfigurationWithoutAPoll() async throws {
        let (a, b) = try await twoNodes()
        defer {
            a.store.close()
            b.store.close()
        }
        let watch = Task { await a.engine.config.watch() }
        defer { watch.cancel() }

        try await b.engine.createTenant(id: "t1", actor: "test")
        #expect(try await eventually { a.engine.config.snapshot.tenants["t1"] != nil })
        _ = try await b.engine.registerClient(tenantID: "t1", id: "svc", ClientSpec(name: "svc", audiences: ["https://api.example"]), actor: "test")
        #expect(try await eventually { a.engine.config.snapshot.clients["t1"]?["svc"] != nil })
    }

    @Test func theLiveAuditTailShowsEventsAppendedByAnotherNode() async throws {
        let (a, b) = try await twoNodes()
        defer {
            a.store.close()
            b.store.close()
        }

        // The tail reads its (empty) backlog first; only then does B append, so what the tail shows
        // next can only have come live, and with A's timer stopped only through the feed.
        let (backlogRead, backlogSignal) = AsyncStream<Void>.makeStream()
        let seen = Task { () throws -> [String] in
            var tail = a.engine.auditTail(backlog: 0).makeAsyncIterator()
            _ = try await tail.next()
            backlogSignal.finish()
            var types: [String] = []
            while let events = try await tail.next() {
                types += events.map(\.event.type.rawValue)
                if types.contains("tenant.created") { break }
            }
            return types
        }
        for await _ in backlogRead {}
        try await b.engine.createTenant(id: "t1", actor: "test")
        let result = try await withThrowingTaskGroup(of: [String]?.self) { group in
            group.addTask { try await seen.value }
            group.addTask {
                try await Task.sleep(for: .seconds(20))
                return nil
            }
            defer {
                group.cancelAll()
                seen.cancel()
            }
            return try await group.next()!
        }
        #expect(result?.contains("tenant.created") == true)
    }
}
