import AuthEngine
import Foundation
import JOSE
import Testing

@testable import ConsoleUI

@Suite("Tokens screen")
struct TokensScreenTests {
    @Test func pagesThroughTokensWithoutLoadingThemAll() async throws {
        let h = try await Harness(start: .tokens)
        for _ in 0..<130 { _ = try await h.issue() }
        await h.press(.ctrl("r"))
        var text = h.screen
        #expect(text.contains("100+ tokens"), "\(text)")
        #expect(text.contains("● active"))
        await h.press(.end)
        text = h.screen
        // Reaching the end of the first page loads the next one (keyset: before the last id).
        #expect(text.contains("130 tokens"), "\(text)")
    }

    @Test func filtersRunInTheStoreAndBadOnesAreNamed() async throws {
        let h = try await Harness(start: .tokens)
        _ = try await h.issue()
        _ = try await h.issue("partner-portal", secret: "partner-demo-secret")
        await h.press(.ctrl("r"))
        #expect(h.screen.contains("2 tokens"))
        await h.press(.char("/"))
        await h.type("client:partner-portal")
        await h.press(.enter)
        var text = h.screen
        #expect(text.contains("1 token") && !text.contains("billing-service"))
        await h.press(.char("/"), .ctrl("u"))
        await h.type("status:bogus")
        #expect(h.screen.contains("✕ error: status: use active, expired or revoked") || h.app.context.flash.message?.contains("status") == true)
        await h.press(.escape)
        #expect(h.screen.contains("2 tokens"))
    }

    @Test func detailShowsTheJWTHeaderClaimsAndTrail() async throws {
        let h = try await Harness(width: 110, height: 40, start: .tokens)
        let token = try await h.issue()
        let id = try #require(try await h.introspect(token.accessToken).record?.id)
        await h.press(.ctrl("r"), .enter)
        let text = h.screen
        #expect(text.contains("JWT header") && text.contains("typ") && text.contains("at+jwt") && text.contains("ES256"), "\(text)")
        #expect(text.contains("iss") && text.contains("http://127.0.0.1:8080/sms"))
        #expect(text.contains("jti") && text.contains(id))
        #expect(text.contains("design") && text.contains("version 1"), "the design version it was issued under")
        #expect(text.contains("scope") && text.contains("invoice-read invoice-write"))
        #expect(text.contains("Audit trail (2)"))
        #expect(text.contains("token.introspected"))
        #expect(h.line(1).contains("[4 Tokens] 5 Audit  6 Keys  7 Designer  › token \(id)"))
        // At 80 columns the other tabs give way to the breadcrumb: three letters, then their number.
        await h.resize(width: 80, height: 24)
        #expect(h.line(1) == " 1  2  3 [4 Tokens] 5  6  7  › token \(id)", "\(h.line(1))")
        await h.press(.escape)
        #expect(h.line(1) == " 1 Tenants  2 Clients  3 Users [4 Tokens] 5 Audit  6 Keys  7 Designer", "\(h.line(1))")
        // The claims match what the minter signed.
        let signed = try #require(JWS.parse(token.accessToken))
        #expect(signed.header["typ"]?.stringValue == "at+jwt" && signed.header["alg"]?.stringValue == "ES256")
        let claims = TokenClaims.claims(of: try await h.engine.token(tenantID: "sms", id: id), issuer: "http://127.0.0.1:8080/sms")
        #expect(Set(claims.map(\.0)) == Set(signed.payload.keys))
        for (k, v) in claims where k != "aud" {
            let value = signed.payload[k]
            #expect(value?.stringValue == v || value?.intValue.map(String.init) == v, "\(k): \(v) vs \(String(describing: value))")
        }
    }
    @Test func revokingEveryTokenOfAClientShowsTheDryRun() async throws {
        let h = try await Harness(start: .tokens)
        let a = try await h.issue()
        _ = try await h.issue()
        let other = try await h.issue("partner-portal", secret: "partner-demo-secret")
        await h.press(.ctrl("r"), .char("/"))
        await h.type("client:billing-service")
        await h.press(.enter, .char("C"))
        var text = h.screen
        #expect(text.contains("Revoke all tokens of client billing-service in tenant sms?"), "\(text)")
        #expect(text.contains("Dies:     2 active tokens (2 JWT, 0 opaque)"))
        #expect(text.contains("JWTs stay usable until"))
        // Per API: the demo's APIs are subscribed to no security events, so the JWTs live on there.
        #expect(text.contains("Residual exposure:"), "\(text)")
        #expect(text.contains("(not subscribed)") && !text.contains("0 s for subscribed APIs"), "\(text)")
        await h.press(.tab, .enter)
        #expect(try await h.introspect(a.accessToken).active == false)
        #expect(try await h.introspect(other.accessToken).active)
        // Nothing left to revoke: a warning, no dialog.
        await h.press(.char("C"))
        #expect(h.message.contains("Nothing to revoke"), "\(h.screen)")
        await h.press(.char("/"), .escape)
        text = h.screen
        #expect(text.contains("✕ revoked") && text.contains("● active"))
    }
}

@Suite("Clients, keys, users and tenants screens")
struct AdminScreenTests {
    @Test func clientListAt80x24() async throws {
        let h = try await Harness(start: .clients)
        let lines = h.screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(
            Array(lines[2...9]) == [
                "ID                 NAME                           TYPE         STATUS     FORMAT",
                "api-gateway        API gateway                    confidential ● enabled  jwt",
                "billing-service    Billing service                confidential ● enabled  jwt",
                "budget-app         Budget app by Example Apps Ltd public       ● enabled  opaque",
                "customer-portal    Customer portal                confidential ● enabled  jwt",
                "partner-portal     Partner portal                 confidential ● enabled  opaque",
                "shop-terminal      Shop terminal                  public       ● enabled  jwt",
                "status-monitor     Status monitor                 confidential ● enabled  jwt",
            ]
        )
        #expect(h.grid.role(of: "api-gateway") == .selection)
        #expect(lines[1] == " 1 Tenants [2 Clients] 3 Users  4 Tokens  5 Audit  6 Keys  7 Designer")
        #expect(lines[22].hasPrefix("<Enter> open  <n> register  <C> revoke tokens  <:> command"))
    }

    @Test func registerFormValidatesAsYouTypeAndShowsTheSecretOnce() async throws {
        let h = try await Harness(width: 100, height: 30, start: .clients)
        await h.press(.char("n"))
        var text = h.screen
        #expect(text.contains("Register a client"))
        #expect(text.contains("✕ must be 1 to 200 characters"), "\(text)")
        await h.type("Reports")
        await h.press(.tab, .tab, .tab)
        await h.type("status nosuch")
        text = h.screen
        #expect(text.contains("✕ unknown scope 'nosuch'"), "\(text)")
        await h.press(.enter)
        #expect(h.screen.contains("fix the marked field first"))
        for _ in 0..<6 { await h.press(.backspace) }
        text = h.screen
        #expect(text.contains("✓ valid"), "\(text)")
        await h.press(.enter)
        text = h.screen
        #expect(text.contains("client_secret: "), "\(text)")
        #expect(text.contains("shown this once"))
        let created = try #require(try h.engine.clients(tenantID: "sms").first { $0.name == "Reports" })
        #expect(created.scopes == ["status"])
        await h.press(.enter)
        #expect(!h.screen.contains("client_secret: "))
        #expect(h.screen.contains("Client \(created.id)"))
    }

    @Test func rotateDisableAndDeleteAskFirst() async throws {
        let h = try await Harness(width: 100, height: 30, start: .clients)
        await h.press(.down)
        #expect(h.grid.role(of: "billing-service") == .selection || h.screen.contains("billing-service"))
        await h.press(.enter)
        #expect(h.screen.contains("Client billing-service"))
        await h.press(.char("x"))
        #expect(h.screen.contains("The old secret stops working at once"))
        await h.press(.tab, .enter)
        #expect(h.screen.contains("client_secret: "))
        await h.press(.escape)
        await h.failedAuth()
        await #expect(throws: OAuthError.self) { try await h.issue() }

        await h.press(.char("d"))
        #expect(h.screen.contains("Disable client billing-service?"))
        await h.press(.tab, .enter)
        #expect(try h.engine.client(tenantID: "sms", clientID: "billing-service").disabled)
        #expect(h.screen.contains("⊘ disabled"))
        await h.press(.char("d"))
        #expect(try h.engine.client(tenantID: "sms", clientID: "billing-service").disabled == false)

        await h.press(.char("D"))
        #expect(h.screen.contains("Delete client billing-service (Billing service)? This cannot be undone."))
        await h.press(.escape)
        #expect((try? h.engine.client(tenantID: "sms", clientID: "billing-service")) != nil)
        await h.press(.char("D"), .tab, .enter)
        #expect((try? h.engine.client(tenantID: "sms", clientID: "billing-service")) == nil)
    }

    @Test func keysRotateWithADryRun() async throws {
        let h = try await Harness(width: 110, height: 30, start: .keys)
        _ = try await h.issue()
        var text = h.screen
        #expect(text.contains("● active") && text.contains("◌ next"), "\(text)")
        await h.press(.ctrl("r"))
        #expect(h.screen.contains("1 "))
        await h.press(.char("o"))
        text = h.screen
        #expect(text.contains("Starts signing:") && text.contains("Stops signing:") && text.contains("New next key:"), "\(text)")
        #expect(text.contains("Outstanding:     1 active token signed by the retiring key"))
        #expect(text.contains("Still published until"))
        let before = try await h.engine.keys(tenantID: "sms")
        await h.press(.tab, .enter)
        let after = try await h.engine.keys(tenantID: "sms")
        #expect(after.count == before.count + 1)
        #expect(h.screen.contains("○ retired"))
    }

    @Test func usersDetailAndDisableWithDryRun() async throws {
        let h = try await Harness(width: 100, height: 30, start: .users)
        var text = h.screen
        #expect(text.contains("alice") && text.contains("u-bob") && text.contains("● enabled"))
        await h.press(.enter)
        text = h.screen
        #expect(text.contains("User alice") && text.contains("Attributes"), "\(text)")
        #expect(text.contains("    number") && text.contains("1001-42"))
        await h.press(.char("d"))
        text = h.screen
        #expect(text.contains("Disable user alice (u-alice)?"), "\(text)")
        await h.press(.tab, .enter)
        #expect(try await h.engine.user(tenantID: "sms", "alice").disabled)
        #expect(h.screen.contains("⊘ disabled"))
    }

    @Test func tenantsListCreateAndSwitch() async throws {
        let h = try await Harness(start: .tenants)
        #expect(h.screen.contains("▸ sms"))
        await h.press(.char("n"))
        await h.type("Bad Name")
        #expect(h.screen.contains("✕"))
        await h.press(.ctrl("u"))
        await h.type("acme")
        await h.press(.enter)
        #expect(h.screen.contains("acme"))
        await h.press(.char("g"), .enter)
        #expect(h.app.context.tenantID == "acme")
        #expect(h.line(0).contains("tenant acme"))
    }
}

@Suite("Shell: palette, help, flash, resize, themes")
struct ShellTests {
    @Test func paletteCompletesAndSwitchesScreens() async throws {
        let h = try await Harness()
        await h.press(.char(":"))
        await h.type("to")
        #expect(h.line(23).hasPrefix(":to kens"), "\(h.line(23))")
        await h.press(.tab, .enter)
        #expect(h.app.current == .tokens)
        await h.press(.char(":"))
        await h.type("nonsense")
        await h.press(.enter)
        #expect(h.message.hasPrefix("✕ error: unknown command ':nonsense'"), "\(h.screen)")
        await h.press(.char(":"))
        await h.type("tenant nope")
        await h.press(.enter)
        #expect(h.line(23).contains("no tenant 'nope'"))
        await h.press(.char(":"))
        await h.type("theme light")
        await h.press(.enter)
        #expect(h.app.theme.name == "light" && h.app.themeGeneration == 1)
        await h.press(.char(":"), .char("q"), .enter)
        #expect(h.app.quitRequested)
    }

    @Test func helpIsGeneratedFromTheKeyMapAndScrollsAt80x24() async throws {
        let h = try await Harness()
        await h.press(.char("?"))
        var text = h.screen
        #expect(text.contains("Help: Audit"))
        #expect(text.contains("Revoke the event's token (asks first)"))
        #expect(text.contains("↓ "))
        // One page down: the shell's keys follow the screen's (the filter keys come last, issue 14).
        await h.press(.pageDown)
        text = h.screen
        #expect(text.contains("Everywhere") && text.contains("Command palette"))
        await h.press(.escape)
        #expect(!h.screen.contains("Help: Audit"))
    }

    @Test func flashClearsItselfOnTheInjectedClock() async throws {
        let h = try await Harness()
        await h.press(.char("r"))
        await h.press(.escape)
        h.app.context.flash("hello")
        #expect(h.line(23) == "ℹ hello")
        await h.tick(seconds: 5)
        #expect(h.line(23) == "ℹ hello")
        await h.tick(seconds: 1.5)
        #expect(h.line(23) == "")
    }

    @Test func resizeRelaysOutAndTooSmallIsSaid() async throws {
        let h = try await Harness()
        await h.resize(width: 132, height: 43)
        var lines = h.screen.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 43 && lines[3].contains("SUBJECT") && lines[3].contains("REASON"))
        await h.resize(width: 30, height: 8)
        #expect(h.screen.hasPrefix("Terminal too small (30x8)"))
        await h.resize(width: 80, height: 24)
        lines = h.screen.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 24 && !lines[3].contains("SUBJECT"))
    }

    @Test func noColorKeepsMeaningInGlyphsAndWords() async throws {
        let h = try await Harness(start: .tokens, colorDepth: .none)
        _ = try await h.issue()
        await h.press(.ctrl("r"))
        #expect(h.screen.contains("● active"))
        #expect(h.app.theme.style(.selection).reverse)
        #expect(h.app.theme.style(.statusActive).foreground == .default)
    }
}

@Suite("Tokens screen: refresh families and time")
struct TokenFamilyAndTimeTests {
    @Test func filterWordsParseAndBadTimesAreNamed() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let f = try TokenFilter.parse("family:F1 since:2h until:2027-01-15T08:00:00Z", now: now).get()
        #expect(f.familyID == "F1")
        #expect(f.since == now.addingTimeInterval(-7200))
        #expect(f.until == ISO8601DateFormatter().date(from: "2027-01-15T08:00:00Z"))
        guard case .failure(let e) = TokenFilter.parse("since:yesterday", now: now) else {
            Issue.record("accepted a bad time")
            return
        }
        #expect(e.field == "since" && e.message.contains("ISO 8601"))
    }

    @Test func theFamilyKeyListsEveryTokenOfOneSignIn() async throws {
        let h = try await Harness(width: 100, height: 30, start: .tokens)
        let now = h.engine.clock.now()
        func record(_ id: String, _ kind: TokenKind, family: String?) -> TokenRecord {
            TokenRecord(
                id: id,
                tenantID: "sms",
                kind: kind,
                format: .opaque,
                clientID: "customer-portal",
                subject: "u-alice",
                scopes: ["openid"],
                audiences: ["x"],
                issuedAt: now,
                expiresAt: now.addingTimeInterval(600),
                digest: SecretDigest.sha256(id),
                keyID: nil,
                grantType: .authorizationCode,
                familyID: family
            )
        }
        try await h.store.record(
            tokens: [
                record("01AAAAAAAAAAAAAAAAAAAAAAA1", .authorizationCode, family: "FAM1"),
                record("01AAAAAAAAAAAAAAAAAAAAAAA2", .access, family: "FAM1"),
                record("01AAAAAAAAAAAAAAAAAAAAAAA3", .refresh, family: "FAM1"),
                record("01AAAAAAAAAAAAAAAAAAAAAAA4", .access, family: "FAM2"),
            ],
            audit: []
        )
        await h.press(.ctrl("r"))
        #expect(h.screen.contains("4 tokens"))
        // Newest first: the FAM2 token, then the refresh token of FAM1.
        await h.press(.down, .enter)
        #expect(h.screen.contains("refresh family"))
        await h.press(.char("f"))
        await h.settle()
        let text = h.screen
        #expect(text.contains("3 tokens") && text.contains("› /family:FAM1"), "\(text)")
        #expect(!text.contains("01AAAAAAAAAAAAAAAAAAAAAAA4"))
        await h.press(.char("/"), .ctrl("u"))
        await h.type("since:1h")
        await h.press(.enter)
        #expect(h.screen.contains("4 tokens"))
    }
}
