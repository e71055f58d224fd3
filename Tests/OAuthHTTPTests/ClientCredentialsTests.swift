import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// RFC 6749 §4.4 client_credentials over HTTP, with RFC 9068 JWT and opaque access tokens.
@Suite("client_credentials")
struct ClientCredentialsTests {
    @Test("client_secret_basic: an ES256 RFC 9068 JWT that verifies with the tenant JWKS")
    func basicIssuesVerifiableJWT() async throws {
        try await TestServer.with { server in
            let before = unixNow
            let result = try await server.tokenRequest([("grant_type", "client_credentials")], basic: .billing)
            #expect(result.status == 200, "\(result)")
            // RFC 6749 §5.1: never cached.
            #expect(result.header("Cache-Control") == "no-store")
            #expect(result.header("Pragma") == "no-cache")
            #expect(result.header("Content-Type")?.hasPrefix("application/json") == true)
            let body = try result.json()
            #expect(body["token_type"]?.stringValue == "Bearer")
            #expect(body["expires_in"]?.intValue == 300)
            #expect(body["scope"]?.stringValue == "invoice-read invoice-write")
            let token = try #require(body["access_token"]?.stringValue)

            let jws = try await server.verifiedJWS(token)
            // RFC 9068 §2.1: the header says what the token is.
            #expect(jws.type == "at+jwt")
            #expect(jws.algorithm == "ES256")
            #expect(jws.keyID?.isEmpty == false)
            // RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti.
            #expect(jws.string("iss") == server.issuer)
            #expect(jws.string("sub") == "billing-service")
            #expect(jws.string("client_id") == "billing-service")
            #expect(jws.string("aud") == Audience.invoices)
            #expect(jws.string("scope") == "invoice-read invoice-write")
            let iat = try #require(jws.int("iat"))
            let exp = try #require(jws.int("exp"))
            #expect(iat >= before - 1 && iat <= unixNow + 1)
            #expect(exp == iat + 300)
            let jti = try #require(jws.string("jti"))
            #expect(!jti.isEmpty)
            // Every issued token is in the store, under its jti.
            let record = try #require(try await server.store.token(id: jti))
            #expect(record.clientID == "billing-service")
            #expect(record.keyID == jws.keyID)
        }
    }

    @Test("client_secret_post: an opaque token of at least 256 bits for partner-portal")
    func postIssuesOpaqueToken() async throws {
        try await TestServer.with { server in
            let result = try await server.tokenRequest([("grant_type", "client_credentials")] + DemoClient.partnerPortal.postParameters)
            #expect(result.status == 200, "\(result)")
            #expect(result.header("Cache-Control") == "no-store")
            #expect(result.header("Pragma") == "no-cache")
            let body = try result.json()
            #expect(body["token_type"]?.stringValue == "Bearer")
            #expect(body["expires_in"]?.intValue == 600)
            #expect(body["scope"]?.stringValue == "sms status")
            let token = try #require(body["access_token"]?.stringValue)
            #expect(JWS.parse(token) == nil, "an opaque token must not be a JWT")
            // 256 random bits are 43 base64url characters, beside the prefix and the id.
            #expect(token.utf8.count >= 43 + 26)
            // Two tokens never repeat.
            let second = try await server.accessToken(.partnerPortal)
            #expect(second != token)
            #expect(try await server.isActive(token))
        }
    }

    @Test("status-monitor gets an RS256 JWT that verifies with the RSA key of the JWKS")
    func rs256ForStatusMonitor() async throws {
        try await TestServer.with { server in
            let token = try await server.accessToken(.statusMonitor)
            let jws = try await server.verifiedJWS(token)
            #expect(jws.algorithm == "RS256")
            #expect(jws.type == "at+jwt")
            #expect(jws.string("client_id") == "status-monitor")
            #expect(jws.string("aud") == Audience.status)
            let jwk = try #require(try await server.jwks().key(kid: jws.keyID))
            #expect(jwk.kty == "RSA")
            #expect(jwk.alg == "RS256")
        }
    }

    @Test("a requested scope that is a subset of the client's is granted as asked")
    func scopeSubset() async throws {
        try await TestServer.with { server in
            let result = try await server.tokenRequest([("grant_type", "client_credentials"), ("scope", "invoice-read")], basic: .billing)
            #expect(result.status == 200, "\(result)")
            #expect(try result.json()["scope"]?.stringValue == "invoice-read")
            let jws = try await server.verifiedJWS(try #require(try result.json()["access_token"]?.stringValue))
            #expect(jws.string("scope") == "invoice-read")
        }
    }

    @Test("without scope the client's registered scopes are granted (RFC 6749 §3.3)")
    func defaultScope() async throws {
        try await TestServer.with { server in
            let token = try await server.accessToken(.partnerPortal)
            let introspection = try await server.introspect(token).json()
            #expect(introspection["active"]?.boolValue == true)
            #expect(introspection["scope"]?.stringValue == "sms status")
        }
    }

    @Test("scope outside the client's set: invalid_scope")
    func scopeNotAllowed() async throws {
        try await TestServer.with { server in
            let result = try await server.tokenRequest([("grant_type", "client_credentials"), ("scope", "invoice-read sms")], basic: .billing)
            expectOAuthError(result, status: 400, code: "invalid_scope")
            let unknown = try await server.tokenRequest([("grant_type", "client_credentials"), ("scope", "no-such-scope")], basic: .billing)
            expectOAuthError(unknown, status: 400, code: "invalid_scope")
        }
    }

    @Test("resource (RFC 8707) sets aud")
    func resourceSetsAudience() async throws {
        try await TestServer.with { server in
            let jwt = try await server.accessToken(.billing, [("resource", Audience.invoices)])
            #expect(try await server.verifiedJWS(jwt).string("aud") == Audience.invoices)
            // partner-portal is allowed two audiences: asking for one narrows the token to it.
            let opaque = try await server.accessToken(.partnerPortal, [("resource", Audience.status), ("scope", "status")])
            let introspection = try await server.introspect(opaque).json()
            #expect(introspection["aud"]?.stringValue == Audience.status)
        }
    }

    @Test("audience sets aud")
    func audienceParameterSetsAudience() async throws {
        try await TestServer.with { server in
            let opaque = try await server.accessToken(.partnerPortal, [("audience", Audience.sms)])
            let introspection = try await server.introspect(opaque).json()
            #expect(introspection["aud"]?.stringValue == Audience.sms)
            let jwt = try await server.accessToken(.billing, [("audience", Audience.invoices)])
            #expect(try await server.verifiedJWS(jwt).string("aud") == Audience.invoices)
        }
    }

    @Test("several resources give an aud array")
    func severalResources() async throws {
        try await TestServer.with { server in
            let opaque = try await server.accessToken(.partnerPortal, [("resource", Audience.sms), ("resource", Audience.status)])
            let aud = try await server.introspect(opaque).json()["aud"]?.arrayValue?.compactMap(\.stringValue)
            #expect(Set(aud ?? []) == [Audience.sms, Audience.status])
        }
    }

    @Test("an audience or resource the client may not use: 400 invalid_target")
    func audienceNotAllowed() async throws {
        try await TestServer.with { server in
            let byResource = try await server.tokenRequest([("grant_type", "client_credentials"), ("resource", Audience.sms)], basic: .billing)
            expectOAuthError(byResource, status: 400, code: "invalid_target")
            let byAudience = try await server.tokenRequest(
                [("grant_type", "client_credentials"), ("audience", "https://evil.example/api")],
                basic: .billing
            )
            expectOAuthError(byAudience, status: 400, code: "invalid_target")
            // RFC 8707 §2: a resource is an absolute URI without a fragment.
            let relative = try await server.tokenRequest([("grant_type", "client_credentials"), ("resource", "invoices")], basic: .billing)
            expectOAuthError(relative, status: 400, code: "invalid_target")
            let fragment = try await server.tokenRequest(
                [("grant_type", "client_credentials"), ("resource", Audience.invoices + "#x")],
                basic: .billing
            )
            expectOAuthError(fragment, status: 400, code: "invalid_target")
        }
    }
}
