import AuthEngine
import ClaimdeckTestSupport
import Crypto
import Foundation
import JOSE
import Testing

/// The JWT bearer grant's refusals (RFC 7523 §3.1), each rule an assertion, an issuer or a client can break;
/// then the validation of trusted-issuer input.
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

    @Test("a sub that maps to no local user: 400 invalid_grant, without quoting the sub")
    func unmappedUser() async throws {
        try await Self.withPartner { server, client, key in
            let sub = "nobody-\(UUID().uuidString)"
            let body = expectOAuthError(
                try await server.tokenRequest(
                    Self.form(try Self.assertion(key: key, sub: sub, aud: .string(server.tokenEndpoint))),
                    basic: client
                ),
                status: 400,
                code: "invalid_grant"
            )
            #expect(body["error_description"]?.stringValue?.contains(sub) == false)
        }
    }

    @Test("a sub that maps to a disabled user: 400 invalid_grant")
    func disabledUser() async throws {
        try await Self.withPartner { server, client, key in
            _ = try await server.engine.setUserDisabled(tenantID: "sms", "alice", disabled: true, actor: "test")
            let body = expectOAuthError(
                try await server.tokenRequest(Self.form(try Self.assertion(key: key, aud: .string(server.tokenEndpoint))), basic: client),
                status: 400,
                code: "invalid_grant"
            )
            #expect(body["error_description"]?.stringValue?.contains("disabled") == true)
        }
    }

    @Test("a pass-through subject naming a local user or client: 400 invalid_grant")
    func passThroughImpersonation() async throws {
        try await TestServer.with { server in
            let client = try await Self.registerClient(server)
            let key = try SigningKeyPair.generate(.es256)
            try await Self.trust(server, key: key, mapping: .passThrough(prefix: ""))
            for sub in ["u-alice", "billing-service"] {
                expectOAuthError(
                    try await server.tokenRequest(
                        Self.form(try Self.assertion(key: key, sub: sub, aud: .string(server.tokenEndpoint))),
                        basic: client
                    ),
                    status: 400,
                    code: "invalid_grant"
                )
            }
            #expect(
                try await server.tokenRequest(
                    Self.form(try Self.assertion(key: key, sub: "partner-user-1", aud: .string(server.tokenEndpoint))),
                    basic: client
                ).status == 200
            )
        }
    }

    @Test("a scope outside the issuer's or the client's: 400 invalid_scope")
    func scopeWidening() async throws {
        try await Self.withPartner { server, client, key in
            // The client may have invoice-read, the issuer may not grant it.
            let outsideIssuer = try await server.tokenRequest(
                Self.form(
                    try Self.assertion(key: key, aud: .string(server.tokenEndpoint)),
                    [("scope", "sms invoice-read")]
                ),
                basic: client
            )
            expectOAuthError(outsideIssuer, status: 400, code: "invalid_scope")
            let outsideClient = try await server.tokenRequest(
                Self.form(
                    try Self.assertion(key: key, aud: .string(server.tokenEndpoint)),
                    [("scope", "invoice-write")]
                ),
                basic: client
            )
            expectOAuthError(outsideClient, status: 400, code: "invalid_scope")
        }
    }

    @Test("an audience outside the issuer's or the client's: 400 invalid_target")
    func disallowedAudience() async throws {
        try await TestServer.with { server in
            let client = try await Self.registerClient(server)
            let key = try SigningKeyPair.generate(.es256)
            try await Self.trust(server, key: key, audiences: [Audience.sms])
            let outsideIssuer = try await server.tokenRequest(
                Self.form(
                    try Self.assertion(key: key, aud: .string(server.tokenEndpoint)),
                    [("audience", Audience.status)]
                ),
                basic: client
            )
            expectOAuthError(outsideIssuer, status: 400, code: "invalid_target")
            let outsideClient = try await server.tokenRequest(
                Self.form(
                    try Self.assertion(key: key, aud: .string(server.tokenEndpoint)),
                    [("resource", Audience.invoices)]
                ),
                basic: client
            )
            expectOAuthError(outsideClient, status: 400, code: "invalid_target")
            // Nothing requested: what both allow.
            let both = try await server.tokenRequest(Self.form(try Self.assertion(key: key, aud: .string(server.tokenEndpoint))), basic: client)
            #expect(try await server.verifiedJWS(try #require(try both.json()["access_token"]?.stringValue)).string("aud") == Audience.sms)
        }
    }

    @Test("a client the issuer is not bound to: 400 invalid_grant")
    func clientNotBoundToIssuer() async throws {
        try await TestServer.with { server in
            let bound = try await Self.registerClient(server)
            let other = try await Self.registerClient(server, id: "other-gateway")
            let key = try SigningKeyPair.generate(.es256)
            try await Self.trust(server, key: key, clients: [bound.id])
            expectOAuthError(
                try await server.tokenRequest(Self.form(try Self.assertion(key: key, aud: .string(server.tokenEndpoint))), basic: other),
                status: 400,
                code: "invalid_grant"
            )
            #expect(
                try await server.tokenRequest(Self.form(try Self.assertion(key: key, aud: .string(server.tokenEndpoint))), basic: bound).status == 200
            )
        }
    }

    @Test("a client not allowed the grant: 400 unauthorized_client")
    func unauthorizedClient() async throws {
        try await Self.withPartner { server, _, key in
            expectOAuthError(
                try await server.tokenRequest(Self.form(try Self.assertion(key: key, aud: .string(server.tokenEndpoint))), basic: .billing),
                status: 400,
                code: "unauthorized_client"
            )
        }
    }

    @Test("an assertion without client authentication: 401 invalid_client")
    func unauthenticated() async throws {
        try await Self.withPartner { server, client, key in
            let assertion = try Self.assertion(key: key, aud: .string(server.tokenEndpoint))
            expectOAuthError(try await server.tokenRequest(Self.form(assertion)), status: 401, code: "invalid_client")
            expectOAuthError(
                try await server.tokenRequest(Self.form(assertion), basic: client.withSecret("wrong")),
                status: 401,
                code: "invalid_client"
            )
        }
    }

    @Test("a refusal is audited as token.refused with its reason, without the assertion; nothing of it is logged")
    func refusalAuditedNotLogged() async throws {
        let logs = LogCapture()
        try await TestServer.with(logs: logs) { server in
            let client = try await Self.registerClient(server)
            let key = try SigningKeyPair.generate(.es256)
            try await Self.trust(server, key: key)
            let assertion = try Self.assertion(key: key, aud: .string(server.tokenEndpoint), exp: unixNow - 600)
            _ = try await server.tokenRequest(Self.form(assertion), basic: client)
            let refused = try await server.store.events(after: 0, limit: 1000, filter: AuditFilter(tenantID: "sms", type: .tokenRefused))
            let event = try #require(refused.last)
            #expect(event.event.reason == "invalid_grant" && event.event.clientID == client.id)
            #expect(event.event.details["grant_type"] == Self.grant)
            #expect(!String(decoding: try JSONEncoder().encode(refused), as: UTF8.self).contains(assertion))
            let signature = String(assertion.split(separator: ".")[2])
            #expect(!logs.all.contains { $0.contains(signature) })
        }
    }

    @Test("trusted issuer input is validated and names the field")
    func issuerValidation() async throws {
        try await TestServer.with { server in
            let key = try SigningKeyPair.generate(.es256)
            let good = TrustedIssuerSpec(
                issuer: Self.partner,
                jwks: JWKSet(keys: [key.publicKey.jwk(kid: Self.kid)]),
                subjectMapping: .username,
                scopes: ["sms"]
            )
            func field(_ spec: TrustedIssuerSpec) async -> String? {
                do {
                    _ = try await server.engine.addTrustedIssuer(tenantID: "sms", spec, actor: "test")
                    return nil
                } catch {
                    return error.field
                }
            }
            var badCurve = key.publicKey.jwk(kid: "bad")
            badCurve.x = Base64URL.encode([UInt8](repeating: 7, count: 32))
            var spec = good
            spec.jwks = JWKSet(keys: [badCurve])
            #expect(await field(spec) == "jwks")
            spec = good
            spec.jwks = JWKSet(keys: [])
            #expect(await field(spec) == "jwks")
            spec = good
            spec.scopes = ["no-such-scope"]
            #expect(await field(spec) == "scopes")
            spec = good
            spec.scopes = []
            #expect(await field(spec) == "scopes")
            spec = good
            spec.algorithms = [.rs256]
            #expect(await field(spec) == "algorithms")
            spec = good
            spec.clients = ["billing-service"]
            #expect(await field(spec) == "clients", "billing-service lacks the grant")
            spec = good
            spec.issuer = server.issuer
            #expect(await field(spec) == "issuer", "the tenant's own issuer")
            spec = good
            spec.maxAssertionLifetime = 86_400
            #expect(await field(spec) == "max assertion lifetime")
            #expect(await field(good) == nil)
            #expect(await field(good) == "issuer", "a duplicate issuer")
            #expect(throws: AdminError.self) { try SubjectMapping.parse("email", prefix: nil) }
            #expect(throws: AdminError.self) { try SubjectMapping.parse("username", prefix: "x|") }
            #expect(throws: AdminError.self) { try TrustedIssuerSpec.keySet(from: "{\"kty\": 1}", field: "key") }
        }
    }
}
