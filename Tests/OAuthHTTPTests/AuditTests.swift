import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// Issue #2 item 9: issuance, refusal, introspection and revocation over HTTP leave audit events;
/// a secret never does; the hash chain stays intact.
@Suite("audit")
struct AuditTests {
    static func events(_ server: TestServer, _ filter: AuditFilter = AuditFilter(tenantID: "sms")) async throws -> [AuditEvent] {
        // Through the engine, which appends introspection's deferred events before it reads.
        try await server.engine.auditEvents(after: 0, limit: 10_000, filter: filter)
    }

    @Test("a refused request: token.refused with reason invalid_client, and the wrong secret appears nowhere")
    func refusedWithoutSecret() async throws {
        try await TestServer.with { server in
            let wrongSecret = "Wr0ng-S3cret-\(UUID().uuidString)"
            let refusedBasic = try await server.tokenRequest(
                [("grant_type", "client_credentials")],
                basic: DemoClient.billing.withSecret(wrongSecret)
            )
            #expect(refusedBasic.status == 401)
            let refusedPost = try await server.tokenRequest(
                [("grant_type", "client_credentials")] + DemoClient.partnerPortal.withSecret(wrongSecret).postParameters
            )
            #expect(refusedPost.status == 401)

            let refused = try await Self.events(server, AuditFilter(tenantID: "sms", type: .tokenRefused))
            #expect(refused.count == 2)
            for (event, client) in zip(refused, ["billing-service", "partner-portal"]) {
                #expect(event.event.outcome == .failure)
                #expect(event.event.reason == "invalid_client")
                #expect(event.event.clientID == client)
                #expect(event.event.tenantID == "sms")
                #expect(event.sequence > 0)
                #expect(abs(event.event.time.timeIntervalSinceNow) < 60)
            }
            // Neither in any field of any event, nor in the error answer.
            let everything = try await Self.events(server, AuditFilter())
            let encoded = String(decoding: try JSONEncoder().encode(everything), as: UTF8.self)
            #expect(!encoded.contains(wrongSecret))
            #expect(!encoded.contains("billing-demo-secret"))
            #expect(!refusedBasic.text.contains(wrongSecret))
            #expect(!refusedPost.text.contains(wrongSecret))
        }
    }

    @Test("an issued token: token.issued with the token id; no token string in the log; the chain is intact")
    func issuedWithTokenID() async throws {
        try await TestServer.with { server in
            let jwt = try await server.accessToken(.billing)
            let opaque = try await server.accessToken(.partnerPortal)
            let jti = try #require(JWS.parse(jwt)?.string("jti"))
            let opaqueID = try #require(try await server.introspect(opaque).json()["jti"]?.stringValue)

            let issued = try await Self.events(server, AuditFilter(tenantID: "sms", type: .tokenIssued))
            #expect(issued.count == 2)
            let jwtEvent = try #require(issued.first { $0.event.tokenID == jti })
            #expect(jwtEvent.event.clientID == "billing-service")
            #expect(jwtEvent.event.subject == "billing-service")
            #expect(jwtEvent.event.outcome == .success)
            let opaqueEvent = try #require(issued.first { $0.event.tokenID == opaqueID })
            #expect(opaqueEvent.event.clientID == "partner-portal")

            // Introspection and revocation are audited too.
            _ = try await server.postForm("/sms/revoke", [("token", opaque)] + DemoClient.partnerPortal.postParameters)
            let introspected = try await Self.events(server, AuditFilter(tenantID: "sms", type: .tokenIntrospected))
            #expect(introspected.contains { $0.event.tokenID == opaqueID && $0.event.clientID == "api-gateway" })
            let revoked = try await Self.events(server, AuditFilter(tenantID: "sms", type: .tokenRevoked))
            #expect(revoked.contains { $0.event.tokenID == opaqueID && $0.event.outcome == .success })

            let everything = try await Self.events(server, AuditFilter())
            let encoded = String(decoding: try JSONEncoder().encode(everything), as: UTF8.self)
            #expect(!encoded.contains(jwt))
            #expect(!encoded.contains(opaque))
            // Sequence numbers grow one by one.
            let sequences = everything.map(\.sequence)
            #expect(sequences == Array(sequences.first!...sequences.last!))

            let chain = try await server.store.verifyChain()
            #expect(chain.isIntact)
            #expect(chain.eventsChecked == Int64(everything.count))
        }
    }

    @Test("a request refused for another reason records that reason")
    func otherReasons() async throws {
        try await TestServer.with { server in
            _ = try await server.tokenRequest([("grant_type", "client_credentials"), ("scope", "sms")], basic: .billing)
            _ = try await server.tokenRequest([("grant_type", "password")], basic: .billing)
            let refused = try await Self.events(server, AuditFilter(tenantID: "sms", type: .tokenRefused))
            #expect(refused.map { $0.event.reason } == ["invalid_scope", "unsupported_grant_type"])
            #expect(try await server.store.verifyChain().isIntact)
        }
    }
}
