import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// OpenID SSF 1.0 transmitter metadata and stream management over HTTP: a receiver (a client with
/// `ssf.manage`) creates, reads, changes and deletes its own stream; everything else is refused with
/// the status the spec names, changing nothing.
@Suite("shared signals: metadata and streams")
struct StreamManagementTests {
    @Test("the transmitter metadata is at both well-known locations, naming every endpoint")
    func metadata() async throws {
        try await TestServer.with { server in
            for path in ["/sms/.well-known/ssf-configuration", "/.well-known/ssf-configuration/sms"] {
                let result = try await server.get(path)
                #expect(result.status == 200, "\(path): \(result)")
                let doc = try result.json()
                #expect(doc["spec_version"]?.stringValue == "1_0")
                #expect(doc["issuer"]?.stringValue == server.issuer)
                #expect(doc["jwks_uri"]?.stringValue == server.issuer + "/jwks")
                #expect(doc["delivery_methods_supported"]?.arrayValue == ["urn:ietf:rfc:8935", "urn:ietf:rfc:8936"])
                #expect(doc["configuration_endpoint"]?.stringValue == server.issuer + "/ssf/streams")
                #expect(doc["status_endpoint"]?.stringValue == server.issuer + "/ssf/status")
                #expect(doc["add_subject_endpoint"]?.stringValue == server.issuer + "/ssf/subjects/add")
                #expect(doc["remove_subject_endpoint"]?.stringValue == server.issuer + "/ssf/subjects/remove")
                #expect(doc["verification_endpoint"]?.stringValue == server.issuer + "/ssf/verify")
                #expect(doc["authorization_schemes"]?.arrayValue == [["spec_urn": "urn:ietf:rfc:6749"]])
                #expect(doc["default_subjects"]?.stringValue == "ALL")
            }
            #expect(try await server.get("/nope/.well-known/ssf-configuration").status == 404)
        }
    }

    @Test("without a token 401 with a Bearer challenge, without ssf.manage 403 insufficient_scope, a bad one or another aud's 401 invalid_token")
    func authorization() async throws {
        try await TestServer.with { server in
            let receiver = try await StreamReceiver.register(server)
            let none = try await receiver.send(.GET, "streams", headers: [])
            #expect(none.status == 401, "\(none)")
            #expect(none.header("WWW-Authenticate") == "Bearer realm=\"sms\"")
            let billing = try await server.accessToken(.billing)
            let scopeless = try await receiver.send(.GET, "streams", headers: [("Authorization", "Bearer \(billing)")])
            let body = expectOAuthError(scopeless, status: 403, code: "insufficient_scope")
            #expect(body["error_description"]?.stringValue?.contains("ssf.manage") == true)
            #expect(scopeless.header("WWW-Authenticate")?.contains("scope=\"ssf.manage\"") == true)
            let forged = try await receiver.send(.GET, "streams", headers: [("Authorization", "Bearer \(receiver.token)x")])
            expectOAuthError(forged, status: 401, code: "invalid_token")
            let basic = try await receiver.send(.GET, "streams", headers: [("Authorization", receiver.client.basicAuthorization)])
            expectOAuthError(basic, status: 400, code: "invalid_request")
            // A token with ssf.manage meant for an API (its aud) is not the transmitter's to accept.
            let api = try await StreamReceiver.register(server, id: "api-audience-receiver", audiences: [Audience.invoices])
            let elsewhere = expectOAuthError(try await api.send(.GET, "streams"), status: 401, code: "invalid_token")
            #expect(elsewhere["error_description"]?.stringValue?.contains("its aud must include the issuer \(server.issuer)") == true)
            // A revoked token stops working at once.
            _ = try await server.engine.revokeTokens(.client(tenantID: "sms", clientID: receiver.client.id), reason: "test", actor: "test")
            expectOAuthError(try await receiver.send(.GET, "streams"), status: 401, code: "invalid_token")
        }
    }

    @Test("create 201, a second 409; read one and all; PATCH and PUT; delete 204, then 404")
    func lifecycle() async throws {
        try await TestServer.with { server in
            let receiver = try await StreamReceiver.register(server)
            let created = try await receiver.createPushStream(to: "https://api.example/ssf/events", authorization: "Bearer push-secret")
            let id = try #require(created["stream_id"]?.stringValue)
            #expect(created["iss"]?.stringValue == server.issuer)
            #expect(created["aud"]?.stringValue == Audience.invoices)
            #expect(created["delivery"]?["endpoint_url"]?.stringValue == "https://api.example/ssf/events")
            #expect(created["delivery"]?["authorization_header"] == nil, "the push credential is not echoed")
            #expect(created["events_delivered"]?.arrayValue?.count == SecurityEventType.supported.count)
            let again = try await receiver.send(.POST, "streams", ["delivery": ["method": "urn:ietf:rfc:8936"]])
            expectOAuthError(again, status: 409, code: "conflict")

            let one = try await receiver.send(.GET, "streams?stream_id=\(id)")
            #expect(one.status == 200)
            #expect(try one.json()["stream_id"]?.stringValue == id)
            let all = try await receiver.send(.GET, "streams")
            #expect(try JSONValue(parsing: Data(all.body)).arrayValue?.count == 1)

            let patched = try await receiver.send(
                .PATCH,
                "streams",
                ["stream_id": .string(id), "events_requested": [.string(SecurityEventType.sessionRevoked), "urn:example:unknown"]]
            )
            #expect(patched.status == 200, "\(patched)")
            #expect(try patched.json()["events_delivered"]?.arrayValue == [.string(SecurityEventType.sessionRevoked)])
            #expect(
                try patched.json()["delivery"]?["endpoint_url"]?.stringValue == "https://api.example/ssf/events",
                "PATCH keeps what it does not name"
            )

            expectOAuthError(try await receiver.send(.PUT, "streams", ["stream_id": .string(id)]), status: 400, code: "invalid_request")
            let replaced = try await receiver.send(.PUT, "streams", ["stream_id": .string(id), "delivery": ["method": "urn:ietf:rfc:8936"]])
            #expect(replaced.status == 200, "\(replaced)")
            #expect(try replaced.json()["delivery"]?["endpoint_url"]?.stringValue == server.issuer + "/ssf/poll/" + id)
            #expect(try replaced.json()["aud"]?.stringValue == receiver.client.id, "PUT resets what it does not name")

            let deleted = try await receiver.send(.DELETE, "streams?stream_id=\(id)")
            #expect(deleted.status == 204, "\(deleted)")
            expectOAuthError(try await receiver.send(.GET, "streams?stream_id=\(id)"), status: 404, code: "not_found")
            expectOAuthError(try await receiver.send(.DELETE, "streams?stream_id=\(id)"), status: 404, code: "not_found")
        }
    }

    @Test("bad configurations are 400 naming the member, and store nothing")
    func badConfigurations() async throws {
        try await TestServer.with { server in
            let receiver = try await StreamReceiver.register(server)
            let cases: [(JSONValue, String)] = [
                ([:], "delivery"),
                (["delivery": ["method": "smoke signals"]], "delivery.method"),
                (["delivery": ["method": "urn:ietf:rfc:8935"]], "endpoint_url"),
                (["delivery": ["method": "urn:ietf:rfc:8935", "endpoint_url": "ftp://x/y"]], "endpoint_url"),
                (["delivery": ["method": "urn:ietf:rfc:8936"], "events_requested": "all"], "events_requested"),
                (["delivery": ["method": "urn:ietf:rfc:8936"], "aud": "https://someone.else/api"], "aud"),
            ]
            for (body, member) in cases {
                let result = try await receiver.send(.POST, "streams", body)
                let error = expectOAuthError(result, status: 400, code: "invalid_request")
                #expect(error["error_description"]?.stringValue?.contains(member) == true, "\(member): \(error)")
            }
            let notJSON = try await server.send(.POST, "/sms/ssf/streams", body: Array("{".utf8), headers: receiver.bearer)
            expectOAuthError(notJSON, status: 400, code: "invalid_request")
            let form = try await server.send(
                .POST,
                "/sms/ssf/streams",
                body: Array("a=b".utf8),
                headers: receiver.bearer + [("Content-Type", "application/x-www-form-urlencoded")]
            )
            expectOAuthError(form, status: 400, code: "invalid_request", mentioning: "application/json")
            #expect(try await server.engine.readEventStreams(tenantID: "sms", authorization: receiver.bearer[0].1, streamID: nil) == [])
        }
    }

    @Test("a receiver sees and changes only its own stream: another's is 404")
    func isolation() async throws {
        try await TestServer.with { server in
            let first = try await StreamReceiver.register(server, id: "first-receiver")
            let second = try await StreamReceiver.register(server, id: "second-receiver")
            let id = try #require(try await first.createPushStream(to: "https://a.example/events")["stream_id"]?.stringValue)
            expectOAuthError(try await second.send(.GET, "streams?stream_id=\(id)"), status: 404, code: "not_found")
            expectOAuthError(try await second.send(.DELETE, "streams?stream_id=\(id)"), status: 404, code: "not_found")
            expectOAuthError(try await second.send(.GET, "status?stream_id=\(id)"), status: 404, code: "not_found")
            #expect(try JSONValue(parsing: Data(try await second.send(.GET, "streams").body)).arrayValue == [])
            #expect(try await first.send(.GET, "streams?stream_id=\(id)").status == 200)
        }
    }

    @Test("status: read, set with a reason, bad values 400; subjects: add 200, remove 204; verify 204")
    func statusSubjectsAndVerification() async throws {
        try await TestServer.with { server in
            let receiver = try await StreamReceiver.register(server)
            let id = try #require(try await receiver.createPushStream(to: "https://a.example/events")["stream_id"]?.stringValue)
            #expect(try await receiver.send(.GET, "status?stream_id=\(id)").json() == ["stream_id": .string(id), "status": "enabled"])
            let paused = try await receiver.send(.POST, "status", ["stream_id": .string(id), "status": "paused", "reason": "maintenance"])
            #expect(try paused.json() == ["stream_id": .string(id), "status": "paused", "reason": "maintenance"])
            expectOAuthError(
                try await receiver.send(.POST, "status", ["stream_id": .string(id), "status": "off"]),
                status: 400,
                code: "invalid_request"
            )
            expectOAuthError(try await receiver.send(.GET, "status"), status: 400, code: "invalid_request")
            // Verification needs an enabled stream.
            expectOAuthError(try await receiver.send(.POST, "verify", ["stream_id": .string(id)]), status: 409, code: "conflict")
            _ = try await receiver.send(.POST, "status", ["stream_id": .string(id), "status": "enabled"])

            let alice: JSONValue = ["format": "iss_sub", "iss": .string(server.issuer), "sub": "u-alice"]
            #expect(try await receiver.send(.POST, "subjects/remove", ["stream_id": .string(id), "subject": alice]).status == 204)
            let stored = SecurityEventDraft.issuerSubject(issuer: SecurityEventDraft.tenantIssuer, subject: "u-alice")
            #expect(try await server.store.eventStream(tenantID: "sms", id: id)?.removedSubjects == [SecurityEventDraft.key(of: stored)])
            #expect(try await receiver.send(.POST, "subjects/add", ["stream_id": .string(id), "subject": alice]).status == 200)
            #expect(try await server.store.eventStream(tenantID: "sms", id: id)?.removedSubjects == [])
            expectOAuthError(
                try await receiver.send(.POST, "subjects/add", ["stream_id": .string(id), "subject": "alice"]),
                status: 400,
                code: "invalid_request"
            )

            #expect(try await receiver.send(.POST, "verify", ["stream_id": .string(id), "state": "xyz"]).status == 204)
            let waiting = try await server.store.pendingSecurityEvents(streamID: id, limit: 10, at: Date())
            #expect(waiting.events.map(\.event.type) == [SecurityEventType.verification])
            #expect(waiting.events.first?.event.payload == ["state": "xyz"])
            #expect(waiting.events.first?.event.subject == ["format": "opaque", "id": .string(id)])
        }
    }

    @Test("verification within min_verification_interval (advertised in the configuration) is 429 with Retry-After and queues nothing")
    func verificationIsRateLimited() async throws {
        let clock = ManualWallClock(Date())
        try await TestServer.with(clock: clock) { server in
            let receiver = try await StreamReceiver.register(server)
            let created = try await receiver.createPushStream(to: "https://a.example/events")
            #expect(created["min_verification_interval"] == 15)
            let id = try #require(created["stream_id"]?.stringValue)
            #expect(try await receiver.send(.POST, "verify", ["stream_id": .string(id)]).status == 204)
            clock.advance(by: 10)
            let soon = try await receiver.send(.POST, "verify", ["stream_id": .string(id)])
            let body = expectOAuthError(soon, status: 429, code: "too_many_requests")
            #expect(body["error_description"]?.stringValue?.contains("min_verification_interval (15 s)") == true)
            #expect(soon.header("Retry-After") == "5")
            #expect(try await server.store.pendingSecurityEvents(streamID: id, limit: 10, at: clock.now()).events.count == 1)
            clock.advance(by: 5)
            #expect(try await receiver.send(.POST, "verify", ["stream_id": .string(id)]).status == 204)
            #expect(try await server.store.pendingSecurityEvents(streamID: id, limit: 10, at: clock.now()).events.count == 2)
        }
    }
}
