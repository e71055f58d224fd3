import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// OpenID Connect Core §5.3 with RFC 6750 errors.
@Suite struct UserInfoTests {
    func accessToken(_ server: TestServer, scope: String) async throws -> String {
        let browser = Browser(server)
        defer { Task { await browser.close() } }
        let (verifier, challenge) = CodeFlowClient.pkce()
        let code = try browser.code(from: try await browser.authorize(.portal, scope: scope, challenge: challenge), .portal)
        return try #require(try await CodeFlowClient.portal.exchange(server, code: code, verifier: verifier).json()["access_token"]?.stringValue)
    }

    @Test func returnsTheClaimsTheScopesAllowByGetAndPost() async throws {
        try await TestServer.with { server in
            let token = try await accessToken(server, scope: "openid email")
            let get = try await server.get("/sms/userinfo", headers: [("Authorization", "Bearer " + token)])
            #expect(get.status == 200, "\(get)")
            #expect(get.header("Cache-Control") == "no-store")
            let claims = try get.json()
            #expect(claims["sub"]?.stringValue == "u-alice")
            #expect(claims["email"]?.stringValue == "alice@example.com")
            #expect(claims["name"] == nil, "profile was not granted")
            let post = try await server.postForm("/sms/userinfo", [("access_token", token)])
            #expect(try post.json()["email"]?.stringValue == "alice@example.com")
            let served = try await server.store.events(after: 0, limit: 100, filter: AuditFilter(type: .userinfoServed))
            #expect(served.count == 2)
        }
    }

    @Test func noTokenIs401WithAChallengeAndNoErrorCode() async throws {
        try await TestServer.with { server in
            let r = try await server.get("/sms/userinfo")
            #expect(r.status == 401)
            // Both schemes are offered (RFC 9449 section 7.1), neither with an error code (RFC 6750 section 3.1).
            #expect(r.header("WWW-Authenticate") == "Bearer realm=\"sms\", DPoP realm=\"sms\", algs=\"ES256 RS256 EdDSA PS256\"")
        }
    }

    @Test func anUnknownTokenIsInvalidToken() async throws {
        try await TestServer.with { server in
            let r = try await server.get("/sms/userinfo", headers: [("Authorization", "Bearer cdo_nothing-here")])
            expectOAuthError(r, status: 401, code: "invalid_token")
            #expect(r.header("WWW-Authenticate")?.contains("error=\"invalid_token\"") == true)
        }
    }

    @Test func aRevokedTokenIsInvalidToken() async throws {
        try await TestServer.with { server in
            let token = try await accessToken(server, scope: "openid")
            _ = try await server.engine.revokeTokens(.subject(tenantID: "sms", subject: "u-alice"), reason: "test", actor: "test")
            expectOAuthError(
                try await server.get("/sms/userinfo", headers: [("Authorization", "Bearer " + token)]),
                status: 401,
                code: "invalid_token"
            )
        }
    }

    @Test func aTokenWithoutOpenIDIsInsufficientScope() async throws {
        try await TestServer.with { server in
            let token = try await server.accessToken(.billing)
            let r = try await server.get("/sms/userinfo", headers: [("Authorization", "Bearer " + token)])
            expectOAuthError(r, status: 403, code: "insufficient_scope")
            #expect(r.header("WWW-Authenticate")?.contains("scope=\"openid\"") == true)
        }
    }

    @Test func aTokenInBothPlacesIsInvalidRequest() async throws {
        try await TestServer.with { server in
            let token = try await accessToken(server, scope: "openid")
            let r = try await server.postForm("/sms/userinfo", [("access_token", token)], headers: [("Authorization", "Bearer " + token)])
            expectOAuthError(r, status: 400, code: "invalid_request")
        }
    }

    @Test func anotherSchemeIsInvalidRequest() async throws {
        try await TestServer.with { server in
            let r = try await server.get("/sms/userinfo", headers: [("Authorization", "Basic eDp5")])
            expectOAuthError(r, status: 400, code: "invalid_request")
        }
    }
}
