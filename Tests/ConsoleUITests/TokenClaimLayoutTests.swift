import AuthEngine
import Foundation
import JOSE
import Testing

@testable import ConsoleUI

/// The "JWT claims" of a stored token's detail are the claims the minter signed, also when the design
/// sends a claim to the access token and not to introspection, or the reverse (the record keeps the
/// introspection claims, so a view rebuilt from them alone shows a JWT that was never issued).
@Suite("Tokens screen: JWT claims as signed")
struct TokenClaimLayoutTests {
    /// The demo design plus `jwt-only` (access_token only) and `introspection-only` (introspection only),
    /// both constants of scope invoice-read, which billing-service gets.
    func publishOneSidedClaims(_ h: Harness) async throws {
        var design = try await h.engine.design(tenantID: "sms", .live)
        design.claims.append(
            ClaimDefinition(
                tenantID: "sms",
                name: "jwt-only",
                type: "string",
                source: .constant(.string("in the JWT")),
                scopes: ["invoice-read"],
                destinations: [.accessToken]
            )
        )
        design.claims.append(
            ClaimDefinition(
                tenantID: "sms",
                name: "introspection-only",
                type: "string",
                source: .constant(.string("at introspection")),
                scopes: ["invoice-read"],
                destinations: [.introspection]
            )
        )
        _ = try await h.engine.publishDesign(PublishRequest(tenantID: "sms", design: design, note: "one-sided claims"), actor: "test")
    }

    /// The label → value lines of the detail's "JWT claims" section.
    func shownJWTClaims(_ h: Harness) throws -> [String: String] {
        let screen = try #require(h.app.screen(.tokens) as? TokensScreen)
        let detail = try #require(screen.detail)
        let lines = screen.detailLines(detail, h.app.context)
        let start = try #require(lines.firstIndex(of: .section("JWT claims")))
        let section = lines[(start + 1)...].prefix { $0.role != .title }
        return Dictionary(section.map { ($0.label, $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    /// How the detail words a payload value: strings bare, numbers as integers, the rest compact JSON.
    func worded(_ v: JSONValue) -> String { v.stringValue ?? v.intValue.map(String.init) ?? String(decoding: v.serialized(), as: UTF8.self) }

    @Test func theDetailShowsTheSignedPayloadNotTheIntrospectionClaims() async throws {
        let h = try await Harness(width: 120, height: 60, start: .tokens)
        try await publishOneSidedClaims(h)
        let token = try await h.issue()
        let signed = try #require(JWS.parse(token.accessToken)).payload
        // What was really issued: the JWT carries jwt-only, introspection answers introspection-only.
        #expect(signed["jwt-only"]?.stringValue == "in the JWT")
        #expect(signed["introspection-only"] == nil)
        let introspected = try await h.introspect(token.accessToken)
        let answer = try #require(try JSONValue(parsing: Data(introspected.json())).objectValue)
        #expect(answer["introspection-only"]?.stringValue == "at introspection")
        #expect(answer["jwt-only"] == nil)

        await h.press(.ctrl("r"), .enter)
        let shown = try shownJWTClaims(h)
        #expect(Set(shown.keys) == Set(signed.keys), "shown \(shown.keys.sorted()) vs signed \(signed.keys.sorted())")
        for (k, v) in signed where k != "aud" {
            #expect(shown[k] == worded(v), "\(k): shown \(shown[k] ?? "nothing") vs signed \(worded(v))")
        }
        #expect(h.screen.contains("in the JWT"), "\(h.screen)")
        #expect(!h.screen.contains("at introspection"))
    }

    @Test func anOpaqueTokensDetailShowsWhatIntrospectionAnswers() async throws {
        let h = try await Harness(width: 120, height: 60, start: .tokens)
        var design = try await h.engine.design(tenantID: "sms", .live)
        design.claims.append(
            ClaimDefinition(
                tenantID: "sms",
                name: "jwt-only",
                type: "string",
                source: .constant(.string("in the JWT")),
                scopes: ["status"],
                destinations: [.accessToken]
            )
        )
        design.claims.append(
            ClaimDefinition(
                tenantID: "sms",
                name: "introspection-only",
                type: "string",
                source: .constant(.string("at introspection")),
                scopes: ["status"],
                destinations: [.introspection]
            )
        )
        _ = try await h.engine.publishDesign(PublishRequest(tenantID: "sms", design: design, note: "one-sided claims"), actor: "test")
        let token = try await h.issue("partner-portal", secret: "partner-demo-secret")
        let answer = try #require(try JSONValue(parsing: Data(try await h.introspect(token.accessToken).json())).objectValue)
        #expect(answer["introspection-only"]?.stringValue == "at introspection")
        await h.press(.ctrl("r"), .enter)
        let text = h.screen
        #expect(text.contains("Stored claims (returned by introspection)") && text.contains("at introspection"), "\(text)")
        #expect(!text.contains("JWT claims") && !text.contains("in the JWT"))
    }
}
