import AuthEngine
import ClaimdeckResourceServer
import ClaimdeckTestSupport
import Foundation
import Hummingbird
import JOSE
import NIOCore
import Synchronization
import Testing

/// RFC 9701 signed introspection answers: Claimdeck's over loopback verified, cached and read as the
/// JSON answer is; a hand-made issuer's answers that break one rule each refused, and not cached.
@Suite struct SignedIntrospectionTests {
    @Test func claimdecksSignedAnswerIsVerifiedCachedAndReadAsTheJSONOneIs() async throws {
        let clock = ManualWallClock(Date())
        try await LiveClaimdeck.with(clock: clock) { server in
            let validator = TokenValidatorTests.validator(server, audience: Audience.status, clock: clock) {
                $0.introspectionClient = .init(id: DemoClient.apiGateway.id, secret: DemoClient.apiGateway.secret)
                $0.introspectionFormat = .signed
                $0.maximumIntrospectionCacheLifetime = 60
            }
            let token = try await server.accessToken(.partnerPortal)
            let principal = try await validator.validate(token)
            #expect(principal.source == .introspection)
            #expect(principal.subject == "partner-portal")
            #expect(principal.clientID == "partner-portal")
            #expect(principal.scopes == ["sms", "status"])
            // The claims are the token_introspection object, not the JWT around it.
            #expect(principal.claims["active"] == true)
            #expect(principal.claims["iss"]?.stringValue == server.issuer)
            #expect(principal.claims["token_introspection"] == nil)
            #expect(await validator.jwksFetchCount == 1)

            // Cached: revoked at the server, still accepted until the entry's bound, then the signed
            // answer says inactive.
            try await server.revoke(token, as: .partnerPortal)
            clock.advance(by: 59)
            #expect(try await validator.validate(token) == principal)
            clock.advance(by: 1)
            #expect(await Self.refusal(validator, token) == .invalidToken(reason: "the token is not active (expired, revoked or unknown)"))

            // The issuer rotates its key: the answer's unknown kid refetches the JWKS (the refetch interval has passed).
            _ = try await server.engine.rotateKey(tenantID: "sms", actor: "test")
            _ = try await server.engine.rotateKey(tenantID: "sms", actor: "test")
            let after = try await server.accessToken(.partnerPortal)
            #expect(try await validator.validate(after).clientID == "partner-portal")
            #expect(await validator.jwksFetchCount == 2)
        }
    }

    @Test func anAnswerBreakingAnRFC9701RuleIsRefusedAndNotCached() async throws {
        let issuer = try HandMadeIssuer()
        let now = Date()
        try await LoopbackServer.with(issuer.router, label: "rs.issuer") { port in
            let validator = issuer.validator(port: port, format: .signed, clock: ManualWallClock(now))
            let good = try issuer.signed(issuer.claims(at: now))
            issuer.answer(good)
            #expect(try await validator.validate("opaque-good").subject == "u-alice")
            #expect(issuer.acceptHeaders == ["application/token-introspection+jwt"])

            var tamperedClaims = try #require(JWS.parse(good)).payload
            tamperedClaims["token_introspection"] = .object(issuer.introspection(at: now).merging(["sub": "u-mallory"]) { $1 })
            let parts = good.split(separator: ".").map(String.init)
            let tampered = parts[0] + "." + Base64URL.encode(JSONValue.object(tamperedClaims).serialized()) + "." + parts[2]
            let inTheFuture = now.addingTimeInterval(31)

            let cases: [(String, String, String)] = [
                (tampered, HandMadeIssuer.mediaType, "the signed introspection answer's signature does not verify"),
                (
                    try issuer.signed(issuer.claims(at: now, audience: "another-api")), HandMadeIssuer.mediaType,
                    "the signed introspection answer is not meant for this API's client (aud)"
                ),
                (
                    try issuer.signed(issuer.claims(at: now, issuer: "https://elsewhere.example")), HandMadeIssuer.mediaType,
                    "the signed introspection answer was issued by another issuer (iss)"
                ),
                (
                    try issuer.signed(issuer.claims(at: now), typ: "JWT"), HandMadeIssuer.mediaType,
                    "the signed introspection answer's typ must be token-introspection+jwt"
                ),
                (
                    try issuer.signed(issuer.claims(at: now), typ: "at+jwt"), HandMadeIssuer.mediaType,
                    "the signed introspection answer's typ must be token-introspection+jwt"
                ),
                (
                    try issuer.signed(issuer.claims(at: inTheFuture)), HandMadeIssuer.mediaType,
                    "the signed introspection answer was issued in the future (iat)"
                ),
                (
                    try issuer.signed(issuer.claims(at: now).filter { $0.key != "iat" }), HandMadeIssuer.mediaType,
                    "the signed introspection answer has no issue time (iat)"
                ),
                (
                    try issuer.signed(issuer.claims(at: now).merging(["token_introspection": "active"]) { $1 }), HandMadeIssuer.mediaType,
                    "the signed introspection answer has no token_introspection object"
                ),
                (
                    try issuer.signed(issuer.claims(at: now), kid: "not-published", key: .generate(.es256)), HandMadeIssuer.mediaType,
                    "the signed introspection answer is signed with a key the issuer does not publish (kid)"
                ),
                (good, "application/jwt", "http://127.0.0.1:\(port)/introspect did not answer Content-Type application/token-introspection+jwt"),
                (
                    HandMadeIssuer.text(issuer.introspection(at: now)), "application/json",
                    "http://127.0.0.1:\(port)/introspect answered plain JSON where a signed answer (RFC 9701) was asked for"
                ),
                (
                    "not.a-jws", HandMadeIssuer.mediaType,
                    "http://127.0.0.1:\(port)/introspect did not answer a compact JWS (encrypted answers are not supported)"
                ),
            ]
            for (n, (body, contentType, reason)) in cases.enumerated() {
                issuer.answer(body, contentType: contentType)
                #expect(await Self.refusal(validator, "opaque-\(n)") == .untrustedIntrospectionAnswer(reason: reason), "case \(n)")
            }
            // None was cached: the same tokens pass once the issuer answers properly again.
            #expect(await validator.cachedTokenCount == 1)
            issuer.answer(good)
            #expect(try await validator.validate("opaque-0").subject == "u-alice")

            // The API answers 503 (the token cannot be checked now), not 401: the client is not at fault.
            issuer.answer(tampered)
            let answers = try await BearerAuthMiddlewareTests.send(validator, [(.get, "/read", ["Bearer opaque-middleware"])])
            #expect(answers.map(\.status) == [.serviceUnavailable])
            #expect(answers.first?.body.contains("temporarily_unavailable") == true)
        }
    }

    @Test func theJSONFormatAsksForAndReadsPlainJSON() async throws {
        let issuer = try HandMadeIssuer()
        let now = Date()
        try await LoopbackServer.with(issuer.router, label: "rs.issuer") { port in
            let validator = issuer.validator(port: port, format: .json, clock: ManualWallClock(now))
            issuer.answer(HandMadeIssuer.text(issuer.introspection(at: now)), contentType: "application/json")
            let principal = try await validator.validate("opaque")
            #expect(principal.subject == "u-alice")
            #expect(issuer.acceptHeaders == ["application/json"])
        }
    }

    static func refusal(_ validator: TokenValidator, _ token: String) async -> TokenValidationError? {
        await TokenValidatorTests.refusal(validator, token)
    }
}

/// A hand-made authorization server on loopback: a JWKS with one test key, and an introspection
/// endpoint answering whatever the test last set, recording each request's `Accept`.
final class HandMadeIssuer: Sendable {
    static let mediaType = "application/token-introspection+jwt"
    let issuer = "https://hand-made.example/sms"
    let clientID = "status-api"
    let key: SigningKeyPair
    let kid = "hand-made-key"
    private let current = Mutex<(body: String, contentType: String)>(("", "application/json"))
    private let accepts = Mutex<[String]>([])

    private let jwks: Data

    init() throws {
        key = try .generate(.es256)
        jwks = try JSONEncoder().encode(JWKSet(keys: [key.publicKey.jwk(kid: kid)]))
    }

    static func text(_ object: [String: JSONValue]) -> String {
        String(decoding: JSONValue.object(object).serialized(), as: UTF8.self)
    }

    var acceptHeaders: [String] { accepts.withLock { $0 } }

    func answer(_ body: String, contentType: String = HandMadeIssuer.mediaType) {
        current.withLock { $0 = (body, contentType) }
    }

    var router: Router<BasicRequestContext> {
        let router = Router()
        let jwks = self.jwks
        router.get("jwks") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: jwks)))
        }
        router.post("introspect") { request, _ in
            self.accepts.withLock { $0.append(request.headers[.accept] ?? "") }
            let (body, contentType) = self.current.withLock { $0 }
            return Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        return router
    }

    func validator(port: Int, format: ResourceServerConfiguration.IntrospectionFormat, clock: ManualWallClock) -> TokenValidator {
        TokenValidator(
            configuration: ResourceServerConfiguration(
                issuer: issuer,
                audience: Audience.status,
                jwksURL: "http://127.0.0.1:\(port)/jwks",
                introspectionURL: "http://127.0.0.1:\(port)/introspect",
                introspectionClient: .init(id: clientID, secret: "hand-made-secret"),
                introspectionFormat: format
            ),
            clock: clock
        )
    }

    /// An active RFC 7662 answer for u-alice's token, for the status API.
    func introspection(at now: Date) -> [String: JSONValue] {
        let seconds = now.timeIntervalSince1970.rounded(.down)
        return [
            "active": true, "sub": "u-alice", "client_id": "partner-portal", "scope": "status", "iss": .string(issuer),
            "aud": .string(Audience.status), "iat": .number(seconds), "exp": .number(seconds + 300),
        ]
    }

    /// RFC 9701 §5's claims around it.
    func claims(at now: Date, issuer: String? = nil, audience: String? = nil) -> [String: JSONValue] {
        [
            "iss": .string(issuer ?? self.issuer), "aud": .string(audience ?? clientID), "iat": .number(now.timeIntervalSince1970.rounded(.down)),
            "token_introspection": .object(introspection(at: now)),
        ]
    }

    func signed(
        _ claims: [String: JSONValue],
        typ: String = "token-introspection+jwt",
        kid: String? = nil,
        key: SigningKeyPair? = nil
    ) throws -> String {
        let header: JSONValue = ["alg": "ES256", "kid": .string(kid ?? self.kid), "typ": .string(typ)]
        return try JWS.sign(headerJSON: header.serialized(), payloadJSON: JSONValue.object(claims).serialized(), key: key ?? self.key)
    }
}
