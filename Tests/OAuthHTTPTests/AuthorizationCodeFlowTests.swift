import AuthEngine
import ClaimdeckTestSupport
import Crypto
import Foundation
import JOSE
import Testing

/// The authorization code flow the way a browser and a client library drive it: fetch the login
/// page, post the form, follow the redirect, exchange the code (RFC 6749 §4.1, RFC 7636, OIDC Core).
@Suite struct AuthorizationCodeFlowTests {
    @Test func firstPartyClientSignsInAndGetsAccessRefreshAndIDTokens() async throws {
        try await TestServer.with { server in
            let browser = Browser(server)
            defer { Task { await browser.close() } }
            let client = CodeFlowClient.portal
            let (verifier, challenge) = CodeFlowClient.pkce()

            let login = try await browser.get(client.authorizationURL(server, scope: "openid profile invoice-read", challenge: challenge))
            #expect(login.status == 200)
            #expect(login.text.contains("Sign in to SMS Service"))
            #expect(login.text.contains("Customer portal"))
            #expect(login.headers.first(name: "cache-control") == "no-store")
            #expect(login.headers.first(name: "x-frame-options") == "DENY")
            #expect(login.headers.first(name: "content-security-policy")?.contains("frame-ancestors 'none'") == true)
            #expect(!login.text.contains("<script"))

            let back = try await browser.submit(login, [("username", "alice"), ("password", "alice-demo-password")])
            #expect(back.status == 303)
            let code = try browser.code(from: back, client)
            #expect(browser.cookie(SessionCookie.name) != nil)

            let result = try await client.exchange(server, code: code, verifier: verifier)
            #expect(result.status == 200, "\(result)")
            #expect(result.headers.first(name: "cache-control") == "no-store")
            let json = try result.json()
            let access = try #require(json["access_token"]?.stringValue)
            #expect(json["token_type"]?.stringValue == "Bearer")
            #expect(json["scope"]?.stringValue == "openid profile invoice-read")
            #expect(json["refresh_token"]?.stringValue?.hasPrefix("cdr_") == true)

            // The access token: RFC 9068, the user as subject, the design's claims for the scopes.
            let at = try await server.verifiedJWS(access)
            #expect(at.string("sub") == "u-alice")
            #expect(at.string("client_id") == "customer-portal")
            #expect(at.string("aud") == Audience.invoices)
            #expect(at.string("account-nbr") == "1001-42")

            // The ID token: signed by the tenant, for this client, with the nonce and at_hash.
            let idToken = try await server.verifiedJWS(try #require(json["id_token"]?.stringValue))
            #expect(idToken.string("iss") == server.issuer)
            #expect(idToken.string("sub") == "u-alice")
            #expect(idToken.string("aud") == "customer-portal")
            #expect(idToken.string("nonce") == "n-456")
            #expect(idToken.string("name") == "Alice Andersson")
            #expect(idToken.string("preferred_username") == "alice")
            #expect(idToken.payload["email"] == nil, "email was not requested")
            #expect(idToken.payload["amr"] == .array([.string("pwd")]))
            #expect(idToken.int("auth_time") != nil)
            #expect(idToken.string("sid") != nil)
            let half = Array(SHA256.hash(data: Data(access.utf8))).prefix(16)
            #expect(idToken.string("at_hash") == Base64URL.encode(half))
            #expect(try await server.isActive(access))
        }
    }

    @Test func aSignedInBrowserIsNotAskedAgain() async throws {
        try await TestServer.with { server in
            let browser = Browser(server)
            defer { Task { await browser.close() } }
            let client = CodeFlowClient.portal
            _ = try browser.code(from: try await browser.authorize(client, scope: "openid", challenge: CodeFlowClient.pkce().challenge), client)
            let again = try await browser.get(client.authorizationURL(server, scope: "openid", challenge: CodeFlowClient.pkce().challenge))
            #expect(again.status == 302)
            _ = try browser.code(from: again, client)

            // prompt=login asks again even so; prompt=none answers without a page.
            let forced = try await browser.get(
                client.authorizationURL(
                    server,
                    scope: "openid",
                    challenge: CodeFlowClient.pkce().challenge,
                    extra: [("prompt", "login")]
                )
            )
            #expect(forced.status == 200 && forced.formAction?.hasSuffix("/login") == true)
            let silent = try await browser.get(
                client.authorizationURL(
                    server,
                    scope: "openid",
                    challenge: CodeFlowClient.pkce().challenge,
                    extra: [("prompt", "none")]
                )
            )
            _ = try browser.code(from: silent, client)
        }
    }

    @Test func promptNoneWithoutASessionAnswersLoginRequired() async throws {
        try await TestServer.with { server in
            let browser = Browser(server)
            defer { Task { await browser.close() } }
            let page = try await browser.get(
                CodeFlowClient.portal.authorizationURL(
                    server,
                    scope: "openid",
                    challenge: CodeFlowClient.pkce().challenge,
                    extra: [("prompt", "none")]
                )
            )
            #expect(page.status == 302)
            #expect(page.redirectParameters["error"] == "login_required")
            #expect(page.redirectParameters["state"] == "st-123")
            #expect(page.redirectParameters["iss"] == server.issuer)
        }
    }

    @Test func thirdPartyPublicClientAsksConsentOnceAndUsesPKCEWithoutASecret() async throws {
        try await TestServer.with { server in
            let browser = Browser(server)
            defer { Task { await browser.close() } }
            let client = CodeFlowClient.budget
            let (verifier, challenge) = CodeFlowClient.pkce()
            let login = try await browser.get(client.authorizationURL(server, scope: "openid profile invoice-read", challenge: challenge))
            let consent = try await browser.submit(login, [("username", "bob"), ("password", "bob-demo-password")])
            #expect(consent.status == 200)
            #expect(consent.text.contains("Budget app by Example Apps Ltd wants access"))
            #expect(consent.text.contains("invoice-read"))
            #expect(consent.text.contains("Read the customer&#39;s invoices"))
            let back = try await browser.submit(consent, [("decision", "approve")])
            let code = try browser.code(from: back, client)
            let result = try await client.exchange(server, code: code, verifier: verifier)
            #expect(result.status == 200, "\(result)")
            let access = try #require(try result.json()["access_token"]?.stringValue)
            #expect(access.hasPrefix("cdo_"), "the budget app gets opaque tokens")
            let introspected = try await server.introspect(access).json()
            #expect(introspected["sub"]?.stringValue == "u-bob")
            #expect(introspected["account-nbr"]?.stringValue == "1002-17")
            #expect(introspected["_cd"] == nil, "internal claims never leave the server")

            // Remembered: the same scopes again go straight back; a wider request asks again.
            let again = try await browser.get(
                client.authorizationURL(server, scope: "openid invoice-read", challenge: CodeFlowClient.pkce().challenge)
            )
            _ = try browser.code(from: again, client)
            let forced = try await browser.get(
                client.authorizationURL(
                    server,
                    scope: "openid",
                    challenge: CodeFlowClient.pkce().challenge,
                    extra: [("prompt", "consent")]
                )
            )
            #expect(forced.formAction?.hasSuffix("/consent") == true)

            // Withdrawn by an admin: the tokens die and the next authorization asks again.
            let summary = try await server.engine.revokeConsent(tenantID: "sms", user: "bob", clientID: "budget-app", actor: "test")
            #expect(summary.revoked >= 2)
            #expect(try await server.isActive(access) == false)
            let asked = try await browser.get(client.authorizationURL(server, scope: "openid", challenge: CodeFlowClient.pkce().challenge))
            #expect(asked.formAction?.hasSuffix("/consent") == true)
        }
    }

    @Test func denyingConsentRedirectsAccessDenied() async throws {
        try await TestServer.with { server in
            let browser = Browser(server)
            defer { Task { await browser.close() } }
            let client = CodeFlowClient.budget
            let login = try await browser.get(client.authorizationURL(server, scope: "openid", challenge: CodeFlowClient.pkce().challenge))
            let consent = try await browser.submit(login, [("username", "bob"), ("password", "bob-demo-password")])
            let back = try await browser.submit(consent, [("decision", "deny")])
            #expect(back.status == 303)
            #expect(back.redirectParameters["error"] == "access_denied")
            #expect(back.redirectParameters["state"] == "st-123")
            let events = try await server.store.events(after: 0, limit: 1000, filter: AuditFilter())
            #expect(events.contains { $0.event.type == .consentDenied && $0.event.subject == "u-bob" })
        }
    }

    @Test func discoveryListsTheUserFacingEndpoints() async throws {
        try await TestServer.with { server in
            let doc = try await server.get("/sms/.well-known/openid-configuration").json()
            #expect(doc["authorization_endpoint"]?.stringValue == server.issuer + "/authorize")
            #expect(doc["userinfo_endpoint"]?.stringValue == server.issuer + "/userinfo")
            #expect(doc["end_session_endpoint"]?.stringValue == server.issuer + "/logout")
            #expect(doc["response_types_supported"] == .array([.string("code")]))
            #expect(doc["code_challenge_methods_supported"] == .array([.string("S256")]))
            #expect(doc["authorization_response_iss_parameter_supported"] == .bool(true))
            let grants = doc["grant_types_supported"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(grants.contains("authorization_code") && grants.contains("refresh_token"))
            let scopes = doc["scopes_supported"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(scopes.contains("openid") && scopes.contains("profile") && scopes.contains("email"))
        }
    }
}
