import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// RFC 8414 / OpenID Connect discovery, the JWKS, and key rotation seen over HTTP.
@Suite("discovery and keys")
struct DiscoveryAndKeysTests {
    static let discoveryPaths = [
        "/sms/.well-known/openid-configuration",
        "/sms/.well-known/oauth-authorization-server",
        // RFC 8414 §3.1: the well-known segment inserted between host and the issuer's path.
        "/.well-known/oauth-authorization-server/sms",
        "/.well-known/openid-configuration/sms",
    ]

    @Test("discovery documents: issuer equal to the tenant issuer, endpoints listed", arguments: discoveryPaths)
    func discovery(path: String) async throws {
        try await TestServer.with { server in
            let result = try await server.get(path)
            #expect(result.status == 200, "\(result)")
            #expect(result.header("Content-Type")?.hasPrefix("application/json") == true)
            let doc = try result.json()
            // RFC 8414 §3.3: identical to the issuer the well-known path was derived from.
            #expect(doc["issuer"]?.stringValue == server.issuer)
            #expect(doc["token_endpoint"]?.stringValue == server.issuer + "/token")
            #expect(doc["jwks_uri"]?.stringValue == server.issuer + "/jwks")
            #expect(doc["introspection_endpoint"]?.stringValue == server.issuer + "/introspect")
            #expect(doc["revocation_endpoint"]?.stringValue == server.issuer + "/revoke")
            #expect(doc["registration_endpoint"]?.stringValue == server.issuer + "/register")
            let strings = { (name: String) in Set(doc[name]?.arrayValue?.compactMap(\.stringValue) ?? []) }
            #expect(strings("grant_types_supported").contains("client_credentials"))
            #expect(
                strings("token_endpoint_auth_methods_supported").isSuperset(of: ["client_secret_basic", "client_secret_post", "private_key_jwt"])
            )
            #expect(
                strings("scopes_supported") == [
                    "invoice-read", "invoice-write", "sms", "status", "openid", "profile", "email", "phone", "address", "offline_access",
                ]
            )
            #expect(strings("token_endpoint_auth_signing_alg_values_supported").contains("ES256"))
            #expect(doc["response_types_supported"]?.arrayValue != nil, "required by RFC 8414 §2")
        }
    }

    @Test("every endpoint the discovery document names answers over HTTP")
    func advertisedEndpointsWork() async throws {
        try await TestServer.with { server in
            let doc = try await server.get("/sms/.well-known/oauth-authorization-server").json()
            let path = { (name: String) -> String in
                String((doc[name]?.stringValue ?? "").dropFirst(server.baseURL.count))
            }
            #expect(try await server.get(path("jwks_uri")).status == 200)
            #expect(try await server.postForm(path("token_endpoint"), [("grant_type", "client_credentials")], basic: .billing).status == 200)
            #expect(try await server.postForm(path("introspection_endpoint"), [("token", "x")], basic: .apiGateway).status == 200)
            #expect(try await server.postForm(path("revocation_endpoint"), [("token", "x")], basic: .billing).status == 200)
        }
    }

    @Test("the JWKS publishes public keys only, with kid, alg and use")
    func jwksContents() async throws {
        try await TestServer.with { server in
            let result = try await server.get("/sms/jwks")
            #expect(result.status == 200)
            #expect(result.header("Content-Type")?.hasPrefix("application/json") == true)
            // No private member anywhere in the document.
            let raw = try result.json()
            for key in raw["keys"]?.arrayValue ?? [] {
                for member in ["d", "p", "q", "dp", "dq", "qi"] { #expect(key.objectValue?[member] == nil) }
            }
            let set = try await server.jwks()
            // ES256 active + next for the tenant, RS256 active + next for status-monitor.
            #expect(set.keys.filter { $0.alg == "ES256" }.count == 2)
            #expect(set.keys.filter { $0.alg == "RS256" }.count == 2)
            for jwk in set.keys {
                #expect(jwk.kid?.isEmpty == false)
                #expect(jwk.use == "sig")
                _ = try VerificationKey(jwk: jwk)
            }
            #expect(Set(set.keys.compactMap(\.kid)).count == set.keys.count, "kids are unique")
        }
    }

    @Test("key rotation: old key retired but published, new tokens carry the new kid, old tokens still verify")
    func rotation() async throws {
        try await TestServer.with { server in
            let before = try await server.jwks()
            let oldToken = try await server.accessToken(.billing)
            let oldKid = try #require(JWS.parse(oldToken)?.keyID)
            let nextKid = try #require(
                try await server.engine.keys(tenantID: "sms").first { $0.record.state == .next && $0.record.algorithm == .es256 }?.record.kid
            )
            #expect(before.key(kid: nextKid) != nil, "the next key is published before it signs")

            let change = try await server.engine.rotateKey(tenantID: "sms", actor: "test")
            #expect(change.retired == oldKid)
            #expect(change.activated == nextKid)
            let freshNext = try #require(change.next)
            // The retired key stays published at least as long as the tokens it signed live.
            let oldExp = try #require(JWS.parse(oldToken)?.int("exp"))
            #expect(Int(try #require(change.publishedUntil).timeIntervalSince1970) >= oldExp)

            let after = try await server.jwks()
            #expect(after.key(kid: oldKid) != nil, "the retired key is still published")
            #expect(after.key(kid: nextKid) != nil)
            #expect(after.key(kid: freshNext) != nil, "a new next key is published ahead of its use")

            let newToken = try await server.accessToken(.billing)
            let newJWS = try await server.verifiedJWS(newToken)
            #expect(newJWS.keyID == nextKid)
            #expect(newJWS.keyID != oldKid)
            // The old token verifies with the JWKS served now, and is still active.
            _ = try await server.verifiedJWS(oldToken)
            #expect(try await server.isActive(oldToken))
            // The RS256 keys were not touched.
            let rs = try await server.verifiedJWS(try await server.accessToken(.statusMonitor))
            #expect(before.key(kid: rs.keyID) != nil)
        }
    }

    @Test("signed introspection answers use the rotated key too")
    func rotationSignedIntrospection() async throws {
        try await TestServer.with { server in
            let change = try await server.engine.rotateKey(tenantID: "sms", actor: "test")
            let token = try await server.accessToken(.partnerPortal)
            let result = try await server.introspect(token, headers: [("Accept", "application/token-introspection+jwt")])
            let jws = try await server.verifiedJWS(result.text)
            #expect(jws.keyID == change.activated)
        }
    }
}
