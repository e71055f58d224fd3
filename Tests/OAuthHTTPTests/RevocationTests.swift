import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// RFC 7009 revocation over HTTP, and admin revocation through the engine seen by HTTP introspection.
@Suite("revocation")
struct RevocationTests {
    @Test("the owning client revokes its opaque token: 200, inactive at once")
    func ownerRevokesOpaque() async throws {
        try await TestServer.with { server in
            let token = try await server.accessToken(.partnerPortal)
            let result = try await server.postForm(
                "/sms/revoke",
                [("token", token), ("token_type_hint", "access_token")] + DemoClient.partnerPortal.postParameters
            )
            #expect(result.status == 200, "\(result)")
            #expect(result.header("Cache-Control") == "no-store")
            #expect(try await server.isActive(token) == false)
            // Revoking it again is still a success (RFC 7009 §2.2).
            let again = try await server.postForm("/sms/revoke", [("token", token)] + DemoClient.partnerPortal.postParameters)
            #expect(again.status == 200, "\(again)")
        }
    }

    @Test("the owning client revokes its JWT: 200, inactive at once, the record says revoked")
    func ownerRevokesJWT() async throws {
        try await TestServer.with { server in
            let token = try await server.accessToken(.billing)
            let other = try await server.accessToken(.billing)
            let result = try await server.postForm("/sms/revoke", [("token", token)], basic: .billing)
            #expect(result.status == 200, "\(result)")
            #expect(try await server.isActive(token) == false)
            #expect(try await server.isActive(other), "only the named token is revoked")
            let jti = try #require(JWS.parse(token)?.string("jti"))
            #expect(try await server.store.token(id: jti)?.revokedAt != nil)
        }
    }

    @Test("an unknown token: 200 (RFC 7009 §2.2)")
    func unknownToken() async throws {
        try await TestServer.with { server in
            for token in ["unknown", "cdo_" + String(repeating: "A", count: 80), "a.b.c"] {
                let result = try await server.postForm("/sms/revoke", [("token", token)], basic: .billing)
                #expect(result.status == 200, "\(token): \(result)")
            }
        }
    }

    @Test("another client's token: 400 unauthorized_client, and the token stays active")
    func anotherClientsToken() async throws {
        try await TestServer.with { server in
            let token = try await server.accessToken(.partnerPortal)
            let result = try await server.postForm("/sms/revoke", [("token", token)], basic: .billing)
            expectOAuthError(result, status: 400, code: "unauthorized_client")
            #expect(try await server.isActive(token))
        }
    }

    @Test("missing token: 400 invalid_request; unauthenticated: 401 invalid_client; bad hint: unsupported_token_type")
    func badRequests() async throws {
        try await TestServer.with { server in
            expectOAuthError(try await server.postForm("/sms/revoke", [], basic: .billing), status: 400, code: "invalid_request")
            expectOAuthError(try await server.postForm("/sms/revoke", [("token", "")], basic: .billing), status: 400, code: "invalid_request")
            let token = try await server.accessToken(.billing)
            expectOAuthError(try await server.postForm("/sms/revoke", [("token", token)]), status: 401, code: "invalid_client")
            expectOAuthError(
                try await server.postForm("/sms/revoke", [("token", token)], basic: DemoClient.billing.withSecret("nope")),
                status: 401,
                code: "invalid_client"
            )
            expectOAuthError(
                try await server.postForm("/sms/revoke", [("token", token), ("token", token)], basic: .billing),
                status: 400,
                code: "invalid_request"
            )
            expectOAuthError(
                try await server.postForm("/sms/revoke", [("token", token), ("token_type_hint", "id_token")], basic: .billing),
                status: 400,
                code: "unsupported_token_type"
            )
            #expect(try await server.isActive(token), "no failed request revoked anything")
        }
    }

    // MARK: - Admin revocation (engine.revokeTokens), observed over HTTP

    @Test("admin revocation of one token")
    func adminByToken() async throws {
        try await TestServer.with { server in
            let token = try await server.accessToken(.billing)
            let other = try await server.accessToken(.billing)
            let jws = try #require(JWS.parse(token))
            let jti = try #require(jws.string("jti"))
            let summary = try await server.engine.revokeTokens(.token(tenantID: "sms", tokenID: jti), reason: "test", actor: "test")
            #expect(summary.revoked == 1)
            #expect(summary.jwtCount == 1)
            #expect(summary.opaqueCount == 0)
            #expect(summary.jwtUsableUntil.map { Int($0.timeIntervalSince1970) } == jws.int("exp"))
            #expect(try await server.isActive(token) == false)
            #expect(try await server.isActive(other))
        }
    }

    @Test("admin revocation by subject")
    func adminBySubject() async throws {
        let clock = ManualWallClock(Date())
        try await TestServer.with(clock: clock) { server in
            let first = try await server.accessToken(.billing)
            clock.advance(by: 1.1)  // a later exp for the second token
            let second = try await server.accessToken(.billing)
            let bystander = try await server.accessToken(.statusMonitor)
            let summary = try await server.engine.revokeTokens(.subject(tenantID: "sms", subject: "billing-service"), reason: "test", actor: "test")
            #expect(summary.revoked == 2)
            #expect(summary.jwtCount == 2)
            #expect(summary.opaqueCount == 0)
            #expect(summary.subjects == ["billing-service"])
            let latestExp = max(JWS.parse(first)?.int("exp") ?? 0, JWS.parse(second)?.int("exp") ?? 0)
            #expect(summary.jwtUsableUntil.map { Int($0.timeIntervalSince1970) } == latestExp)
            #expect(try await server.isActive(first) == false)
            #expect(try await server.isActive(second) == false)
            #expect(try await server.isActive(bystander))
            // Nothing is left to revoke.
            let again = try await server.engine.revokeTokens(.subject(tenantID: "sms", subject: "billing-service"), reason: "test", actor: "test")
            #expect(again.revoked == 0)
            #expect(again.jwtUsableUntil == nil)
        }
    }

    @Test("admin revocation by client: opaque tokens, no JWT stays usable")
    func adminByClient() async throws {
        try await TestServer.with { server in
            var tokens: [String] = []
            for _ in 0..<3 { tokens.append(try await server.accessToken(.partnerPortal)) }
            let bystander = try await server.accessToken(.billing)
            let summary = try await server.engine.revokeTokens(.client(tenantID: "sms", clientID: "partner-portal"), reason: "test", actor: "test")
            #expect(summary.revoked == 3)
            #expect(summary.opaqueCount == 3)
            #expect(summary.jwtCount == 0)
            #expect(summary.jwtUsableUntil == nil, "opaque tokens die at once everywhere")
            #expect(summary.clients == ["partner-portal"])
            for token in tokens { #expect(try await server.isActive(token) == false) }
            #expect(try await server.isActive(bystander))
            // New tokens of the client work again: revocation is not disabling.
            #expect(try await server.isActive(try await server.accessToken(.partnerPortal)))
        }
    }

    @Test("admin revocation of a whole tenant")
    func adminByTenant() async throws {
        try await TestServer.with { server in
            let jwts = [try await server.accessToken(.billing), try await server.accessToken(.statusMonitor)]
            let opaque = try await server.accessToken(.partnerPortal)
            let summary = try await server.engine.revokeTokens(.tenant(tenantID: "sms"), reason: "incident", actor: "test")
            #expect(summary.revoked == 3)
            #expect(summary.jwtCount == 2)
            #expect(summary.opaqueCount == 1)
            #expect(Set(summary.clients) == ["billing-service", "status-monitor", "partner-portal"])
            let latestExp = jwts.compactMap { JWS.parse($0)?.int("exp") }.max()
            #expect(summary.jwtUsableUntil.map { Int($0.timeIntervalSince1970) } == latestExp)
            for token in jwts + [opaque] { #expect(try await server.isActive(token) == false) }
        }
    }

    @Test("a revocation preview changes nothing and predicts the summary")
    func preview() async throws {
        try await TestServer.with { server in
            let token = try await server.accessToken(.billing)
            let preview = try await server.engine.previewRevocation(.client(tenantID: "sms", clientID: "billing-service"))
            #expect(preview.revoked == 1)
            #expect(try await server.isActive(token))
            let summary = try await server.engine.revokeTokens(.client(tenantID: "sms", clientID: "billing-service"), reason: "test", actor: "test")
            #expect(summary.revoked == preview.revoked)
            #expect(summary.jwtUsableUntil == preview.jwtUsableUntil)
        }
    }
}
