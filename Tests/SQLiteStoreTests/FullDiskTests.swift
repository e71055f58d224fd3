import AuthEngine
import ClaimdeckTestSupport
import Foundation
import GRDB
import JOSE
import Logging
import MetricsTestKit
import Testing

@testable import SQLiteStore

/// A full disk, for real: SQLite's `max_page_count` on the writer's connection makes the database
/// unable to grow, and SQLite answers SQLITE_FULL exactly as it does when the file system is full.
@Suite("a full disk")
struct FullDiskTests {
    static let tenant = "t1"

    struct Setup {
        let dir: URL
        let store: SQLiteStore
        let engine: ClaimdeckEngine
        let clock: ManualWallClock
        let logs: LogCapture
        let metrics: TestMetrics
        let secret: String

        func request(_ pairs: [(String, String)]) -> TokenEndpointRequest {
            let basic = "Basic " + Data("svc:\(secret)".utf8).base64EncodedString()
            return TokenEndpointRequest(tenantID: FullDiskTests.tenant, form: FormParameters(pairs: pairs), authorization: basic)
        }

        func issue() async throws -> TokenResponse {
            try await engine.token(request([("grant_type", "client_credentials")]))
        }

        /// Lets the database grow by `pages` more pages at most (nil: no limit).
        func limitGrowth(to pages: Int?) throws {
            try store.pool.writeWithoutTransaction { db in
                let count = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
                _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(pages.map { count + $0 } ?? 1_073_741_823)")
            }
        }
    }

    func setUp() async throws -> Setup {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("claimdeck-full-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let logs = LogCapture()
        let logger = Logger(label: "test") { logs.handler(label: $0) }
        let metrics = TestMetrics()
        let store = try SQLiteStore(path: dir.appendingPathComponent("full.db").path, durable: false, logger: logger)
        let clock = ManualWallClock()
        let engine = try await ClaimdeckEngine(
            store: store,
            masterKey: SecretBox.generateMasterKey(),
            configuration: EngineConfiguration(publicBaseURL: "http://127.0.0.1:1", passwordCost: .testing),
            clock: clock,
            metrics: EngineMetrics(factory: metrics),
            logger: logger
        )
        try await engine.createTenant(id: Self.tenant, actor: "test")
        let spec = ClientSpec(name: "svc", audiences: ["https://api.example"], tokenFormat: .opaque)
        let secret = try #require(try await engine.registerClient(tenantID: Self.tenant, id: "svc", spec, actor: "test").secret)
        return Setup(dir: dir, store: store, engine: engine, clock: clock, logs: logs, metrics: metrics, secret: secret)
    }

    @Test("not ready while writes fail, ready again once space returns; the errors logged once per interval, lost audit events counted")
    func readinessLogsAndLostAuditEvents() async throws {
        let s = try await setUp()
        defer {
            s.store.close()
            try? FileManager.default.removeItem(at: s.dir)
        }
        let kept = try await s.issue()
        try await s.engine.checkStore()

        try s.limitGrowth(to: 0)
        // Free pages inside the file may take a few more rows; then every issuance is refused.
        var refusals = 0
        for _ in 0..<2_000 where refusals < 50 {
            do {
                _ = try await s.issue()
            } catch let error as OAuthError {
                #expect(error.code == "temporarily_unavailable" && error.status == 503)
                refusals += 1
            }
        }
        #expect(refusals == 50, "the database never filled")

        // A load balancer asking /readyz learns it is not ready.
        await #expect(throws: AdminError.self) { try await s.engine.checkStore() }

        // Introspection still answers from what is stored; its audit events are counted as unrecorded.
        // (The few that still fit in the audit table's last page are recorded.)
        for _ in 0..<200 {
            #expect(try await s.engine.introspect(s.request([("token", kept.accessToken)])).active)
        }
        // Introspection's events are appended after their answers (DeferredAudit): now.
        await s.engine.flushDeferredAudit()
        let lost = try s.metrics.expectCounter("claimdeck_audit_events_unrecorded_total", [("type", "token.introspected")])
        #expect(lost.totalValue >= 1)

        // 50 refusals, each with its refusal audit unrecorded: one line each, not fifty.
        let persisted = s.logs.all.filter { $0.contains("token not persisted") }
        #expect(persisted.count == 1, "\(persisted)")
        // After the interval the next one is logged with the count of those it stood for.
        s.clock.advance(by: 11)
        _ = try? await s.issue()
        let again = s.logs.all.filter { $0.contains("token not persisted") }
        #expect(again.count == 2 && again[1].contains("repeated=49"), "\(again)")
        // The store logs when writes start failing and when one succeeds again (a small audit row may
        // still fit in a page), not each failure: the lines alternate, starting with a failure.
        let transitions = s.logs.all.compactMap { line in
            line.contains("writes fail;") ? "fail" : line.contains("writes succeed again") ? "ok" : nil
        }
        #expect(transitions.first == "fail" && zip(transitions, transitions.dropFirst()).allSatisfy { $0 != $1 }, "\(transitions)")

        // Space returns: readiness comes back by itself (its own write), and issuance works.
        try s.limitGrowth(to: nil)
        try await s.engine.checkStore()
        #expect(s.logs.all.contains { $0.contains("writes succeed again") })
        let after = try await s.issue()
        #expect(try await s.engine.introspect(s.request([("token", after.accessToken)])).active)
        // Nothing acknowledged was lost.
        #expect(try await s.engine.introspect(s.request([("token", kept.accessToken)])).active)
    }
}
