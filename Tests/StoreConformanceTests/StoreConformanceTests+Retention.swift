import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// `RetentionStore` and the engine's use of it: what a tenant's retention deletes, alike on every store.
@Suite("Store conformance: retention")
struct RetentionConformanceTests {
    static let day: Double = 86_400

    /// Access tokens, refresh tokens, codes, sessions, device authorizations, used assertion ids.
    static func each(_ c: PruneCounts) -> [Int] {
        [c.accessTokens, c.refreshTokens, c.codes, c.sessions, c.deviceAuthorizations, c.usedAssertions]
    }

    /// Tokens in every state a prune must tell apart, issued `days` before the clock's now.
    func seed(_ f: ConformanceFixture) async throws -> [String: String] {
        try await f.createTenant()
        try await f.engine.createTenant(id: "t2", actor: "test")
        let t0 = f.clock.now()
        var ids: [String: String] = [:]
        var records: [TokenRecord] = []
        func add(_ name: String, days: Double, lifetime: Double, kind: TokenKind = .access, tenant: String = ConformanceFixture.tenant) {
            let id = f.engine.ids.timeOrdered(at: t0.addingTimeInterval(-days * Self.day))
            ids[name] = id
            var r = f.record(id, kind: kind, issued: -days * Self.day, lifetime: lifetime)
            r.tenantID = tenant
            records.append(r)
        }
        add("expired long ago", days: 10, lifetime: 300)
        add("expired recently", days: 2, lifetime: 300)
        add("revoked long ago", days: 9, lifetime: 30 * Self.day, kind: .refresh)
        add("rotated, still valid", days: 9, lifetime: 30 * Self.day, kind: .refresh)
        add("rotated, expired long ago", days: 40, lifetime: 30 * Self.day, kind: .refresh)
        add("active, long-lived", days: 9, lifetime: 30 * Self.day, kind: .refresh)
        add("code, expired long ago", days: 10, lifetime: 60, kind: .authorizationCode)
        add("another tenant's, expired long ago", days: 10, lifetime: 300, tenant: "t2")
        try await f.store.record(tokens: records, audit: [])
        let t = ConformanceFixture.tenant
        _ = try await f.store.revoke(
            .token(tenantID: t, tokenID: ids["revoked long ago"]!),
            at: t0.addingTimeInterval(-8 * Self.day),
            reason: "revoked by an operator",
            audit: f.event(.tokenRevoked)
        )
        for name in ["rotated, still valid", "rotated, expired long ago"] {
            _ = try await f.store.revoke(
                .token(tenantID: t, tokenID: ids[name]!),
                at: records.first { $0.id == ids[name]! }!.issuedAt.addingTimeInterval(Self.day),
                reason: "refresh token rotated",
                audit: f.event(.tokenRevoked)
            )
        }
        for (id, expires, ended) in [("ended", 1.0, -8.0), ("expired", -8.0, nil), ("live", 1.0, nil)] as [(String, Double, Double?)] {
            let session = LoginSession(
                id: "session-\(id)",
                tenantID: t,
                userID: "u1",
                digest: SecretDigest.sha256(id),
                authTime: t0.addingTimeInterval(-9 * Self.day),
                amr: ["pwd"],
                createdAt: t0.addingTimeInterval(-9 * Self.day),
                expiresAt: t0.addingTimeInterval(expires * Self.day),
                endedAt: ended.map { t0.addingTimeInterval($0 * Self.day) }
            )
            try await f.store.createSession(session, audit: [])
        }
        for (jti, expires) in [("spent", -60.0), ("still guarding", 60.0)] {
            #expect(
                try await f.store.consumeAssertionID(
                    tenantID: t,
                    clientID: "c1",
                    jti: jti,
                    expiresAt: t0.addingTimeInterval(expires),
                    now: t0.addingTimeInterval(-120)
                )
            )
        }
        return ids
    }

    @Test(arguments: StoreKind.allCases)
    func aPruneDeletesWhatIsPastRetentionInBatchesAndKeepsRotatedTokensUntilTheyExpire(kind: StoreKind) async throws {
        let f = try await ConformanceFixture.make(kind)
        defer { f.cleanup() }
        let ids = try await seed(f)
        let tenant = try #require(f.engine.tenantSummaries().first { $0.tenant.id == ConformanceFixture.tenant }).tenant
        let cutoff = ClaimdeckEngine.retentionCutoff(tenant, at: f.clock.now())

        // A dry run counts and deletes nothing.
        let dry = try await f.store.prune(cutoff, limit: 1, dryRun: true)
        #expect(Self.each(dry) == [1, 2, 1, 2, 0, 1])
        for id in ids.values { #expect(try await f.store.token(id: id) != nil) }

        // At most `limit` rows of each kind a call, oldest tokens first.
        let first = try await f.store.prune(cutoff, limit: 1, dryRun: false)
        #expect(Self.each(first) == [0, 1, 0, 1, 0, 1])
        #expect(first.reached(1))
        #expect(try await f.store.token(id: ids["rotated, expired long ago"]!) == nil)
        let rest = try await f.store.prune(cutoff, limit: 100, dryRun: false)
        #expect(Self.each(rest) == [1, 1, 1, 1, 0, 0])
        #expect(!rest.reached(100))
        #expect(try await f.store.prune(cutoff, limit: 100, dryRun: false) == PruneCounts())

        for name in ["expired long ago", "revoked long ago", "rotated, expired long ago", "code, expired long ago"] {
            #expect(try await f.store.token(id: ids[name]!) == nil, "\(name) should be gone")
        }
        for name in ["expired recently", "rotated, still valid", "active, long-lived", "another tenant's, expired long ago"] {
            #expect(try await f.store.token(id: ids[name]!) != nil, "\(name) should be kept")
        }
        #expect(try await f.store.session(id: "session-live") != nil)
        #expect(try await f.store.session(id: "session-ended") == nil)
        #expect(try await f.store.session(id: "session-expired") == nil)
        // The spent assertion id is gone, the one still guarding its assertion is not: a replay stays refused.
        #expect(
            try await !f.store.consumeAssertionID(
                tenantID: ConformanceFixture.tenant,
                clientID: "c1",
                jti: "still guarding",
                expiresAt: f.clock.now().addingTimeInterval(60),
                now: f.clock.now()
            )
        )
    }

    @Test(arguments: StoreKind.allCases)
    func theEnginePrunesPerTenantRetentionAuditsWhatWentAndADryRunChangesNothing(kind: StoreKind) async throws {
        let f = try await ConformanceFixture.make(kind)
        defer { f.cleanup() }
        let ids = try await seed(f)
        let before = try await f.engine.latestAuditSequence()

        let dry = try await f.engine.prune(tenantID: ConformanceFixture.tenant, dryRun: true, actor: "test")
        #expect(dry.map(\.counts.tokens) == [4] as [Int])
        #expect(try await f.engine.latestAuditSequence() == before)

        // One day of retention: the token that expired two days ago goes too. Batches of 2 are
        // repeated until none is full.
        try await f.engine.updateTenantPolicy(ConformanceFixture.tenant, actor: "test") { $0.tokenRetention = 86_400 }
        let reports = try await f.engine.prune(dryRun: false, actor: "test", batchSize: 2, pause: .zero)
        #expect(reports.map(\.tenantID) == [ConformanceFixture.tenant, "t2"])
        #expect(reports.map(\.counts.tokens) == [5, 1] as [Int])
        #expect(try await f.store.token(id: ids["expired recently"]!) == nil)
        #expect(try await f.store.token(id: ids["rotated, still valid"]!) != nil)

        let events = try await f.engine.auditEvents(after: before, limit: 10, filter: AuditFilter(type: .retentionPruned))
        #expect(events.map(\.event.tenantID) == [ConformanceFixture.tenant, "t2"])
        #expect(events.first?.event.details["access_tokens"] == "2" && events.first?.event.details["refresh_tokens"] == "2")
        #expect(events.first?.event.actor == "test")
        // Nothing left: nothing deleted, nothing audited.
        let sequence = try await f.engine.latestAuditSequence()
        _ = try await f.engine.prune(dryRun: false, actor: "test")
        #expect(try await f.engine.latestAuditSequence() == sequence)
    }
}
