import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// RFC 9126 pushed authorization requests: the client authenticates at `/<tenant>/par`, gets a
/// single-use `request_uri` bound to it, and sends only `client_id` and `request_uri` through the browser.
@Suite struct PushedAuthorizationTests {
    static let portalBasic = DemoClient(id: "customer-portal", secret: "portal-demo-secret", method: .clientSecretBasic)

    /// The parameters a code-flow client pushes.
    static func parameters(_ client: CodeFlowClient, challenge: String, state: String = "st-123") -> [(String, String)] {
        [
            ("response_type", "code"), ("client_id", client.id), ("redirect_uri", client.redirectURI), ("scope", "openid invoice-read"),
            ("state", state), ("nonce", "n-456"), ("code_challenge", challenge), ("code_challenge_method", "S256"),
        ]
    }

    /// Pushes for the portal (Basic) or a public client (client_id in the body).
    static func push(_ server: TestServer, _ form: [(String, String)], as client: CodeFlowClient = .portal) async throws -> HTTPResult {
        client.secret == nil ? try await server.postForm("/sms/par", form) : try await server.postForm("/sms/par", form, basic: portalBasic)
    }

    static func requestURI(_ result: HTTPResult) throws -> String {
        guard result.status == 201, let uri = try result.json()["request_uri"]?.stringValue else {
            throw FixtureError("the push failed: \(result)")
        }
        return uri
    }

    static func authorizeURL(_ server: TestServer, clientID: String, requestURI: String, extra: [(String, String)] = []) -> String {
        server.issuer + "/authorize?" + FormEncoding.encode([("client_id", clientID), ("request_uri", requestURI)] + extra)
    }

    /// Signs alice in on the login page the authorization answered with (and consents, if asked).
    static func signIn(_ browser: Browser, _ page: Browser.Page) async throws -> Browser.Page {
        guard page.status == 200, page.formAction?.hasSuffix("/login") == true else { throw FixtureError("expected the login page, got \(page)") }
        let next = try await browser.submit(page, [("username", "alice"), ("password", "alice-demo-password")])
        // A third-party client asks for consent next.
        guard next.status == 200, next.formAction?.hasSuffix("/consent") == true else { return next }
        return try await browser.submit(next, [("decision", "approve")])
    }

    @Test func aPushedRequestIsAuthorizedOnceByItsRequestURI() async throws {
        try await TestServer.with { server in
            let browser = Browser(server)
            let client = CodeFlowClient.portal
            let (verifier, challenge) = CodeFlowClient.pkce()
            let pushed = try await Self.push(server, Self.parameters(client, challenge: challenge, state: "pushed-state"))
            #expect(pushed.status == 201, "\(pushed)")
            #expect(pushed.header("Cache-Control") == "no-store")
            #expect(pushed.header("Content-Type")?.hasPrefix("application/json") == true)
            let body = try pushed.json()
            let uri = try #require(body["request_uri"]?.stringValue)
            #expect(uri.hasPrefix("urn:ietf:params:oauth:request_uri:"))
            #expect(uri.count > "urn:ietf:params:oauth:request_uri:".count + 40, "256 random bits")
            #expect(body["expires_in"] == .number(60))

            // Other parameters beside client_id and request_uri are ignored: the pushed request is the request.
            let login = try await browser.get(Self.authorizeURL(server, clientID: client.id, requestURI: uri, extra: [("scope", "openid profile")]))
            // The login form carries the reference only, never the pushed parameters.
            #expect(login.hiddenFields.contains { $0.1.contains("request_uri") })
            #expect(!login.hiddenFields.contains { $0.1.contains("code_challenge") })
            let back = try await Self.signIn(browser, login)
            let code = try browser.code(from: back, client, state: "pushed-state")
            let tokens = try await client.exchange(server, code: code, verifier: verifier)
            #expect(tokens.status == 200, "\(tokens)")
            #expect(try tokens.json()["scope"]?.stringValue == "openid invoice-read")

            // Single use: the same request_uri again, even with the session, is refused.
            let again = try await browser.get(Self.authorizeURL(server, clientID: client.id, requestURI: uri))
            #expect(again.status == 400, "\(again)")
            #expect(again.text.contains("already used"))

            let events = try await server.engine.auditEvents(after: 0, limit: 2000, filter: AuditFilter(tenantID: "sms"))
            let push = try #require(events.first { $0.event.type == .authorizationPushed })
            #expect(push.event.clientID == client.id)
            #expect(push.event.details["scope"] == "openid invoice-read")
            #expect(!push.event.details.values.contains { $0.contains(uri) || $0.contains(challenge) }, "no request_uri in the audit")
            let issued = try #require(events.first { $0.event.type == .authorizationCodeIssued })
            #expect(issued.event.details["request"] == "pushed (PAR)")
        }
    }

    @Test func aPublicClientPushesWithItsClientIDOnly() async throws {
        try await TestServer.with { server in
            let browser = Browser(server)
            let client = CodeFlowClient.budget
            let (verifier, challenge) = CodeFlowClient.pkce()
            let uri = try Self.requestURI(try await Self.push(server, Self.parameters(client, challenge: challenge), as: client))
            let back = try await Self.signIn(browser, try await browser.get(Self.authorizeURL(server, clientID: client.id, requestURI: uri)))
            let code = try browser.code(from: back, client)
            #expect(try await client.exchange(server, code: code, verifier: verifier).status == 200)
        }
    }

    @Test func thePushIsValidatedAsTheAuthorizationEndpointWouldAndAnswersJSON() async throws {
        try await TestServer.with { server in
            let client = CodeFlowClient.portal
            let (_, challenge) = CodeFlowClient.pkce()
            let good = Self.parameters(client, challenge: challenge)
            func replacing(_ name: String, _ value: String?) -> [(String, String)] {
                good.filter { $0.0 != name } + (value.map { [(name, $0)] } ?? [])
            }
            expectOAuthError(
                try await Self.push(server, replacing("redirect_uri", "https://evil.example/cb")),
                status: 400,
                code: "invalid_request",
                mentioning: "not registered"
            )
            expectOAuthError(try await Self.push(server, replacing("scope", "openid admin")), status: 400, code: "invalid_scope")
            expectOAuthError(try await Self.push(server, replacing("response_type", "token")), status: 400, code: "unsupported_response_type")
            expectOAuthError(
                try await Self.push(server, replacing("code_challenge_method", "plain")),
                status: 400,
                code: "invalid_request",
                mentioning: "S256"
            )
            expectOAuthError(
                try await Self.push(server, replacing("dpop_jkt", "short")),
                status: 400,
                code: "invalid_request",
                mentioning: "dpop_jkt"
            )
            expectOAuthError(
                try await Self.push(server, good + [("request_uri", "urn:ietf:params:oauth:request_uri:abc")]),
                status: 400,
                code: "invalid_request",
                mentioning: "request_uri cannot be pushed"
            )
            expectOAuthError(
                try await Self.push(server, replacing("client_id", "budget-app")),
                status: 400,
                code: "invalid_request",
                mentioning: "does not match"
            )
            expectOAuthError(try await Self.push(server, good + [("state", "twice")]), status: 400, code: "invalid_request", mentioning: "repeated")
            // The public client must send PKCE, here as at the authorization endpoint.
            expectOAuthError(
                try await Self.push(server, Self.parameters(.budget, challenge: challenge).filter { !$0.0.hasPrefix("code_challenge") }, as: .budget),
                status: 400,
                code: "invalid_request",
                mentioning: "code_challenge is required"
            )
            // Client authentication as at the token endpoint.
            let wrong = DemoClient(id: client.id, secret: "wrong", method: .clientSecretBasic)
            expectOAuthError(try await server.postForm("/sms/par", good, basic: wrong), status: 401, code: "invalid_client")
            expectOAuthError(try await server.postForm("/sms/par", good.filter { $0.0 != "client_id" }), status: 401, code: "invalid_client")
            #expect(try await server.get("/sms/par").status == 405)

            let events = try await server.engine.auditEvents(after: 0, limit: 2000, filter: AuditFilter(tenantID: "sms"))
            #expect(!events.contains { $0.event.type == .authorizationPushed }, "nothing was pushed")
            let refused = events.filter { $0.event.type == .authorizationRefused && $0.event.details["endpoint"] == "par" }
            #expect(refused.contains { $0.event.reason == "invalid_scope" })
        }
    }

    @Test func aRequestURIIsBoundToItsClientAndExpires() async throws {
        let clock = ManualWallClock(Date())
        try await TestServer.with(clock: clock) { server in
            let browser = Browser(server)
            let (_, challenge) = CodeFlowClient.pkce()
            let uri = try Self.requestURI(try await Self.push(server, Self.parameters(.portal, challenge: challenge)))

            let other = try await browser.get(Self.authorizeURL(server, clientID: "budget-app", requestURI: uri))
            #expect(other.status == 400, "\(other)")
            #expect(other.text.contains("another client"))
            #expect(other.location == nil, "never redirected")
            let unknown = try await browser.get(Self.authorizeURL(server, clientID: "customer-portal", requestURI: uri + "x"))
            #expect(unknown.status == 400)
            #expect(unknown.text.contains("unknown"))
            let foreign = try await browser.get(Self.authorizeURL(server, clientID: "customer-portal", requestURI: "https://client.example/req.jwt"))
            #expect(foreign.status == 400)
            #expect(foreign.text.contains("PAR endpoint"))
            let noClient = try await browser.get(server.issuer + "/authorize?" + FormEncoding.encode([("request_uri", uri)]))
            #expect(noClient.status == 400)
            #expect(noClient.text.contains("client_id"))

            clock.advance(by: 61)
            let expired = try await browser.get(Self.authorizeURL(server, clientID: "customer-portal", requestURI: uri))
            #expect(expired.status == 400)
            #expect(expired.text.contains("expired"))

            let events = try await server.engine.auditEvents(after: 0, limit: 2000, filter: AuditFilter(tenantID: "sms"))
            #expect(events.filter { $0.event.type == .authorizationRefused && $0.event.reason == "invalid_request_uri" }.count == 4)
        }
    }

    @Test func aClientOrTenantThatRequiresPARRefusesPlainRequests() async throws {
        try await TestServer.with { server in
            let browser = Browser(server)
            let (_, challenge) = CodeFlowClient.pkce()
            _ = try await server.engine.updateClient(tenantID: "sms", clientID: "customer-portal", actor: "test") {
                $0.requirePushedAuthorizationRequests = true
            }
            let plain = try await browser.get(CodeFlowClient.portal.authorizationURL(server, scope: "openid", challenge: challenge))
            #expect(plain.status == 303 || plain.status == 302, "\(plain)")
            #expect(plain.redirectParameters["error"] == "invalid_request")
            #expect(plain.redirectParameters["error_description"]?.contains("PAR") == true)
            // Another client is not affected.
            let budget = try await browser.get(CodeFlowClient.budget.authorizationURL(server, scope: "openid", challenge: challenge))
            #expect(budget.status == 200, "\(budget)")
            // The pushed way works.
            let uri = try Self.requestURI(try await Self.push(server, Self.parameters(.portal, challenge: challenge)))
            #expect(try await browser.get(Self.authorizeURL(server, clientID: "customer-portal", requestURI: uri)).status == 200)

            var discovery = try await server.get("/sms/.well-known/openid-configuration").json()
            #expect(discovery["pushed_authorization_request_endpoint"]?.stringValue == server.issuer + "/par")
            #expect(discovery["require_pushed_authorization_requests"] == .bool(false))
            try await server.engine.updateTenantPolicy("sms", actor: "test") { $0.requirePushedAuthorizationRequests = true }
            let refused = try await browser.get(CodeFlowClient.budget.authorizationURL(server, scope: "openid", challenge: challenge))
            #expect(refused.redirectParameters["error"] == "invalid_request", "\(refused)")
            discovery = try await server.get("/sms/.well-known/openid-configuration").json()
            #expect(discovery["require_pushed_authorization_requests"] == .bool(true))
        }
    }
}
