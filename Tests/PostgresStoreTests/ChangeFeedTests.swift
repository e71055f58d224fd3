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

    func node(_ url: String, key: Data, clock: any WallClock = SystemWallClock()) async throws -> Node {
        let store = try await PostgresStore(url: PostgresURL(url), maximumConnections: 4)
        let engine = try await ClaimdeckEngine(
            store: store,
            masterKey: key,
            configuration: EngineConfiguration(publicBaseURL: "http://127.0.0.1:1", passwordCost: .testing),
            clock: clock,
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

    @Test func failedSignInsSpreadOverThreeNodesAreThrottledAsOnOne() async throws {
        let url = try TestPostgres.freshDatabase()
        let key = SecretBox.generateMasterKey()
        // One wall clock that stands still: the throttle's first delay (1 s from the last failure)
        // cannot run out while a loaded machine delivers the notifications.
        let clock = ManualWallClock(Date())
        let nodes = [
            try await node(url, key: key, clock: clock), try await node(url, key: key, clock: clock), try await node(url, key: key, clock: clock),
        ]
        defer { for n in nodes { n.store.close() } }
        let watches = nodes.map { n in Task { await n.engine.watchSharedThrottles() } }
        defer { for w in watches { w.cancel() } }
        try await nodes[0].engine.createTenant(id: "t1", actor: "test")
        _ = try await nodes[0].engine.createUser(tenantID: "t1", username: "alice", password: "correct horse battery", actor: "test")
        for n in nodes { _ = try await n.engine.config.refreshIfChanged() }

        // One wrong password on each node: three failures, the account's free ones (a different
        // address each time, so only the account's count can stop the fourth).
        for (i, n) in nodes.enumerated() {
            await #expect(throws: LoginFailure.invalidCredentials) {
                try await n.engine.login(tenantID: "t1", username: "alice", password: "guess \(i)", remoteAddress: "192.0.2.\(i)")
            }
        }
        // The first node learns of the other two's through the feed (its timer never moves: no poll).
        #expect(try await eventually { nodes[0].engine.throttle.wait(account: "u:t1:alice", address: nil, now: clock.now()) > 0 })
        // Even the right password, from a fourth address, waits.
        let refused = await #expect(throws: LoginFailure.self) {
            try await nodes[0].engine.login(tenantID: "t1", username: "alice", password: "correct horse battery", remoteAddress: "192.0.2.9")
        }
        guard case .throttled(let retryAfter) = refused else {
            Issue.record("not throttled: \(String(describing: refused))")
            return
        }
        #expect(retryAfter >= 1)
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
