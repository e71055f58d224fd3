import AuthEngine
import ClaimdeckTestSupport
import Crypto
import Foundation
import JOSE
import Testing

/// The JWT bearer grant's refusals (RFC 7523 §3.1) of the assertion itself and of its issuer.
extension JWTBearerGrantTests {
    @Test("missing assertion: 400 invalid_request")
    func missingAssertion() async throws {
        try await Self.withPartner { server, client, _ in
            expectOAuthError(try await server.tokenRequest([("grant_type", Self.grant)], basic: client), status: 400, code: "invalid_request")
        }
    }

    @Test("an assertion that is not a JWS: 400 invalid_grant")
    func notAJWS() async throws {
        try await Self.withPartner { server, client, _ in
            for junk in ["not-a-jwt", "a.b.c", String(repeating: "x", count: 9000)] {
                expectOAuthError(try await server.tokenRequest(Self.form(junk), basic: client), status: 400, code: "invalid_grant")
            }
        }
    }

    @Test("an issuer the tenant does not trust: 400 invalid_grant")
    func unknownIssuer() async throws {
        try await Self.withPartner { server, client, key in
            let assertion = try Self.assertion(key: key, iss: "https://evil.example", aud: .string(server.tokenEndpoint))
            let body = expectOAuthError(try await server.tokenRequest(Self.form(assertion), basic: client), status: 400, code: "invalid_grant")
            #expect(body["error_description"]?.stringValue?.contains("not trusted") == true)
            let noIss = try Self.assertion(key: key, iss: nil, aud: .string(server.tokenEndpoint))
            expectOAuthError(try await server.tokenRequest(Self.form(noIss), basic: client), status: 400, code: "invalid_grant")
        }
    }

    @Test("an issuer removed: its assertions are refused from then on")
    func removedIssuer() async throws {
        try await Self.withPartner { server, client, key in
            try await server.engine.removeTrustedIssuer(tenantID: "sms", issuer: Self.partner, actor: "test")
            expectOAuthError(
                try await server.tokenRequest(Self.form(try Self.assertion(key: key, aud: .string(server.tokenEndpoint))), basic: client),
                status: 400,
                code: "invalid_grant"
            )
        }
    }

    @Test("a partner's key rotated with replace: the new key works at once, the old one no longer")
    func keyRotation() async throws {
        try await Self.withPartner { server, client, oldKey in
            let newKey = try SigningKeyPair.generate(.es256)
            _ = try await server.engine.addTrustedIssuer(
                tenantID: "sms",
                TrustedIssuerSpec(
                    issuer: Self.partner,
                    jwks: JWKSet(keys: [newKey.publicKey.jwk(kid: "partner-2")]),
                    subjectMapping: .username,
                    scopes: ["sms", "status"]
                ),
                replace: true,
                actor: "test"
            )
            let fresh = try Self.assertion(key: newKey, kid: "partner-2", aud: .string(server.tokenEndpoint))
            #expect(try await server.tokenRequest(Self.form(fresh), basic: client).status == 200)
            let stale = try Self.assertion(key: oldKey, aud: .string(server.tokenEndpoint))
            expectOAuthError(try await server.tokenRequest(Self.form(stale), basic: client), status: 400, code: "invalid_grant")
            let updated = try await server.store.events(after: 0, limit: 1000, filter: AuditFilter(tenantID: "sms", type: .trustedIssuerUpdated))
            #expect(updated.count == 1)
        }
    }

    @Test("a signature by another key, or claims altered after signing: 400 invalid_grant")
    func badSignature() async throws {
        try await Self.withPartner { server, client, key in
            let impostor = try SigningKeyPair.generate(.es256)
            expectOAuthError(
                try await server.tokenRequest(Self.form(try Self.assertion(key: impostor, aud: .string(server.tokenEndpoint))), basic: client),
                status: 400,
                code: "invalid_grant"
            )
            let genuine = try Self.assertion(key: key, sub: "bob", aud: .string(server.tokenEndpoint))
            var parts = genuine.split(separator: ".").map(String.init)
            var claims = try #require(JWS.parse(genuine)?.payload)
            claims["sub"] = .string("alice")
            parts[1] = Base64URL.encode(JSONValue.object(claims).serialized())
            expectOAuthError(
                try await server.tokenRequest(Self.form(parts.joined(separator: ".")), basic: client),
                status: 400,
                code: "invalid_grant"
            )
        }
    }

    @Test("alg none, HMAC with the public key, or an algorithm the issuer does not allow: 400 invalid_grant")
    func disallowedAlgorithm() async throws {
        try await TestServer.with { server in
            let client = try await Self.registerClient(server)
            let key = try SigningKeyPair.generate(.es256)
            let edKey = try SigningKeyPair.generate(.edDSA)
            try await Self.trust(server, key: key, algorithms: [.es256], extraKeys: [edKey.publicKey.jwk(kid: "ed")])
            let edSigned = try Self.assertion(key: edKey, kid: "ed", aud: .string(server.tokenEndpoint))
            let body = expectOAuthError(try await server.tokenRequest(Self.form(edSigned), basic: client), status: 400, code: "invalid_grant")
            #expect(body["error_description"]?.stringValue?.contains("alg") == true)

            let payload: JSONValue = .object([
                "iss": .string(Self.partner), "sub": .string("alice"), "aud": .string(server.tokenEndpoint),
                "exp": .number(Double(unixNow + 60)), "jti": .string(UUID().uuidString),
            ])
            let encoded = Base64URL.encode(payload.serialized())
            let none = Base64URL.encode(Array(#"{"alg":"none","kid":"\#(Self.kid)"}"#.utf8)) + "." + encoded + "."
            expectOAuthError(try await server.tokenRequest(Self.form(none), basic: client), status: 400, code: "invalid_grant")
            let hsHeader = Base64URL.encode(Array(#"{"alg":"HS256","kid":"\#(Self.kid)"}"#.utf8))
            let jwk = key.publicKey.jwk(kid: Self.kid)
            let mac = HMAC<SHA256>.authenticationCode(
                for: Array((hsHeader + "." + encoded).utf8),
                using: SymmetricKey(data: Array((jwk.x ?? "").utf8) + Array((jwk.y ?? "").utf8))
            )
            expectOAuthError(
                try await server.tokenRequest(Self.form(hsHeader + "." + encoded + "." + Base64URL.encode(Array(mac))), basic: client),
                status: 400,
                code: "invalid_grant"
            )
        }
    }

    @Test("an expired assertion: 400 invalid_grant")
    func expired() async throws {
        try await Self.withPartner { server, client, key in
            let assertion = try Self.assertion(key: key, aud: .string(server.tokenEndpoint), exp: unixNow - 600, iat: unixNow - 660)
            let body = expectOAuthError(try await server.tokenRequest(Self.form(assertion), basic: client), status: 400, code: "invalid_grant")
            #expect(body["error_description"]?.stringValue?.contains("expired") == true)
        }
    }

    @Test("an assertion without exp, or living longer than the issuer allows: 400 invalid_grant")
    func lifetime() async throws {
        try await Self.withPartner { server, client, key in
            let noExp = try Self.assertion(key: key, aud: .string(server.tokenEndpoint), exp: nil)
            expectOAuthError(try await server.tokenRequest(Self.form(noExp), basic: client), status: 400, code: "invalid_grant")
            let longLived = try Self.assertion(key: key, aud: .string(server.tokenEndpoint), exp: unixNow + 3600)
            let body = expectOAuthError(try await server.tokenRequest(Self.form(longLived), basic: client), status: 400, code: "invalid_grant")
            #expect(body["error_description"]?.stringValue?.contains("300") == true)
        }
    }

    @Test("nbf or iat in the future beyond the clock skew: 400 invalid_grant")
    func notYetValid() async throws {
        try await Self.withPartner { server, client, key in
            let nbf = try Self.assertion(key: key, aud: .string(server.tokenEndpoint), exp: unixNow + 250, nbf: unixNow + 200)
            expectOAuthError(try await server.tokenRequest(Self.form(nbf), basic: client), status: 400, code: "invalid_grant")
            let iat = try Self.assertion(key: key, aud: .string(server.tokenEndpoint), exp: unixNow + 250, iat: unixNow + 200)
            expectOAuthError(try await server.tokenRequest(Self.form(iat), basic: client), status: 400, code: "invalid_grant")
            // Within the skew: accepted.
            let skewed = try Self.assertion(key: key, aud: .string(server.tokenEndpoint), iat: unixNow + 10, nbf: unixNow + 10)
            #expect(try await server.tokenRequest(Self.form(skewed), basic: client).status == 200)
        }
    }

    @Test("an assertion for another audience: 400 invalid_grant")
    func wrongAudience() async throws {
        try await Self.withPartner { server, client, key in
            for aud: JSONValue in [
                .string("https://other-server.example/token"), .string(server.baseURL + "/other/token"),
                .string(server.issuer + "/introspect"), .array([]), .number(1),
            ] {
                let result = try await server.tokenRequest(Self.form(try Self.assertion(key: key, aud: aud)), basic: client)
                expectOAuthError(result, status: 400, code: "invalid_grant")
            }
            expectOAuthError(
                try await server.tokenRequest(Self.form(try Self.assertion(key: key, aud: nil)), basic: client),
                status: 400,
                code: "invalid_grant"
            )
        }
    }

    @Test("a replayed assertion (same jti, even freshly signed): 400 invalid_grant")
    func replay() async throws {
        try await Self.withPartner { server, client, key in
            let assertion = try Self.assertion(key: key, aud: .string(server.tokenEndpoint))
            #expect(try await server.tokenRequest(Self.form(assertion), basic: client).status == 200)
            let body = expectOAuthError(try await server.tokenRequest(Self.form(assertion), basic: client), status: 400, code: "invalid_grant")
            #expect(body["error_description"]?.stringValue?.contains("replay") == true)
            let jti = "fixed-\(UUID().uuidString)"
            #expect(
                try await server.tokenRequest(Self.form(try Self.assertion(key: key, aud: .string(server.tokenEndpoint), jti: jti)), basic: client)
                    .status == 200
            )
            expectOAuthError(
                try await server.tokenRequest(
                    Self.form(try Self.assertion(key: key, sub: "bob", aud: .string(server.tokenEndpoint), jti: jti)),
                    basic: client
                ),
                status: 400,
                code: "invalid_grant"
            )
        }
    }

    @Test("an assertion without jti: 400 invalid_grant")
    func missingJTI() async throws {
        try await Self.withPartner { server, client, key in
            expectOAuthError(
                try await server.tokenRequest(Self.form(try Self.assertion(key: key, aud: .string(server.tokenEndpoint), jti: nil)), basic: client),
                status: 400,
                code: "invalid_grant"
            )
        }
    }

    @Test("an assertion without sub: 400 invalid_grant")
    func missingSubject() async throws {
        try await Self.withPartner { server, client, key in
            expectOAuthError(
                try await server.tokenRequest(Self.form(try Self.assertion(key: key, sub: nil, aud: .string(server.tokenEndpoint))), basic: client),
                status: 400,
                code: "invalid_grant"
            )
        }
    }

    @Test("an access token (typ at+jwt) presented as an assertion: 400 invalid_grant")
    func accessTokenAsAssertion() async throws {
        try await Self.withPartner { server, client, key in
            let typed = try Self.assertion(key: key, typ: "at+jwt", aud: .string(server.tokenEndpoint))
            expectOAuthError(try await server.tokenRequest(Self.form(typed), basic: client), status: 400, code: "invalid_grant")
        }
    }

}
