import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import SQLiteStore
import Testing

/// The stores the conformance suites run over: whatever passes here passes on both.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, memory, postgres

    var testDescription: String { rawValue }
}

/// The store protocols' semantics, over MemoryStore, SQLiteStore and PostgresStore alike: what each call answers,
/// what it refuses, and that a refused call changes nothing.
@Suite("Store conformance: configuration, tokens, audit")
struct StoreConformanceTests {
    let T = ConformanceFixture.tenant

    @Test(arguments: StoreKind.allCases)
    func configVersionMovesOnEveryApplyAndARefusedApplyChangesNothing(kind: StoreKind) async throws {
        let f = try await ConformanceFixture.make(kind)
        defer { f.cleanup() }
        #expect(try await f.store.configVersion() == 1)
        try await f.createTenant()
        #expect(try await f.store.configVersion() == 2)
        try await f.store.apply([], audit: [])
        let snapshot = try await f.store.loadSnapshot()
        #expect(snapshot.version == 3)
        #expect(snapshot.keys[T]?.map(\.state) == [.active, .next])
        #expect(snapshot.clients[T] == nil && snapshot.scopes[T] == nil)

        let now = f.clock.now()
        let alice = User(tenantID: T, id: "u-a", username: "alice", createdAt: now)
        let refused: [[ConfigMutation]] = [
            // A username another user of the tenant has.
            [.putUser(alice), .putUser(User(tenantID: T, id: "u-b", username: "alice", createdAt: now))],
            // A row of a tenant that does not exist, after one that is fine.
            [.putScope(ScopeDefinition(tenantID: T, name: "fine")), .putScope(ScopeDefinition(tenantID: "ghost", name: "x"))],
            // A token exchange policy of a client that does not exist.
            [.putTokenExchangePolicy(TokenExchangePolicy(tenantID: T, clientID: "nobody", targetAudiences: ["x"], createdAt: now, updatedAt: now))],
        ]
        for mutations in refused {
            await #expect(throws: (any Error).self) { try await f.store.apply(mutations, audit: [f.event(.configLoaded)]) }
        }
        #expect(try await f.store.configVersion() == 3)
        #expect(try await f.store.users(tenantID: T).isEmpty)
        #expect(try await f.store.loadSnapshot().scopes[T] == nil)
        #expect(try await f.store.latestSequence() == 1)  // tenant.created only: the audit of a refused apply is gone too

        // Users come back ordered by username; renaming onto one's own name is no clash.
        try await f.store.apply(
            [.putUser(User(tenantID: T, id: "u-b", username: "bob", createdAt: now)), .putUser(alice), .putUser(alice)],
            audit: []
        )
        #expect(try await f.store.users(tenantID: T).map(\.id) == ["u-a", "u-b"])
        #expect(try await f.store.user(tenantID: T, username: "bob")?.id == "u-b")
        #expect(try await f.store.user(tenantID: T, id: "u-a") == alice)
        #expect(try await f.store.user(tenantID: "other", id: "u-a") == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func registrationTokensAndDesignVersionsAreTakenOnce(kind: StoreKind) async throws {
        let f = try await ConformanceFixture.make(kind)
        defer { f.cleanup() }
        try await f.createTenant()
        let now = f.clock.now()
        let token = RegistrationToken(
            tenantID: T,
            id: "r1",
            digest: SecretDigest.sha256("r1"),
            expiresAt: now.addingTimeInterval(60),
            usesLeft: 1,
            createdAt: now
        )
        try await f.store.apply([.putRegistrationToken(token)], audit: [])
        try await f.store.apply([.consumeRegistrationToken(tenantID: T, id: "r1", now: now)], audit: [])
        for at in [now, now.addingTimeInterval(-120)] {
            do {
                try await f.store.apply([.consumeRegistrationToken(tenantID: T, id: "r1", now: at)], audit: [])
                Issue.record("a used-up token was consumed")
            } catch let error as AdminError {
                #expect(error.code == .conflict && error.field == "initial access token")
            }
        }
        #expect(try await f.store.loadSnapshot().registrationTokens[T]?["r1"]?.usesLeft == 0)
        // Expired (at its expiry exactly) with uses left: refused as well.
        try await f.store.apply(
            [
                .putRegistrationToken(
                    RegistrationToken(
                        tenantID: T,
                        id: "r2",
                        digest: Data(),
                        expiresAt: now,
                        usesLeft: 5,
                        createdAt: now
                    )
                )
            ],
            audit: []
        )
        await #expect(throws: AdminError.self) { try await f.store.apply([.consumeRegistrationToken(tenantID: T, id: "r2", now: now)], audit: []) }

        let v1 = DesignVersion(tenantID: T, number: 1, design: TokenDesign(), author: "a", note: "first", createdAt: now)
        try await f.store.apply([.recordDesignVersion(v1)], audit: [])
        do {
            try await f.store.apply(
                [
                    .putDesignDraft(DesignDraft(tenantID: T, design: TokenDesign(), baseVersion: 1, author: "b", updatedAt: now)),
                    .recordDesignVersion(
                        DesignVersion(
                            tenantID: T,
                            number: 1,
                            design: TokenDesign(),
                            author: "b",
                            note: "race",
                            createdAt: now
                        )
                    ),
                ],
                audit: []
            )
            Issue.record("version 1 was published twice")
        } catch let error as AdminError {
            #expect(error.code == .conflict && error.field == "design")
        }
        #expect(try await f.store.designVersions(tenantID: T) == [v1])
        #expect(try await f.store.designVersion(tenantID: T, number: 1)?.note == "first")
        #expect(try await f.store.designDraft(tenantID: T) == nil)  // the draft went with the refused transaction
    }

    /// Every filter of `TokenQuery`, paged by `before`, answers what filtering every token would.
    @Test(arguments: StoreKind.allCases)
    func tokenQueriesFilterAndPageNewestFirst(kind: StoreKind) async throws {
        let f = try await ConformanceFixture.make(kind)
        defer { f.cleanup() }
        var all: [TokenRecord] = []
        for k in 0..<90 {
            var r = f.record(
                String(format: "T%04d", k),
                client: k % 3 == 0 ? "c1" : "c2",
                subject: k % 2 == 0 ? "s1" : "s2",
                kind: k % 4 == 0 ? .refresh : .access,
                issued: Double(k),
                lifetime: [10, 100_000, 50][k % 3],
                family: k % 5 == 0 ? "f1" : nil
            )
            if k % 7 == 0 { r.revokedAt = f.clock.now().addingTimeInterval(1) }
            all.append(r)
        }
        var other = f.record("T9999")
        other.tenantID = "other"
        try await f.store.record(tokens: all + [other], audit: [])
        let now = f.clock.now().addingTimeInterval(60)
        let start = f.clock.now()
        let queries: [TokenQuery] =
            [TokenRecord.Status?.none, .active, .expired, .revoked].flatMap { status in
                [nil, TokenKind.refresh].flatMap { kind in
                    [nil, "c1"].flatMap { client in
                        [nil, start.addingTimeInterval(10.5)].map { since in
                            TokenQuery(tenantID: T, clientID: client, kind: kind, status: status, limit: 7, issuedSince: since)
                        }
                    }
                }
            } + [
                TokenQuery(tenantID: T, subject: "s2", limit: 7), TokenQuery(tenantID: T, status: .active, limit: 7, familyID: "f1"),
                TokenQuery(tenantID: T, limit: 7, issuedUntil: start.addingTimeInterval(20.2)),
            ]
        for q in queries {
            let expected = all.filter { t in
                (q.clientID == nil || t.clientID == q.clientID) && (q.subject == nil || t.subject == q.subject)
                    && (q.kind == nil || t.kind == q.kind) && (q.familyID == nil || t.familyID == q.familyID)
                    && (q.status == nil || t.status(at: now) == q.status)
                    && (q.issuedSince == nil || t.issuedAt >= start.addingTimeInterval(11))
                    && (q.issuedUntil == nil || t.issuedAt < start.addingTimeInterval(21))
            }.map(\.id).sorted(by: >)
            var seen: [String] = []
            var page = q
            while true {
                let found = try await f.store.tokens(matching: page, at: now)
                seen += found.map(\.id)
                guard found.count == page.limit, let last = found.last else { break }
                page.before = last.id
            }
            #expect(!expected.isEmpty)
            #expect(seen == expected, "\(q)")
        }
        #expect(try await f.store.tokens(matching: TokenQuery(tenantID: "other"), at: now).map(\.id) == ["T9999"])
    }

    /// Token times are whole seconds once stored: a token that expires half a second after `now` has
    /// expired at `now` already, in both stores.
    @Test(arguments: StoreKind.allCases)
    func tokenTimesAreWholeSecondsAndKeysCountTheirActiveTokens(kind: StoreKind) async throws {
        let f = try await ConformanceFixture.make(kind)
        defer { f.cleanup() }
        let start = f.clock.now()
        try await f.store.record(
            tokens: [
                f.record("A", issued: 0.7, lifetime: 39.8, keyID: "k1"), f.record("B", lifetime: 90, keyID: "k1"),
                f.record("C", lifetime: 30, keyID: "k2"), f.record("D", lifetime: 500),
            ],
            audit: []
        )
        let a = try #require(try await f.store.token(id: "A"))
        #expect(a.issuedAt == start && a.expiresAt == start.addingTimeInterval(40))
        let now = start.addingTimeInterval(40.2)
        #expect(try await f.store.tokens(matching: TokenQuery(tenantID: T, status: .expired), at: now).map(\.id) == ["C", "A"])
        let byKey = try await f.store.outstandingByKey(tenantID: T, at: now)
        #expect(byKey.count == 1 && byKey["k1"]?.count == 1 && byKey["k1"]?.until == start.addingTimeInterval(90))
        // A duplicate id fails the whole call; the others of the call are not stored either.
        await #expect(throws: (any Error).self) { try await f.store.record(tokens: [f.record("E"), f.record("A")], audit: [f.event()]) }
        await #expect(throws: (any Error).self) { try await f.store.record(tokens: [f.record("F"), f.record("F")], audit: [f.event()]) }
        #expect(try await f.store.token(id: "E") == nil)
        #expect(try await f.store.token(id: "F") == nil)
        #expect(try await f.store.latestSequence() == 0)
    }

    @Test(arguments: StoreKind.allCases)
    func redemptionIsSingleUseAndOfTwoConcurrentOnesExactlyOneWins(kind: StoreKind) async throws {
        let f = try await ConformanceFixture.make(kind)
        defer { f.cleanup() }
        let now = f.clock.now()
        for round in 0..<10 {
            let code = f.record("C\(round)", kind: .authorizationCode, lifetime: 60)
            try await f.store.record(tokens: [code], audit: [])
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for racer in 0..<2 {
                    group.addTask {
                        try await f.store.redeem(
                            tokenID: code.id,
                            tenantID: ConformanceFixture.tenant,
                            at: now,
                            reason: "redeemed",
                            issuing: [f.record("A\(round)-\(racer)")],
                            audit: [f.event(tokenID: code.id)]
                        )
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(wins.filter { $0 }.count == 1)
            let issued = [try await f.store.token(id: "A\(round)-0"), try await f.store.token(id: "A\(round)-1")].compactMap { $0 }
            #expect(issued.count == 1)
            let used = try #require(try await f.store.token(id: code.id))
            #expect(used.revokedAt == now && used.revocationReason == "redeemed")
        }
        #expect(try await f.store.latestSequence() == 10)  // the losers recorded nothing

        let code = f.record("CX", kind: .authorizationCode, lifetime: 60)
        try await f.store.record(tokens: [code, f.record("TAKEN")], audit: [])
        // Another tenant's code, or one that expired, is not redeemed.
        #expect(try await f.store.redeem(tokenID: "CX", tenantID: "other", at: now, reason: "r", issuing: [], audit: []) == false)
        #expect(try await f.store.redeem(tokenID: "CX", tenantID: T, at: now.addingTimeInterval(60), reason: "r", issuing: [], audit: []) == false)
        // New tokens that cannot be stored leave the code unused.
        await #expect(throws: (any Error).self) {
            try await f.store.redeem(tokenID: "CX", tenantID: T, at: now, reason: "r", issuing: [f.record("TAKEN")], audit: [f.event()])
        }
        #expect(try await f.store.token(id: "CX")?.revokedAt == nil)
        #expect(try await f.store.redeem(tokenID: "CX", tenantID: T, at: now, reason: "r", issuing: [f.record("NEW")], audit: []))
        #expect(try await f.store.latestSequence() == 10)
    }

    @Test(arguments: StoreKind.allCases)
    func anAssertionIDIsUsedOnceUntilItExpires(kind: StoreKind) async throws {
        let f = try await ConformanceFixture.make(kind)
        defer { f.cleanup() }
        let now = f.clock.now()
        let until = now.addingTimeInterval(60)
        #expect(try await f.store.consumeAssertionID(tenantID: T, clientID: "c1", jti: "j1", expiresAt: until, now: now))
        let later = now.addingTimeInterval(59.9)
        #expect(try await f.store.consumeAssertionID(tenantID: T, clientID: "c1", jti: "j1", expiresAt: until, now: later) == false)
        // Per client and tenant.
        #expect(try await f.store.consumeAssertionID(tenantID: T, clientID: "c2", jti: "j1", expiresAt: until, now: now))
        #expect(try await f.store.consumeAssertionID(tenantID: "other", clientID: "c1", jti: "j1", expiresAt: until, now: now))
        // Once the assertion has expired its jti is forgotten.
        #expect(try await f.store.consumeAssertionID(tenantID: T, clientID: "c1", jti: "j1", expiresAt: until.addingTimeInterval(60), now: until))
        #expect(try await f.store.consumeAssertionID(tenantID: T, clientID: "c1", jti: "j1", expiresAt: until, now: until) == false)
    }

    @Test(arguments: StoreKind.allCases)
    func auditEventsAreNumberedFilteredAndChained(kind: StoreKind) async throws {
        let f = try await ConformanceFixture.make(kind)
        defer { f.cleanup() }
        let time = Date(timeIntervalSince1970: 1_800_000_000.123_456)
        let drafts = [
            AuditEventDraft(time: time, type: .tokenIssued, tenantID: T, clientID: "c1", subject: "s1", tokenID: "x1", actor: "a"),
            AuditEventDraft(
                time: time,
                type: .tokenRefused,
                outcome: .failure,
                tenantID: T,
                clientID: "c2",
                reason: "invalid_client",
                details: ["description": "wrong | secret \\ here", "b": "2"]
            ),
            AuditEventDraft(time: time, type: .tokenIssued, tenantID: "other", clientID: "c1", subject: "s2", tokenID: "x2"),
            AuditEventDraft(time: time, type: .tokenRevoked, tenantID: T, subject: "s1", tokenID: "x1"),
            AuditEventDraft(time: time, type: .tokenIssued, tenantID: T, clientID: "c1", subject: "s1", tokenID: "x3"),
        ]
        try await f.store.append([])
        try await f.store.append(Array(drafts.prefix(2)))
        try await f.store.append(Array(drafts.dropFirst(2)))
        let all = try await f.store.events(after: 0, limit: 100, filter: AuditFilter())
        #expect(all.map(\.sequence) == [1, 2, 3, 4, 5])
        #expect(all.map(\.event.details) == drafts.map(\.details))
        #expect(all.allSatisfy { $0.event.time == Date(timeIntervalSince1970: 1_800_000_000.123) })
        #expect(try await f.store.events(after: 2, limit: 2, filter: AuditFilter()).map(\.sequence) == [3, 4])
        #expect(try await f.store.events(after: 0, limit: 0, filter: AuditFilter()).map(\.sequence) == [1])
        let filters: [(AuditFilter, [Int64])] = [
            (AuditFilter(tenantID: T), [1, 2, 4, 5]), (AuditFilter(clientID: "c1"), [1, 3, 5]), (AuditFilter(subject: "s1"), [1, 4, 5]),
            (AuditFilter(tokenID: "x1"), [1, 4]), (AuditFilter(type: .tokenIssued), [1, 3, 5]), (AuditFilter(outcome: .failure), [2]),
            (AuditFilter(tenantID: T, type: .tokenIssued), [1, 5]),
        ]
        for (filter, expected) in filters {
            #expect(try await f.store.events(after: 0, limit: 100, filter: filter).map(\.sequence) == expected, "\(filter)")
        }
        #expect(try await f.store.events(after: 1, limit: 1, filter: AuditFilter(type: .tokenIssued)).map(\.sequence) == [3])
        #expect(try await f.store.latestSequence() == 5)
        #expect(try await f.store.verifyChain() == AuditChainReport(eventsChecked: 5, firstBrokenSequence: nil))
        var previous = AuditChain.genesis
        for e in all {
            #expect(e.hash == AuditChain.hash(previous: previous, sequence: e.sequence, event: e.event))
            previous = e.hash
        }
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentWritesAllLandInOneChain(kind: StoreKind) async throws {
        let f = try await ConformanceFixture.make(kind)
        defer { f.cleanup() }
        let ids = (0..<200).map { String(format: "W%04d", $0) }
        let stored = await withTaskGroup(of: Bool.self) { group in
            for id in ids + ["W0001"] {
                group.addTask { (try? await f.store.record(tokens: [f.record(id)], audit: [f.event(tokenID: id)])) != nil }
            }
            return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(stored == 200)  // the second W0001 alone failed
        #expect(try await f.store.tokens(matching: TokenQuery(tenantID: T, limit: 1000), at: f.clock.now()).map(\.id) == Array(ids.reversed()))
        #expect(try await f.store.verifyChain() == AuditChainReport(eventsChecked: 200, firstBrokenSequence: nil))
    }
}
