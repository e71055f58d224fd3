import AuthEngine
import ClaimdeckResourceServer
import ClaimdeckTestSupport
import Foundation
import JOSE
import Synchronization
import Testing

/// CAEP 1.0 token-claims-change at the receiver: the subject's (or one token's) cached validations,
/// with their introspection answers and the API's extra claims, are forgotten and recomputed at the
/// next request; nothing is refused, and other subjects' entries stay cached.
@Suite struct ClaimsChangeEventTests {
    typealias Receiver = SecurityEventReceiverTests

    /// Runs `body` against a fresh server with a validator of the status API (whose tokens come from
    /// two JWT clients and one opaque one), introspecting as the gateway, with a counting claims lookup,
    /// on a manual clock shared with the server.
    static func with(
        _ body: (LiveClaimdeck, TokenValidator, ClaimsCacheTests.CountingLookup, ManualWallClock) async throws -> Void
    ) async throws {
        let clock = ManualWallClock(Date())
        try await LiveClaimdeck.with(clock: clock) { server in
            let lookup = ClaimsCacheTests.CountingLookup()
            let validator = TokenValidator(
                configuration: ResourceServerConfiguration(
                    issuer: server.issuer,
                    audience: Audience.status,
                    introspectionClient: .init(id: DemoClient.apiGateway.id, secret: DemoClient.apiGateway.secret)
                ),
                clock: clock,
                extraClaims: lookup.lookup
            )
            try await body(server, validator, lookup, clock)
        }
    }

    static func claimsChange(_ server: LiveClaimdeck, subject: JSONValue, at time: Date, claims: JSONValue = ["tier": "platinum"]) throws -> String {
        try Receiver.securityEvent(
            server,
            SecurityEvent.tokenClaimsChange,
            subject: subject,
            at: time,
            body: ["claims": claims, "initiating_entity": "admin", "reason_admin": ["en": "design published"]],
            audience: Audience.status
        )
    }

    @Test func theSubjectsCachedTokensAreLookedUpAgainAndStayAcceptedWhileOthersStayCached() async throws {
        try await Self.with { server, validator, lookup, clock in
            let first = try await server.accessToken(.apiGateway)
            let second = try await server.accessToken(.apiGateway)
            let other = try await server.accessToken(.statusMonitor)
            #expect(try await validator.validate(first).extraClaims["call"] == 1)
            #expect(try await validator.validate(second).extraClaims["call"] == 2)
            #expect(try await validator.validate(other).extraClaims["call"] == 3)

            let set = try Self.claimsChange(server, subject: Receiver.issSub(server, "api-gateway"), at: clock.now())
            let answers = try await Receiver.push(validator, [set])
            #expect(answers.map(\.0) == [.accepted])
            #expect(answers.map(\.1) == [""])
            #expect(await validator.cachedTokenCount == 1)

            // Not a revocation: both tokens are accepted, their claims looked up anew (once each).
            #expect(try await validator.validate(first).extraClaims["call"] == 4)
            #expect(try await validator.validate(second).extraClaims["call"] == 5)
            #expect(try await validator.validate(first).extraClaims["call"] == 4)
            // The other subject's entry never left.
            #expect(try await validator.validate(other).extraClaims["call"] == 3)
            #expect(lookup.tokensLookedUp.count == 5)
            #expect(await validator.cachedTokenCount == 3)
        }
    }

    @Test func anEventForOneJTIForgetsThatTokenOnly() async throws {
        try await Self.with { server, validator, lookup, clock in
            let changed = try await server.accessToken(.apiGateway)
            let kept = try await server.accessToken(.apiGateway)
            _ = try await validator.validate(changed)
            _ = try await validator.validate(kept)
            let jti = try #require(JWS.parse(changed)?.payload["jti"]?.stringValue)
            let set = try Self.claimsChange(
                server,
                subject: ["format": "jwt_id", "iss": .string(server.issuer), "jti": .string(jti)],
                at: clock.now()
            )
            #expect(try await Receiver.push(validator, [set]).map(\.0) == [.accepted])
            #expect(try await validator.validate(changed).extraClaims["call"] == 3)
            #expect(try await validator.validate(kept).extraClaims["call"] == 2)
        }
    }

    @Test func theSubjectsCachedIntrospectionAnswerIsAskedForAgain() async throws {
        try await Self.with { server, validator, _, clock in
            let token = try await server.accessToken(.partnerPortal)
            #expect(try await validator.validate(token).source == .introspection)
            // Revoked at the server: the cached answer would accept it for minutes...
            try await server.revoke(token, as: .partnerPortal)
            #expect(try await validator.validate(token).clientID == "partner-portal")
            // ...until the claims change makes the validator introspect again, and hear it is inactive.
            let set = try Self.claimsChange(server, subject: Receiver.issSub(server, "partner-portal"), at: clock.now())
            #expect(try await Receiver.push(validator, [set]).map(\.0) == [.accepted])
            #expect(
                await TokenValidatorTests.refusal(validator, token) == .invalidToken(reason: "the token is not active (expired, revoked or unknown)")
            )
        }
    }

    @Test func aValidationUnderWayWhenTheEventArrivesIsNotKept() async throws {
        let clock = ManualWallClock(Date())
        try await LiveClaimdeck.with(clock: clock) { server in
            let gate = LookupGate()
            let validator = TokenValidator(
                configuration: ResourceServerConfiguration(issuer: server.issuer, audience: Audience.status),
                clock: clock,
                extraClaims: gate.lookup
            )
            let token = try await server.accessToken(.apiGateway)
            // The first validation is stopped inside the lookup (it read the claims before the change).
            let underWay = Task { try await validator.validate(token).extraClaims }
            await gate.waitForCall(1)
            let set = try Self.claimsChange(server, subject: Receiver.issSub(server, "api-gateway"), at: clock.now())
            #expect(try await Receiver.push(validator, [set]).map(\.0) == [.accepted])
            gate.open()
            #expect(try await underWay.value == ["call": 1])
            // Its answer served the request that was waiting, but was not cached: looked up again.
            #expect(try await validator.validate(token).extraClaims == ["call": 2])
            #expect(try await validator.validate(token).extraClaims == ["call": 2])
        }
    }

    @Test func aMalformedClaimsChangeIsRefusedAndForgetsNothing() async throws {
        try await Self.with { server, validator, lookup, clock in
            let token = try await server.accessToken(.apiGateway)
            _ = try await validator.validate(token)
            let subject = Receiver.issSub(server, "api-gateway")
            let withoutClaims = try Receiver.securityEvent(
                server,
                SecurityEvent.tokenClaimsChange,
                subject: subject,
                at: clock.now(),
                audience: Audience.status
            )
            let answers = try await Receiver.push(
                validator,
                [
                    withoutClaims,
                    try Self.claimsChange(server, subject: subject, at: clock.now(), claims: [:]),
                    try Self.claimsChange(server, subject: subject, at: clock.now(), claims: "tier"),
                    try Self.claimsChange(server, subject: ["format": "email", "email": "gw@example.com"], at: clock.now()),
                    try Self.claimsChange(
                        server,
                        subject: ["format": "iss_sub", "iss": "https://elsewhere.example", "sub": "api-gateway"],
                        at: clock.now()
                    ),
                ]
            )
            #expect(answers.map(\.0) == [.badRequest, .badRequest, .badRequest, .badRequest, .badRequest])
            let noClaims = #"{"description":"the token-claims-change event has no claims object","err":"invalid_request"}"#
            let badSubject = #"{"description":"the event's sub_id must be iss_sub or jwt_id with the tokens' issuer","err":"invalid_request"}"#
            #expect(answers.map(\.1) == [noClaims, noClaims, noClaims, badSubject, badSubject])
            #expect(try await validator.validate(token).extraClaims["call"] == 1)
            #expect(lookup.tokensLookedUp.count == 1)
        }
    }

    @Test func anEventOfAnUnknownTypeIsAcknowledgedAndChangesNothing() async throws {
        try await Self.with { server, validator, lookup, clock in
            let token = try await server.accessToken(.apiGateway)
            _ = try await validator.validate(token)
            let set = try Receiver.securityEvent(
                server,
                "https://schemas.openid.net/secevent/caep/event-type/assurance-level-change",
                subject: Receiver.issSub(server, "api-gateway"),
                at: clock.now(),
                body: ["claims": ["tier": "platinum"]],
                audience: Audience.status
            )
            #expect(try await Receiver.push(validator, [set]).map(\.0) == [.accepted])
            #expect(try await validator.validate(token).extraClaims["call"] == 1)
        }
    }
}

/// A claims lookup that counts its calls and holds each one until `open()`: a validation caught
/// in the middle, deterministically (no sleeps).
final class LookupGate: Sendable {
    private struct State {
        var calls = 0
        var isOpen = false
        var held: [CheckedContinuation<Void, Never>] = []
        var watchers: [(Int, CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    func lookup(_ principal: Principal) async throws -> [String: JSONValue] {
        let (n, ready) = state.withLock { state in
            state.calls += 1
            let n = state.calls
            let ready = state.watchers.filter { $0.0 <= n }.map(\.1)
            state.watchers.removeAll { $0.0 <= n }
            return (n, ready)
        }
        for watcher in ready { watcher.resume() }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.isOpen { return true }
                state.held.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
        return ["call": .number(Double(n))]
    }

    /// Returns once the lookup has been called `n` times.
    func waitForCall(_ n: Int) async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.calls >= n { return true }
                state.watchers.append((n, continuation))
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Lets every held and later call through.
    func open() {
        let held = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.isOpen = true
            defer { state.held = [] }
            return state.held
        }
        for continuation in held { continuation.resume() }
    }
}
