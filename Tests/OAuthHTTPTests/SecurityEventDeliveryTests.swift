import AuthEngine
import ClaimLookupHTTP
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// RFC 8935 push delivery over real HTTP on loopback: what the engine emits arrives as a signed SET
/// (RFC 8417) with the stream's credential; 202 acknowledges, 400 drops for good, anything else is
/// retried after 1, 2, 4, ... seconds on the engine's clock until the event expires.
@Suite("shared signals: push delivery")
struct SecurityEventDeliveryTests {
    static let pusher = HTTPSecurityEventPusher()

    /// The real pusher with a short timeout: AsyncHTTPClient retries a refused connection until the
    /// request's deadline, so an unreachable receiver costs the whole timeout.
    struct QuickPusher: SecurityEventPusher {
        func push(_ set: String, to url: String, authorization: String?, timeout: Duration) async throws -> SecurityEventPushAnswer {
            try await SecurityEventDeliveryTests.pusher.push(set, to: url, authorization: authorization, timeout: .milliseconds(200))
        }
    }

    /// The stream's last acknowledgement, to the millisecond (the store keeps seconds as a double).
    static func acknowledged(_ server: TestServer, _ streamID: String, at date: Date) async throws -> Bool {
        let at = try await server.store.eventStream(tenantID: "sms", id: streamID)?.lastAcknowledgedAt
        return at.map { abs($0.timeIntervalSince(date)) < 0.001 } ?? false
    }

    /// A test server on a manual clock, a receiver with a push stream to a live SET receiver.
    static func withPushStream(
        events: [String]? = nil,
        policy: SecurityEventPolicy = SecurityEventPolicy(),
        _ body: (TestServer, ManualWallClock, SETReceiverServer, String) async throws -> Void
    ) async throws {
        let clock = ManualWallClock(Date())
        let receiverServer = try await SETReceiverServer.start()
        do {
            try await TestServer.with(clock: clock, securityEvents: policy) { server in
                let receiver = try await StreamReceiver.register(server)
                let stream = try await receiver.createPushStream(to: receiverServer.url, authorization: "Bearer push-secret", events: events)
                try await body(server, clock, receiverServer, try #require(stream["stream_id"]?.stringValue))
            }
        } catch {
            await receiverServer.stop()
            throw error
        }
        await receiverServer.stop()
    }

    @Test("a subject's revocation arrives as one signed SET with the stream's aud and credential; 202 empties the outbox")
    func pushesASignedSET() async throws {
        try await Self.withPushStream { server, clock, receiver, streamID in
            _ = try await server.engine.revokeTokens(.subject(tenantID: "sms", subject: "u-alice"), reason: "incident 42", actor: "test")
            let report = await server.engine.deliverSecurityEvents(using: Self.pusher)
            #expect(report.claimed == 1 && report.delivered == 1, "\(report)")
            let push = try #require(receiver.pushes.first)
            #expect(receiver.pushes.count == 1)
            #expect(push.contentType == "application/secevent+jwt")
            #expect(push.authorization == "Bearer push-secret")
            let jws = try await server.verifiedJWS(push.body)
            #expect(jws.type == "secevent+jwt")
            #expect(try await server.jwks().keys.contains { $0.kid == jws.keyID })
            let claims = jws.payload
            #expect(claims["iss"]?.stringValue == server.issuer)
            #expect(claims["aud"]?.stringValue == Audience.invoices)
            #expect(claims["sub"] == nil, "SSF: the subject is in sub_id")
            #expect(claims["iat"]?.doubleValue == Double(Int64(clock.now().timeIntervalSince1970)))
            #expect(claims["jti"]?.stringValue?.hasSuffix("-" + streamID) == true)
            #expect(claims["sub_id"] == ["format": "iss_sub", "iss": .string(server.issuer), "sub": "u-alice"])
            let event = try #require(claims["events"]?[SecurityEventType.sessionRevoked])
            #expect(claims["events"]?.objectValue?.count == 1)
            #expect(event["event_timestamp"]?.doubleValue == Double(Int64(clock.now().timeIntervalSince1970)))
            #expect(event["reason_admin"] == ["en": "incident 42"])
            #expect(try await server.store.pendingSecurityEvents(streamID: streamID, limit: 10, at: clock.now()).events.isEmpty)
            #expect(try await Self.acknowledged(server, streamID, at: clock.now()))
            // Nothing is left to push.
            #expect(await server.engine.deliverSecurityEvents(using: Self.pusher).claimed == 0)
        }
    }

    @Test("a failing receiver is retried after 1 s, 2 s, 4 s on the engine's clock, then acknowledged")
    func retriesWithBackoff() async throws {
        try await Self.withPushStream { server, clock, receiver, streamID in
            receiver.answer(503, 500, 429)
            _ = try await server.engine.revokeTokens(.client(tenantID: "sms", clientID: "billing-service"), reason: "test", actor: "test")
            for wait in [1.0, 2.0, 4.0] {
                #expect(await server.engine.deliverSecurityEvents(using: Self.pusher).retried == 1)
                clock.advance(by: wait - 0.5)
                #expect(await server.engine.deliverSecurityEvents(using: Self.pusher).claimed == 0, "not due before \(wait) s")
                clock.advance(by: 0.5)
            }
            let last = await server.engine.deliverSecurityEvents(using: Self.pusher)
            #expect(last.delivered == 1, "\(last)")
            #expect(receiver.pushes.count == 4)
            #expect(Set(receiver.pushes.compactMap { JWS.parse($0.body)?.payload["jti"] }).count == 1, "one SET, pushed four times")
            #expect(try await Self.acknowledged(server, streamID, at: clock.now()))
        }
    }

    @Test("400 with an RFC 8935 error drops the event for good and audits the receiver's err code")
    func refusedForGood() async throws {
        try await Self.withPushStream { server, clock, receiver, streamID in
            receiver.answer(400)
            _ = try await server.engine.revokeTokens(.tenant(tenantID: "sms"), reason: "test", actor: "test")
            let report = await server.engine.deliverSecurityEvents(using: Self.pusher)
            #expect(report.failed == 1, "\(report)")
            clock.advance(by: 3600)
            #expect(await server.engine.deliverSecurityEvents(using: Self.pusher).claimed == 0)
            #expect(receiver.pushes.count == 1)
            let failures = try await server.engine.auditEvents(after: 0, limit: 1000, filter: AuditFilter(type: .securityEventFailed))
            #expect(failures.count == 1)
            #expect(failures.first?.event.reason?.contains("invalid_audience") == true, "\(failures)")
            #expect(try await server.store.eventStream(tenantID: "sms", id: streamID)?.lastAcknowledgedAt == nil)
        }
    }

    @Test("a receiver that cannot be reached is retried at most every 300 s; an event never delivered expires after a day")
    func unreachableReceiverAndExpiry() async throws {
        try await Self.withPushStream { server, clock, _, streamID in
            // Nothing listens on port 1: every push fails at once with a refused connection.
            var stream = try #require(try await server.store.eventStream(tenantID: "sms", id: streamID))
            stream.endpointURL = "http://127.0.0.1:1/events"
            #expect(try await server.store.updateEventStream(stream, audit: []))
            _ = try await server.engine.revokeTokens(.subject(tenantID: "sms", subject: "u-bob"), reason: "test", actor: "test")
            var retries = 0
            for _ in 0..<12 {
                retries += await server.engine.deliverSecurityEvents(using: QuickPusher()).retried
                clock.advance(by: 300)
            }
            #expect(retries == 12, "due again within 300 s every time")
            let waiting = try await server.store.pendingSecurityEvents(streamID: streamID, limit: 10, at: clock.now()).events
            #expect(waiting.map(\.attempts) == [12])
            clock.advance(by: 86_400)
            #expect(await server.engine.deliverSecurityEvents(using: QuickPusher()).claimed == 0)
            #expect(try await server.store.pendingSecurityEvents(streamID: streamID, limit: 10, at: clock.now()).events.isEmpty)
        }
    }

    @Test("a paused stream keeps its events until enabled; a removed subject's and an unrequested type's never enter")
    func pausedSubjectsAndTypes() async throws {
        try await Self.withPushStream(events: [SecurityEventType.sessionRevoked]) { server, clock, receiver, streamID in
            let stream = try #require(try await server.store.eventStream(tenantID: "sms", id: streamID))
            var paused = stream
            paused.status = .paused
            paused.removedSubjects = [
                SecurityEventDraft.key(of: SecurityEventDraft.issuerSubject(issuer: SecurityEventDraft.tenantIssuer, subject: "u-bob"))
            ]
            #expect(try await server.store.updateEventStream(paused, audit: []))
            _ = try await server.engine.revokeTokens(.subject(tenantID: "sms", subject: "u-alice"), reason: "a", actor: "test")
            _ = try await server.engine.revokeTokens(.subject(tenantID: "sms", subject: "u-bob"), reason: "b", actor: "test")
            _ = try await server.engine.revokeTokens(.client(tenantID: "sms", clientID: "billing-service"), reason: "c", actor: "test")
            #expect(await server.engine.deliverSecurityEvents(using: Self.pusher).claimed == 0, "paused")
            var enabled = paused
            enabled.status = .enabled
            #expect(try await server.store.updateEventStream(enabled, audit: []))
            #expect(await server.engine.deliverSecurityEvents(using: Self.pusher).delivered == 1)
            let subjects = receiver.pushes.compactMap { JWS.parse($0.body)?.payload["sub_id"]?["sub"]?.stringValue }
            #expect(subjects == ["u-alice"])
            var disabled = enabled
            disabled.status = .disabled
            #expect(try await server.store.updateEventStream(disabled, audit: []))
            _ = try await server.engine.revokeTokens(.subject(tenantID: "sms", subject: "u-alice"), reason: "d", actor: "test")
            #expect(try await server.store.pendingSecurityEvents(streamID: streamID, limit: 10, at: clock.now()).events.isEmpty)
        }
    }
}
