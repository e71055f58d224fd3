import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// The sign-in page (CSRF, failures, throttling) and RP-initiated logout.
@Suite struct LoginAndLogoutTests {
    func loginPage(_ browser: Browser, _ server: TestServer) async throws -> Browser.Page {
        let page = try await browser.get(CodeFlowClient.portal.authorizationURL(server, scope: "openid", challenge: CodeFlowClient.pkce().challenge))
        guard page.status == 200, page.formAction == "/sms/login" else { throw FixtureError("no login page: \(page)") }
        return page
    }

    @Test func wrongPasswordShowsTheFormAgainAndIsAudited() async throws {
        try await TestServer.with { server in
            let browser = Browser(server)
            defer { Task { await browser.close() } }
            let page = try await browser.submit(try await loginPage(browser, server), [("username", "alice"), ("password", "nope")])
            #expect(page.status == 200)
            #expect(page.text.contains("Wrong username or password."))
            #expect(page.formAction == "/sms/login")
            #expect(page.text.contains("value=\"alice\""), "the username stays filled in")
            #expect(browser.cookie(SessionCookie.name) == nil)
            let unknown = try await browser.submit(try await loginPage(browser, server), [("username", "mallory"), ("password", "x")])
            #expect(unknown.text.contains("Wrong username or password."), "the page does not tell which one was wrong")
            let failed = try await server.store.events(after: 0, limit: 100, filter: AuditFilter(type: .loginFailed))
            #expect(failed.map(\.event.reason) == ["wrong password", "unknown user"])
            #expect(!failed.contains { $0.event.details.values.contains("nope") }, "never the password")
        }
    }

    @Test("a password typed into the username field is kept only as a keyed fingerprint; a real username in clear")
    func aPasswordInTheUsernameFieldIsNotAudited() async throws {
        try await TestServer.with { server in
            let browser = Browser(server)
            defer { Task { await browser.close() } }
            for _ in 0..<2 {
                _ = try await browser.submit(
                    try await loginPage(browser, server),
                    [("username", "alice-demo-password"), ("password", "alice")]
                )
            }
            _ = try await browser.submit(try await loginPage(browser, server), [("username", "alice"), ("password", "nope")])
            let failed = try await server.store.events(after: 0, limit: 100, filter: AuditFilter(type: .loginFailed))
            let names = failed.map { $0.event.details["username"] ?? "" }
            #expect(names.count == 3)
            #expect(!names.contains { $0.contains("alice-demo-password") }, "\(names)")
            #expect(names[0].hasPrefix("fingerprint:") && names[0].count == "fingerprint:".count + 16, "\(names)")
            #expect(names[0] == names[1], "the same text gives the same fingerprint, so repeats can be told")
            #expect(names[2] == "alice")
        }
    }

    @Test func aUserWithoutPasswordOrDisabledCannotSignIn() async throws {
        try await TestServer.with { server in
            let browser = Browser(server)
            defer { Task { await browser.close() } }
            let carol = try await browser.submit(try await loginPage(browser, server), [("username", "carol"), ("password", "anything")])
            #expect(carol.status == 200)
            _ = try await server.engine.setUserDisabled(tenantID: "sms", "bob", disabled: true, actor: "test")
            let bob = try await browser.submit(try await loginPage(browser, server), [("username", "bob"), ("password", "bob-demo-password")])
            #expect(bob.status == 200)
            let reasons = try await server.store.events(after: 0, limit: 100, filter: AuditFilter(type: .loginFailed)).map(\.event.reason)
            #expect(reasons == ["no password set", "user disabled"])
        }
    }

    @Test func emptyFieldsAskAgain() async throws {
        try await TestServer.with { server in
            let browser = Browser(server)
            defer { Task { await browser.close() } }
            let page = try await browser.submit(try await loginPage(browser, server), [("username", "alice"), ("password", "")])
            #expect(page.status == 400)
            #expect(page.text.contains("Enter your username and password."))
        }
    }

    @Test func aFormWithoutTheCSRFCookieOrFieldIsRefused() async throws {
        try await TestServer.with { server in
            let browser = Browser(server)
            defer { Task { await browser.close() } }
            let page = try await loginPage(browser, server)
            let fields = page.hiddenFields.filter { $0.0 != "csrf" } + [("username", "alice"), ("password", "alice-demo-password")]
            let noField = try await browser.post("/sms/login", fields)
            #expect(noField.status == 403)
            #expect(noField.text.contains("This form has expired"))
            let wrongField = try await browser.post("/sms/login", fields + [("csrf", String(repeating: "A", count: 43))])
            #expect(wrongField.status == 403)
            browser.dropCookie("claimdeck_csrf")
            let noCookie = try await browser.submit(page, [("username", "alice"), ("password", "alice-demo-password")])
            #expect(noCookie.status == 403)
            #expect(browser.cookie(SessionCookie.name) == nil)
        }
    }

    @Test func repeatedFailuresAreThrottledWithGrowingDelays() async throws {
        let clock = ManualWallClock(Date())
        try await TestServer.with(clock: clock) { server in
            let browser = Browser(server)
            defer { Task { await browser.close() } }
            for _ in 0..<3 {
                let page = try await browser.submit(try await loginPage(browser, server), [("username", "alice"), ("password", "guess")])
                #expect(page.status == 200)
            }
            // Now even the right password waits.
            let throttled = try await browser.submit(
                try await loginPage(browser, server),
                [("username", "alice"), ("password", "alice-demo-password")]
            )
            #expect(throttled.status == 429)
            #expect(throttled.headers.first(name: "retry-after") == "1")
            #expect(throttled.text.contains("Too many failed sign-ins"))
            clock.advance(by: 1)
            let fourth = try await browser.submit(try await loginPage(browser, server), [("username", "alice"), ("password", "guess")])
            #expect(fourth.status == 200)
            let longer = try await browser.submit(try await loginPage(browser, server), [("username", "alice"), ("password", "alice-demo-password")])
            #expect(longer.headers.first(name: "retry-after") == "2", "the delay doubles")
            clock.advance(by: 2)
            let ok = try await browser.submit(try await loginPage(browser, server), [("username", "alice"), ("password", "alice-demo-password")])
            #expect(ok.status == 303)
            let events = try await server.store.events(after: 0, limit: 100, filter: AuditFilter(type: .loginThrottled))
            #expect(events.count == 2)
            #expect(events.first?.event.details["retry_after"] == "1")
        }
    }

    @Test func logoutWithAnIDTokenHintEndsTheSessionRevokesItsTokensAndReturns() async throws {
        try await TestServer.with { server in
            let browser = Browser(server)
            defer { Task { await browser.close() } }
            let client = CodeFlowClient.portal
            let (verifier, challenge) = CodeFlowClient.pkce()
            let code = try browser.code(from: try await browser.authorize(client, scope: "openid invoice-read", challenge: challenge), client)
            let tokens = try await client.exchange(server, code: code, verifier: verifier).json()
            let idToken = try #require(tokens["id_token"]?.stringValue)
            let refresh = try #require(tokens["refresh_token"]?.stringValue)
            let access = try #require(tokens["access_token"]?.stringValue)

            let out = try await browser.get(
                server.issuer + "/logout?"
                    + FormEncoding.encode([
                        ("id_token_hint", idToken), ("post_logout_redirect_uri", "https://portal.sms.example/signed-out"), ("state", "bye"),
                    ])
            )
            #expect(out.status == 302, "\(out)")
            #expect(out.location == "https://portal.sms.example/signed-out?state=bye")
            #expect(browser.cookie(SessionCookie.name) == nil)
            // customer-portal revokes its tokens of the session at logout.
            #expect(try await server.isActive(refresh) == false)
            #expect(try await server.isActive(access) == false)
            let ended = try await server.store.events(after: 0, limit: 100, filter: AuditFilter(type: .sessionEnded))
            #expect(ended.first?.event.details["tokens_revoked"] == "2")

            // The old cookie is dead on the server too.
            let next = try await browser.get(client.authorizationURL(server, scope: "openid", challenge: CodeFlowClient.pkce().challenge))
            #expect(next.formAction == "/sms/login")
        }
    }

    @Test func logoutWithoutAHintAsksFirst() async throws {
        try await TestServer.with { server in
            let browser = Browser(server)
            defer { Task { await browser.close() } }
            _ = try await browser.authorize(.portal, scope: "openid", challenge: CodeFlowClient.pkce().challenge)
            let session = try #require(browser.cookie(SessionCookie.name))
            let ask = try await browser.get("/sms/logout")
            #expect(ask.status == 200)
            #expect(ask.text.contains("Sign out?"))
            #expect(browser.cookie(SessionCookie.name) == session, "nothing ends before the user confirms")
            let done = try await browser.submit(ask, [("confirm", "yes")])
            #expect(done.status == 200)
            #expect(done.text.contains("You are signed out"))
            let gone = await server.engine.browserSession(tenantID: "sms", cookie: session)
            #expect(gone == nil)
        }
    }

    @Test func logoutToAnUnregisteredURIShowsAnError() async throws {
        try await TestServer.with { server in
            let browser = Browser(server)
            defer { Task { await browser.close() } }
            let p = try await browser.get(
                "/sms/logout?"
                    + FormEncoding.encode([
                        ("client_id", "customer-portal"),
                        ("post_logout_redirect_uri", "https://evil.example/"),
                    ])
            )
            #expect(p.status == 400)
            #expect(p.location == nil)
            let forged = try await browser.get("/sms/logout?id_token_hint=eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
            #expect(forged.status == 400)
            #expect(forged.text.contains("id_token_hint is not an ID token issued by this tenant"))
            let refused = try await server.store.events(after: 0, limit: 100, filter: AuditFilter(type: .logoutRefused))
            #expect(refused.count == 2)
        }
    }
}
