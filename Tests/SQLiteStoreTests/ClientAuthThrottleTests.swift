import AuthEngine
import ClaimdeckTestSupport
import Foundation
import Testing

/// Client authentication cannot be brute-forced or probed: failures are throttled per client and
/// per address, every failure answers the same text, and a throttled caller's refusals are counted
/// in one audit event per window instead of a row each. On the engine's manual clock, exactly.
@Suite("client authentication throttling")
struct ClientAuthThrottleTests {
    func attempt(_ f: Fixture, _ id: String, _ secret: String, from address: String = "198.51.100.7") async -> Result<TokenResponse, OAuthError> {
        do {
            return .success(
                try await f.engine.token(
                    TokenEndpointRequest(
                        tenantID: "sms",
                        form: FormParameters(pairs: [("grant_type", "client_credentials")]),
                        authorization: f.basic(id, secret),
                        remoteAddress: address
                    )
                )
            )
        } catch {
            return .failure(error)
        }
    }

    func refusal(_ r: Result<TokenResponse, OAuthError>) -> OAuthError? {
        if case .failure(let e) = r { return e }
        return nil
    }

    @Test("five wrong secrets, then 429 with Retry-After, even for the right secret, until the delay has passed")
    func throttledPerClient() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        for _ in 0..<5 {
            let e = try #require(refusal(await attempt(f, "billing-service", "guess")))
            #expect(e.status == 401 && e.code == "invalid_client" && e.retryAfter == nil)
        }
        let throttled = try #require(refusal(await attempt(f, "billing-service", "billing-demo-secret")))
        #expect(throttled.status == 429 && throttled.code == "invalid_client" && throttled.retryAfter == 1)
        // Another client from another address is not held up by it.
        if case .failure(let e) = await attempt(f, "api-gateway", "gateway-demo-secret", from: "203.0.113.9") { Issue.record("\(e)") }
        f.clock.advance(by: 1)
        if case .failure(let e) = await attempt(f, "billing-service", "billing-demo-secret") { Issue.record("after the delay: \(e)") }
        // A success clears the client's count: the next failure is free again.
        #expect(refusal(await attempt(f, "billing-service", "guess"))?.status == 401)
        // The delay doubles with each further failure beyond the free ones.
        for _ in 0..<4 { _ = await attempt(f, "billing-service", "guess") }
        f.clock.advance(by: 1)
        _ = await attempt(f, "billing-service", "guess")
        #expect(refusal(await attempt(f, "billing-service", "billing-demo-secret"))?.retryAfter == 2)
    }

    @Test("unknown client, wrong secret, disabled client: the same answer; the audit keeps the cause")
    func oneAnswerWhateverTheCause() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        _ = try await f.engine.setClientDisabled(tenantID: "sms", clientID: "status-monitor", disabled: true, actor: "test")
        let unknown = try #require(refusal(await attempt(f, "no-such-client", "x", from: "192.0.2.1")))
        let wrong = try #require(refusal(await attempt(f, "billing-service", "x", from: "192.0.2.2")))
        let disabled = try #require(refusal(await attempt(f, "status-monitor", "monitor-demo-secret", from: "192.0.2.3")))
        for e in [unknown, wrong, disabled] {
            #expect(e.code == "invalid_client" && e.errorDescription == "client authentication failed" && e.status == 401)
            #expect(e.challenge == #"Basic realm="sms""#)
        }
        let events = try await f.store.events(after: 0, limit: 100, filter: AuditFilter(type: .tokenRefused))
        let causes = events.map { $0.event.details["description"] ?? "" }
        #expect(causes.count == 3)
        #expect(causes[0].contains("unknown client") && causes[1].contains("wrong secret") && causes[2].contains("disabled"), "\(causes)")
    }

    @Test("twenty failures from one address, whatever the client ids, throttle that address")
    func throttledPerAddress() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        for i in 0..<20 { #expect(refusal(await attempt(f, "probe-\(i)", "x"))?.status == 401) }
        #expect(refusal(await attempt(f, "probe-20", "x"))?.status == 429)
        #expect(refusal(await attempt(f, "billing-service", "billing-demo-secret"))?.status == 429)
        if case .failure(let e) = await attempt(f, "billing-service", "billing-demo-secret", from: "203.0.113.1") { Issue.record("\(e)") }
    }

    @Test("a throttled caller's refusals: one audit event per window with the exact count, flushed when it closes or at a stop")
    func refusalsAreAggregated() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        func refused() async throws -> [AuditEventDraft] {
            try await f.store.events(after: 0, limit: 10_000, filter: AuditFilter(type: .tokenRefused)).map(\.event)
        }
        for _ in 0..<5 { _ = await attempt(f, "billing-service", "guess") }
        #expect(try await refused().count == 5)
        for _ in 0..<300 { _ = await attempt(f, "billing-service", "guess") }
        #expect(try await refused().count == 5, "no row per throttled attempt")
        await f.engine.flushAggregatedRefusals()
        #expect(try await refused().count == 5, "the window is still open")

        f.clock.advance(by: 5)
        await f.engine.flushAggregatedRefusals()
        let events = try await refused()
        #expect(events.count == 6)
        let folded = try #require(events.last)
        #expect(folded.details["aggregated"] == "true" && folded.details["count"] == "300")
        #expect(folded.clientID == "billing-service" && folded.reason == "invalid_client")
        #expect(folded.details["reasons"] == "invalid_client" && folded.details["first"] == folded.details["last"])
        #expect(folded.details["description"]?.hasPrefix("throttled") == true)

        // The 1 s delay has passed meanwhile: the next attempt is checked (and written as it comes),
        // the six after it are throttled again; a window open at a stop is written by the stop.
        for _ in 0..<7 { _ = await attempt(f, "billing-service", "guess") }
        await f.engine.flushAggregatedRefusals(everything: true)
        let tail = try await refused().suffix(2)
        #expect(tail.first?.details["aggregated"] == nil && tail.first?.details["description"]?.contains("wrong secret") == true)
        #expect(tail.last?.details["count"] == "6")
    }
}
