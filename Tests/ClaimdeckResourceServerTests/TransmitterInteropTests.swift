import AuthEngine
import ClaimLookupHTTP
import ClaimdeckResourceServer
import ClaimdeckTestSupport
import Foundation
import Hummingbird
import JOSE
import Testing

/// Claimdeck's transmitter and the library's receiver together, over loopback: the API subscribes with
/// `SecurityEventSubscription`, the engine revokes one token, a subject, a client, the whole tenant, and
/// each pushed SET makes the validator refuse exactly what was revoked. The transmitter emits what the
/// receiver reads.
@Suite struct TransmitterInteropTests {
    @Test func eachRevocationsEventRefusesWhatItRevoked() async throws {
        let clock = ManualWallClock(Date())
        try await LiveClaimdeck.with(clock: clock) { server in
            let engine = server.engine
            let registered = try await engine.registerClient(
                tenantID: "sms",
                id: "invoices-api",
                ClientSpec(name: "Invoices API", scopes: [ClaimdeckEngine.streamManagementScope], audiences: [server.issuer]),
                actor: "test"
            )
            let validator = TokenValidator(configuration: .init(issuer: server.issuer, audience: Audience.invoices), clock: clock)
            let push = "Bearer interop-push-secret"
            let router = Router()
            SecurityEventReceiver(validator: validator, authorization: push).mount(on: router, at: "ssf/events")
            try await LoopbackServer.with(router, label: "rs.receiver") { port in
                let subscription = SecurityEventSubscription(
                    issuer: server.issuer,
                    client: .init(id: "invoices-api", secret: try #require(registered.secret)),
                    audience: Audience.invoices
                )
                let streamID = try await subscription.subscribe(pushTo: "http://127.0.0.1:\(port)/ssf/events", authorization: push)
                // Subscribing again (a restart) keeps the one stream.
                #expect(try await subscription.subscribe(pushTo: "http://127.0.0.1:\(port)/ssf/events", authorization: push) == streamID)

                func revokeAndDeliver(_ selector: RevocationSelector) async throws {
                    _ = try await engine.revokeTokens(selector, reason: "interop", actor: "test")
                    let report = await engine.deliverSecurityEvents(using: HTTPSecurityEventPusher())
                    #expect(report.delivered == 1, "\(selector): \(report)")
                }
                let one = try await server.accessToken(.billing)
                let kept = try await server.accessToken(.billing)
                _ = try await validator.validate(one)
                try await revokeAndDeliver(.token(tenantID: "sms", tokenID: try #require(JWS.parse(one)?.payload["jti"]?.stringValue)))
                #expect(await TokenValidatorTests.refusal(validator, one) == .invalidToken(reason: "the token has been revoked"))
                #expect(await TokenValidatorTests.refusal(validator, kept) == nil)

                try await revokeAndDeliver(.subject(tenantID: "sms", subject: "billing-service"))
                #expect(
                    await TokenValidatorTests.refusal(validator, kept)
                        == .invalidToken(reason: "the token has been revoked (every token of its subject)")
                )

                clock.advance(by: 5)
                let later = try await server.accessToken(.billing)
                #expect(await TokenValidatorTests.refusal(validator, later) == nil)
                try await revokeAndDeliver(.client(tenantID: "sms", clientID: "billing-service"))
                #expect(
                    await TokenValidatorTests.refusal(validator, later)
                        == .invalidToken(reason: "the token has been revoked (every token of its client)")
                )

                clock.advance(by: 5)
                let last = try await server.accessToken(.billing)
                try await revokeAndDeliver(.tenant(tenantID: "sms"))
                #expect(
                    await TokenValidatorTests.refusal(validator, last)
                        == .invalidToken(reason: "the token has been revoked (every token of its issuer)")
                )
            }
        }
    }
}
