import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// RFC 9449 beyond the token endpoint's proof: userinfo as a protected resource (§7), codes bound
/// by `dpop_jkt` (§10), and public clients' refresh tokens bound to the key (§5).
@Suite struct DPoPBindingTests {
    /// Signs alice in and returns a code of `client` with its verifier.
    static func code(_ server: TestServer, _ client: CodeFlowClient, extra: [(String, String)] = []) async throws -> (code: String, verifier: String)
    {
        let browser = Browser(server)
        let (verifier, challenge) = CodeFlowClient.pkce()
        let page = try await browser.authorize(client, scope: "openid profile invoice-read", challenge: challenge, extra: extra)
        return (try browser.code(from: page, client), verifier)
    }

    static func exchange(
        _ server: TestServer,
        _ client: CodeFlowClient,
        _ code: String,
        _ verifier: String,
        proof: String?
    ) async throws -> HTTPResult {
        var form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", client.redirectURI), ("code_verifier", verifier)]
        if client.secret == nil { form.append(("client_id", client.id)) }
        let headers = proof.map { [("DPoP", $0)] } ?? []
        if let secret = client.secret {
            return try await server.tokenRequest(form, basic: DemoClient(id: client.id, secret: secret, method: .clientSecretBasic), headers: headers)
        }
        return try await server.tokenRequest(form, headers: headers)
    }

    static func userinfo(_ server: TestServer, authorization: String, proofs: [String]) async throws -> HTTPResult {
        try await server.get("/sms/userinfo", headers: [("Authorization", authorization)] + proofs.map { ("DPoP", $0) })
    }

    /// A 401 of userinfo with the DPoP challenge carrying `error` and the algorithms.
    static func expectDPoPChallenge(_ result: HTTPResult, error: String, mentioning text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 401, "\(result)", sourceLocation: sourceLocation)
        let challenge = result.header("WWW-Authenticate") ?? ""
        #expect(challenge.hasPrefix("DPoP realm=\"sms\""), "challenge: \(challenge)", sourceLocation: sourceLocation)
        #expect(challenge.contains("error=\"\(error)\""), "challenge: \(challenge)", sourceLocation: sourceLocation)
        #expect(challenge.contains("algs=\"ES256 RS256 EdDSA PS256\""), sourceLocation: sourceLocation)
        #expect((try? result.json()["error_description"]?.stringValue?.contains(text)) == true, "\(result)", sourceLocation: sourceLocation)
    }

    @Test func userinfoTakesTheDPoPSchemeWithAProofOfTheBoundKey() async throws {
        try await TestServer.with { server in
            let key = try DPoPKey()
            let other = try DPoPKey()
            let (code, verifier) = try await Self.code(server, .portal)
            let tokens = try await Self.exchange(server, .portal, code, verifier, proof: try key.proof(htu: server.issuer + "/token"))
            #expect(try tokens.json()["token_type"]?.stringValue == "DPoP", "\(tokens)")
            let token = try #require(try tokens.json()["access_token"]?.stringValue)
            let url = server.issuer + "/userinfo"

            let ok = try await Self.userinfo(
                server,
                authorization: "DPoP " + token,
                proofs: [try key.proof(htm: "GET", htu: url, ath: DPoPKey.ath(token))]
            )
            #expect(ok.status == 200, "\(ok)")
            #expect(try ok.json()["sub"]?.stringValue == "u-alice")

            // §7.2: the bound token as a bearer token; then the scheme right and the proof wrong, one rule each.
            let refusals: [(authorization: String, proofs: [String], error: String, reason: String)] = [
                ("Bearer " + token, [], "invalid_token", "DPoP-bound"),
                ("DPoP " + token, [], "invalid_dpop_proof", "missing"),
                ("DPoP " + token, [try key.proof(htm: "GET", htu: url)], "invalid_dpop_proof", "ath"),
                ("DPoP " + token, [try key.proof(htm: "GET", htu: url, ath: DPoPKey.ath(token + "x"))], "invalid_dpop_proof", "ath"),
                ("DPoP " + token, [try other.proof(htm: "GET", htu: url, ath: DPoPKey.ath(token))], "invalid_dpop_proof", "another key"),
                ("DPoP " + token, [try key.proof(htm: "POST", htu: url, ath: DPoPKey.ath(token))], "invalid_dpop_proof", "htm"),
                ("DPoP " + token, [try key.proof(htm: "GET", htu: server.issuer + "/token", ath: DPoPKey.ath(token))], "invalid_dpop_proof", "htu"),
            ]
            for r in refusals {
                Self.expectDPoPChallenge(
                    try await Self.userinfo(server, authorization: r.authorization, proofs: r.proofs),
                    error: r.error,
                    mentioning: r.reason
                )
            }

            // A bearer token under the DPoP scheme is refused too.
            let (plainCode, plainVerifier) = try await Self.code(server, .portal)
            let bearer = try #require(
                try await Self.exchange(server, .portal, plainCode, plainVerifier, proof: nil).json()["access_token"]?.stringValue
            )
            Self.expectDPoPChallenge(
                try await Self.userinfo(
                    server,
                    authorization: "DPoP " + bearer,
                    proofs: [try key.proof(htm: "GET", htu: url, ath: DPoPKey.ath(bearer))]
                ),
                error: "invalid_token",
                mentioning: "not DPoP-bound"
            )
            #expect(try await Self.userinfo(server, authorization: "Bearer " + bearer, proofs: []).status == 200)
            // No credentials at all: both schemes are offered.
            let none = try await server.get("/sms/userinfo")
            #expect(none.status == 401)
            #expect(none.header("WWW-Authenticate")?.contains("DPoP realm=\"sms\", algs=") == true)

            let refused = try await server.engine.auditEvents(after: 0, limit: 500, filter: AuditFilter(tenantID: "sms", type: .userinfoRefused))
            #expect(refused.contains { $0.event.reason == "invalid_dpop_proof" && $0.event.details["description"]?.contains("another key") == true })
            #expect(!refused.contains { e in e.event.details.values.contains { $0.contains(token) } }, "no token in the audit")
        }
    }

    @Test func aCodeBoundByDPoPJKTNeedsAProofOfThatKey() async throws {
        try await TestServer.with { server in
            let key = try DPoPKey()
            let other = try DPoPKey()
            let client = CodeFlowClient.portal
            let (code, verifier) = try await Self.code(server, client, extra: [("dpop_jkt", key.thumbprint)])
            let url = server.issuer + "/token"
            DPoPTests.expectRefused(try await Self.exchange(server, client, code, verifier, proof: nil), mentioning: "bound to a DPoP key")
            DPoPTests.expectRefused(
                try await Self.exchange(server, client, code, verifier, proof: try other.proof(htu: url)),
                mentioning: "another key"
            )
            // Refusals of the binding do not use the code up.
            let tokens = try await Self.exchange(server, client, code, verifier, proof: try key.proof(htu: url))
            #expect(tokens.status == 200, "\(tokens)")
            #expect(try tokens.json()["token_type"]?.stringValue == "DPoP")
        }
    }

    @Test func aPublicClientsRefreshTokenIsBoundToItsDPoPKey() async throws {
        try await TestServer.with { server in
            let key = try DPoPKey()
            let other = try DPoPKey()
            let url = server.issuer + "/token"
            let client = CodeFlowClient.budget
            let (code, verifier) = try await Self.code(server, client)
            let tokens = try await Self.exchange(server, client, code, verifier, proof: try key.proof(htu: url)).json()
            let refresh = try #require(tokens["refresh_token"]?.stringValue)
            // Opaque tokens: introspection tells the binding.
            let introspection = try await server.introspect(try #require(tokens["access_token"]?.stringValue)).json()
            #expect(introspection["cnf"] == .object(["jkt": .string(key.thumbprint)]))
            #expect(introspection["token_type"]?.stringValue == "DPoP")

            func refreshing(_ token: String, _ proof: String?) async throws -> HTTPResult {
                try await server.tokenRequest(
                    [("grant_type", "refresh_token"), ("refresh_token", token), ("client_id", client.id)],
                    headers: proof.map { [("DPoP", $0)] } ?? []
                )
            }
            DPoPTests.expectRefused(try await refreshing(refresh, nil), mentioning: "refresh token is bound")
            DPoPTests.expectRefused(try await refreshing(refresh, try other.proof(htu: url)), mentioning: "another key")
            let rotated = try await refreshing(refresh, try key.proof(htu: url))
            #expect(rotated.status == 200, "\(rotated)")
            let next = try #require(try rotated.json()["refresh_token"]?.stringValue)
            // The rotated one is bound to the same key.
            DPoPTests.expectRefused(try await refreshing(next, try other.proof(htu: url)), mentioning: "another key")
            #expect(try await refreshing(next, try key.proof(htu: url)).status == 200)

            // A confidential client's refresh token is not bound (it authenticates): it refreshes without a proof.
            let (portalCode, portalVerifier) = try await Self.code(server, .portal)
            let portal = try await Self.exchange(server, .portal, portalCode, portalVerifier, proof: try key.proof(htu: url)).json()
            let portalRefresh = try await CodeFlowClient.portal.refresh(server, try #require(portal["refresh_token"]?.stringValue))
            #expect(portalRefresh.status == 200, "\(portalRefresh)")
            #expect(try portalRefresh.json()["token_type"]?.stringValue == "Bearer")
        }
    }
}

extension DPoPBindingTests {
    @Test func aProofAtTheParEndpointBindsTheCode() async throws {
        try await TestServer.with { server in
            let key = try DPoPKey()
            let other = try DPoPKey()
            let client = CodeFlowClient.portal
            let (verifier, challenge) = CodeFlowClient.pkce()
            let form = PushedAuthorizationTests.parameters(client, challenge: challenge)
            let portal = PushedAuthorizationTests.portalBasic
            let par = server.issuer + "/par"
            DPoPTests.expectRefused(
                try await server.postForm("/sms/par", form, basic: portal, headers: [("DPoP", try key.proof(htu: server.issuer + "/token"))]),
                mentioning: "is not this endpoint"
            )
            DPoPTests.expectRefused(
                try await server.postForm(
                    "/sms/par",
                    form + [("dpop_jkt", other.thumbprint)],
                    basic: portal,
                    headers: [("DPoP", try key.proof(htu: par))]
                ),
                mentioning: "dpop_jkt is not the thumbprint"
            )
            let pushed = try await server.postForm("/sms/par", form, basic: portal, headers: [("DPoP", try key.proof(htu: par))])
            let uri = try PushedAuthorizationTests.requestURI(pushed)
            let browser = Browser(server)
            let back = try await PushedAuthorizationTests.signIn(
                browser,
                try await browser.get(PushedAuthorizationTests.authorizeURL(server, clientID: client.id, requestURI: uri))
            )
            let code = try browser.code(from: back, client)
            let url = server.issuer + "/token"
            DPoPTests.expectRefused(
                try await Self.exchange(server, client, code, verifier, proof: try other.proof(htu: url)),
                mentioning: "another key"
            )
            #expect(try await Self.exchange(server, client, code, verifier, proof: try key.proof(htu: url)).status == 200)
        }
    }
}

extension DPoPBindingTests {
    @Test func userinfoAsksForTheTenantsNonceAsTheTokenEndpointDoes() async throws {
        try await TestServer.with { server in
            try await server.engine.updateTenantPolicy("sms", actor: "test") { $0.requireDPoPNonce = true }
            let key = try DPoPKey()
            let (code, verifier) = try await Self.code(server, .portal)
            let first = try await Self.exchange(server, .portal, code, verifier, proof: try key.proof(htu: server.tokenEndpoint))
            DPoPTests.expectRefused(first, code: "use_dpop_nonce", mentioning: "requires a nonce")
            let nonce = try #require(first.header("DPoP-Nonce"))
            let tokens = try await Self.exchange(server, .portal, code, verifier, proof: try key.proof(htu: server.tokenEndpoint, nonce: nonce))
            let token = try #require(try tokens.json()["access_token"]?.stringValue, "\(tokens)")
            let url = server.issuer + "/userinfo"

            let without = try await Self.userinfo(
                server,
                authorization: "DPoP " + token,
                proofs: [try key.proof(htm: "GET", htu: url, ath: DPoPKey.ath(token))]
            )
            Self.expectDPoPChallenge(without, error: "use_dpop_nonce", mentioning: "requires a nonce")
            #expect(without.header("DPoP-Nonce") == nonce)
            let with = try await Self.userinfo(
                server,
                authorization: "DPoP " + token,
                proofs: [try key.proof(htm: "GET", htu: url, ath: DPoPKey.ath(token), nonce: nonce)]
            )
            #expect(with.status == 200, "\(with)")
        }
    }
}
