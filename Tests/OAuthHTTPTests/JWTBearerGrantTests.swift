import AuthEngine
import ClaimdeckTestSupport
import Crypto
import Foundation
import JOSE
import Testing

/// Issue #3 item 8: the JWT bearer grant (RFC 7523 §2.1) over HTTP. A partner's identity provider signs
/// an assertion about one of its users; the partner's client ("partner-gateway") trades it for an access
/// token. Every refusal of the assertion is `invalid_grant` (§3.1).
@Suite("JWT bearer grant")
struct JWTBearerGrantTests {
    static let grant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    static let partner = "https://idp.partner.example"
    static let kid = "partner-1"
    static let clientID = "partner-gateway"

    @discardableResult
    static func registerClient(
        _ server: TestServer,
        id: String = clientID,
        grants: [GrantType] = [.jwtBearer],
        scopes: [String] = ["sms", "status", "invoice-read"],
        audiences: [String] = [Audience.sms, Audience.status]
    ) async throws -> DemoClient {
        let registered = try await server.engine.registerClient(
            tenantID: "sms",
            id: id,
            ClientSpec(name: id, grantTypes: grants, scopes: scopes, audiences: audiences),
            actor: "test"
        )
        return DemoClient(id: id, secret: registered.secret ?? "", method: .clientSecretBasic)
    }

    static func trust(
        _ server: TestServer,
        key: SigningKeyPair,
        issuer: String = partner,
        kid: String = kid,
        mapping: SubjectMapping = .username,
        scopes: [String] = ["sms", "status"],
        audiences: [String] = [],
        clients: [String] = [],
        algorithms: [SigningAlgorithm] = [],
        extraKeys: [JWK] = []
    ) async throws {
        _ = try await server.engine.addTrustedIssuer(
            tenantID: "sms",
            TrustedIssuerSpec(
                issuer: issuer,
                jwks: JWKSet(keys: [key.publicKey.jwk(kid: kid)] + extraKeys),
                algorithms: algorithms,
                subjectMapping: mapping,
                scopes: scopes,
                audiences: audiences,
                clients: clients
            ),
            actor: "test"
        )
    }

    /// A partner assertion; nil leaves a claim out.
    static func assertion(
        key: SigningKeyPair,
        kid: String = kid,
        typ: String? = "JWT",
        iss: String? = partner,
        sub: String? = "alice",
        aud: JSONValue?,
        exp: Int? = unixNow + 60,
        iat: Int? = unixNow,
        nbf: Int? = nil,
        jti: String? = UUID().uuidString
    ) throws -> String {
        var claims: [String: JSONValue] = [:]
        if let iss { claims["iss"] = .string(iss) }
        if let sub { claims["sub"] = .string(sub) }
        if let aud { claims["aud"] = aud }
        if let exp { claims["exp"] = .number(Double(exp)) }
        if let iat { claims["iat"] = .number(Double(iat)) }
        if let nbf { claims["nbf"] = .number(Double(nbf)) }
        if let jti { claims["jti"] = .string(jti) }
        return try JWS.sign(headerJSON: JWS.header(for: key, kid: kid, typ: typ), payloadJSON: JSONValue.object(claims).serialized(), key: key)
    }

    static func form(_ assertion: String, _ extra: [(String, String)] = []) -> [(String, String)] {
        [("grant_type", grant), ("assertion", assertion)] + extra
    }

    /// A server with partner-gateway registered and the partner trusted with a fresh ES256 key (username mapping).
    static func withPartner(_ body: (TestServer, DemoClient, SigningKeyPair) async throws -> Void) async throws {
        try await TestServer.with { server in
            let client = try await registerClient(server)
            let key = try SigningKeyPair.generate(.es256)
            try await trust(server, key: key)
            try await body(server, client, key)
        }
    }

    @Test("an assertion about a local user gets a token for that user, within the client's and the issuer's scopes")
    func success() async throws {
        try await Self.withPartner { server, client, key in
            let assertion = try Self.assertion(key: key, aud: .string(server.tokenEndpoint))
            let result = try await server.tokenRequest(Self.form(assertion), basic: client)
            #expect(result.status == 200, "\(result)")
            #expect(result.header("Cache-Control") == "no-store")
            let body = try result.json()
            #expect(body["token_type"]?.stringValue == "Bearer")
            #expect(body["scope"]?.stringValue == "sms status")
            #expect(body["issued_token_type"] == nil)
            let token = try #require(body["access_token"]?.stringValue)
            let jws = try await server.verifiedJWS(token)
            #expect(jws.string("sub") == "u-alice")
            #expect(jws.string("client_id") == Self.clientID)
            #expect(jws.payload["aud"] == .array([.string(Audience.sms), .string(Audience.status)]))

            let issued = try await server.store.events(after: 0, limit: 1000, filter: AuditFilter(tenantID: "sms", type: .tokenIssued))
            let event = try #require(issued.first { $0.event.tokenID == jws.string("jti") })
            #expect(event.event.details["grant_type"] == Self.grant)
            #expect(event.event.details["assertion_iss"] == Self.partner)
            #expect(event.event.subject == "u-alice")
            let everything = String(
                decoding: try JSONEncoder().encode(try await server.store.events(after: 0, limit: 10_000, filter: AuditFilter())),
                as: UTF8.self
            )
            #expect(!everything.contains(assertion) && !everything.contains(token))

            // aud: the tenant's issuer, in an array; a narrower scope and one audience on request.
            let byIssuer = try await server.tokenRequest(
                Self.form(
                    try Self.assertion(key: key, aud: .array([.string(server.issuer)])),
                    [("scope", "status"), ("audience", Audience.status)]
                ),
                basic: client
            )
            #expect(byIssuer.status == 200, "\(byIssuer)")
            let narrow = try await server.verifiedJWS(try #require(try byIssuer.json()["access_token"]?.stringValue))
            #expect(narrow.string("scope") == "status" && narrow.string("aud") == Audience.status)
        }
    }

    @Test("each subject mapping: user id, username, user attribute, pass-through with a prefix")
    func subjectMappings() async throws {
        try await TestServer.with { server in
            let client = try await Self.registerClient(server)
            let key = try SigningKeyPair.generate(.es256)
            let cases: [(issuer: String, mapping: SubjectMapping, sub: String, expected: String)] = [
                ("https://ids.example/by-id", .userID, "u-bob", "u-bob"),
                ("https://ids.example/by-username", .username, "alice", "u-alice"),
                ("https://ids.example/by-email", .userAttribute(path: "email"), "carol@example.com", "u-carol"),
                ("https://ids.example/by-account", .userAttribute(path: "account.number"), "1002-17", "u-bob"),
                ("https://ids.example/pass-through", .passThrough(prefix: "acme|"), "P-77", "acme|P-77"),
            ]
            for c in cases {
                try await Self.trust(server, key: key, issuer: c.issuer, mapping: c.mapping)
                let result = try await server.tokenRequest(
                    Self.form(try Self.assertion(key: key, iss: c.issuer, sub: c.sub, aud: .string(server.tokenEndpoint))),
                    basic: client
                )
                #expect(result.status == 200, "\(c.mapping): \(result)")
                let jws = try await server.verifiedJWS(try #require(try result.json()["access_token"]?.stringValue))
                #expect(jws.string("sub") == c.expected, "\(c.mapping)")
            }
        }
    }

    @Test("partner keys of every supported algorithm", arguments: [SigningAlgorithm.rs256, .edDSA])
    func algorithms(algorithm: SigningAlgorithm) async throws {
        try await TestServer.with { server in
            let client = try await Self.registerClient(server)
            let key = try SigningKeyPair.generate(algorithm)
            try await Self.trust(server, key: key)
            let result = try await server.tokenRequest(Self.form(try Self.assertion(key: key, aud: .string(server.tokenEndpoint))), basic: client)
            #expect(result.status == 200, "\(result)")
        }
    }

    @Test("a partner key given as PEM verifies its assertions")
    func pemKey() async throws {
        try await TestServer.with { server in
            let client = try await Self.registerClient(server)
            let key = try SigningKeyPair.generate(.es256)
            let jwk = key.publicKey.jwk(kid: "unused")
            let point = [0x04] + [UInt8](try #require(Base64URL.decode(jwk.x ?? ""))) + [UInt8](try #require(Base64URL.decode(jwk.y ?? "")))
            let pem = try P256.Signing.PublicKey(x963Representation: point).pemRepresentation
            let keys = try TrustedIssuerSpec.keySet(from: pem, field: "key", kid: "pem-key")
            #expect(keys.keys.first?.kid == "pem-key")
            _ = try await server.engine.addTrustedIssuer(
                tenantID: "sms",
                TrustedIssuerSpec(issuer: Self.partner, jwks: keys, subjectMapping: .username, scopes: ["sms"]),
                actor: "test"
            )
            let result = try await server.tokenRequest(
                Self.form(try Self.assertion(key: key, kid: "pem-key", aud: .string(server.tokenEndpoint))),
                basic: client
            )
            #expect(result.status == 200, "\(result)")
        }
    }

    @Test("a user's token from an assertion can be exchanged downstream, keeping the user as sub")
    func exchangeAfterAssertion() async throws {
        try await Self.withPartner { server, client, key in
            let issued = try await server.tokenRequest(
                Self.form(
                    try Self.assertion(key: key, aud: .string(server.tokenEndpoint)),
                    [("audience", Audience.sms)]
                ),
                basic: client
            )
            let userToken = try #require(try issued.json()["access_token"]?.stringValue)
            let api = try await TokenExchangeTests.registerAPI(server, id: "sms-api", scopes: ["sms"], subjectAudiences: [Audience.sms])
            let exchanged = try await server.tokenRequest(TokenExchangeTests.form(userToken, [("audience", TokenExchangeTests.ledger)]), basic: api)
            #expect(exchanged.status == 200, "\(exchanged)")
            let jws = try await server.verifiedJWS(try #require(try exchanged.json()["access_token"]?.stringValue))
            #expect(jws.string("sub") == "u-alice")
            #expect(jws.payload["act"] == .object(["sub": .string("sms-api")]))
        }
    }
}
