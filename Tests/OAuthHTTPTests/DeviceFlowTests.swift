import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// RFC 8628 as a device and a person on a phone drive it.
@Suite struct DeviceFlowTests {
    static let grant = "urn:ietf:params:oauth:grant-type:device_code"

    func start(_ server: TestServer, scope: String = "openid sms") async throws -> [String: JSONValue] {
        let r = try await server.postForm("/sms/device_authorization", [("client_id", "shop-terminal"), ("scope", scope)])
        guard r.status == 200 else { throw FixtureError("device authorization failed: \(r)") }
        #expect(r.header("Cache-Control") == "no-store")
        return try r.json()
    }

    func poll(_ server: TestServer, _ deviceCode: String, client: String = "shop-terminal") async throws -> HTTPResult {
        try await server.tokenRequest([("grant_type", Self.grant), ("device_code", deviceCode), ("client_id", client)])
    }

    /// Signs in on the verification page and answers for `userCode`.
    func approve(_ browser: Browser, _ server: TestServer, userCode: String, decision: String = "approve") async throws -> Browser.Page {
        let login = try await browser.get("/sms/device?user_code=" + FormEncoding.escape(userCode))
        #expect(login.formAction == "/sms/login", "\(login)")
        let back = try await browser.submit(login, [("username", "alice"), ("password", "alice-demo-password")])
        #expect(back.status == 303)
        let confirm = try await browser.get(try #require(back.location))
        #expect(confirm.text.contains("Connect Shop terminal?"), "\(confirm)")
        #expect(confirm.text.contains(userCode))
        return try await browser.submit(confirm, [("decision", decision)])
    }

    @Test func theDeviceGetsTokensOnceThePersonApproves() async throws {
        let clock = ManualWallClock(Date())
        try await TestServer.with(clock: clock) { server in
            let browser = Browser(server)
            defer { Task { await browser.close() } }
            let started = try await start(server)
            let deviceCode = try #require(started["device_code"]?.stringValue)
            let userCode = try #require(started["user_code"]?.stringValue)
            #expect(userCode.wholeMatch(of: #/[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}/#) != nil, "\(userCode)")
            #expect(started["verification_uri"]?.stringValue == server.issuer + "/device")
            #expect(started["verification_uri_complete"]?.stringValue == server.issuer + "/device?user_code=" + userCode)
            #expect(started["interval"] == .number(5))
            #expect(started["expires_in"] == .number(600))

            expectOAuthError(try await poll(server, deviceCode), status: 400, code: "authorization_pending")
            clock.advance(by: 1)
            expectOAuthError(try await poll(server, deviceCode), status: 400, code: "slow_down", mentioning: "wait 10 seconds")
            clock.advance(by: 10)
            expectOAuthError(try await poll(server, deviceCode), status: 400, code: "authorization_pending")

            let done = try await approve(browser, server, userCode: userCode)
            #expect(done.text.contains("Shop terminal is connected"))
            clock.advance(by: 10)
            let tokens = try await poll(server, deviceCode)
            #expect(tokens.status == 200, "\(tokens)")
            let json = try tokens.json()
            let access = try await server.verifiedJWS(try #require(json["access_token"]?.stringValue))
            #expect(access.string("sub") == "u-alice")
            #expect(access.string("client_id") == "shop-terminal")
            #expect(json["id_token"]?.stringValue != nil)
            #expect(json["refresh_token"]?.stringValue != nil)
            clock.advance(by: 10)
            expectOAuthError(try await poll(server, deviceCode), status: 400, code: "invalid_grant", mentioning: "already used")
            let approved = try await server.store.events(after: 0, limit: 100, filter: AuditFilter(type: .deviceApproved))
            #expect(approved.first?.event.subject == "u-alice")
        }
    }

    @Test func aDenialReachesTheDeviceAsAccessDenied() async throws {
        try await TestServer.with { server in
            let browser = Browser(server)
            defer { Task { await browser.close() } }
            let started = try await start(server)
            let done = try await approve(browser, server, userCode: try #require(started["user_code"]?.stringValue), decision: "deny")
            #expect(done.text.contains("was not given access"))
            expectOAuthError(try await poll(server, try #require(started["device_code"]?.stringValue)), status: 400, code: "access_denied")
        }
    }

    @Test func anExpiredDeviceCodeIsExpiredToken() async throws {
        let clock = ManualWallClock(Date())
        try await TestServer.with(clock: clock) { server in
            let started = try await start(server)
            clock.advance(by: 601)
            expectOAuthError(try await poll(server, try #require(started["device_code"]?.stringValue)), status: 400, code: "expired_token")
            // And the person can no longer approve it.
            let browser = Browser(server)
            defer { Task { await browser.close() } }
            let login = try await browser.get("/sms/device")
            let entry = try await browser.submit(login, [("username", "alice"), ("password", "alice-demo-password")])
            let form = try await browser.get(try #require(entry.location))
            let refused = try await browser.submit(form, [("user_code", try #require(started["user_code"]?.stringValue))])
            #expect(refused.status == 400)
            #expect(refused.text.contains("not valid or has expired"))
        }
    }

    @Test func codesAreTypedLooselyButWrongOnesAreThrottled() async throws {
        let clock = ManualWallClock(Date())
        // A real socket (`.live`): wrong codes are throttled per peer address, which router mode does not have.
        try await TestServer.with(mode: .live, clock: clock) { server in
            let browser = Browser(server)
            defer { Task { await browser.close() } }
            let started = try await start(server)
            let userCode = try #require(started["user_code"]?.stringValue)
            let login = try await browser.get("/sms/device")
            let entry = try await browser.get(
                try #require(try await browser.submit(login, [("username", "alice"), ("password", "alice-demo-password")]).location)
            )
            // Lower case, no dash: still the same code.
            let loose = try await browser.submit(entry, [("user_code", userCode.lowercased().replacingOccurrences(of: "-", with: ""))])
            #expect(loose.text.contains("Connect Shop terminal?"))
            for _ in 0..<10 {
                let wrong = try await browser.submit(entry, [("user_code", "BBBB-BBBB")])
                #expect(wrong.text.contains("not valid"))
            }
            let throttled = try await browser.submit(entry, [("user_code", userCode)])
            #expect(throttled.text.contains("Too many wrong codes"))
        }
    }

    @Test func anotherClientsDeviceCodeIsInvalidGrant() async throws {
        try await TestServer.with { server in
            let started = try await start(server)
            let r = try await server.tokenRequest(
                [("grant_type", Self.grant), ("device_code", try #require(started["device_code"]?.stringValue))],
                basic: .billing
            )
            expectOAuthError(r, status: 400, code: "unauthorized_client")
            let forged = try await poll(server, "cdd_01JAAAAAAAAAAAAAAAAAAAAAAAforged")
            expectOAuthError(forged, status: 400, code: "invalid_grant")
        }
    }

    @Test func aClientWithoutTheGrantCannotStart() async throws {
        try await TestServer.with { server in
            let r = try await server.postForm("/sms/device_authorization", [("scope", "status")], basic: .billing)
            expectOAuthError(r, status: 400, code: "unauthorized_client")
            let unknownScope = try await server.postForm("/sms/device_authorization", [("client_id", "shop-terminal"), ("scope", "invoice-write")])
            expectOAuthError(unknownScope, status: 400, code: "invalid_scope")
            let noClient = try await server.postForm("/sms/device_authorization", [("scope", "sms")])
            #expect(noClient.status == 401)
        }
    }
}
