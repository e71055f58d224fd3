import AuthEngine
import ClaimdeckTestSupport
import Crypto
import Foundation
import JOSE
import Testing

/// The JWT bearer grant's refusals of what an assertion asks for: a subject that maps to no usable
/// user, scopes and audiences beyond what is allowed, clients the issuer is not bound to; then the
/// refusal's audit and the validation of trusted-issuer input.
extension JWTBearerGrantTests {
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
