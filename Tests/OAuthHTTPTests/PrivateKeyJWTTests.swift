import AuthEngine
import ClaimdeckTestSupport
import Crypto
import Foundation
import JOSE
import Testing

/// private_key_jwt client authentication (RFC 7523 §2.2 and §3) over HTTP.
@Suite("private_key_jwt")
struct PrivateKeyJWTTests {
    static let clientID = "signing-service"
    static let kid = "signing-service-1"
    static let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

    /// Registers a confidential client authenticating with `key`'s public half.
    /// A server with a private_key_jwt client registered for a fresh ES256 key.
    static func withRegisteredKey(_ body: (TestServer, SigningKeyPair) async throws -> Void) async throws {
        try await TestServer.with { server in
            let key = try SigningKeyPair.generate(.es256)
            try await register(server, key: key)
            try await body(server, key)
        }
    }

    static func register(_ server: TestServer, key: SigningKeyPair, id: String = clientID, kid: String = kid) async throws {
        let spec = ClientSpec(
            name: "Signing service",
            authMethod: .privateKeyJWT,
            scopes: ["status"],
            audiences: [Audience.status],
            jwks: JWKSet(keys: [key.publicKey.jwk(kid: kid)])
        )
        let registered = try await server.engine.registerClient(tenantID: "sms", id: id, spec, actor: "test")
        #expect(registered.secret == nil, "a private_key_jwt client gets no secret")
    }

    /// A client assertion: iss = sub = client id, aud, exp, iat, jti.
    static func assertion(
        key: SigningKeyPair,
        kid: String = kid,
        iss: String = clientID,
        sub: String = clientID,
        aud: JSONValue,
        iat: Int = unixNow,
        exp: Int? = nil,
        jti: String = UUID().uuidString
    ) throws -> String {
        let payload: JSONValue = .object([
            "iss": .string(iss), "sub": .string(sub), "aud": aud,
            "exp": .number(Double(exp ?? iat + 120)), "iat": .number(Double(iat)), "jti": .string(jti),
        ])
        return try JWS.sign(headerJSON: JWS.header(for: key, kid: kid), payloadJSON: payload.serialized(), key: key)
    }

    static func form(_ assertion: String, clientID: String? = nil) -> [(String, String)] {
        var form = [("grant_type", "client_credentials"), ("client_assertion_type", assertionType), ("client_assertion", assertion)]
        if let clientID { form.append(("client_id", clientID)) }
        return form
    }

    @Test("an assertion signed with the registered key gets a token", arguments: [SigningAlgorithm.es256, .edDSA])
    func success(algorithm: SigningAlgorithm) async throws {
        try await TestServer.with { server in
            let key = try SigningKeyPair.generate(algorithm)
            try await Self.register(server, key: key)
            // aud: the token endpoint URL (RFC 7523 §3 point 3).
            let byEndpoint = try await server.tokenRequest(Self.form(try Self.assertion(key: key, aud: .string(server.tokenEndpoint))))
            #expect(byEndpoint.status == 200, "\(byEndpoint)")
            let token = try #require(try byEndpoint.json()["access_token"]?.stringValue)
            let jws = try await server.verifiedJWS(token)
            #expect(jws.string("client_id") == Self.clientID)
            #expect(jws.string("sub") == Self.clientID)
            #expect(jws.string("scope") == "status")
            // aud: the issuer, inside an array; with the optional client_id parameter.
            let byIssuer = try await server.tokenRequest(
                Self.form(
                    try Self.assertion(key: key, aud: .array([.string(server.issuer)])),
                    clientID: Self.clientID
                )
            )
            #expect(byIssuer.status == 200, "\(byIssuer)")
        }
    }

    @Test("a replayed assertion (same jti): 401 invalid_client")
    func replay() async throws {
        try await Self.withRegisteredKey { server, key in
            let assertion = try Self.assertion(key: key, aud: .string(server.tokenEndpoint))
            #expect(try await server.tokenRequest(Self.form(assertion)).status == 200)
            expectOAuthError(try await server.tokenRequest(Self.form(assertion)), status: 401, code: "invalid_client")
            // Same jti in a freshly signed assertion: still a replay.
            let jti = "fixed-jti-\(UUID().uuidString)"
            #expect(
                try await server.tokenRequest(Self.form(try Self.assertion(key: key, aud: .string(server.tokenEndpoint), jti: jti))).status == 200
            )
            let again = try await server.tokenRequest(Self.form(try Self.assertion(key: key, aud: .string(server.tokenEndpoint), jti: jti)))
            expectOAuthError(again, status: 401, code: "invalid_client")
        }
    }

    @Test("an expired assertion: 401 invalid_client")
    func expired() async throws {
        try await Self.withRegisteredKey { server, key in
            let result = try await server.tokenRequest(
                Self.form(try Self.assertion(key: key, aud: .string(server.tokenEndpoint), exp: unixNow - 600))
            )
            expectOAuthError(result, status: 401, code: "invalid_client")
        }
    }

    @Test("an assertion signed by another key: 401 invalid_client")
    func wrongSignature() async throws {
        try await Self.withRegisteredKey { server, key in
            let impostor = try SigningKeyPair.generate(.es256)
            let forged = try Self.assertion(key: impostor, aud: .string(server.tokenEndpoint))
            expectOAuthError(try await server.tokenRequest(Self.form(forged)), status: 401, code: "invalid_client")
            // A valid signature with the claims changed afterwards.
            let genuine = try Self.assertion(key: key, aud: .string(server.tokenEndpoint))
            let parts = genuine.split(separator: ".").map(String.init)
            let otherPayload = JSONValue.object([
                "iss": .string(Self.clientID), "sub": .string(Self.clientID),
                "aud": .string(server.tokenEndpoint), "exp": .number(Double(unixNow + 100)),
                "jti": .string("tampered"),
            ])
            let tampered = parts[0] + "." + Base64URL.encode(otherPayload.serialized()) + "." + parts[2]
            expectOAuthError(try await server.tokenRequest(Self.form(tampered)), status: 401, code: "invalid_client")
            // Not a JWS at all.
            expectOAuthError(try await server.tokenRequest(Self.form("not-a-jwt")), status: 401, code: "invalid_client")
        }
    }

    @Test("an assertion for another audience: 401 invalid_client")
    func wrongAudience() async throws {
        try await Self.withRegisteredKey { server, key in
            for aud in ["https://other-server.example/token", server.baseURL + "/other/token", server.issuer + "/introspect"] {
                let result = try await server.tokenRequest(Self.form(try Self.assertion(key: key, aud: .string(aud))))
                expectOAuthError(result, status: 401, code: "invalid_client")
            }
        }
    }

    @Test("iss different from sub, or client_id different from sub: 401 invalid_client")
    func mismatchedIdentity() async throws {
        try await Self.withRegisteredKey { server, key in
            let issMismatch = try Self.assertion(key: key, iss: "billing-service", aud: .string(server.tokenEndpoint))
            expectOAuthError(try await server.tokenRequest(Self.form(issMismatch)), status: 401, code: "invalid_client")
            let good = try Self.assertion(key: key, aud: .string(server.tokenEndpoint))
            expectOAuthError(try await server.tokenRequest(Self.form(good, clientID: "billing-service")), status: 401, code: "invalid_client")
        }
    }

    @Test("a secret client cannot authenticate with an assertion, nor the assertion client with a secret")
    func methodMismatch() async throws {
        try await Self.withRegisteredKey { server, key in
            // An assertion naming billing-service, signed by a key billing-service never registered.
            let claimsBilling = try Self.assertion(key: key, iss: "billing-service", sub: "billing-service", aud: .string(server.tokenEndpoint))
            expectOAuthError(try await server.tokenRequest(Self.form(claimsBilling)), status: 401, code: "invalid_client")
            let withSecret = try await server.tokenRequest(
                [("grant_type", "client_credentials")],
                basic: DemoClient(id: Self.clientID, secret: "guess", method: .clientSecretBasic)
            )
            expectOAuthError(withSecret, status: 401, code: "invalid_client")
        }
    }

    @Test("a wrong client_assertion_type: 401 invalid_client")
    func wrongAssertionType() async throws {
        try await Self.withRegisteredKey { server, key in
            let assertion = try Self.assertion(key: key, aud: .string(server.tokenEndpoint))
            let result = try await server.tokenRequest([
                ("grant_type", "client_credentials"),
                ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"),
                ("client_assertion", assertion),
            ])
            expectOAuthError(result, status: 401, code: "invalid_client")
        }
    }

    @Test("one assertion sent by concurrent requests is accepted exactly once")
    func replayUnderConcurrency() async throws {
        try await Self.withRegisteredKey { server, key in
            let assertion = try Self.assertion(key: key, aud: .string(server.tokenEndpoint))
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 { group.addTask { try await server.tokenRequest(Self.form(assertion)).status } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.sorted() == [200] + Array(repeating: 401, count: 7))
        }
    }

    @Test("an assertion that lives too long, or has no jti: 401 invalid_client")
    func lifetimeAndJTI() async throws {
        try await Self.withRegisteredKey { server, key in
            let longLived = try Self.assertion(key: key, aud: .string(server.tokenEndpoint), exp: unixNow + 86_400)
            expectOAuthError(try await server.tokenRequest(Self.form(longLived)), status: 401, code: "invalid_client")
            let payload: JSONValue = .object([
                "iss": .string(Self.clientID), "sub": .string(Self.clientID),
                "aud": .string(server.tokenEndpoint), "exp": .number(Double(unixNow + 60)),
            ])
            let noJTI = try JWS.sign(headerJSON: JWS.header(for: key, kid: Self.kid), payloadJSON: payload.serialized(), key: key)
            expectOAuthError(try await server.tokenRequest(Self.form(noJTI)), status: 401, code: "invalid_client")
            let noExp: JSONValue = .object([
                "iss": .string(Self.clientID), "sub": .string(Self.clientID),
                "aud": .string(server.tokenEndpoint), "jti": .string(UUID().uuidString),
            ])
            let unbounded = try JWS.sign(headerJSON: JWS.header(for: key, kid: Self.kid), payloadJSON: noExp.serialized(), key: key)
            expectOAuthError(try await server.tokenRequest(Self.form(unbounded)), status: 401, code: "invalid_client")
        }
    }

    @Test("alg none and HMAC keyed with the public key (algorithm confusion): 401 invalid_client")
    func algorithmConfusion() async throws {
        try await Self.withRegisteredKey { server, key in
            let payload: JSONValue = .object([
                "iss": .string(Self.clientID), "sub": .string(Self.clientID), "aud": .string(server.tokenEndpoint),
                "exp": .number(Double(unixNow + 60)), "jti": .string(UUID().uuidString),
            ])
            let body = Base64URL.encode(payload.serialized())
            let none = Base64URL.encode(Array(#"{"alg":"none","kid":"\#(Self.kid)"}"#.utf8)) + "." + body + "."
            expectOAuthError(try await server.tokenRequest(Self.form(none)), status: 401, code: "invalid_client")
            let hsHeader = Base64URL.encode(Array(#"{"alg":"HS256","kid":"\#(Self.kid)"}"#.utf8))
            let jwk = key.publicKey.jwk(kid: Self.kid)
            let hmacKey = SymmetricKey(data: Array((jwk.x ?? "").utf8) + Array((jwk.y ?? "").utf8))
            let mac = HMAC<SHA256>.authenticationCode(for: Array((hsHeader + "." + body).utf8), using: hmacKey)
            let hs = hsHeader + "." + body + "." + Base64URL.encode(Array(mac))
            expectOAuthError(try await server.tokenRequest(Self.form(hs)), status: 401, code: "invalid_client")
        }
    }
}
