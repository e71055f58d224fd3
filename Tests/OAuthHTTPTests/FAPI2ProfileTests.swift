import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// The `fapi2` profile (FAPI 2.0 Security Profile, Final): registration refuses what contradicts it,
/// and a client under it runs the code flow over HTTP only as §5.3.2 and §5.4 allow: pushed requests,
/// PKCE S256, `iss` in the response, client assertions with the issuer as their `aud` string and a
/// FAPI algorithm, DPoP-bound tokens signed PS256, refresh rotation with the retry grace on.
@Suite("FAPI 2.0 profile")
struct FAPI2ProfileTests {
    static let clientID = "fapi-portal"
    static let kid = "fapi-portal-1"
    static let client = CodeFlowClient(id: clientID, secret: nil, redirectURI: "https://fapi.sms.example/callback")

    /// A confidential private_key_jwt client with DPoP-bound tokens signed PS256; its RSA key is
    /// registered without `alg`, so the assertion's header decides RS256 or PS256.
    static func spec(_ key: SigningKeyPair) -> ClientSpec {
        var jwk = key.publicKey.jwk(kid: kid)
        jwk.alg = nil
        return ClientSpec(
            name: "FAPI portal",
            authMethod: .privateKeyJWT,
            grantTypes: [.authorizationCode, .refreshToken],
            scopes: ["openid", "offline_access", "invoice-read"],
            redirectURIs: [client.redirectURI],
            signingAlgorithm: .ps256,
            jwks: JWKSet(keys: [jwk]),
            dpopBoundAccessTokens: true,
            profile: .fapi2
        )
    }

    /// A client assertion made at `clock`'s time (the server's), however long the test has run.
    static func assertion(_ key: SigningKeyPair, aud: JSONValue, at clock: ManualWallClock) throws -> String {
        try PrivateKeyJWTTests.assertion(key: key, kid: kid, iss: clientID, sub: clientID, aud: aud, iat: Int(clock.now().timeIntervalSince1970))
    }

    static func authenticated(_ form: [(String, String)], _ assertion: String) -> [(String, String)] {
        form + [("client_assertion_type", PrivateKeyJWTTests.assertionType), ("client_assertion", assertion)]
    }

    @Test func aClientUnderTheProfileRunsTheCodeFlowAsFAPI2Says() async throws {
        let clock = ManualWallClock(Date())
        try await TestServer.with(clock: clock) { server in
            let key = try SigningKeyPair.generate(.ps256)
            _ = try await server.engine.registerClient(tenantID: "sms", id: Self.clientID, Self.spec(key), actor: "test")
            let browser = Browser(server)
            let (verifier, challenge) = CodeFlowClient.pkce()
            let parameters = PushedAuthorizationTests.parameters(Self.client, challenge: challenge).map {
                $0.0 == "scope" ? ($0.0, "openid offline_access invoice-read") : $0
            }

            // §5.3.2.2: a request that was not pushed goes back to the client as an error, with iss.
            let plain = try await browser.get(server.issuer + "/authorize?" + FormEncoding.encode(parameters))
            #expect(plain.location?.hasPrefix(Self.client.redirectURI) == true, "\(plain)")
            #expect(plain.redirectParameters["error"] == "invalid_request")
            #expect(plain.redirectParameters["error_description"]?.contains("fapi2") == true)
            #expect(plain.redirectParameters["iss"] == server.issuer)

            // §5.3.2.1: the assertion's aud is the issuer, as a string: not the endpoint, not an array.
            // The wire says only that authentication failed; the audit says why.
            func refusedPush(_ assertion: String, because reason: String) async throws {
                expectOAuthError(
                    try await server.postForm("/sms/par", Self.authenticated(parameters, assertion)),
                    status: 401,
                    code: "invalid_client",
                    mentioning: "client authentication failed"
                )
                let refusal = try #require(try await MutualTLSTests.lastRefusal(server, .authorizationRefused))
                #expect(refusal.details["description"]?.contains(reason) == true, "\(refusal.details)")
            }
            for aud: JSONValue in [.string(server.issuer + "/par"), .string(server.tokenEndpoint), .array([.string(server.issuer)])] {
                try await refusedPush(
                    try Self.assertion(key, aud: aud, at: clock),
                    because: "aud must be the issuer '\(server.issuer)' as a single string"
                )
            }
            // §5.4.1: RS256 is refused even from the registered RSA key.
            let rs256 = try SigningKeyPair(algorithm: .rs256, privateKeyBytes: key.privateKeyBytes)
            try await refusedPush(try Self.assertion(rs256, aud: .string(server.issuer), at: clock), because: "accepted: PS256, ES256, EdDSA")
            let pushed = try await server.postForm(
                "/sms/par",
                Self.authenticated(parameters, try Self.assertion(key, aud: .string(server.issuer), at: clock))
            )
            let uri = try PushedAuthorizationTests.requestURI(pushed)
            let back = try await PushedAuthorizationTests.signIn(
                browser,
                try await browser.get(PushedAuthorizationTests.authorizeURL(server, clientID: Self.clientID, requestURI: uri))
            )
            // Browser.code checks the redirect's iss (RFC 9207).
            let code = try browser.code(from: back, Self.client)
            let exchange = [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Self.client.redirectURI), ("code_verifier", verifier),
            ]
            func tokenRequest(_ form: [(String, String)], proof: String?) async throws -> HTTPResult {
                try await server.tokenRequest(
                    Self.authenticated(form, try Self.assertion(key, aud: .string(server.issuer), at: clock)),
                    headers: proof.map { [("DPoP", $0)] } ?? []
                )
            }

            // Sender-constrained tokens only (§5.3.2.1), proved with a FAPI algorithm (§5.4.1).
            expectOAuthError(try await tokenRequest(exchange, proof: nil), status: 400, code: "invalid_dpop_proof", mentioning: "DPoP-bound")
            let rsaProof = try DPoPKey(.rs256).proof(htu: server.tokenEndpoint, iat: clock.now())
            expectOAuthError(try await tokenRequest(exchange, proof: rsaProof), status: 400, code: "invalid_dpop_proof", mentioning: "RS256")
            let dpop = try DPoPKey(.es256)
            let tokens = try await tokenRequest(exchange, proof: try dpop.proof(htu: server.tokenEndpoint, iat: clock.now()))
            #expect(tokens.status == 200, "\(tokens)")
            let body = try tokens.json()
            #expect(body["token_type"]?.stringValue == "DPoP")
            let jws = try await server.verifiedJWS(try #require(body["access_token"]?.stringValue))
            #expect(jws.algorithm == "PS256")
            #expect(jws.payload["cnf"] == .object(["jkt": .string(dpop.thumbprint)]))

            // Rotation with the retry grace on by default: the old refresh token again, within it,
            // answers the same tokens instead of revoking the family.
            let refresh1 = try #require(body["refresh_token"]?.stringValue)
            let refresh = [("grant_type", "refresh_token"), ("refresh_token", refresh1)]
            let first = try await tokenRequest(refresh, proof: try dpop.proof(htu: server.tokenEndpoint, iat: clock.now()))
            #expect(first.status == 200, "\(first)")
            clock.advance(by: TimeInterval(FAPI2.defaultRefreshTokenRetryGrace - 5))
            let retry = try await tokenRequest(refresh, proof: try dpop.proof(htu: server.tokenEndpoint, iat: clock.now()))
            #expect(retry.status == 200, "\(retry)")
            #expect(try retry.json()["refresh_token"] == (try first.json())["refresh_token"])
            #expect(try retry.json()["access_token"] == (try first.json())["access_token"])
        }
    }

    @Test func theAuthorizationCodeLivesSixtySecondsAtMost() async throws {
        let clock = ManualWallClock(Date())
        try await TestServer.with(clock: clock) { server in
            let browser = Browser(server)
            let (verifier, challenge) = CodeFlowClient.pkce()
            let code = try browser.code(
                from: try await browser.authorize(.portal, scope: "openid invoice-read", challenge: challenge),
                .portal
            )
            clock.advance(by: 61)
            expectOAuthError(try await CodeFlowClient.portal.exchange(server, code: code, verifier: verifier), status: 400, code: "invalid_grant")
        }
    }

    /// Each setting that contradicts the profile, the field the refusal names, and a word of its fix.
    static let contradictions: [(String, String, @Sendable (inout ClientSpec) -> Void)] = [
        (
            "type", "confidential",
            {
                $0.type = .public
                $0.authMethod = ClientAuthMethod.none
            }
        ),
        (
            "auth_method", "private_key_jwt",
            {
                $0.authMethod = .clientSecretBasic
                $0.jwks = nil
            }
        ),
        ("dpop_bound_access_tokens", "tls_client_certificate_bound_access_tokens", { $0.dpopBoundAccessTokens = false }),
        ("require_pkce", "require_pkce", { $0.requirePKCE = false }),
        ("signing_alg", "PS256, ES256, EdDSA", { $0.signingAlgorithm = .rs256 }),
        ("jwks", "register keys for", { $0.jwks?.keys[0].alg = "RS256" }),
        ("redirect_uris", "127.0.0.1", { $0.redirectURIs = ["http://localhost:8080/callback"] }),
    ]

    @Test func registrationAndUpdateRefuseWhatContradictsTheProfileAndChangeNothing() async throws {
        try await TestServer.with { server in
            let key = try SigningKeyPair.generate(.ps256)
            for (field, fix, contradict) in Self.contradictions {
                var spec = Self.spec(key)
                contradict(&spec)
                let error = await #expect(throws: AdminError.self) {
                    try await server.engine.registerClient(tenantID: "sms", id: Self.clientID, spec, actor: "test")
                }
                #expect(error?.field == field, "\(String(describing: error))")
                #expect(error?.message.contains("fapi2") == true && error?.message.contains(fix) == true, "\(String(describing: error))")
                #expect(server.engine.config.snapshot.client("sms", Self.clientID) == nil)
            }
            // Putting a client under the profile that does not meet it: refused, the client as it was.
            let before = try #require(server.engine.config.snapshot.client("sms", CodeFlowClient.portal.id))
            let error = await #expect(throws: AdminError.self) {
                try await server.engine.updateClient(tenantID: "sms", clientID: CodeFlowClient.portal.id, actor: "test") { $0.profile = .fapi2 }
            }
            #expect(error?.field == "auth_method")
            #expect(server.engine.config.snapshot.client("sms", CodeFlowClient.portal.id) == before)
        }
    }

    @Test func aTenantUnderTheProfilePutsEveryClientUnderIt() async throws {
        try await TestServer.with { server in
            // The demo tenant has secret-authenticated clients: refused, naming one, nothing changed.
            let error = await #expect(throws: AdminError.self) {
                try await server.engine.updateTenantPolicy("sms", actor: "test") { $0.profile = .fapi2 }
            }
            #expect(error?.field == "profile")
            #expect(error?.message.contains("does not meet fapi2") == true, "\(String(describing: error))")
            #expect(server.engine.config.snapshot.tenants["sms"]?.policy.profile == .plain)

            _ = try await server.engine.createTenant(id: "bank", actor: "test")
            try await server.engine.updateTenantPolicy("bank", actor: "test") { $0.profile = .fapi2 }
            let key = try SigningKeyPair.generate(.es256)
            var spec = ClientSpec(
                name: "Payments",
                audiences: ["https://payments.bank.example"],
                jwks: JWKSet(keys: [key.publicKey.jwk(kid: "p1")]),
                dpopBoundAccessTokens: true
            )
            let refused = await #expect(throws: AdminError.self) {
                try await server.engine.registerClient(tenantID: "bank", id: "payments", spec, actor: "test")
            }
            #expect(refused?.field == "auth_method")
            #expect(refused?.message.contains("the fapi2 profile of tenant 'bank'") == true, "\(String(describing: refused))")
            spec.authMethod = .privateKeyJWT
            let registered = try await server.engine.registerClient(tenantID: "bank", id: "payments", spec, actor: "test").client
            let snapshot = server.engine.config.snapshot
            #expect(registered.spec.profile == .plain)
            #expect(snapshot.profile(of: registered) == .fapi2)
            #expect(snapshot.requiresPushedAuthorizationRequests(registered))
            #expect(snapshot.refreshTokenRetryGrace(of: registered) == FAPI2.defaultRefreshTokenRetryGrace)
            // Discovery names only what the profile accepts (§5.3.2.1 item 1, §5.4.1).
            let discovery = try await server.get("/bank/.well-known/openid-configuration").json()
            let algs: JSONValue = .array(["PS256", "ES256", "EdDSA"])
            #expect(discovery["require_pushed_authorization_requests"] == .bool(true))
            #expect(
                discovery["token_endpoint_auth_methods_supported"] == .array(["private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth"])
            )
            for key in [
                "token_endpoint_auth_signing_alg_values_supported", "id_token_signing_alg_values_supported", "dpop_signing_alg_values_supported",
            ] {
                #expect(discovery[key] == algs, "\(key)")
            }
            #expect(try await server.get("/sms/.well-known/openid-configuration").json()["require_pushed_authorization_requests"] == .bool(false))
        }
    }
}
