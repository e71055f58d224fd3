import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// The engine waits (config watch polls, external lookup timeouts) on the clock its init is given as
/// `timer`: with a `TestClock`, they happen when the test moves it, not after real time.
@Suite("the engine's timer")
struct TimerTests {
    /// A lookup whose answer never comes: it waits until the engine cancels it.
    struct SilentFetcher: ClaimLookupFetcher {
        func fetch(url: String, timeout: Duration) async throws -> Data {
            try await Task.sleep(for: .seconds(3600))
            return Data()
        }
    }

    @Test("a lookup's timeout fires when the timer reaches it, and not before")
    func lookupTimeout() async throws {
        let timer = TestClock()
        let f = try await Fixture.make(claimLookup: SilentFetcher(), timer: timer)
        defer { f.cleanup() }
        var design = try await f.engine.design(tenantID: "sms", .live)
        design.claims.append(
            ClaimDefinition(
                tenantID: "sms",
                name: "segment",
                type: "string",
                source: .externalLookup(ExternalLookup(url: "http://127.0.0.1:9/crm/{client_id}", timeoutMilliseconds: 200, onFailure: .omit)),
                scopes: ["invoice-read"]
            )
        )
        let outcome = try await f.engine.publishDesign(
            PublishRequest(tenantID: "sms", design: TokenDesign(scopes: design.scopes, claims: design.claims, apis: design.apis), note: "test"),
            actor: "test"
        )
        #expect(outcome.version != nil, "\(outcome.verdict)")

        let issuance = Task { try await f.issue(extra: [("scope", "invoice-read")]) }
        #expect(try await timer.waitForSleepers(1), "the lookup's timeout is waiting on the timer")
        timer.advance(by: .milliseconds(199))
        #expect(timer.sleeping == 1, "199 ms on the timer: the 200 ms timeout has not fired")
        timer.advance(by: .milliseconds(1))
        let token = try await issuance.value
        #expect(try #require(JWS.parse(token.accessToken)).payload["segment"] == nil)
        let issued = try await f.store.events(after: 0, limit: 1000, filter: .init(tenantID: "sms", type: .tokenIssued))
        #expect(issued.last?.event.details["claims_left_out"] == "segment: its external lookup failed (no answer within 200 ms)")
    }

    @Test("the config watch polls when the timer moves, and stops when cancelled")
    func watchPollsOnTheTimer() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let timer = TestClock()
        let (other, _) = try await f.secondEngine(timer: timer)
        let watcher = Task { await other.config.watch(every: .milliseconds(250)) }
        #expect(try await timer.waitForSleepers(1), "the watcher is waiting on the timer")
        _ = try await f.engine.setClientDisabled(tenantID: "sms", clientID: "billing-service", disabled: true, actor: "test")
        #expect(other.config.snapshot.client("sms", "billing-service")?.disabled == false, "no poll while the timer stands still")
        timer.advance(by: .milliseconds(250))
        // The poll runs on the watcher's task: look until it has reloaded, within a bound only a stalled
        // machine reaches (it returns as soon as the change is there).
        let start = ContinuousClock.now
        while other.config.snapshot.client("sms", "billing-service")?.disabled != true && ContinuousClock.now - start < .seconds(30) {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(other.config.snapshot.client("sms", "billing-service")?.disabled == true)
        watcher.cancel()
        await watcher.value
    }
}
