import AuthEngine
import Foundation
import JOSE
import Testing

@testable import ConsoleUI

/// Issue 14, item 9: the smaller things a new user trips over.
@Suite("Console: the smaller fixes")
struct SmallFixesTests {
    @Test func theNewUserFormLeavesAttributesEmptyAndEmptyMeansNone() async throws {
        let h = try await Harness(start: .users)
        await h.press(.char("n"))
        await h.type("erin")
        await h.press(.tab, .tab)
        await h.type(#"{"name": "Erin"}"#)
        let form = try #require((h.app.screen(.users) as? UsersScreen)?.form?.form)
        #expect(form.value("attributes") == #"{"name": "Erin"}"#, "typing starts an empty field, not one after '{}'")
        #expect(h.screen.contains("✓ valid"), "\(h.screen)")
        await h.press(.escape, .char("n"))
        await h.type("frank")
        #expect(h.screen.contains("✓ valid"), "no attributes at all is valid: \(h.screen)")
        await h.press(.enter)
        #expect(h.screen.contains("Created user frank"), "\(h.screen)")
        #expect(try await h.engine.users(tenantID: "sms").first { $0.username == "frank" }?.attributes == [:])
    }

    @Test(arguments: [(80, 24), (160, 48)])
    func anEmptyNewTenantFormIsNotValid(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height, start: .tenants)
        await h.press(.char("n"))
        #expect(!h.screen.contains("✓ valid") && h.screen.contains("Fix the marked field"), "\(h.screen)")
        await h.type("acme2")
        #expect(h.screen.contains("✓ valid"), "\(h.screen)")
    }

    /// A code redeemed and a refresh token rotated stopped by design: "used" and "rotated", and their
    /// trail shows the exchange that used them; an incident revocation is still "✕ revoked".
    @Test(arguments: [(80, 24), (160, 48)])
    func usedCodesAndRotatedRefreshTokensAreNotCalledRevoked(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height, start: .tokens)
        let now = h.clock.now()
        func record(_ id: String, _ kind: TokenKind, reason: String?) -> TokenRecord {
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
                familyID: "FAM9",
                revokedAt: reason == nil ? nil : now,
                revocationReason: reason
            )
        }
        let code = "01AAAAAAAAAAAAAAAAAAAAAAC1"
        let refresh = "01AAAAAAAAAAAAAAAAAAAAAAR1"
        let access = "01AAAAAAAAAAAAAAAAAAAAAAA9"
        let refreshed = AuditEventDraft(
            time: now,
            type: .tokenRefreshed,
            tenantID: "sms",
            clientID: "customer-portal",
            subject: "u-alice",
            tokenID: access,
            actor: "client:customer-portal",
            details: ["rotated_refresh_token_id": refresh, "family": "FAM9"]
        )
        try await h.store.record(
            tokens: [
                record(code, .authorizationCode, reason: "authorization code redeemed"),
                record(refresh, .refresh, reason: "refresh token rotated"),
                record(access, .access, reason: "incident 7"),
            ],
            audit: [refreshed]
        )
        await h.press(.ctrl("r"))
        await h.press(.char("/"))
        await h.type("family:FAM9")
        await h.press(.enter)
        let text = h.screen
        #expect(text.contains("✓ used") && text.contains("↻ rotated") && text.contains("✕ revoked"), "\(text)")
        // Newest id first: the refresh token (R1) sorts after the code (C1) and the access token (A9).
        await h.press(.char("g"))
        let ids = (h.app.screen(.tokens) as? TokensScreen)?.rows.map(\.id) ?? []
        let index = try #require(ids.firstIndex(of: refresh))
        for _ in 0..<index { await h.press(.down) }
        await h.press(.enter)
        let detail = h.screen
        #expect(detail.contains("rotated") && detail.contains("refresh token rotated"), "\(detail)")
        #expect(!detail.contains("✕ revoked"))
        #expect(detail.contains("Audit trail (1)") && detail.contains("token.refreshed"), "\(detail)")
    }

    @Test func wideTablesShareTheSlack() {
        let tokens = Table.layout(TokensScreen.columns, width: 160)
        #expect(tokens.count == TokensScreen.columns.count)
        #expect(tokens[3] <= 40 && tokens[4] > 16, "CLIENT \(tokens[3]), SUBJECT \(tokens[4])")
        let audit = Table.layout(AuditScreen.columns, width: 160)
        #expect(audit.count == AuditScreen.columns.count)
        #expect(audit[3] <= 28 && audit[5] > 14 && audit[7] > 16, "\(audit)")
        // At 80 columns the slack is shared the same way and nothing overflows.
        for columns in [TokensScreen.columns, AuditScreen.columns] {
            let w = Table.layout(columns, width: 80)
            #expect(w.reduce(0, +) + w.count - 1 == 80, "\(w)")
        }
    }
}
