import AuthEngine
import ClaimdeckTestSupport
import Foundation
import Testing

/// A tenant's policy: its validation, and introspection events folded over the tenant's window.
@Suite("tenant policy")
struct TenantPolicyTests {
    static let t = ConformanceFixture.tenant

    @Test func aRefusedPolicyNamesTheFieldAndChangesNothingAndANoOpWritesNothing() async throws {
        let f = try await ConformanceFixture.make(.sqlite)
        defer { f.cleanup() }
        try await f.createTenant()
        let before = try await f.engine.latestAuditSequence()
        await #expect(throws: AdminError.invalid(field: "token_retention", "must be between 1h and 3650d (was 60 s)")) {
            try await f.engine.updateTenantPolicy(Self.t, actor: "test") { $0.tokenRetention = 60 }
        }
        await #expect(throws: AdminError.self) {
            try await f.engine.updateTenantPolicy(Self.t, actor: "test") { $0.introspectionAuditWindow = 7200 }
        }
        try await f.engine.updateTenantPolicy(Self.t, actor: "test") { $0.tokenRetention = TenantPolicy.defaultTokenRetention }
        #expect(try await f.engine.latestAuditSequence() == before)
        #expect(try f.engine.tenantSummary(Self.t).tenant.policy == TenantPolicy())

        let updated = try await f.engine.updateTenantPolicy(Self.t, actor: "test") { $0.tokenRetention = 3 * 86_400 }
        #expect(updated.policy.tokenRetention == 3 * 86_400)
        let events = try await f.engine.auditEvents(after: before, limit: 10, filter: AuditFilter(type: .tenantUpdated))
        #expect(events.map { $0.event.details["fields"] } == ["token_retention"])
        // Stored: a fresh engine over the same store reads it back.
        #expect(try await f.store.loadSnapshot().tenants[Self.t]?.policy.tokenRetention == 3 * 86_400)
    }

    @Test func introspectionsFoldPerTokenCallerAndAnswerOverTheTenantsWindowAndAllAreCounted() async throws {
        let f = try await ConformanceFixture.make(.sqlite)
        defer { f.cleanup() }
        try await f.createTenant()
        let service = try await f.registerService("svc", format: .opaque)
        let gateway = try await f.registerService("gateway")
        try await f.engine.updateTenantPolicy(Self.t, actor: "test") { $0.introspectionAuditWindow = 60 }
        let token = try await f.issue("svc", secret: service).accessToken
        for _ in 0..<3 { #expect(try await f.isActive(token, caller: "gateway", secret: gateway)) }
        #expect(try await !f.isActive("cdo_unknown", caller: "gateway", secret: gateway))
        let introspected = AuditFilter(type: .tokenIntrospected)

        // The window is still open: nothing written yet.
        f.clock.advance(by: 30)
        await f.engine.flushAggregatedRefusals()
        #expect(try await f.engine.auditEvents(limit: 10, filter: introspected).isEmpty)

        f.clock.advance(by: 31)
        await f.engine.flushAggregatedRefusals()
        let events = try await f.engine.auditEvents(limit: 10, filter: introspected).map(\.event)
        #expect(events.count == 2)
        #expect(events.map { $0.details["count"] ?? "-" }.sorted() == ["1", "3"])
        #expect(events.allSatisfy { $0.details["aggregated"] == "true" && $0.clientID == "gateway" })
        #expect(events.first { $0.details["count"] == "3" }?.details["active"] == "true")
    }

    @Test func withoutAWindowEveryIntrospectionIsAnEventWrittenWithoutWaitingForTheDisk() async throws {
        let f = try await ConformanceFixture.make(.sqlite)
        defer { f.cleanup() }
        try await f.createTenant()
        let service = try await f.registerService("svc", format: .opaque)
        let gateway = try await f.registerService("gateway")
        let token = try await f.issue("svc", secret: service).accessToken
        for _ in 0..<3 { #expect(try await f.isActive(token, caller: "gateway", secret: gateway)) }
        let before = try await f.store.events(after: 0, limit: 100, filter: AuditFilter(type: .tokenIntrospected))
        #expect(before.isEmpty)  // deferred: no commit was waited for
        // Any read of the log through the engine appends them first.
        #expect(try await f.engine.auditEvents(limit: 10, filter: AuditFilter(type: .tokenIntrospected)).count == 3)
    }
}
