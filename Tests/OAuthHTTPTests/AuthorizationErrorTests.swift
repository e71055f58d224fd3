import AuthEngine
import Foundation
import JOSE
import Testing

/// RFC 6749 §4.1.2.1: an untrustworthy client or redirect URI stops on an error page and never
/// redirects; every other error goes back to the client with `error`, `state` and `iss`. Each failure
/// is audited.
@Suite struct AuthorizationErrorTests {
    func page(_ server: TestServer, _ query: [(String, String)]) async throws -> Browser.Page {
        let browser = Browser(server)
        defer { Task { await browser.close() } }
        return try await browser.get(server.issuer + "/authorize?" + FormEncoding.encode(query))
    }

    func base(_ challenge: String = CodeFlowClient.pkce().challenge) -> [(String, String)] {
        [
            ("response_type", "code"), ("client_id", "customer-portal"), ("redirect_uri", "http://127.0.0.1:8765/callback"),
            ("scope", "openid"), ("state", "s1"), ("code_challenge", challenge), ("code_challenge_method", "S256"),
        ]
    }

    func without(_ name: String, _ q: [(String, String)]) -> [(String, String)] { q.filter { $0.0 != name } }
    func replacing(_ name: String, _ value: String, _ q: [(String, String)]) -> [(String, String)] {
        without(name, q) + [(name, value)]
    }

    func expectErrorPage(_ p: Browser.Page, status: Int = 400, mentioning text: String) {
        #expect(p.status == status, "\(p)")
        #expect(p.location == nil, "an error page never redirects")
        #expect(p.text.contains(HTMLPage.escapeForTest(text)), "\(p.text.prefix(400))")
    }

    func expectRedirectError(_ p: Browser.Page, _ server: TestServer, code: String) {
        #expect(p.status == 302, "\(p)")
        #expect(p.location?.hasPrefix("http://127.0.0.1:8765/callback?") == true)
        #expect(p.redirectParameters["error"] == code, "\(p.location ?? "")")
        #expect(p.redirectParameters["state"] == "s1")
        #expect(p.redirectParameters["iss"] == server.issuer)
        #expect(p.redirectParameters["code"] == nil)
    }

    @Test func unknownClientShowsAnErrorPage() async throws {
        try await TestServer.with { server in
            expectErrorPage(try await page(server, replacing("client_id", "nobody", base())), mentioning: "no client 'nobody'")
            let events = try await server.store.events(after: 0, limit: 1000, filter: AuditFilter(type: .authorizationRefused))
            #expect(events.contains { $0.event.details["shown"] == "error page" })
        }
    }

    @Test func missingClientIDShowsAnErrorPage() async throws {
        try await TestServer.with { server in
            expectErrorPage(try await page(server, without("client_id", base())), mentioning: "no client_id")
        }
    }

    @Test func disabledClientShowsAnErrorPage() async throws {
        try await TestServer.with { server in
            _ = try await server.engine.setClientDisabled(tenantID: "sms", clientID: "customer-portal", disabled: true, actor: "test")
            expectErrorPage(try await page(server, base()), mentioning: "or it is disabled")
        }
    }

    @Test func unregisteredRedirectURIShowsAnErrorPage() async throws {
        try await TestServer.with { server in
            let evil = replacing("redirect_uri", "https://evil.example/callback", base())
            expectErrorPage(try await page(server, evil), mentioning: "is not registered")
            // Exact match only: a registered URI with an extra path or query is another URI.
            expectErrorPage(
                try await page(server, replacing("redirect_uri", "http://127.0.0.1:8765/callback/x", base())),
                mentioning: "is not registered"
            )
            expectErrorPage(
                try await page(server, replacing("redirect_uri", "http://127.0.0.1:8765/callback?a=1", base())),
                mentioning: "is not registered"
            )
        }
    }

    @Test func missingRedirectURIWithSeveralRegisteredShowsAnErrorPage() async throws {
        try await TestServer.with { server in
            expectErrorPage(try await page(server, without("redirect_uri", base())), mentioning: "redirect_uri is required")
        }
    }

    @Test func repeatedParameterShowsAnErrorPageWhenItIsTheClient() async throws {
        try await TestServer.with { server in
            expectErrorPage(try await page(server, base() + [("client_id", "budget-app")]), mentioning: "repeated")
        }
    }

    @Test func unknownTenantIs404() async throws {
        try await TestServer.with { server in
            let browser = Browser(server)
            defer { Task { await browser.close() } }
            let p = try await browser.get("/nope/authorize?" + FormEncoding.encode(base()))
            #expect(p.status == 404)
            #expect(p.location == nil)
        }
    }

    @Test func missingResponseTypeIsRedirected() async throws {
        try await TestServer.with { server in
            expectRedirectError(try await page(server, without("response_type", base())), server, code: "invalid_request")
        }
    }

    @Test func implicitResponseTypeIsUnsupported() async throws {
        try await TestServer.with { server in
            expectRedirectError(try await page(server, replacing("response_type", "token", base())), server, code: "unsupported_response_type")
        }
    }

    @Test func missingCodeChallengeIsRefused() async throws {
        try await TestServer.with { server in
            let q = without("code_challenge_method", without("code_challenge", base()))
            let p = try await page(server, q)
            expectRedirectError(p, server, code: "invalid_request")
            #expect(p.redirectParameters["error_description"]?.contains("code_challenge is required") == true)
        }
    }

    @Test func plainChallengeMethodIsRefused() async throws {
        try await TestServer.with { server in
            let q = replacing("code_challenge_method", "plain", base(String(repeating: "a", count: 43)))
            expectRedirectError(try await page(server, q), server, code: "invalid_request")
        }
    }

    @Test func malformedChallengeIsRefused() async throws {
        try await TestServer.with { server in
            expectRedirectError(try await page(server, base("too-short")), server, code: "invalid_request")
        }
    }

    @Test func unknownScopeIsRedirectedAsInvalidScope() async throws {
        try await TestServer.with { server in
            expectRedirectError(try await page(server, replacing("scope", "openid invoice-write", base())), server, code: "invalid_scope")
        }
    }

    @Test func requestObjectsAreNotSupported() async throws {
        try await TestServer.with { server in
            expectRedirectError(try await page(server, base() + [("request", "eyJhbGciOiJub25lIn0.e30.")]), server, code: "request_not_supported")
        }
    }

    @Test func fragmentResponseModeIsRefused() async throws {
        try await TestServer.with { server in
            expectRedirectError(try await page(server, base() + [("response_mode", "fragment")]), server, code: "invalid_request")
        }
    }

    @Test func promptNoneCombinedWithLoginIsInvalid() async throws {
        try await TestServer.with { server in
            expectRedirectError(try await page(server, base() + [("prompt", "none login")]), server, code: "invalid_request")
        }
    }

    @Test func badMaxAgeIsInvalid() async throws {
        try await TestServer.with { server in
            expectRedirectError(try await page(server, base() + [("max_age", "-1")]), server, code: "invalid_request")
        }
    }

    @Test func unknownResourceIsInvalidTarget() async throws {
        try await TestServer.with { server in
            expectRedirectError(try await page(server, base() + [("resource", "https://api.sms.example/other")]), server, code: "invalid_target")
        }
    }

    @Test func redirectedErrorsAreAudited() async throws {
        try await TestServer.with { server in
            _ = try await page(server, replacing("response_type", "token", base()))
            let events = try await server.store.events(after: 0, limit: 1000, filter: AuditFilter(type: .authorizationRefused))
            #expect(events.contains { $0.event.reason == "unsupported_response_type" && $0.event.clientID == "customer-portal" })
        }
    }

    @Test func badQueryEncodingIsABadRequestPage() async throws {
        try await TestServer.with { server in
            let browser = Browser(server)
            defer { Task { await browser.close() } }
            let p = try await browser.get("/sms/authorize?client_id=%ZZ")
            #expect(p.status == 400)
            #expect(p.location == nil)
        }
    }
}

extension HTMLPage {
    /// What the page shows for `text` (HTML-escaped).
    static func escapeForTest(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "'", with: "&#39;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "<", with: "&lt;")
    }
}

/// Stands for the HTML module's page type in tests (no `@testable` import needed).
enum HTMLPage {}
