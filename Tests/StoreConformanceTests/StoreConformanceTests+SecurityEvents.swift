import AuthEngine
import Foundation
import JOSE
import Testing

/// Shared Signals streams and their outbox on every store: one stream per receiver, fan-out by what
/// each stream takes, leases that keep two nodes from claiming one event, retries, acknowledgements,
/// and a revocation's events enqueued in the revocation's own transaction.
@Suite("Store conformance: security event streams and outbox")
struct StoreConformanceSecurityEventTests {
    let T = ConformanceFixture.tenant

    func stream(
        _ f: ConformanceFixture,
        _ id: String,
        client: String,
        method: EventStream.Method = .push,
        events: [String] = SecurityEventType.supported
    )
        -> EventStream
    {
        EventStream(
            id: id,
            tenantID: T,
            clientID: client,
            audience: ConformanceFixture.audience,
            method: method,
            endpointURL: method == .push ? "https://\(client).example/events" : nil,
            authorizationHeader: method == .push ? "Bearer s3cret" : nil,
            eventsRequested: events,
            createdAt: f.clock.now(),
            updatedAt: f.clock.now()
        )
    }

    func event(
        _ f: ConformanceFixture,
        _ id: String,
        subject: String = "s1",
        type: String = SecurityEventType.sessionRevoked,
        streamID: String? = nil
    )
        -> SecurityEventDraft
    {
        SecurityEventDraft(
            id: id,
            tenantID: T,
            type: type,
            subject: SecurityEventDraft.issuerSubject(issuer: "https://i/\(T)", subject: subject),
            payload: SecurityEventDraft.members(time: f.clock.now(), reason: "r"),
            time: f.clock.now(),
            streamID: streamID
        )
    }

    @Test(arguments: StoreKind.allCases)
    func streamsAreKeptOnePerReceiverAndGoWithTheirTenant(kind: StoreKind) async throws {
        let f = try await ConformanceFixture.make(kind)
        defer { f.cleanup() }
        try await f.createTenant()
        let a = stream(f, "st-a", client: "receiver-a")
        #expect(try await f.store.createEventStream(a, audit: [f.event(.streamCreated)]))
        #expect(try await f.store.createEventStream(stream(f, "st-a2", client: "receiver-a"), audit: []) == false, "one stream per receiver")
        f.clock.advance(by: 1)
        #expect(try await f.store.createEventStream(stream(f, "st-b", client: "receiver-b", method: .poll), audit: []))
        #expect(try await f.store.eventStream(tenantID: T, id: "st-a") == a)
        #expect(try await f.store.eventStream(tenantID: "other", id: "st-a") == nil)
        #expect(try await f.store.eventStreams(tenantID: T).map(\.id) == ["st-a", "st-b"])
        var changed = a
        changed.status = .paused
        changed.removedSubjects = ["{}"]
        #expect(try await f.store.updateEventStream(changed, audit: []))
        #expect(try await f.store.eventStream(tenantID: T, id: "st-a") == changed)
        #expect(try await f.store.updateEventStream(stream(f, "st-none", client: "x"), audit: []) == false)
        #expect(try await f.store.deleteEventStream(tenantID: T, id: "st-a", audit: []))
        #expect(try await f.store.deleteEventStream(tenantID: T, id: "st-a", audit: []) == false)
        #expect(try await f.store.events(after: 0, limit: 100, filter: AuditFilter(type: .streamCreated)).count == 1)
        try await f.store.enqueueSecurityEvents([event(f, "e1")], expiresAt: f.clock.now().addingTimeInterval(60))
        _ = try await f.engine.deleteTenant(T, force: true, actor: "test")
        #expect(try await f.store.eventStreams(tenantID: T).isEmpty)
        #expect(try await f.store.pendingSecurityEvents(streamID: "st-b", limit: 10, at: f.clock.now()).events.isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func eventsFanOutToTheStreamsThatTakeThem(kind: StoreKind) async throws {
        let f = try await ConformanceFixture.make(kind)
        defer { f.cleanup() }
        try await f.createTenant()
        var removing = stream(f, "st-a", client: "a")
        removing.removedSubjects = [SecurityEventDraft.key(of: SecurityEventDraft.issuerSubject(issuer: "https://i/\(T)", subject: "s2"))]
        _ = try await f.store.createEventStream(removing, audit: [])
        _ = try await f.store.createEventStream(stream(f, "st-b", client: "b", events: [SecurityEventType.clientRevoked]), audit: [])
        var disabled = stream(f, "st-c", client: "c")
        disabled.status = .disabled
        _ = try await f.store.createEventStream(disabled, audit: [])
        let until = f.clock.now().addingTimeInterval(600)
        try await f.store.enqueueSecurityEvents(
            [event(f, "e1"), event(f, "e2", subject: "s2"), event(f, "e3", type: SecurityEventType.verification, streamID: "st-b")],
            expiresAt: until
        )
        let a = try await f.store.pendingSecurityEvents(streamID: "st-a", limit: 10, at: f.clock.now())
        #expect(a.events.map(\.jti) == ["e1-st-a"])
        #expect(a.events.first?.event == event(f, "e1"), "the event comes back as enqueued")
        #expect(a.events.first?.expiresAt == until)
        #expect(try await f.store.pendingSecurityEvents(streamID: "st-b", limit: 10, at: f.clock.now()).events.map(\.event.id) == ["e3"])
        #expect(try await f.store.pendingSecurityEvents(streamID: "st-c", limit: 10, at: f.clock.now()).events.isEmpty)
        // Enqueued twice (a retried call): still once.
        try await f.store.enqueueSecurityEvents([event(f, "e1")], expiresAt: until)
        #expect(try await f.store.pendingSecurityEvents(streamID: "st-a", limit: 10, at: f.clock.now()).events.count == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func claimsAreLeasedRetriedAndAcknowledged(kind: StoreKind) async throws {
        let f = try await ConformanceFixture.make(kind)
        defer { f.cleanup() }
        try await f.createTenant()
        _ = try await f.store.createEventStream(stream(f, "st-a", client: "a"), audit: [])
        _ = try await f.store.createEventStream(stream(f, "st-p", client: "p", method: .poll), audit: [])
        let start = f.clock.now()
        try await f.store.enqueueSecurityEvents((1...6).map { event(f, "e\($0)") }, expiresAt: start.addingTimeInterval(100))
        // Concurrent claims (two nodes) split the due events: none is claimed twice.
        let claims = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    (try? await f.store.claimSecurityEvents(at: start, leaseUntil: start.addingTimeInterval(30), limit: 2))?.map(\.jti) ?? []
                }
            }
            return await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(claims.count == 6 && Set(claims).count == 6, "\(claims)")
        #expect(claims.allSatisfy { $0.hasSuffix("-st-a") }, "poll streams are not pushed")
        #expect(try await f.store.claimSecurityEvents(at: start.addingTimeInterval(29), leaseUntil: start.addingTimeInterval(60), limit: 10).isEmpty)
        // A lease that ran out (its node died) is claimed again.
        let again = try await f.store.claimSecurityEvents(at: start.addingTimeInterval(30), leaseUntil: start.addingTimeInterval(60), limit: 10)
        #expect(again.count == 6)
        try await f.store.retrySecurityEvent(streamID: "st-a", jti: "e1-st-a", at: start.addingTimeInterval(90))
        #expect(
            try await f.store.finishSecurityEvents(
                streamID: "st-a",
                jtis: (2...6).map { "e\($0)-st-a" },
                acknowledged: true,
                at: start.addingTimeInterval(31)
            ) == 5
        )
        #expect(try await f.store.eventStream(tenantID: T, id: "st-a")?.lastAcknowledgedAt == start.addingTimeInterval(31))
        #expect(try await f.store.claimSecurityEvents(at: start.addingTimeInterval(50), leaseUntil: start.addingTimeInterval(60), limit: 10).isEmpty)
        // The receiver points its stream elsewhere at 50 s: what waits is due at once.
        var moved = try #require(try await f.store.eventStream(tenantID: T, id: "st-a"))
        moved.updatedAt = start.addingTimeInterval(50)
        #expect(try await f.store.updateEventStream(moved, audit: []))
        let retried = try await f.store.claimSecurityEvents(at: start.addingTimeInterval(50), leaseUntil: start.addingTimeInterval(99), limit: 10)
        #expect(retried.map(\.attempts) == [1])
        let polled = try await f.store.pendingSecurityEvents(streamID: "st-p", limit: 4, at: start)
        #expect(polled.events.map(\.jti) == (1...4).map { "e\($0)-st-p" } && polled.more)
        // Past its expiry it is gone, and a failure does not stamp an acknowledgement.
        #expect(
            try await f.store.claimSecurityEvents(at: start.addingTimeInterval(100), leaseUntil: start.addingTimeInterval(130), limit: 10).isEmpty
        )
        #expect(
            try await f.store.finishSecurityEvents(streamID: "st-a", jtis: ["e1-st-a"], acknowledged: false, at: start.addingTimeInterval(101)) == 0
        )
    }

    @Test(arguments: StoreKind.allCases)
    func aRevocationEnqueuesItsEventsInItsTransaction(kind: StoreKind) async throws {
        let f = try await ConformanceFixture.make(kind)
        defer { f.cleanup() }
        try await f.createTenant()
        _ = try await f.store.createEventStream(stream(f, "st-a", client: "a"), audit: [])
        try await f.store.record(
            tokens: [
                f.record("t1", family: "f1"), f.record("t2", kind: .refresh, family: "f1"), f.record("t3", lifetime: 10, family: "f1"),
                f.record("t4", family: "f2"),
            ],
            audit: []
        )
        f.clock.advance(by: 20)
        let signals = RevocationSignals(
            events: [event(f, "fixed")],
            perToken: .init(tenantID: T, issuer: "https://i/\(T)", idPrefix: "rv-", time: f.clock.now(), reason: nil),
            expiresAt: f.clock.now().addingTimeInterval(60)
        )
        let summary = try await f.store.revoke(
            .family(tenantID: T, familyID: "f1"),
            at: f.clock.now(),
            reason: "reuse",
            audit: f.event(.tokenReuseDetected),
            signals: signals
        )
        #expect(summary.revoked == 2)
        let events = try await f.store.pendingSecurityEvents(streamID: "st-a", limit: 10, at: f.clock.now()).events.map(\.event)
        #expect(events.map(\.id).sorted() == ["fixed", "rv-t1"], "the expired t3 and the refresh token t2 emit nothing")
        #expect(events.first { $0.id == "rv-t1" }?.subject == SecurityEventDraft.jwtID(issuer: "https://i/\(T)", jti: "t1"))
        #expect(events.first { $0.id == "rv-t1" }?.type == SecurityEventType.tokenRevoked)
        // Nothing is revoked a second time, so nothing per token is enqueued again.
        _ = try await f.store.revoke(.family(tenantID: T, familyID: "f1"), at: f.clock.now(), reason: "reuse", audit: f.event(), signals: signals)
        #expect(try await f.store.pendingSecurityEvents(streamID: "st-a", limit: 10, at: f.clock.now()).events.count == 2)
    }
}
