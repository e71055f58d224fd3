import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// A design publish that changes claims an API reads tells the subscribed APIs: one CAEP
/// token-claims-change per subject with a live access token, its new values computed by the
/// issuance code, pushed over real HTTP like every other event. The tokens stay valid.
@Suite("shared signals: token-claims-change on a design publish")
struct ClaimsChangeSignalTests {
    typealias Delivery = SecurityEventDeliveryTests

    /// A live user token (alice, through the code flow) and a client_credentials token of billing.
    static func liveTokens(_ server: TestServer) async throws -> String {
        _ = try await CodeExchangeAndRefreshTests().tokens(server)
        return try await server.accessToken(.billing, [("scope", "invoice-read")])
    }

    /// The token-claims-change events pushed so far: subject (`sub_id.sub`) to the event's members.
    static func claimsChanges(_ server: TestServer, _ receiver: SETReceiverServer, after seen: Int = 0) async throws -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for push in receiver.pushes.dropFirst(seen) {
            let claims = try await server.verifiedJWS(push.body).payload
            #expect(claims["sub_id"]?["format"] == "iss_sub" && claims["sub_id"]?["iss"] == .string(server.issuer))
            guard let event = claims["events"]?[SecurityEventType.tokenClaimsChange], let sub = claims["sub_id"]?["sub"]?.stringValue
            else { continue }
            out[sub] = event
        }
        return out
    }

    static let plan = TokenDesignTests.claim("plan", .constant(.string("enterprise")))

    @Test("each subject with a live token gets the new values of the changed claims; its tokens stay active")
    func eachSubjectGetsItsNewValues() async throws {
        try await Delivery.withPushStream { server, clock, receiver, _ in
            let billing = try await Self.liveTokens(server)
            let outcome = try await TokenDesignTests().publish(server) { $0.claims.append(Self.plan) }
            #expect(outcome.claimsChange == ClaimsChangeReport(subjects: 2))
            #expect(outcome.verdict.hasSuffix("; token-claims-change sent for 2 subjects"), "\(outcome.verdict)")
            let report = await server.engine.deliverSecurityEvents(using: Delivery.pusher)
            #expect(report.delivered == 2, "\(report)")
            let events = try await Self.claimsChanges(server, receiver)
            #expect(Set(events.keys) == ["u-alice", "billing-service"])
            for event in events.values {
                #expect(event["claims"] == ["plan": "enterprise"])
                #expect(event["event_timestamp"]?.doubleValue == Double(Int64(clock.now().timeIntervalSince1970)))
                #expect(event["reason_admin"]?["en"]?.stringValue == "design version 2: test")
            }
            #expect(try await server.isActive(billing), "a claims change revokes nothing")
        }
    }

    @Test("a claim the design no longer issues is null; a change APIs do not read (ID token only) sends nothing")
    func removedIsNullAndIDTokenOnlyIsSilent() async throws {
        try await Delivery.withPushStream { server, _, receiver, _ in
            _ = try await Self.liveTokens(server)
            _ = try await TokenDesignTests().publish(server) { $0.claims.append(Self.plan) }
            _ = await server.engine.deliverSecurityEvents(using: Delivery.pusher)
            let added = receiver.pushes.count
            _ = try await TokenDesignTests().publish(server) { $0.claims.removeAll { $0.name == "plan" } }
            _ = await server.engine.deliverSecurityEvents(using: Delivery.pusher)
            let removed = try await Self.claimsChanges(server, receiver, after: added)
            #expect(removed.count == 2 && removed.values.allSatisfy { $0["claims"] == ["plan": .null] }, "\(removed)")
            var nickname = TokenDesignTests.claim("nick", .constant("al"))
            nickname.destinations = [.idToken]
            let quiet = try await TokenDesignTests().publish(server) { $0.claims.append(nickname) }
            #expect(quiet.claimsChange == ClaimsChangeReport() && !quiet.verdict.contains("token-claims-change"))
            #expect(await server.engine.deliverSecurityEvents(using: Delivery.pusher).claimed == 0)
        }
    }

    @Test("no stream takes the event: nothing is scanned or sent")
    func noSubscriberNoEvents() async throws {
        try await Delivery.withPushStream(events: [SecurityEventType.sessionRevoked]) { server, _, receiver, _ in
            _ = try await Self.liveTokens(server)
            let outcome = try await TokenDesignTests().publish(server) { $0.claims.append(Self.plan) }
            #expect(outcome.claimsChange == ClaimsChangeReport())
            #expect(await server.engine.deliverSecurityEvents(using: Delivery.pusher).claimed == 0)
            #expect(receiver.pushes.isEmpty)
        }
    }

    /// The limit bounds the subjects looked at (a preview each), newest token first; whether the
    /// first one's values changed depends on which subject that is, hence at most one event.
    @Test("over the subject limit: the scan stops, and the verdict says the others keep their cached claims")
    func theSubjectLimitIsReported() async throws {
        var policy = SecurityEventPolicy()
        policy.claimsChangeSubjectLimit = 1
        try await Delivery.withPushStream(policy: policy) { server, _, receiver, _ in
            _ = try await Self.liveTokens(server)
            let outcome = try await TokenDesignTests().publish(server) { $0.claims.append(Self.plan) }
            #expect(outcome.claimsChange.truncated && outcome.claimsChange.subjects <= 1, "\(outcome.claimsChange)")
            #expect(outcome.verdict.contains("limit reached; the others' APIs keep their cached claims until the tokens expire"))
            _ = await server.engine.deliverSecurityEvents(using: Delivery.pusher)
            #expect(try await Self.claimsChanges(server, receiver).count == outcome.claimsChange.subjects)
        }
    }
}
