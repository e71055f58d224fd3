import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// A published design is what the next token carries, over real HTTP; external lookups go to a real
/// HTTP server on loopback, with their timeout, cache and failure policy.
@Suite struct TokenDesignTests {
    func publish(_ server: TestServer, _ change: (inout TokenDesign) -> Void, force: String? = nil) async throws -> PublishOutcome {
        var design = try await server.engine.design(tenantID: "sms", .live)
        change(&design)
        let outcome = try await server.engine.publishDesign(
            PublishRequest(
                tenantID: "sms",
                design: TokenDesign(scopes: design.scopes, claims: design.claims, apis: design.apis),
                note: "test",
                forceReason: force
            ),
            actor: "test"
        )
        #expect(outcome.version != nil, "\(outcome.verdict)")
        return outcome
    }

    static func claim(
        _ name: String,
        _ source: ClaimDefinition.Source,
        scopes: [String] = ["invoice-read", "status"],
        required: Bool = false
    ) -> ClaimDefinition {
        ClaimDefinition(tenantID: "sms", name: name, type: "string", source: source, isRequired: required, scopes: scopes)
    }

    @Test func aPublishedChangeIsWhatTheNextTokenCarries() async throws {
        try await TestServer.with { server in
            let before = try await server.accessToken(.billing, [("scope", "invoice-read")])
            #expect(try await server.verifiedJWS(before).payload["plan"] == nil)
            _ = try await publish(server) { $0.claims.append(Self.claim("plan", .constant(.string("enterprise")))) }
            // JWT: the claim is in the signed token. Opaque: the API sees it through introspection.
            let jwt = try await server.verifiedJWS(try await server.accessToken(.billing, [("scope", "invoice-read")]))
            #expect(jwt.payload["plan"] == .string("enterprise"))
            let opaque = try await server.accessToken(.partnerPortal, [("scope", "status")])
            #expect(try await server.introspect(opaque).json()["plan"] == .string("enterprise"))
            // The token before the change keeps what it was issued with, and both record their version.
            #expect(try await server.introspect(before).json()["plan"] == nil)
            let records = try await server.engine.tokens(TokenQuery(tenantID: "sms", clientID: "billing-service"))
            #expect(Set(records.compactMap(\.designVersion)) == [1, 2])
            // Roll back: the next token no longer carries it.
            _ = try await server.engine.rollbackDesign(tenantID: "sms", to: 1, note: nil, forceReason: nil, actor: "test")
            #expect(try await server.verifiedJWS(try await server.accessToken(.billing, [("scope", "invoice-read")])).payload["plan"] == nil)
        }
    }

    @Test func accessAndRefreshTokensOfACodeFlowRecordTheirDesignVersion() async throws {
        try await TestServer.with { server in
            _ = try await publish(server) { $0.claims.append(Self.claim("plan", .constant(.string("basic")))) }
            _ = try await CodeExchangeAndRefreshTests().tokens(server)
            let records = try await server.engine.tokens(TokenQuery(tenantID: "sms", clientID: "customer-portal"))
            #expect(Set(records.map(\.kind)) == [.access, .refresh, .authorizationCode])
            for r in records where r.kind != .authorizationCode { #expect(r.designVersion == 2, "\(r.kind)") }
        }
    }

    @Test func externalClaimsAreLookedUpOverHTTPAndCached() async throws {
        let lookup = try await LookupServer.start()
        let clock = ManualWallClock(Date())
        try await TestServer.with(clock: clock) { server in
            // The longest timeout allowed: this test is about the cache, and a CI machine running every
            // suite at once can take longer than the default half second to answer on loopback.
            _ = try await publish(server) {
                $0.claims.append(
                    Self.claim(
                        "segment",
                        .externalLookup(
                            ExternalLookup(
                                url: lookup.url("/crm/{client_id}"),
                                path: "segment",
                                timeoutMilliseconds: 10_000,
                                cacheSeconds: 60
                            )
                        )
                    )
                )
            }
            let first = try await server.verifiedJWS(try await server.accessToken(.billing, [("scope", "invoice-read")]))
            #expect(first.payload["segment"] == .string("retail-billing-service"))
            _ = try await server.accessToken(.billing, [("scope", "invoice-read")])
            #expect(lookup.requests == ["/crm/billing-service"], "the second token used the cache")
            clock.advance(by: 61)
            _ = try await server.accessToken(.billing, [("scope", "invoice-read")])
            #expect(lookup.requests.count == 2, "the cache expired")
            // The preview shows where it came from.
            let preview = try await server.engine.previewTokens(PreviewRequest(tenantID: "sms", clientID: "billing-service", scope: "invoice-read"))
            #expect(
                preview.provenance[.accessToken]?.first { $0.name == "segment" }?.source
                    == "external lookup \(lookup.url("/crm/{client_id}")) at segment"
            )
        }
        await lookup.stop()
    }

    @Test func aFailedLookupIsLeftOutOrRefusesIssuanceAsItsPolicySays() async throws {
        let lookup = try await LookupServer.start()
        try await TestServer.with { server in
            _ = try await publish(server) {
                $0.claims.append(
                    Self.claim("slow", .externalLookup(ExternalLookup(url: lookup.url("/slow"), timeoutMilliseconds: 200, onFailure: .omit)))
                )
                // The others get the longest timeout: under CI load the default half second can pass
                // before the loopback server answers, and these are about what it answers.
                $0.claims.append(
                    Self.claim("broken", .externalLookup(ExternalLookup(url: lookup.url("/broken"), timeoutMilliseconds: 10_000, onFailure: .omit)))
                )
                $0.claims.append(
                    Self.claim("text", .externalLookup(ExternalLookup(url: lookup.url("/text"), timeoutMilliseconds: 10_000, onFailure: .omit)))
                )
                // The CRM answers a string; a claim declared a number never carries it.
                var typed = Self.claim(
                    "rank",
                    .externalLookup(
                        ExternalLookup(
                            url: lookup.url("/crm/{client_id}"),
                            path: "segment",
                            timeoutMilliseconds: 10_000
                        )
                    )
                )
                typed.type = "number"
                $0.claims.append(typed)
            }
            // `/slow` answers after 30 s; issuance returning well before that shows the 200 ms timeout cut
            // it short. The bound is loose on purpose: under CI load the rest of issuance can take seconds.
            let started = ContinuousClock.now
            let token = try await server.verifiedJWS(try await server.accessToken(.billing, [("scope", "invoice-read")]))
            #expect(ContinuousClock.now - started < .seconds(15), "the timeout bounds issuance")
            #expect(token.payload["slow"] == nil && token.payload["broken"] == nil && token.payload["text"] == nil && token.payload["rank"] == nil)
            // The audit trail says which claims the token went without, and why.
            let issued = try await AuditTests.events(server, AuditFilter(tenantID: "sms", type: .tokenIssued))
            let jti: String? = token.payload["jti"]?.stringValue
            let event = issued.first { $0.event.tokenID == jti }
            #expect(
                event?.event.details["claims_left_out"] == "broken: its external lookup failed (HTTP 500); "
                    + "rank: its value is a string, but the design declares a number; slow: its external lookup failed (no answer within 200 ms); "
                    + "text: its external lookup failed (the answer is not JSON)"
            )
            let preview = try await server.engine.previewTokens(PreviewRequest(tenantID: "sms", clientID: "billing-service", scope: "invoice-read"))
            #expect(preview.warnings.contains("claim 'broken' left out: its external lookup failed (HTTP 500)"), "\(preview.warnings)")
            #expect(preview.warnings.contains("claim 'text' left out: its external lookup failed (the answer is not JSON)"))
            #expect(preview.warnings.contains("claim 'rank' left out: its value is a string, but the design declares a number"))
            #expect(preview.warnings.contains { $0.hasPrefix("claim 'slow' left out") && $0.contains("no answer within 200 ms") })

            // Policy fail: 503 temporarily_unavailable, an RFC error body, audited; nothing issued.
            _ = try await publish(server) {
                let i = $0.claims.firstIndex { $0.name == "broken" }!
                $0.claims[i].source = .externalLookup(ExternalLookup(url: lookup.url("/broken"), timeoutMilliseconds: 10_000, onFailure: .fail))
            }
            let refused = try await server.tokenRequest([("grant_type", "client_credentials"), ("scope", "invoice-read")], basic: .billing)
            #expect(refused.status == 503)
            #expect(try refused.json()["error"] == .string("temporarily_unavailable"))
            #expect(try refused.json()["error_description"]?.stringValue?.contains("claim 'broken' could not be looked up (HTTP 500)") == true)
            #expect(refused.header("Cache-Control") == "no-store")
            let refusals = try await AuditTests.events(server, AuditFilter(tenantID: "sms", type: .tokenRefused))
            #expect(refusals.last?.event.reason == "temporarily_unavailable")
            #expect(refusals.last?.event.details["description"]?.contains("claim 'broken' could not be looked up (HTTP 500)") == true)
            // Tokens without that scope are not affected.
            _ = try await server.accessToken(.billing, [("scope", "invoice-write")])
        }
        await lookup.stop()
    }

    @Test func aRequiredClaimMissingRefusesTheCodeExchange() async throws {
        try await TestServer.with { server in
            _ = try await publish(server) {
                let i = $0.claims.firstIndex { $0.name == "account-nbr" }!
                $0.claims[i].isRequired = true
            }
            _ = try await server.engine.createUser(
                tenantID: "sms",
                username: "dave",
                attributes: [:],
                password: "dave-test-password-1",
                actor: "test"
            )
            let browser = Browser(server)
            defer { Task { await browser.close() } }
            let (verifier, challenge) = CodeFlowClient.pkce()
            let code = try browser.code(
                from: try await browser.authorize(
                    .portal,
                    scope: "openid invoice-read",
                    challenge: challenge,
                    username: "dave",
                    password: "dave-test-password-1"
                ),
                .portal
            )
            let r = try await CodeFlowClient.portal.exchange(server, code: code, verifier: verifier)
            #expect(r.status == 400)
            #expect(try r.json()["error"] == .string("invalid_scope"))
            #expect(
                try r.json()["error_description"]?.stringValue
                    == "scope 'invoice-read' requires claim 'account-nbr', which has no value for this user"
            )
        }
    }
}
