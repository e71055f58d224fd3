import AuthEngine
import ClaimdeckResourceServer
import ClaimdeckTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JOSE
import NIOCore
import Testing

/// The SSF push receiver (RFC 8935) mounted on a router in process, its validator against a real
/// Claimdeck whose tenant key signs the SETs, as the transmitter will: revoked tokens leave the cache
/// and are refused from then on, JWTs included; a bad SET changes nothing.
@Suite struct SecurityEventReceiverTests {
    static let pushAuthorization = "Bearer push-secret-for-tests"

    /// A SET for `event` (its members beside `event_timestamp` in `body`), signed with the tenant's
    /// active key (or `key`), as Claimdeck's transmitter would.
    static func securityEvent(
        _ server: LiveClaimdeck,
        _ event: String,
        subject: JSONValue,
        at time: Date,
        body: [String: JSONValue] = [:],
        audience: String = Audience.invoices,
        issuer: String? = nil,
        key: SigningKeyPair? = nil
    ) throws -> String {
        let tenantKey = try server.engine.keyring.signingKey(tenantID: "sms", algorithm: .es256, snapshot: server.engine.config.snapshot)
        let header: JSONValue = ["alg": "ES256", "kid": .string(tenantKey.kid), "typ": "secevent+jwt"]
        let payload: JSONValue = [
            "iss": .string(issuer ?? server.issuer), "aud": .string(audience), "iat": .number(time.timeIntervalSince1970.rounded(.down)),
            "jti": .string(UUID().uuidString), "sub_id": subject,
            "events": .object([event: .object(body.merging(["event_timestamp": .number(time.timeIntervalSince1970.rounded(.down))]) { $1 })]),
        ]
        return try JWS.sign(headerJSON: header.serialized(), payloadJSON: payload.serialized(), key: key ?? tenantKey.pair)
    }

    /// Pushes each SET to the receiver at POST /ssf/events and answers (status, body).
    static func push(
        _ validator: TokenValidator,
        _ sets: [String],
        contentType: String = "application/secevent+jwt",
        authorization: String = pushAuthorization
    ) async throws -> [(HTTPResponse.Status, String)] {
        let router = Router()
        SecurityEventReceiver(validator: validator, authorization: pushAuthorization).mount(on: router, at: "ssf/events")
        return try await Application(router: router).test(.router) { client in
            var answers: [(HTTPResponse.Status, String)] = []
            for set in sets {
                let response = try await client.executeRequest(
                    uri: "/ssf/events",
                    method: .post,
                    headers: [.contentType: contentType, .authorization: authorization],
                    body: ByteBuffer(string: set)
                )
                answers.append((response.status, String(buffer: response.body)))
            }
            return answers
        }
    }

    static func issSub(_ server: LiveClaimdeck, _ sub: String) -> JSONValue {
        ["format": "iss_sub", "iss": .string(server.issuer), "sub": .string(sub)]
    }

    static func refusal(_ validator: TokenValidator, _ token: String) async -> TokenValidationError? {
        await TokenValidatorTests.refusal(validator, token)
    }

    @Test func aSessionRevokedEventRefusesTheSubjectsCachedJWTsButNotLaterOnes() async throws {
        let clock = ManualWallClock(Date())
        try await LiveClaimdeck.with(clock: clock) { server in
            let validator = TokenValidator(configuration: .init(issuer: server.issuer, audience: Audience.invoices), clock: clock)
            let before = try await server.accessToken(.billing)
            _ = try await validator.validate(before)
            let set = try Self.securityEvent(server, SecurityEvent.sessionRevoked, subject: Self.issSub(server, "billing-service"), at: clock.now())
            let answers = try await Self.push(validator, [set, set])
            // Delivered twice: idempotent.
            #expect(answers.map(\.0) == [.accepted, .accepted])
            #expect(answers.map(\.1) == ["", ""])
            #expect(await validator.cachedTokenCount == 0)
            #expect(await Self.refusal(validator, before) == .invalidToken(reason: "the token has been revoked (every token of its subject)"))
            clock.advance(by: 5)
            let after = try await server.accessToken(.billing)
            #expect(try await validator.validate(after).subject == "billing-service")
        }
    }

    @Test func aTokenRevokedEventRefusesThatTokenOnly() async throws {
        try await LiveClaimdeck.with { server in
            let validator = TokenValidator(configuration: .init(issuer: server.issuer, audience: Audience.invoices))
            let revoked = try await server.accessToken(.billing)
            let other = try await server.accessToken(.billing)
            _ = try await validator.validate(revoked)
            let jti = try #require(JWS.parse(revoked)?.payload["jti"]?.stringValue)
            let set = try Self.securityEvent(
                server,
                SecurityEvent.tokenRevoked,
                subject: ["format": "jwt_id", "iss": .string(server.issuer), "jti": .string(jti)],
                at: Date()
            )
            #expect(try await Self.push(validator, [set]).map(\.0) == [.accepted])
            #expect(await Self.refusal(validator, revoked) == .invalidToken(reason: "the token has been revoked"))
            #expect(try await validator.validate(other).clientID == "billing-service")
        }
    }

    @Test func aClientRevokedEventRefusesTheClientsTokens() async throws {
        let clock = ManualWallClock(Date())
        try await LiveClaimdeck.with(clock: clock) { server in
            let validator = TokenValidator(configuration: .init(issuer: server.issuer, audience: Audience.invoices), clock: clock)
            let token = try await server.accessToken(.billing)
            let set = try Self.securityEvent(
                server,
                SecurityEvent.clientRevoked,
                subject: ["format": "opaque", "id": "billing-service"],
                at: clock.now()
            )
            #expect(try await Self.push(validator, [set]).map(\.0) == [.accepted])
            #expect(await Self.refusal(validator, token) == .invalidToken(reason: "the token has been revoked (every token of its client)"))
        }
    }

    @Test func aBadSETIsRefusedWithTheRFC8935ErrorAndChangesNothing() async throws {
        try await LiveClaimdeck.with { server in
            let validator = TokenValidator(configuration: .init(issuer: server.issuer, audience: Audience.invoices))
            let token = try await server.accessToken(.billing)
            _ = try await validator.validate(token)
            let subject = Self.issSub(server, "billing-service")
            let event = SecurityEvent.sessionRevoked
            let answers = try await Self.push(
                validator,
                [
                    try Self.securityEvent(server, event, subject: subject, at: Date(), key: .generate(.es256)),
                    try Self.securityEvent(server, event, subject: subject, at: Date(), audience: Audience.sms),
                    try Self.securityEvent(server, event, subject: subject, at: Date(), issuer: "https://elsewhere.example"),
                    try Self.securityEvent(server, event, subject: ["format": "email", "email": "a@example.com"], at: Date()),
                    "not a SET",
                ]
            )
            #expect(answers.map(\.0) == [.badRequest, .badRequest, .badRequest, .badRequest, .badRequest])
            #expect(
                answers.map(\.1) == [
                    #"{"description":"the SET's signature does not verify","err":"invalid_key"}"#,
                    #"{"description":"the SET is not meant for this receiver (aud)","err":"invalid_audience"}"#,
                    #"{"description":"the SET was issued by another transmitter (iss)","err":"invalid_issuer"}"#,
                    #"{"description":"the event's sub_id must be iss_sub with the tokens' issuer","err":"invalid_request"}"#,
                    #"{"description":"the body is not a compact JWS","err":"invalid_request"}"#,
                ]
            )
            let good = try Self.securityEvent(server, event, subject: subject, at: Date())
            let wrongType = try await Self.push(validator, [good], contentType: "application/jwt")
            #expect(wrongType.map(\.1) == [#"{"description":"the Content-Type must be application/secevent+jwt","err":"invalid_request"}"#])
            let unauthorized = try await Self.push(validator, [good], authorization: "Bearer guessed")
            #expect(unauthorized.map(\.0) == [.unauthorized])
            #expect(unauthorized.map(\.1) == [#"{"description":"the push is not authorized","err":"authentication_failed"}"#])
            // None of them revoked anything.
            #expect(try await validator.validate(token).clientID == "billing-service")
            #expect(await validator.cachedTokenCount == 1)
        }
    }
}
