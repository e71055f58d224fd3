import AuthEngine
import ClaimdeckTestSupport
import Foundation
import Testing

/// `ThrottleStore`: failed attempts counted per key, alike on every store, and the engine's use of it.
@Suite("Store conformance: shared throttles")
struct ThrottleConformanceTests {
    @Test(arguments: StoreKind.allCases)
    func failuresCountPerKeyRestartAfterTheForgetWindowAndAClearIsListed(kind: StoreKind) async throws {
        let f = try await ConformanceFixture.make(kind)
        defer { f.cleanup() }
        let t0 = f.clock.now()
        let once = try await f.store.recordThrottleFailures(keys: ["login|a", "login|b"], at: t0, forgetAfter: 900)
        #expect(once.map(\.failures) == [1, 1])
        let twice = try await f.store.recordThrottleFailures(keys: ["login|a"], at: t0.addingTimeInterval(10), forgetAfter: 900)
        #expect(twice == [ThrottleCount(key: "login|a", failures: 2, changedAt: t0.addingTimeInterval(10))])
        #expect(try await f.store.throttleCounts(changedSince: t0.addingTimeInterval(5)).map(\.key) == ["login|a"])
        #expect(try await f.store.throttleCounts(changedSince: t0).map(\.failures) == [2, 1])

        // A clear is kept as 0 so that other nodes hear of it; the next failure starts again at 1.
        try await f.store.clearThrottleFailures(keys: ["login|a"], at: t0.addingTimeInterval(20))
        #expect(
            try await f.store.throttleCounts(changedSince: t0.addingTimeInterval(15)) == [
                ThrottleCount(key: "login|a", failures: 0, changedAt: t0.addingTimeInterval(20))
            ]
        )
        #expect(try await f.store.recordThrottleFailures(keys: ["login|a"], at: t0.addingTimeInterval(30), forgetAfter: 900).map(\.failures) == [1])

        // Past the window a count starts again, and keys unchanged for that long are deleted.
        let late = t0.addingTimeInterval(30 + 900)
        #expect(try await f.store.recordThrottleFailures(keys: ["client|c"], at: late, forgetAfter: 900).map(\.failures) == [1])
        #expect(try await f.store.throttleCounts(changedSince: .distantPast).map(\.key) == ["client|c"])
    }

    @Test(arguments: StoreKind.allCases)
    func theEngineCountsFailedSignInsInTheStoreAndASuccessClearsThem(kind: StoreKind) async throws {
        let f = try await ConformanceFixture.make(kind)
        defer { f.cleanup() }
        try await f.createTenant()
        _ = try await f.engine.createUser(tenantID: ConformanceFixture.tenant, username: "alice", password: "correct horse battery", actor: "test")
        for _ in 0..<2 {
            await #expect(throws: LoginFailure.invalidCredentials) {
                try await f.engine.login(tenantID: ConformanceFixture.tenant, username: "alice", password: "wrong", remoteAddress: "192.0.2.7")
            }
        }
        let counts = try await f.store.throttleCounts(changedSince: .distantPast)
        #expect(counts.map(\.key) == ["login|a:t1:192.0.2.7", "login|u:t1:alice"])
        #expect(counts.map(\.failures) == [2, 2])

        _ = try await f.engine.login(
            tenantID: ConformanceFixture.tenant,
            username: "alice",
            password: "correct horse battery",
            remoteAddress: "192.0.2.7"
        )
        let after = try await f.store.throttleCounts(changedSince: .distantPast)
        #expect(after.map(\.failures) == [2, 0])  // the address keeps its count

        // A successful client authentication with nothing to clear writes nothing.
        let secret = try await f.registerService("svc")
        _ = try await f.issue("svc", secret: secret)
        #expect(try await f.store.throttleCounts(changedSince: .distantPast) == after)
    }
}
