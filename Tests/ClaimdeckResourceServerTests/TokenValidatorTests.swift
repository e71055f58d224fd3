import AuthEngine
import ClaimdeckResourceServer
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// The validator against a real Claimdeck server over loopback: JWTs of the demo tenant verified
/// with its JWKS (found through discovery), opaque tokens introspected, keys rotated at the server.
@Suite struct TokenValidatorTests {
    static func validator(
        _ server: LiveClaimdeck,
        audience: String = Audience.invoices,
        clock: ManualWallClock,
        _ adjust: (inout ResourceServerConfiguration) -> Void = { _ in }
    ) -> TokenValidator {
        var configuration = ResourceServerConfiguration(issuer: server.issuer, audience: audience)
        adjust(&configuration)
        return TokenValidator(configuration: configuration, clock: clock)
    }

    static func refusal(_ validator: TokenValidator, _ token: String) async -> TokenValidationError? {
        do {
            _ = try await validator.validate(token)
            return nil
        } catch {
            return error
        }
    }

    @Test func aJWTAccessTokenIsVerifiedWithTheJWKSOfTheDiscoveryDocument() async throws {
        try await LiveClaimdeck.with { server in
            let validator = Self.validator(server, clock: ManualWallClock(Date()))
            let token = try await server.accessToken(.billing)
            let principal = try await validator.validate(token)
            #expect(principal.subject == "billing-service")
            #expect(principal.clientID == "billing-service")
            #expect(principal.scopes == ["invoice-read", "invoice-write"])
            #expect(principal.audiences == [Audience.invoices])
            #expect(principal.source == .jwt)
            #expect(principal.tokenID != nil)
            #expect(principal.claims["iss"]?.stringValue == server.issuer)
            #expect(await validator.jwksFetchCount == 1)
            // From the cache now: no second fetch.
            #expect(try await validator.validate(token) == principal)
            #expect(await validator.jwksFetchCount == 1)
        }
    }

    @Test func anotherAudienceIssuerOrAlgorithmIsRefused() async throws {
        try await LiveClaimdeck.with { server in
            let clock = ManualWallClock(Date())
            let token = try await server.accessToken(.billing)
            let smsAPI = Self.validator(server, audience: Audience.sms, clock: clock)
            #expect(await Self.refusal(smsAPI, token) == .invalidToken(reason: "the token is not meant for this API (aud)"))
            let otherIssuer = Self.validator(server, clock: clock) {
                $0.issuer = "http://127.0.0.1:\(server.port)/other"
                $0.jwksURL = server.issuer + "/jwks"
            }
            #expect(await Self.refusal(otherIssuer, token) == .invalidToken(reason: "the token was issued by another issuer (iss)"))
            let rsaOnly = Self.validator(server, clock: clock) { $0.allowedAlgorithms = [.rs256] }
            #expect(await Self.refusal(rsaOnly, token) == .invalidToken(reason: "the token's signing algorithm (alg) is not accepted"))
            // The RS256 client's token passes an RS256-only API.
            let statusAPI = Self.validator(server, audience: Audience.status, clock: clock) { $0.allowedAlgorithms = [.rs256] }
            let rsaToken = try await server.accessToken(.statusMonitor)
            #expect(try await statusAPI.validate(rsaToken).clientID == "status-monitor")
        }
    }

    @Test func aTamperedOrForgedTokenIsRefused() async throws {
        try await LiveClaimdeck.with { server in
            let validator = Self.validator(server, clock: ManualWallClock(Date()))
            let token = try await server.accessToken(.billing)
            let parts = token.split(separator: ".").map(String.init)
            // The same header and signature over a payload naming another subject.
            var claims = try #require(JWS.parse(token)).payload
            claims["sub"] = "u-alice"
            let forged = parts[0] + "." + Base64URL.encode(JSONValue.object(claims).serialized()) + "." + parts[2]
            #expect(await Self.refusal(validator, forged) == .invalidToken(reason: "the token's signature does not verify"))
            // Signed with a key of the attacker's own, under the server's kid.
            let header = try #require(JWS.parse(token)).header
            let own = try JWS.sign(
                headerJSON: JSONValue.object(header).serialized(),
                payloadJSON: JSONValue.object(claims).serialized(),
                key: .generate(.es256)
            )
            #expect(await Self.refusal(validator, own) == .invalidToken(reason: "the token's signature does not verify"))
            // alg none, and typ JWT (an ID token's) instead of at+jwt.
            let none = Base64URL.encode(Data(#"{"alg":"none","typ":"at+jwt"}"#.utf8)) + "." + parts[1] + "."
            #expect(await Self.refusal(validator, none) == .invalidToken(reason: "the token's signing algorithm (alg) is not accepted"))
            var jwtHeader = header
            jwtHeader["typ"] = "JWT"
            let plainJWT = Base64URL.encode(JSONValue.object(jwtHeader).serialized()) + "." + parts[1] + "." + parts[2]
            #expect(await Self.refusal(validator, plainJWT) == .invalidToken(reason: "the token is not a JWT access token (typ must be at+jwt)"))
            // The genuine token still passes: the refusals were about the forgeries.
            #expect(try await validator.validate(token).subject == "billing-service")
        }
    }

    @Test func anExpiredTokenIsRefusedAfterTheLeewayEvenFromTheCache() async throws {
        try await LiveClaimdeck.with { server in
            let clock = ManualWallClock(Date())
            let validator = Self.validator(server, clock: clock) { $0.leeway = 30 }
            let token = try await server.accessToken(.billing)
            let expiry = try #require(JWS.parse(token)?.payload["exp"]?.doubleValue)
            _ = try await validator.validate(token)
            clock.set(Date(timeIntervalSince1970: expiry + 29))
            #expect(try await validator.validate(token).clientID == "billing-service")
            clock.set(Date(timeIntervalSince1970: expiry + 30))
            #expect(await Self.refusal(validator, token) == .invalidToken(reason: "the token has expired"))
            // A fresh validator (no cache) says the same.
            let fresh = Self.validator(server, clock: clock) { $0.leeway = 30 }
            #expect(await Self.refusal(fresh, token) == .invalidToken(reason: "the token has expired"))
        }
    }

    @Test func aRotatedKeyIsPickedUpOnAnUnknownKidAtMostOncePerInterval() async throws {
        try await LiveClaimdeck.with { server in
            let clock = ManualWallClock(Date())
            let validator = Self.validator(server, clock: clock) { $0.jwksRefetchInterval = 10 }
            let before = try await server.accessToken(.billing)
            _ = try await validator.validate(before)
            #expect(await validator.jwksFetchCount == 1)
            // Two rotations: the key signing now was not even published at the first fetch.
            _ = try await server.engine.rotateKey(tenantID: "sms", actor: "test")
            _ = try await server.engine.rotateKey(tenantID: "sms", actor: "test")
            let after = try await server.accessToken(.billing)
            #expect(JWS.parse(after)?.keyID != JWS.parse(before)?.keyID)
            // Right after the first fetch the refetch is not allowed yet: refused, nothing fetched.
            #expect(await Self.refusal(validator, after) == .invalidToken(reason: "the token is signed with a key the issuer does not publish (kid)"))
            #expect(await validator.jwksFetchCount == 1)
            clock.advance(by: 10)
            #expect(try await validator.validate(after).clientID == "billing-service")
            #expect(await validator.jwksFetchCount == 2)
            // The old key is still published (retired, not removed): its tokens still pass.
            #expect(try await validator.validate(before).clientID == "billing-service")
            // Invented kids cost at most one fetch per interval.
            var header = try #require(JWS.parse(after)).header
            let parts = after.split(separator: ".").map(String.init)
            for n in 0..<5 {
                header["kid"] = .string("invented-\(n)")
                let invented = Base64URL.encode(JSONValue.object(header).serialized()) + "." + parts[1] + "." + parts[2]
                _ = await Self.refusal(validator, invented)
            }
            #expect(await validator.jwksFetchCount == 2)
        }
    }

    @Test func theJWKSIsRefetchedWhenItsMaxAgeRunsOut() async throws {
        try await LiveClaimdeck.with { server in
            let clock = ManualWallClock(Date())
            // Claimdeck serves its JWKS with Cache-Control: public, max-age=300.
            let validator = Self.validator(server, clock: clock) { $0.defaultJWKSLifetime = 5 }
            _ = try await validator.validate(try await server.accessToken(.billing))
            clock.advance(by: 299)
            _ = try await validator.validate(try await server.accessToken(.billing))
            #expect(await validator.jwksFetchCount == 1)
            clock.advance(by: 1)
            _ = try await validator.validate(try await server.accessToken(.billing))
            #expect(await validator.jwksFetchCount == 2)
        }
    }

    @Test func anOpaqueTokenIsIntrospectedAndItsAnswerCachedUpToTheConfiguredBound() async throws {
        try await LiveClaimdeck.with { server in
            let clock = ManualWallClock(Date())
            let validator = Self.validator(server, audience: Audience.status, clock: clock) {
                $0.introspectionClient = .init(id: DemoClient.apiGateway.id, secret: DemoClient.apiGateway.secret)
                $0.maximumIntrospectionCacheLifetime = 60
            }
            let token = try await server.accessToken(.partnerPortal)
            #expect(JWS.parse(token) == nil)
            let principal = try await validator.validate(token)
            #expect(principal.source == .introspection)
            #expect(principal.clientID == "partner-portal")
            #expect(principal.scopes == ["sms", "status"])
            // Revoked at the server: the cached answer still accepts it until the entry expires
            // (the trade-off of the phantom-token cache, bounded by maximumIntrospectionCacheLifetime).
            try await server.revoke(token, as: .partnerPortal)
            clock.advance(by: 59)
            #expect(try await validator.validate(token).clientID == "partner-portal")
            clock.advance(by: 1)
            #expect(await Self.refusal(validator, token) == .invalidToken(reason: "the token is not active (expired, revoked or unknown)"))
        }
    }

    @Test func anOpaqueTokenIsRefusedWithoutIntrospectionCredentialsOrWithWrongOnes() async throws {
        try await LiveClaimdeck.with { server in
            let clock = ManualWallClock(Date())
            let token = try await server.accessToken(.partnerPortal)
            let noCredentials = Self.validator(server, audience: Audience.status, clock: clock)
            #expect(
                await Self.refusal(noCredentials, token)
                    == .invalidToken(reason: "the token is not a JWT and this API does not introspect opaque tokens")
            )
            let wrongSecret = Self.validator(server, audience: Audience.status, clock: clock) {
                $0.introspectionClient = .init(id: DemoClient.apiGateway.id, secret: "wrong")
            }
            let refusal = await Self.refusal(wrongSecret, token)
            guard case .authorizationServerUnavailable(let reason) = refusal else {
                Issue.record("expected the server to be unusable, got \(String(describing: refusal))")
                return
            }
            #expect(reason.contains("HTTP 401"))
            #expect(!reason.contains(token))
        }
    }
}
