import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

@testable import ConsoleUI

/// `p` on the tokens screen: a pasted token decoded, verified against the tenant's keys, checked for
/// expiry and looked up in the store, and garbage refused with a message.
@Suite("Tokens screen: paste a token")
struct TokenInspectorTests {
    /// Opens the paste field, types `token` and presses Enter.
    func paste(_ h: Harness, _ token: String) async {
        await h.press(.char("p"))
        await h.type(token)
        await h.press(.enter)
    }

    /// The same claims with one changed, the signature kept: what an attacker's edit looks like.
    func tampered(_ token: String) throws -> String {
        let parts = token.split(separator: ".").map(String.init)
        var claims = try #require(JWS.parse(token)).payload
        claims["sub"] = .string("someone-else")
        return parts[0] + "." + Base64URL.encode(JSONValue.object(claims).serialized()) + "." + parts[2]
    }

    @Test func aJWTIsDecodedVerifiedAndFoundActive() async throws {
        let h = try await Harness(width: 120, height: 50, start: .tokens)
        let token = try await h.issue().accessToken
        let kid = try #require(JWS.parse(token)?.keyID)
        await paste(h, token)
        let text = h.screen
        #expect(text.contains("format") && text.contains("JWT, \(token.count) characters"), "\(text)")
        #expect(text.contains("✓ usable: signature, expiry and store agree"))
        #expect(text.contains("✓ verifies with key \(kid) (active, ES256, in the JWKS)"))
        #expect(text.contains("✓ expires") && text.contains("in 5m 0s"))
        #expect(text.contains("✓ http://127.0.0.1:8080/sms"))
        #expect(text.contains("● active: introspection answers active:true"))
        #expect(text.contains("JWT header") && text.contains("at+jwt") && text.contains("JWT claims") && text.contains("billing-service"))
        #expect(h.line(1).contains("› pasted token"))
        // The string itself is not on the screen, only what it says.
        #expect(!text.contains(token.prefix(40)))
        // Enter opens the stored token's own detail with its audit trail.
        await h.press(.enter)
        #expect(h.screen.contains("Audit trail (1)") && h.screen.contains("token.issued"))
    }

    @Test func theBindingOfAPastedTokenAndOfItsRecordIsShown() async throws {
        let h = try await Harness(width: 120, height: 50, start: .tokens)
        await paste(h, try await h.issue().accessToken)
        #expect(h.screen.contains("bound to") && h.screen.contains("bearer: not bound, whoever holds it can use it"), "\(h.screen)")
        let key = try DPoPKey()
        let bound = try await h.issue(dpop: key)
        #expect(bound.tokenType == "DPoP")
        await h.press(.escape)
        await paste(h, bound.accessToken)
        #expect(h.screen.contains("DPoP key (cnf.jkt \(key.thumbprint))"), "\(h.screen)")
        // The stored token's own detail says it too.
        await h.press(.enter)
        #expect(h.screen.contains("Audit trail") && h.screen.contains("DPoP key (cnf.jkt \(key.thumbprint))"), "\(h.screen)")
    }

    @Test func at80x24TheVerdictComesFirstAndTheRestScrolls() async throws {
        let h = try await Harness(start: .tokens)
        let token = try await h.issue().accessToken
        await paste(h, token)
        #expect(h.line(4).contains("verdict") && h.line(4).contains("✓ usable"), "\(h.screen)")
        #expect(!h.screen.contains("client_id"))
        for _ in 0..<20 { await h.press(.char("j")) }
        #expect(h.screen.contains("client_id"), "\(h.screen)")
        #expect(h.line(22).contains("<p> paste"))
    }

    @Test func revokedExpiredAndAlteredTokensAreCalledSo() async throws {
        let h = try await Harness(width: 120, height: 50, start: .tokens)
        let revoked = try await h.issue().accessToken
        let id = try #require(JWS.parse(revoked)?.payload["jti"]?.stringValue)
        _ = try await h.engine.revokeTokens(.token(tenantID: "sms", tokenID: id), reason: "incident 42", actor: "test")
        await paste(h, revoked)
        var text = h.screen
        #expect(text.contains("✕ not usable: revoked"), "\(text)")
        #expect(text.contains("✕ revoked") && text.contains("incident 42; introspection answers active:false"))

        let live = try await h.issue().accessToken
        await h.press(.escape)
        await paste(h, try tampered(live))
        text = h.screen
        #expect(text.contains("✕ not usable: bad signature; altered or forged"), "\(text)")
        #expect(text.contains("✕ does not verify with key"))
        #expect(text.contains("was issued as another string: altered or forged"))
        #expect(text.contains("someone-else"))

        h.clock.advance(by: 600)
        await h.press(.escape)
        await paste(h, live)
        text = h.screen
        #expect(text.contains("✕ not usable: expired"), "\(text)")
        #expect(text.contains("✕ expired") && text.contains("(5m 0s ago)"))
        #expect(text.contains("○ stored, introspection answers active:false (expired)"))
    }

    @Test func aJWTSignedByAnotherKeyIsNotTrusted() async throws {
        let h = try await Harness(width: 120, height: 50, start: .tokens)
        let stranger = try SigningKeyPair.generate(.es256)
        let header = Array(#"{"alg":"ES256","kid":"not-ours","typ":"at+jwt"}"#.utf8)
        let payload = Array(#"{"iss":"https://evil.example","sub":"alice","exp":1900000000,"jti":"01J0000000000000000000000X"}"#.utf8)
        let forged = try JWS.sign(headerJSON: header, payloadJSON: payload, key: stranger)
        await paste(h, forged)
        let text = h.screen
        #expect(text.contains("✕ signed with kid not-ours, which tenant keys do not include"), "\(text)")
        #expect(text.contains("✕ iss is https://evil.example; this tenant issues as http://127.0.0.1:8080/sms"))
        #expect(text.contains("✕ no token 01J0000000000000000000000X in this tenant"))
        #expect(text.contains("unknown signing key") && text.contains("wrong issuer") && text.contains("not in the store"))
        // Nothing stored to open.
        await h.press(.enter)
        #expect(h.app.context.flash.message?.contains("the store has no record of this token") == true)
    }

    @Test func aRetiredKeyVerifiesUntilItIsUnpublished() async throws {
        let h = try await Harness(width: 120, height: 50, start: .tokens)
        let token = try await h.issue().accessToken
        let kid = try #require(JWS.parse(token)?.keyID)
        _ = try await h.engine.rotateKey(tenantID: "sms", actor: "test")
        await paste(h, token)
        #expect(h.screen.contains("✓ verifies with key \(kid) (retired, ES256, in the JWKS)"), "\(h.screen)")
        #expect(h.screen.contains("✓ usable"))
        _ = try await h.engine.retireKey(tenantID: "sms", kid: kid, unpublish: true, dryRun: false, actor: "test")
        await h.press(.escape)
        await paste(h, token)
        #expect(h.screen.contains("⚠ verifies with key \(kid) (retired), no longer in the JWKS: APIs refuse it"), "\(h.screen)")
        #expect(h.screen.contains("✕ not usable: signing key no longer published"))
    }

    @Test func aJWTWithoutKidIsCheckedAgainstEveryPublishedKey() async throws {
        let h = try await Harness(width: 120, height: 50, start: .tokens)
        let token = try await h.issue().accessToken
        let parsed = try #require(JWS.parse(token))
        // Re-signing is impossible here, so drop the kid and expect no key to verify the changed header.
        var header = parsed.header
        header["kid"] = nil
        let parts = token.split(separator: ".").map(String.init)
        let noKid = Base64URL.encode(JSONValue.object(header).serialized()) + "." + parts[1] + "." + parts[2]
        await paste(h, noKid)
        #expect(h.screen.contains("✕ no kid in the header, and no published key of the tenant verifies it"), "\(h.screen)")
        #expect(h.screen.contains("altered or forged"))
    }

    @Test func anOpaqueTokenShowsItsStoredClaimsAndStatus() async throws {
        let h = try await Harness(width: 120, height: 50, start: .tokens)
        let token = try await h.issue("partner-portal", secret: "partner-demo-secret").accessToken
        #expect(token.hasPrefix("cdo_"))
        await paste(h, token)
        let text = h.screen
        #expect(text.contains("opaque access token, \(token.count) characters"), "\(text)")
        #expect(text.contains("✓ usable: active in the store"))
        #expect(text.contains("● active: introspection answers active:true"))
        #expect(text.contains("Stored record") && text.contains("partner-portal"))
        #expect(!text.contains("JWT header") && !text.contains("signature"))
        #expect(h.app.context.tenantID == "sms")
    }

    @Test func garbageGetsAMessageAndTheFieldStaysForEditing() async throws {
        let h = try await Harness(start: .tokens)
        for garbage in ["hello world", "a.b.c", "eyJhbGciOiJub25lIn0.e30", "cdo_short", String(repeating: "x", count: 20_000), " "] {
            await paste(h, garbage)
            let flash = h.app.context.flash.message ?? ""
            #expect(flash.hasPrefix("token: "), "\(garbage.prefix(20)): \(flash)")
            #expect(garbage.trimmingCharacters(in: .whitespaces).isEmpty || !flash.contains(garbage), "the error quotes the input")
            #expect(h.screen.contains("Paste a token"), "the field is gone after \(garbage.prefix(20))")
            await h.press(.escape)
        }
        // A well-formed opaque handle that was never issued is looked up, and not found.
        await paste(h, "cdo_" + String(repeating: "A", count: 40))
        #expect(h.screen.contains("✕ not usable: not in the store"), "\(h.screen)")
        await h.press(.escape)
        #expect(h.screen.contains("0 tokens") || h.screen.contains("No tokens match"))
    }

    @Test func thePastedStringNeverReachesTheAuditTrail() async throws {
        let h = try await Harness(width: 120, height: 50, start: .tokens)
        let jwt = try await h.issue().accessToken
        let opaque = try await h.issue("partner-portal", secret: "partner-demo-secret").accessToken
        await paste(h, jwt)
        await h.press(.escape)
        await paste(h, opaque)
        let events = try await h.store.events(after: 0, limit: 10_000, filter: AuditFilter(tenantID: "sms"))
        let all = events.map { "\($0)" }.joined(separator: "\n")
        #expect(!all.contains(jwt) && !all.contains(opaque))
        #expect(!all.contains(String(opaque.dropFirst(30))), "the secret part of the opaque token")
        // Inspection is a read: it adds no event.
        let before = events.count
        await h.press(.escape)
        await paste(h, jwt)
        #expect(try await h.store.events(after: 0, limit: 10_000, filter: AuditFilter(tenantID: "sms")).count == before)
    }
    /// After a paste the hint line offers the shell's keys; each of them works there, at 80x24 and 160x48.
    @Test(arguments: [(80, 24), (160, 48)])
    func theGlobalKeysWorkOnThePastedResult(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height, start: .tokens)
        let token = try await h.issue().accessToken
        await paste(h, token)
        #expect(h.line(height - 2).contains("<?> help"), "\(h.screen)")
        await h.press(.char("?"))
        #expect(h.screen.contains("Help: Tokens") && h.screen.contains("Paste another token"), "\(h.screen)")
        await h.press(.escape)
        await h.press(.char(":"))
        #expect(h.line(height - 1).hasPrefix(":"), "\(h.screen)")
        await h.press(.escape)
        await h.press(.char("/"))
        #expect(h.line(height - 1).hasPrefix("/"), "\(h.screen)")
        await h.press(.escape)
        #expect(h.screen.contains("✓ usable"), "Esc in the filter leaves the result: \(h.screen)")
        await h.press(.char("5"))
        #expect(h.app.current == .audit)
        await h.press(.char("4"))
        #expect(h.app.current == .tokens && !h.screen.contains("✓ usable"))
        await paste(h, token)
        await h.press(.char("q"))
        #expect(h.app.quitRequested)
    }

    /// While the field takes the paste, the same keys are text: a token may contain any of them.
    @Test func whileTypingTheShellKeysAreText() async throws {
        let h = try await Harness(start: .tokens)
        await h.press(.char("p"))
        await h.type("q?:/15")
        #expect(!h.app.quitRequested && h.app.current == .tokens)
        #expect(h.screen.contains("q?:/15"), "\(h.screen)")
    }
}
