import AuthEngine
import ClaimdeckResourceServer
import ClaimdeckTestSupport
import Foundation
import JOSE
import Synchronization
import Testing

/// The API's own claims: looked up once per token, cached with it, bounded by an LRU.
@Suite struct ClaimsCacheTests {
    /// A lookup that counts its calls and answers the call's number, so a cached answer is recognisable.
    final class CountingLookup: Sendable {
        private let calls = Mutex<[String]>([])
        let failing: Bool

        init(failing: Bool = false) { self.failing = failing }

        /// The `jti` of every token looked up, in order.
        var tokensLookedUp: [String] { calls.withLock { $0 } }

        func lookup(_ principal: Principal) async throws -> [String: JSONValue] {
            let n = calls.withLock {
                $0.append(principal.tokenID ?? "-")
                return $0.count
            }
            if failing { throw FixtureError("customer service down") }
            return ["call": .number(Double(n)), "tier": "gold"]
        }
    }

    static func validator(_ server: LiveClaimdeck, _ lookup: CountingLookup, maximumCachedTokens: Int = 10_000) -> TokenValidator {
        TokenValidator(
            configuration: ResourceServerConfiguration(issuer: server.issuer, audience: Audience.invoices, maximumCachedTokens: maximumCachedTokens),
            clock: ManualWallClock(Date()),
            extraClaims: lookup.lookup
        )
    }

    @Test func theLookupRunsOncePerTokenAndANewTokenGetsFreshClaims() async throws {
        try await LiveClaimdeck.with { server in
            let lookup = CountingLookup()
            let validator = Self.validator(server, lookup)
            let first = try await server.accessToken(.billing)
            for _ in 0..<3 {
                #expect(try await validator.validate(first).extraClaims == ["call": 1, "tier": "gold"])
            }
            #expect(lookup.tokensLookedUp.count == 1)
            // After a permission change the client gets a new token: its claims are looked up anew.
            let second = try await server.accessToken(.billing)
            #expect(try await validator.validate(second).extraClaims == ["call": 2, "tier": "gold"])
            #expect(try await validator.validate(first).extraClaims == ["call": 1, "tier": "gold"])
            #expect(lookup.tokensLookedUp.count == 2)
        }
    }

    @Test func concurrentRequestsWithOneTokenLookItUpOnce() async throws {
        try await LiveClaimdeck.with { server in
            let lookup = CountingLookup()
            let validator = Self.validator(server, lookup)
            let token = try await server.accessToken(.billing)
            let answers = try await withThrowingTaskGroup(of: [String: JSONValue].self) { group in
                for _ in 0..<20 { group.addTask { try await validator.validate(token).extraClaims } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.count == 20)
            #expect(answers.allSatisfy { $0 == ["call": 1, "tier": "gold"] })
            #expect(lookup.tokensLookedUp.count == 1)
            #expect(await validator.jwksFetchCount == 1)
        }
    }

    @Test func theLeastRecentlyUsedTokenIsEvictedAtTheBound() async throws {
        try await LiveClaimdeck.with { server in
            let lookup = CountingLookup()
            let validator = Self.validator(server, lookup, maximumCachedTokens: 2)
            let a = try await server.accessToken(.billing)
            let b = try await server.accessToken(.billing)
            let c = try await server.accessToken(.billing)
            _ = try await validator.validate(a)
            _ = try await validator.validate(b)
            _ = try await validator.validate(a)  // a is now the most recently used; b goes next
            _ = try await validator.validate(c)
            #expect(await validator.cachedTokenCount == 2)
            #expect(lookup.tokensLookedUp.count == 3)
            _ = try await validator.validate(a)
            _ = try await validator.validate(c)
            #expect(lookup.tokensLookedUp.count == 3)
            // b was evicted: looked up again (and now a, the least recent, is out).
            #expect(try await validator.validate(b).extraClaims["call"] == 4)
            #expect(lookup.tokensLookedUp.count == 4)
            #expect(await validator.cachedTokenCount == 2)
        }
    }

    @Test func aFailingLookupRefusesNothingForGoodAndCachesNothing() async throws {
        try await LiveClaimdeck.with { server in
            let lookup = CountingLookup(failing: true)
            let validator = Self.validator(server, lookup)
            let token = try await server.accessToken(.billing)
            for _ in 0..<2 {
                #expect(await TokenValidatorTests.refusal(validator, token) == .claimsLookupFailed(reason: "customer service down"))
            }
            #expect(lookup.tokensLookedUp.count == 2)
            #expect(await validator.cachedTokenCount == 0)
        }
    }
}
