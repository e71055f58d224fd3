import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// The token endpoint side of the user flows: code exchange (RFC 6749 §4.1.3, RFC 7636 §4.6) and
/// refresh with rotation and reuse detection (RFC 6749 §6, RFC 9700 §4.14.2), failures included.
@Suite struct CodeExchangeAndRefreshTests {
    /// Signs alice in through the browser and returns a fresh code with its verifier.
    func code(
        _ server: TestServer,
        _ client: CodeFlowClient = .portal,
        scope: String = "openid profile invoice-read",
        username: String = "alice",
        password: String = "alice-demo-password"
    ) async throws -> (code: String, verifier: String) {
        let browser = Browser(server)
        defer { Task { await browser.close() } }
        let (verifier, challenge) = CodeFlowClient.pkce()
        let page = try await browser.authorize(client, scope: scope, challenge: challenge, username: username, password: password)
        return (try browser.code(from: page, client), verifier)
    }

    func tokens(_ server: TestServer, _ client: CodeFlowClient = .portal) async throws -> [String: JSONValue] {
        let (code, verifier) = try await code(server, client)
        let result = try await client.exchange(server, code: code, verifier: verifier)
        guard result.status == 200 else { throw FixtureError("exchange failed: \(result)") }
        return try result.json()
    }

    @Test func wrongVerifierIsInvalidGrant() async throws {
        try await TestServer.with { server in
            let (code, _) = try await code(server)
            expectOAuthError(
                try await CodeFlowClient.portal.exchange(server, code: code, verifier: CodeFlowClient.pkce().verifier),
                status: 400,
                code: "invalid_grant",
                mentioning: "does not match the code_challenge"
            )
        }
    }

    @Test func missingVerifierIsInvalidRequest() async throws {
        try await TestServer.with { server in
            let (code, _) = try await code(server)
            expectOAuthError(
                try await CodeFlowClient.portal.exchange(server, code: code, verifier: nil),
                status: 400,
                code: "invalid_request",
                mentioning: "code_verifier is missing"
            )
        }
    }

    @Test func malformedVerifierIsInvalidGrant() async throws {
        try await TestServer.with { server in
            let (code, _) = try await code(server)
            expectOAuthError(
                try await CodeFlowClient.portal.exchange(server, code: code, verifier: "short"),
                status: 400,
                code: "invalid_grant",
                mentioning: "43 to 128"
            )
        }
    }

    @Test func aFailedVerifierDoesNotBurnTheCode() async throws {
        try await TestServer.with { server in
            let (code, verifier) = try await code(server)
            _ = try await CodeFlowClient.portal.exchange(server, code: code, verifier: CodeFlowClient.pkce().verifier)
            #expect(try await CodeFlowClient.portal.exchange(server, code: code, verifier: verifier).status == 200)
        }
    }

    @Test func wrongRedirectURIIsInvalidGrant() async throws {
        try await TestServer.with { server in
            let (code, verifier) = try await code(server)
            let result = try await CodeFlowClient.portal.tokenRequest(
                server,
                [
                    ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", "https://portal.sms.example/callback"),
                    ("code_verifier", verifier),
                ]
            )
            expectOAuthError(result, status: 400, code: "invalid_grant", mentioning: "redirect_uri does not match")
        }
    }

    @Test func missingRedirectURIIsInvalidRequest() async throws {
        try await TestServer.with { server in
            let (code, verifier) = try await code(server)
            let result = try await CodeFlowClient.portal.tokenRequest(
                server,
                [
                    ("grant_type", "authorization_code"), ("code", code), ("code_verifier", verifier),
                ]
            )
            expectOAuthError(result, status: 400, code: "invalid_request", mentioning: "redirect_uri is missing")
        }
    }

    @Test func aCodeOfAnotherClientIsInvalidGrant() async throws {
        try await TestServer.with { server in
            let (code, verifier) = try await code(server, .budget, scope: "openid")
            // budget-app's code presented by customer-portal.
            let result = try await CodeFlowClient.portal.tokenRequest(
                server,
                [
                    ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", CodeFlowClient.budget.redirectURI),
                    ("code_verifier", verifier),
                ]
            )
            expectOAuthError(result, status: 400, code: "invalid_grant", mentioning: "issued to another client")
        }
    }

    @Test func unknownCodeIsInvalidGrant() async throws {
        try await TestServer.with { server in
            expectOAuthError(
                try await CodeFlowClient.portal.exchange(
                    server,
                    code: "cdc_01JZZZZZZZZZZZZZZZZZZZZZZZforged",
                    verifier: CodeFlowClient.pkce().verifier
                ),
                status: 400,
                code: "invalid_grant",
                mentioning: "not valid"
            )
        }
    }

    @Test func anExpiredCodeIsInvalidGrant() async throws {
        let clock = ManualWallClock(Date())
        try await TestServer.with(clock: clock) { server in
            let (code, verifier) = try await code(server)
            clock.advance(by: 61)
            expectOAuthError(
                try await CodeFlowClient.portal.exchange(server, code: code, verifier: verifier),
                status: 400,
                code: "invalid_grant",
                mentioning: "expired"
            )
        }
    }

    @Test func aClientWithoutTheGrantIsUnauthorized() async throws {
        try await TestServer.with { server in
            let (code, verifier) = try await code(server)
            let result = try await server.tokenRequest(
                [
                    ("grant_type", "authorization_code"), ("code", code),
                    ("redirect_uri", CodeFlowClient.portal.redirectURI), ("code_verifier", verifier),
                ],
                basic: .billing
            )
            expectOAuthError(result, status: 400, code: "unauthorized_client", mentioning: "authorization_code")
        }
    }

    @Test func aPublicClientMustNotSendAWrongClientID() async throws {
        try await TestServer.with { server in
            let (code, verifier) = try await code(server, .budget, scope: "openid")
            let result = try await server.tokenRequest([
                ("grant_type", "authorization_code"), ("code", code),
                ("redirect_uri", CodeFlowClient.budget.redirectURI), ("code_verifier", verifier),
                ("client_id", "no-such-app"),
            ])
            #expect(result.status == 401)
        }
    }

    @Test func aReusedCodeFailsAndRevokesWhatItIssued() async throws {
        try await TestServer.with { server in
            let (code, verifier) = try await code(server)
            let first = try await CodeFlowClient.portal.exchange(server, code: code, verifier: verifier).json()
            let access = try #require(first["access_token"]?.stringValue)
            let refresh = try #require(first["refresh_token"]?.stringValue)
            #expect(try await server.isActive(access))
            expectOAuthError(
                try await CodeFlowClient.portal.exchange(server, code: code, verifier: verifier),
                status: 400,
                code: "invalid_grant",
                mentioning: "already used"
            )
            #expect(try await server.isActive(access) == false)
            #expect(try await server.isActive(refresh) == false)
            let reuse = try await server.store.events(after: 0, limit: 1000, filter: AuditFilter(type: .tokenReuseDetected))
            #expect(reuse.count == 1)
            #expect(reuse.first?.event.reason == "authorization code reused")
        }
    }

    @Test func concurrentRedemptionsOfOneCodeLetExactlyOneWin() async throws {
        try await TestServer.with { server in
            let (code, verifier) = try await code(server)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 { group.addTask { try await CodeFlowClient.portal.exchange(server, code: code, verifier: verifier).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 1)
            #expect(statuses.filter { $0 == 400 }.count >= 3)
        }
    }

    @Test func refreshRotatesAndTheOldTokenComingBackRevokesTheFamily() async throws {
        try await TestServer.with { server in
            let first = try await tokens(server)
            let refresh1 = try #require(first["refresh_token"]?.stringValue)
            let second = try await CodeFlowClient.portal.refresh(server, refresh1)
            #expect(second.status == 200, "\(second)")
            let json = try second.json()
            let refresh2 = try #require(json["refresh_token"]?.stringValue)
            let access2 = try #require(json["access_token"]?.stringValue)
            #expect(refresh2 != refresh1)
            #expect(json["id_token"]?.stringValue != nil, "openid was granted, so a refresh brings a new ID token")
            #expect(try await server.isActive(access2))
            #expect(try await server.isActive(refresh2))

            // The stolen old token is presented: refused, and the whole family dies.
            expectOAuthError(
                try await CodeFlowClient.portal.refresh(server, refresh1),
                status: 400,
                code: "invalid_grant",
                mentioning: "already used"
            )
            #expect(try await server.isActive(access2) == false)
            #expect(try await server.isActive(refresh2) == false)
            expectOAuthError(try await CodeFlowClient.portal.refresh(server, refresh2), status: 400, code: "invalid_grant")
            let reuse = try await server.store.events(after: 0, limit: 1000, filter: AuditFilter(type: .tokenReuseDetected))
            #expect(reuse.first?.event.reason == "refresh token reused")
            #expect(reuse.first?.event.subject == "u-alice")
            let refreshed = try await server.store.events(after: 0, limit: 1000, filter: AuditFilter(type: .tokenRefreshed))
            #expect(refreshed.count == 1)
            // Each exchange names what it used: the code it redeemed, the refresh token it rotated
            // (the one the code exchange issued), so their audit trails show it.
            let issued = try await server.store.events(after: 0, limit: 1000, filter: AuditFilter(type: .tokenIssued))
            let exchange = try #require(issued.last { $0.event.details["code_id"] != nil })
            #expect(refreshed.first?.event.details["rotated_refresh_token_id"] == exchange.event.details["refresh_token_id"])
        }
    }

    @Test func refreshCanNarrowButNotWidenTheScope() async throws {
        try await TestServer.with { server in
            let refresh = try #require(try await tokens(server)["refresh_token"]?.stringValue)
            let wide = try await CodeFlowClient.portal.refresh(server, refresh, scope: "openid sms")
            expectOAuthError(wide, status: 400, code: "invalid_scope", mentioning: "can only narrow")
            let narrow = try await CodeFlowClient.portal.refresh(server, refresh, scope: "invoice-read")
            #expect(narrow.status == 200, "\(narrow)")
            let json = try narrow.json()
            #expect(json["scope"]?.stringValue == "invoice-read")
            #expect(json["id_token"] == nil, "no openid, no ID token")
            // The new refresh token keeps the whole authorization.
            let again = try await CodeFlowClient.portal.refresh(server, try #require(json["refresh_token"]?.stringValue))
            #expect(try again.json()["scope"]?.stringValue == "openid profile invoice-read")
        }
    }

    @Test func aRefreshTokenOfAnotherClientIsInvalidGrant() async throws {
        try await TestServer.with { server in
            let refresh = try #require(try await tokens(server)["refresh_token"]?.stringValue)
            let result = try await CodeFlowClient.budget.refresh(server, refresh)
            expectOAuthError(result, status: 400, code: "invalid_grant", mentioning: "another client")
            // Not a reuse: the family lives on for its owner.
            #expect(try await CodeFlowClient.portal.refresh(server, refresh).status == 200)
        }
    }

    @Test func anAccessTokenIsNotARefreshToken() async throws {
        try await TestServer.with { server in
            let access = try #require(try await tokens(server)["access_token"]?.stringValue)
            expectOAuthError(try await CodeFlowClient.portal.refresh(server, access), status: 400, code: "invalid_grant")
        }
    }

    @Test func missingRefreshTokenIsInvalidRequest() async throws {
        try await TestServer.with { server in
            expectOAuthError(
                try await CodeFlowClient.portal.tokenRequest(server, [("grant_type", "refresh_token")]),
                status: 400,
                code: "invalid_request",
                mentioning: "refresh_token"
            )
        }
    }

    @Test func slidingLifetimeEndsAnUnusedRefreshToken() async throws {
        let clock = ManualWallClock(Date())
        try await TestServer.with(clock: clock) { server in
            // budget-app: 1 day sliding, 7 days absolute.
            let first = try await tokens(server, .budget)
            let refresh = try #require(first["refresh_token"]?.stringValue)
            clock.advance(by: 86_400 + 1)
            expectOAuthError(try await CodeFlowClient.budget.refresh(server, refresh), status: 400, code: "invalid_grant", mentioning: "expired")
        }
    }

    @Test func absoluteLifetimeEndsTheFamilyWhateverTheUse() async throws {
        let clock = ManualWallClock(Date())
        try await TestServer.with(clock: clock) { server in
            var refresh = try #require(try await tokens(server, .budget)["refresh_token"]?.stringValue)
            // Used every 20 hours: the sliding window never closes, the absolute one does after 7 days.
            for _ in 0..<8 {
                clock.advance(by: 20 * 3600)
                let result = try await CodeFlowClient.budget.refresh(server, refresh)
                #expect(result.status == 200, "\(result)")
                refresh = try #require(try result.json()["refresh_token"]?.stringValue)
            }
            clock.advance(by: 20 * 3600)
            expectOAuthError(try await CodeFlowClient.budget.refresh(server, refresh), status: 400, code: "invalid_grant", mentioning: "expired")
        }
    }

    @Test func disablingTheUserEndsTheirRefreshFamilies() async throws {
        try await TestServer.with { server in
            let first = try await tokens(server)
            let refresh = try #require(first["refresh_token"]?.stringValue)
            let summary = try await server.engine.setUserDisabled(tenantID: "sms", "alice", disabled: true, actor: "test")
            #expect(summary.revoked >= 2)
            expectOAuthError(try await CodeFlowClient.portal.refresh(server, refresh), status: 400, code: "invalid_grant")
        }
    }
}
