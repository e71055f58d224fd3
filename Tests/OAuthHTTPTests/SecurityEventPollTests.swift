import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// RFC 8936 poll delivery, and which event each revocation path emits (the same whatever called it).
@Suite("shared signals: poll and emitted events")
struct SecurityEventPollTests {
    /// A receiver with a poll stream; answers its id.
    static func pollStream(_ receiver: StreamReceiver) async throws -> String {
        let created = try await receiver.send(.POST, "streams", ["delivery": ["method": "urn:ietf:rfc:8936"], "aud": .string(Audience.invoices)])
        return try #require(try created.json()["stream_id"]?.stringValue)
    }

    @Test("a poll answers the waiting SETs until they are acknowledged; ack removes them; maxEvents bounds; errors are RFC 8935 bodies")
    func pollAndAcknowledge() async throws {
        try await TestServer.with { server in
            let receiver = try await StreamReceiver.register(server)
            let id = try await Self.pollStream(receiver)
            _ = try await server.engine.revokeTokens(.subject(tenantID: "sms", subject: "u-alice"), reason: "a", actor: "test")
            _ = try await server.engine.revokeTokens(.subject(tenantID: "sms", subject: "u-bob"), reason: "b", actor: "test")
            let first = try await receiver.send(.POST, "poll/\(id)", ["returnImmediately": true, "maxEvents": 1])
            #expect(first.status == 200, "\(first)")
            let sets = try #require(try first.json()["sets"]?.objectValue)
            #expect(sets.count == 1)
            #expect(try first.json()["moreAvailable"] == true)
            let (jti, set) = try #require(sets.first)
            let jws = try await server.verifiedJWS(try #require(set.stringValue))
            #expect(jws.type == "secevent+jwt" && jws.payload["jti"]?.stringValue == jti)
            #expect(jws.payload["sub_id"]?["sub"]?.stringValue == "u-alice", "oldest first")
            // Not acknowledged: answered again.
            let again = try await receiver.send(.POST, "poll/\(id)", ["returnImmediately": true])
            #expect(try again.json()["sets"]?.objectValue?.count == 2)
            #expect(try again.json()["moreAvailable"] == false)
            let acked = try await receiver.send(.POST, "poll/\(id)", ["returnImmediately": true, "ack": [.string(jti)], "maxEvents": 0])
            #expect(try acked.json() == ["sets": [:], "moreAvailable": true])
            #expect(try await server.store.eventStream(tenantID: "sms", id: id)?.lastAcknowledgedAt != nil)
            let rest = try await receiver.send(.POST, "poll/\(id)", ["returnImmediately": true])
            let (other, _) = try #require(try rest.json()["sets"]?.objectValue?.first)
            #expect(other != jti)
            let refused = try await receiver.send(
                .POST,
                "poll/\(id)",
                ["returnImmediately": true, "setErrs": [other: ["err": "invalid_key", "description": "no"]]]
            )
            #expect(try refused.json() == ["sets": [:], "moreAvailable": false])
            let failures = try await server.engine.auditEvents(limit: 100, filter: AuditFilter(type: .securityEventFailed))
            #expect(failures.first?.event.reason?.contains("invalid_key") == true)

            for body: JSONValue in [["maxEvents": -1], ["ack": "x"], ["returnImmediately": "yes"], ["setErrs": ["a": [:]]]] {
                let bad = try await receiver.send(.POST, "poll/\(id)", body)
                #expect(bad.status == 400, "\(body): \(bad)")
                #expect(try bad.json()["err"]?.stringValue == "invalid_request")
                #expect(try bad.json()["description"]?.stringValue?.isEmpty == false)
            }
            #expect(try await receiver.send(.POST, "poll/nope", ["returnImmediately": true]).status == 404)
            #expect(try await receiver.send(.POST, "poll/\(id)", ["returnImmediately": true], headers: []).status == 401)
        }
    }

    @Test("a long poll is held until an event arrives")
    func longPoll() async throws {
        try await TestServer.with { server in
            let receiver = try await StreamReceiver.register(server)
            let id = try await Self.pollStream(receiver)
            async let answer = receiver.send(.POST, "poll/\(id)", ["maxEvents": 5])
            try await Task.sleep(for: .milliseconds(300))
            _ = try await server.engine.revokeTokens(.subject(tenantID: "sms", subject: "u-alice"), reason: "a", actor: "test")
            #expect(try await answer.json()["sets"]?.objectValue?.count == 1)
        }
    }

    @Test("every revocation path emits its event: token, subject, client, tenant, family, user disabled, password, client disabled")
    func emittedEvents() async throws {
        try await TestServer.with { server in
            let receiver = try await StreamReceiver.register(server)
            let id = try await Self.pollStream(receiver)
            let engine = server.engine
            // Stored events name the issuer by a placeholder, resolved when signed (the SETs name server.issuer).
            let issuer = SecurityEventDraft.tenantIssuer
            func drain() async throws -> [(String, JSONValue)] {
                let waiting = try await server.store.pendingSecurityEvents(streamID: id, limit: 100, at: Date()).events
                try await server.store.finishSecurityEvents(streamID: id, jtis: waiting.map(\.jti), acknowledged: true, at: Date())
                return waiting.map { ($0.event.type, $0.event.subject) }
            }
            // RFC 7009 by the owning client: one token, by its jti.
            let jwt = try await server.accessToken(.billing)
            let jti = try #require(JWS.parse(jwt)?.string("jti"))
            _ = try await server.postForm("/sms/revoke", [("token", jwt)], basic: .billing)
            var events = try await drain()
            #expect(events.count == 1)
            #expect(events.first?.0 == SecurityEventType.tokenRevoked)
            #expect(events.first?.1 == SecurityEventDraft.jwtID(issuer: issuer, jti: jti))

            _ = try await engine.revokeTokens(.client(tenantID: "sms", clientID: "partner-portal"), reason: "x", actor: "test")
            events = try await drain()
            #expect(events.map(\.0) == [SecurityEventType.clientRevoked])
            #expect(events.first?.1 == ["format": "opaque", "id": "partner-portal"])

            _ = try await engine.revokeTokens(.tenant(tenantID: "sms"), reason: "x", actor: "test")
            events = try await drain()
            #expect(events.map(\.0) == [SecurityEventType.tenantRevoked])
            #expect(events.first?.1 == ["format": "opaque", "id": .string(issuer)])

            _ = try await engine.setUserDisabled(tenantID: "sms", "alice", disabled: true, actor: "test")
            events = try await drain()
            #expect(events.map(\.0) == [SecurityEventType.accountDisabled])
            #expect(events.first?.1 == SecurityEventDraft.issuerSubject(issuer: issuer, subject: "u-alice"))

            try await engine.setUserPassword(tenantID: "sms", "bob", password: "a new password for bob", actor: "test")
            events = try await drain()
            #expect(events.map(\.0) == [SecurityEventType.credentialChange])

            _ = try await engine.setClientDisabled(tenantID: "sms", clientID: "api-gateway", disabled: true, actor: "test")
            events = try await drain()
            #expect(events.map(\.0) == [SecurityEventType.clientRevoked])
            #expect(events.first?.1 == ["format": "opaque", "id": "api-gateway"])

            // A family (what reuse detection revokes) emits per access token; the stores' conformance tests
            // hold real families. An empty one emits nothing.
            _ = try await engine.revokeTokens(.family(tenantID: "sms", familyID: "no-such-family"), reason: "x", actor: "test")
            #expect(try await drain().isEmpty, "no token, no event")
        }
    }
}
