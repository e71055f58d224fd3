import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// RFC 7591 dynamic client registration at /sms/register, protected by an initial access token.
@Suite("dynamic registration")
struct DynamicRegistrationTests {
    static func register(_ server: TestServer, token: String?, body: String, contentType: String = "application/json") async throws -> HTTPResult {
        var headers = [("Content-Type", contentType)]
        if let token { headers.append(("Authorization", "Bearer " + token)) }
        return try await server.send(.POST, "/sms/register", body: Array(body.utf8), headers: headers)
    }

    static func initialAccessToken(_ server: TestServer, uses: Int = 5) async throws -> String {
        try await server.engine.createRegistrationToken(tenantID: "sms", lifetime: 3600, uses: uses, actor: "test").token
    }

    @Test("with an initial access token: 201 with client_id and client_secret, and the client gets a token")
    func registersAndUses() async throws {
        try await TestServer.with { server in
            let iat = try await Self.initialAccessToken(server)
            let result = try await Self.register(
                server,
                token: iat,
                body: #"""
                    {"client_name": "Reporting job", "scope": "status", "grant_types": ["client_credentials"],
                     "token_endpoint_auth_method": "client_secret_basic"}
                    """#
            )
            #expect(result.status == 201, "\(result)")
            #expect(result.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(result.header("Cache-Control") == "no-store")
            let body = try result.json()
            let clientID = try #require(body["client_id"]?.stringValue)
            let secret = try #require(body["client_secret"]?.stringValue)
            // RFC 7591 §3.2.1: client_secret_expires_at is required with a secret (0: never).
            #expect(body["client_secret_expires_at"]?.intValue == 0)
            #expect(body["client_name"]?.stringValue == "Reporting job")
            #expect(body["token_endpoint_auth_method"]?.stringValue == "client_secret_basic")
            #expect(body["grant_types"]?.arrayValue?.compactMap(\.stringValue) == ["client_credentials"])
            #expect(body["scope"]?.stringValue == "status")
            #expect(
                abs((body["client_id_issued_at"]?.intValue ?? 0) - unixNow) <= 60,
                "issued within the test's minute (a loaded CI machine can be slow)"
            )
            // 256-bit secret.
            #expect(secret.utf8.count >= 43)

            let client = DemoClient(id: clientID, secret: secret, method: .clientSecretBasic)
            let token = try await server.accessToken(client)
            let jws = try await server.verifiedJWS(token)
            #expect(jws.string("client_id") == clientID)
            #expect(jws.string("scope") == "status")
            #expect(jws.string("aud") == Audience.status)
            // The engine knows it, and it is stored with its secret as a hash only.
            let stored = try server.engine.client(tenantID: "sms", clientID: clientID)
            #expect(stored.secretDigest != nil)
            #expect(stored.secretDigest != Data(secret.utf8))
        }
    }

    @Test("client_secret_post and opaque tokens on request")
    func registersPostOpaque() async throws {
        try await TestServer.with { server in
            let iat = try await Self.initialAccessToken(server)
            let result = try await Self.register(
                server,
                token: iat,
                body: #"""
                    {"client_name": "Partner two", "scope": "sms", "token_endpoint_auth_method": "client_secret_post",
                     "access_token_format": "opaque", "audiences": ["https://api.sms.example/sms"]}
                    """#
            )
            #expect(result.status == 201, "\(result)")
            let body = try result.json()
            let client = DemoClient(
                id: try #require(body["client_id"]?.stringValue),
                secret: try #require(body["client_secret"]?.stringValue),
                method: .clientSecretPost
            )
            let token = try await server.accessToken(client)
            #expect(JWS.parse(token) == nil)
            #expect(try await server.isActive(token))
        }
    }

    @Test("tls_client_auth metadata (RFC 8705 section 2.1.2): stored, answered, no secret; without a certificate the client cannot authenticate")
    func registersTLSClientAuth() async throws {
        try await TestServer.with { server in
            let iat = try await Self.initialAccessToken(server)
            let result = try await Self.register(
                server,
                token: iat,
                body: #"""
                    {"client_name": "mTLS job", "scope": "status", "grant_types": ["client_credentials"],
                     "token_endpoint_auth_method": "tls_client_auth", "tls_client_auth_san_dns": "job.example",
                     "tls_client_certificate_bound_access_tokens": true}
                    """#
            )
            #expect(result.status == 201, "\(result)")
            let body = try result.json()
            #expect(body["token_endpoint_auth_method"]?.stringValue == "tls_client_auth")
            #expect(body["tls_client_auth_san_dns"]?.stringValue == "job.example")
            #expect(body["tls_client_certificate_bound_access_tokens"] == .bool(true))
            #expect(body["client_secret"] == nil, "a certificate is its credential")
            let id = try #require(body["client_id"]?.stringValue)
            let stored = try #require(server.engine.clients(tenantID: "sms").first { $0.id == id })
            #expect(stored.tlsClientAuthSANDNS == "job.example" && stored.tlsClientCertificateBoundAccessTokens)
            let refused = try await server.tokenRequest([("grant_type", "client_credentials"), ("client_id", id)])
            expectOAuthError(refused, status: 401, code: "invalid_client")
        }
    }

    @Test("dpop_bound_access_tokens (RFC 9449) and require_pushed_authorization_requests (RFC 9126) metadata: stored and in force")
    func registersDPoPBoundAndPARRequired() async throws {
        try await TestServer.with { server in
            let iat = try await Self.initialAccessToken(server)
            let result = try await Self.register(
                server,
                token: iat,
                body: #"""
                    {"client_name": "Bound job", "scope": "status", "grant_types": ["client_credentials"],
                     "dpop_bound_access_tokens": true, "require_pushed_authorization_requests": true}
                    """#
            )
            #expect(result.status == 201, "\(result)")
            let body = try result.json()
            #expect(body["dpop_bound_access_tokens"] == .bool(true))
            #expect(body["require_pushed_authorization_requests"] == .bool(true))
            let client = DemoClient(
                id: try #require(body["client_id"]?.stringValue),
                secret: try #require(body["client_secret"]?.stringValue),
                method: .clientSecretBasic
            )
            let refused = try await server.tokenRequest([("grant_type", "client_credentials")], basic: client)
            expectOAuthError(refused, status: 400, code: "invalid_dpop_proof", mentioning: "must send a DPoP proof")
            let key = try DPoPKey()
            let bound = try await server.tokenRequest(
                [("grant_type", "client_credentials")],
                basic: client,
                headers: [("DPoP", try key.proof(htu: server.tokenEndpoint))]
            )
            #expect(try bound.json()["token_type"]?.stringValue == "DPoP", "\(bound)")
        }
    }

    @Test("private_key_jwt with a jwks: no secret issued")
    func registersPrivateKeyJWT() async throws {
        try await TestServer.with { server in
            let iat = try await Self.initialAccessToken(server)
            let key = try SigningKeyPair.generate(.es256)
            let jwks = String(decoding: try JSONEncoder().encode(JWKSet(keys: [key.publicKey.jwk(kid: "k1")])), as: UTF8.self)
            let result = try await Self.register(
                server,
                token: iat,
                body: """
                    {"client_name": "Signer", "scope": "status", "token_endpoint_auth_method": "private_key_jwt", "jwks": \(jwks)}
                    """
            )
            #expect(result.status == 201, "\(result)")
            let body = try result.json()
            #expect(body["client_secret"] == nil)
            let clientID = try #require(body["client_id"]?.stringValue)
            let assertion = try PrivateKeyJWTTests.assertion(key: key, kid: "k1", iss: clientID, sub: clientID, aud: .string(server.tokenEndpoint))
            let token = try await server.tokenRequest(PrivateKeyJWTTests.form(assertion))
            #expect(token.status == 200, "\(token)")
        }
    }

    @Test("no initial access token, or a bad one: 401 with WWW-Authenticate")
    func missingOrBadToken() async throws {
        try await TestServer.with { server in
            let body = #"{"client_name": "x", "scope": "status"}"#
            expectOAuthError(try await Self.register(server, token: nil, body: body), status: 401, code: "invalid_token")
            let real = try await Self.initialAccessToken(server)
            for bad in ["nonsense", "cdi_", "cdi_" + String(repeating: "0", count: 70), String(real.dropLast()) + (real.hasSuffix("A") ? "B" : "A")] {
                let result = try await Self.register(server, token: bad, body: body)
                expectOAuthError(result, status: 401, code: "invalid_token")
                #expect(result.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            }
            // Basic is not a bearer token.
            let basic = try await server.send(
                .POST,
                "/sms/register",
                body: Array(body.utf8),
                headers: [
                    ("Content-Type", "application/json"), ("Authorization", DemoClient.billing.basicAuthorization),
                ]
            )
            expectOAuthError(basic, status: 401, code: "invalid_token")
            // Nothing was registered.
            #expect(try server.engine.clients(tenantID: "sms").count == 7)
        }
    }

    @Test("a used-up initial access token: 401")
    func usedUpToken() async throws {
        try await TestServer.with { server in
            let iat = try await Self.initialAccessToken(server, uses: 1)
            let body = #"{"client_name": "once", "scope": "status"}"#
            #expect(try await Self.register(server, token: iat, body: body).status == 201)
            expectOAuthError(try await Self.register(server, token: iat, body: body), status: 401, code: "invalid_token")
            #expect(try server.engine.clients(tenantID: "sms").count == 8)
        }
    }

    @Test("a refused registration does not use the initial access token up")
    func refusalKeepsUses() async throws {
        try await TestServer.with { server in
            let iat = try await Self.initialAccessToken(server, uses: 1)
            expectOAuthError(
                try await Self.register(server, token: iat, body: #"{"scope": "no-such-scope"}"#),
                status: 400,
                code: "invalid_client_metadata"
            )
            #expect(try await Self.register(server, token: iat, body: #"{"scope": "status"}"#).status == 201)
        }
    }

    @Test(
        "invalid metadata: 400 invalid_client_metadata",
        arguments: [
            "not json",
            "[1, 2]",
            "",
            #"{"scope": "no-such-scope"}"#,
            #"{"scope": "status", "token_endpoint_auth_method": "client_secret_jwt"}"#,
            #"{"scope": "status", "token_endpoint_auth_method": "magic"}"#,
            #"{"scope": "status", "jwks_uri": "https://client.example/jwks"}"#,
            #"{"scope": "status", "token_endpoint_auth_method": "private_key_jwt"}"#,
            #"{"scope": "status", "token_endpoint_auth_method": "private_key_jwt", "jwks": {"keys": [{"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"}]}}"#,
            #"{"scope": "status", "grant_types": ["password"]}"#,
            #"{"scope": 7}"#,
            #"{"scope": "status", "access_token_format": "paper"}"#,
            #"{"scope": "status", "client_name": ""}"#,
            #"{"scope": "status", "dpop_bound_access_tokens": "yes"}"#,
            #"{"scope": "status", "require_pushed_authorization_requests": 1}"#,
            #"{"scope": "status", "token_endpoint_auth_method": "tls_client_auth"}"#,
            #"{"scope": "status", "token_endpoint_auth_method": "tls_client_auth", "tls_client_auth_san_ip": "nope"}"#,
            #"{"scope": "status", "token_endpoint_auth_method": "tls_client_auth", "tls_client_auth_subject_dn": "CN=a", "tls_client_auth_san_dns": "a"}"#,
            #"{"scope": "status", "tls_client_auth_san_dns": "a.example"}"#,
            #"{"scope": "status", "token_endpoint_auth_method": "self_signed_tls_client_auth"}"#,
            #"{"scope": "status", "tls_client_certificate_bound_access_tokens": "yes"}"#,
        ]
    )
    func invalidMetadata(body: String) async throws {
        try await TestServer.with { server in
            let iat = try await Self.initialAccessToken(server)
            let result = try await Self.register(server, token: iat, body: body)
            expectOAuthError(result, status: 400, code: "invalid_client_metadata")
            #expect(try server.engine.clients(tenantID: "sms").count == 7)
        }
    }

    @Test("not application/json: 400")
    func wrongContentType() async throws {
        try await TestServer.with { server in
            let iat = try await Self.initialAccessToken(server)
            let result = try await Self.register(server, token: iat, body: "client_name=x", contentType: "application/x-www-form-urlencoded")
            #expect(result.status == 400, "\(result)")
            #expect(try result.json()["error"] != nil)
        }
    }

    @Test(
        "a bad redirect_uri: 400 invalid_redirect_uri",
        arguments: [
            "http://evil.example/callback",  // http on a non-loopback host
            "https://client.example/cb#fragment",
            "not a uri",
            "/relative/path",
        ]
    )
    func invalidRedirectURI(uri: String) async throws {
        try await TestServer.with { server in
            let iat = try await Self.initialAccessToken(server)
            let body = String(
                decoding: JSONValue.object([
                    "scope": "status", "grant_types": .array(["client_credentials"]), "redirect_uris": .array([.string(uri)]),
                ]).serialized(),
                as: UTF8.self
            )
            let result = try await Self.register(server, token: iat, body: body)
            expectOAuthError(result, status: 400, code: "invalid_redirect_uri")
        }
    }

    @Test("a single-use initial access token used by concurrent requests registers exactly one client")
    func singleUseUnderConcurrency() async throws {
        try await TestServer.with { server in
            let iat = try await Self.initialAccessToken(server, uses: 1)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<8 {
                    group.addTask { try await Self.register(server, token: iat, body: #"{"client_name": "racer \#(i)", "scope": "status"}"#).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 201 }.count == 1, "statuses: \(statuses.sorted())")
            #expect(statuses.filter { $0 == 401 }.count == 7, "statuses: \(statuses.sorted())")
            #expect(try server.engine.clients(tenantID: "sms").count == 8)
        }
    }
}
