import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// RFC 9449 at the token endpoint: a valid proof binds the access token (`cnf.jkt`, `token_type`
/// DPoP, in the JWT and in introspection); every proof that breaks a rule of §4.3 is refused with
/// `invalid_dpop_proof`, the DPoP challenge and its algorithms, and audited with the reason.
@Suite struct DPoPTests {
    static let billing = DemoClient.billing

    static func tokenURL(_ server: TestServer) -> String { server.issuer + "/token" }

    /// A client_credentials request of billing-service with the given `DPoP` header values.
    static func clientCredentials(_ server: TestServer, proofs: [String]) async throws -> HTTPResult {
        try await server.tokenRequest([("grant_type", "client_credentials")], basic: billing, headers: proofs.map { ("DPoP", $0) })
    }

    /// Checks an RFC 9449 refusal at the token endpoint.
    static func expectRefused(
        _ result: HTTPResult,
        code: String = "invalid_dpop_proof",
        mentioning text: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        expectOAuthError(result, status: 400, code: code, mentioning: text, sourceLocation: sourceLocation)
        let challenge = result.header("WWW-Authenticate") ?? ""
        #expect(challenge.hasPrefix("DPoP "), "challenge: \(challenge)", sourceLocation: sourceLocation)
        #expect(challenge.contains("error=\"\(code)\""), sourceLocation: sourceLocation)
        #expect(challenge.contains("algs=\"ES256 RS256 EdDSA PS256\""), sourceLocation: sourceLocation)
    }

    @Test(arguments: [SigningAlgorithm.es256, .rs256, .edDSA])
    func aProofBindsTheAccessTokenToItsKey(alg: SigningAlgorithm) async throws {
        try await TestServer.with { server in
            let key = try DPoPKey(alg)
            // RFC 3986 normalisation: scheme and host case, and the query, do not matter (§4.3).
            let htu = "HTTP://127.0.0.1:8080/sms/token?ignored=1"
            let result = try await Self.clientCredentials(server, proofs: [try key.proof(htu: htu)])
            #expect(result.status == 200, "\(result)")
            let json = try result.json()
            #expect(json["token_type"]?.stringValue == "DPoP")
            let token = try #require(json["access_token"]?.stringValue)
            let jwt = try await server.verifiedJWS(token)
            #expect(jwt.payload["cnf"] == .object(["jkt": .string(key.thumbprint)]))
            let introspection = try await server.introspect(token).json()
            #expect(introspection["active"] == .bool(true))
            #expect(introspection["token_type"]?.stringValue == "DPoP")
            #expect(introspection["cnf"] == .object(["jkt": .string(key.thumbprint)]))

            // Without a proof the same client still gets a bearer token (it is not dpop_bound_access_tokens).
            let bearer = try await Self.clientCredentials(server, proofs: [])
            #expect(try bearer.json()["token_type"]?.stringValue == "Bearer")
            let plain = try await server.introspect(try #require(try bearer.json()["access_token"]?.stringValue)).json()
            #expect(plain["token_type"]?.stringValue == "Bearer")
            #expect(plain["cnf"] == nil)

            let issued = try await server.engine.auditEvents(after: 0, limit: 500, filter: AuditFilter(tenantID: "sms", type: .tokenIssued))
            #expect(issued.map { $0.event.details["bound"] } == ["dpop", "bearer"])
        }
    }

    @Test func everyBrokenProofIsRefusedWithItsReason() async throws {
        try await TestServer.with { server in
            let key = try DPoPKey()
            let other = try DPoPKey()
            let url = Self.tokenURL(server)
            var privateJWK = key.publicJWK.objectValue ?? [:]
            privateJWK["d"] = .string(Base64URL.encode(key.pair.privateKeyBytes))
            let cases: [(proofs: [String], reason: String)] = [
                ([try key.proof(htu: url), try key.proof(htu: url)], "exactly one DPoP header"),
                (["not-a-jwt"], "not a compact JWS"),
                ([try key.proof(htu: url, header: ["typ": "JWT"])], "typ must be dpop+jwt"),
                ([try key.proof(htu: url, header: ["alg": "HS256"])], "alg 'HS256' is not accepted"),
                ([try key.proof(htu: url, header: ["alg": "none"])], "alg 'none' is not accepted"),
                ([try key.proof(htu: url, header: ["jwk": .null])], "has no jwk"),
                ([try key.proof(htu: url, header: ["jwk": .object(privateJWK)])], "private key member ('d')"),
                ([try key.proof(htu: url, header: ["jwk": other.publicJWK])], "signature does not verify"),
                ([try key.proof(htu: url, signer: other.pair)], "signature does not verify"),
                ([try key.proof(htu: url, header: ["alg": "RS256"])], "not a key for RS256"),
                ([try key.proof(htm: "GET", htu: url)], "htm 'GET'"),
                ([try key.proof(htu: server.issuer + "/introspect")], "is not this endpoint"),
                ([try key.proof(htu: "https://127.0.0.1:8080/sms/token")], "is not this endpoint"),
                ([try key.proof(htu: "http://127.0.0.1:8081/sms/token")], "is not this endpoint"),
                ([try key.proof(htu: url, claims: ["jti": .null])], "needs a jti"),
                ([try key.proof(htu: url, claims: ["htm": .null])], "has no htm"),
                ([try key.proof(htu: url, claims: ["htu": .null])], "has no htu"),
                ([try key.proof(htu: url, claims: ["iat": .null])], "has no iat"),
                ([try key.proof(htu: url, iat: Date().addingTimeInterval(-301))], "too old"),
                ([try key.proof(htu: url, iat: Date().addingTimeInterval(120))], "in the future"),
            ]
            for (proofs, reason) in cases {
                Self.expectRefused(try await Self.clientCredentials(server, proofs: proofs), mentioning: reason)
            }
            // Replay: the same proof twice; the first one was good.
            let proof = try key.proof(htu: url)
            #expect(try await Self.clientCredentials(server, proofs: [proof]).status == 200)
            Self.expectRefused(try await Self.clientCredentials(server, proofs: [proof]), mentioning: "already used (replay)")

            let refused = try await server.engine.auditEvents(after: 0, limit: 500, filter: AuditFilter(tenantID: "sms", type: .tokenRefused))
            #expect(refused.count == cases.count + 1)
            #expect(refused.allSatisfy { $0.event.reason == "invalid_dpop_proof" && $0.event.details["dpop"]?.isEmpty == false })
            #expect(refused.contains { $0.event.details["dpop"]?.contains("private key member") == true })
            #expect(!refused.contains { event in event.event.details.values.contains { $0.contains(proof) } }, "no proof in the audit")
        }
    }

    @Test func aProofAcceptedByOneServerIsAReplayAtAnother() async throws {
        // Two engines over one store (two nodes): the jti cache is the store's.
        try await TestServer.with { server in
            let second = try await ClaimdeckEngine(
                store: server.store,
                masterKey: try await DemoTemplate.shared.database().masterKey,
                configuration: EngineConfiguration(publicBaseURL: TestServer.publicBaseURL, passwordCost: .testing)
            )
            let key = try DPoPKey()
            let proof = try key.proof(htu: Self.tokenURL(server))
            #expect(try await Self.clientCredentials(server, proofs: [proof]).status == 200)
            let request = TokenEndpointRequest(
                tenantID: "sms",
                form: FormParameters(pairs: [("grant_type", "client_credentials")]),
                authorization: Self.billing.basicAuthorization,
                dpopProofs: [proof]
            )
            do {
                _ = try await second.token(request)
                Issue.record("the second node accepted a replayed proof")
            } catch let error as OAuthError {
                #expect(error.code == "invalid_dpop_proof")
                #expect(error.errorDescription.contains("replay"))
            }
        }
    }

    @Test func aClientWithDPoPBoundAccessTokensMustSendAProof() async throws {
        try await TestServer.with { server in
            _ = try await server.engine.updateClient(tenantID: "sms", clientID: Self.billing.id, actor: "test") { $0.dpopBoundAccessTokens = true }
            Self.expectRefused(try await Self.clientCredentials(server, proofs: []), mentioning: "must send a DPoP proof")
            let key = try DPoPKey()
            let result = try await Self.clientCredentials(server, proofs: [try key.proof(htu: Self.tokenURL(server))])
            #expect(try result.json()["token_type"]?.stringValue == "DPoP")
            let discovery = try await server.get("/sms/.well-known/oauth-authorization-server").json()
            #expect(discovery["dpop_signing_alg_values_supported"] == .array(["ES256", "RS256", "EdDSA", "PS256"]))
        }
    }

    @Test func aTenantThatRequiresNoncesHandsOutRotatingOnes() async throws {
        let clock = ManualWallClock(Date())
        try await TestServer.with(clock: clock) { server in
            try await server.engine.updateTenantPolicy("sms", actor: "test") { $0.requireDPoPNonce = true }
            let key = try DPoPKey()
            let url = Self.tokenURL(server)
            let first = try await Self.clientCredentials(server, proofs: [try key.proof(htu: url, iat: clock.now())])
            Self.expectRefused(first, code: "use_dpop_nonce", mentioning: "requires a nonce")
            let nonce = try #require(first.header("DPoP-Nonce"))
            let ok = try await Self.clientCredentials(server, proofs: [try key.proof(htu: url, iat: clock.now(), nonce: nonce)])
            #expect(ok.status == 200, "\(ok)")
            #expect(ok.header("DPoP-Nonce") == nonce, "the current nonce comes with every answer")
            Self.expectRefused(
                try await Self.clientCredentials(server, proofs: [try key.proof(htu: url, iat: clock.now(), nonce: "made-up")]),
                code: "use_dpop_nonce",
                mentioning: "not current"
            )
            // Five minutes on the nonce rotates; the previous one is still accepted for one window.
            clock.advance(by: 300)
            let rotated = try await Self.clientCredentials(server, proofs: [try key.proof(htu: url, iat: clock.now(), nonce: nonce)])
            #expect(rotated.status == 200, "\(rotated)")
            let next = try #require(rotated.header("DPoP-Nonce"))
            #expect(next != nonce)
            clock.advance(by: 300)
            let stale = try await Self.clientCredentials(server, proofs: [try key.proof(htu: url, iat: clock.now(), nonce: nonce)])
            Self.expectRefused(stale, code: "use_dpop_nonce", mentioning: "not current")
            #expect(stale.header("DPoP-Nonce") != nil)
        }
    }
}
