import AsyncHTTPClient
import ClaimdeckTestSupport
import Foundation
import JOSE
import NIOCore
import Testing

/// Revocation that reaches an API, with real processes: `claimdeck serve`, the example invoices API
/// subscribed to it with its own client credentials, and the `claimdeck` CLI revoking. No request of
/// the API goes to Claimdeck on the request path: it accepts the JWT locally, and refuses it once the
/// pushed event has arrived. The delay is printed (the README quotes it); the test only bounds it by a
/// generous timeout.
@Suite("shared signals: end to end", .serialized)
struct SharedSignalsEndToEndTests {
    static func status(_ url: String, token: String) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    /// Polls the API every 10 ms until it answers `expected` for `token`; the time that took, or nil after `timeout`.
    static func waitForStatus(_ expected: Int, _ url: String, token: String, timeout: Duration = .seconds(60)) async throws -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < timeout {
            if try await status(url, token: token) == expected { return ContinuousClock.now - start }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    /// Starts the invoices API subscribed as `client`; answers it and its base URL once it has subscribed.
    static func startAPI(issuer: String, client: String, secret: String) async throws -> (Binary.Running, String) {
        let api = try Binary.Running(
            ["--issuer", issuer, "--port", "0", "--events-client-id", client],
            environment: ["INVOICES_API_CLIENT_SECRET": secret],
            executable: Binary.invoicesAPIPath
        )
        guard try await api.waitFor("subscribed to security events", timeout: .seconds(60)),
            let match = api.output.firstMatch(of: /listening on (http:\/\/127\.0\.0\.1:\d+)\n/)
        else {
            api.stop()
            throw Binary.BinaryError("the invoices API did not subscribe: \(api.output)")
        }
        return (api, String(match.1))
    }

    @Test("a CLI revocation reaches the subscribed API, and reaches it after a restart it was down for")
    func revocationReachesTheAPI() async throws {
        let (server, port, dir, db) = try await Binary.serveDemo()
        defer {
            server.stop()
            try? FileManager.default.removeItem(at: dir)
        }
        let issuer = "http://127.0.0.1:\(port)/sms"
        // The API's own client at Claimdeck: a receiver of security events.
        let registered = try await Binary.run([
            "client", "register", "--tenant", "sms", "--id", "invoices-api", "--name", "Invoices API",
            "--scope", "ssf.manage", "--audience", issuer, "--db", db, "--json",
        ])
        #expect(registered.code == 0, "\(registered.stderr)")
        let secret = try #require(registered.json?["client_secret"]?.stringValue)
        var (api, base) = try await Self.startAPI(issuer: issuer, client: "invoices-api", secret: secret)
        defer { api.stop() }

        func billingToken() async throws -> String {
            let (status, body) = try await HTTPClient.shared.postForm(
                issuer + "/token",
                "grant_type=client_credentials",
                basic: ("billing-service", "billing-demo-secret")
            )
            #expect(status == 200)
            return try #require(body?["access_token"]?.stringValue)
        }
        let token = try await billingToken()
        #expect(try await Self.status(base + "/invoices", token: token) == 200, "the JWT is accepted, validated locally")

        // The dry run says who stays exposed: nobody at the subscribed invoices API.
        let dry = try await Binary.run(["token", "revoke", "--tenant", "sms", "--subject", "billing-service", "--dry-run", "--db", db])
        #expect(dry.stdout.contains("Residual exposure: 0 s for subscribed APIs (invoices, nothing acknowledged yet)"), "\(dry.stdout)")

        let start = ContinuousClock.now
        let revoked = try await Binary.run(["token", "revoke", "--tenant", "sms", "--subject", "billing-service", "--db", db, "--json"])
        #expect(revoked.code == 0, "\(revoked.stderr)")
        let refusedAfter = try await Self.waitForStatus(401, base + "/invoices", token: token)
        let delay = try #require(refusedAfter.map { _ in ContinuousClock.now - start }, "the API never refused the revoked JWT")
        print("Shared Signals: the API refused the revoked JWT \(delay) after the CLI revocation started (the CLI process included)")

        // Once it acknowledged, the dry run says when; an API without a stream stays exposed until the JWTs expire.
        let (status, monitor) = try await HTTPClient.shared.postForm(
            issuer + "/token",
            "grant_type=client_credentials",
            basic: ("status-monitor", "monitor-demo-secret")
        )
        #expect(status == 200 && monitor?["access_token"] != nil)
        let exposed = try await Binary.run(["token", "revoke", "--tenant", "sms", "--client", "status-monitor", "--dry-run", "--db", db, "--json"])
        let entry = try #require(exposed.json?["exposure"]?.arrayValue?.first, "\(exposed.stdout)")
        #expect(entry["audience"]?.stringValue == "https://api.sms.example/status")
        #expect(entry["subscribed"] == false && entry["usable_until"]?.stringValue != nil, "\(entry)")

        // The API is down while the next revocation is pushed; it gets it once it is back. (A token
        // issued in the revocation's second counts as revoked: `iat` has whole seconds.)
        try await Task.sleep(for: .milliseconds(1100))
        let second = try await billingToken()
        #expect(try await Self.status(base + "/invoices", token: second) == 200)
        let billingDry = try await Binary.run(["token", "revoke", "--tenant", "sms", "--client", "billing-service", "--dry-run", "--db", db])
        #expect(billingDry.stdout.contains("0 s for subscribed APIs (invoices, last acknowledged "), "\(billingDry.stdout)")
        api.stop()
        let again = try await Binary.run(["token", "revoke", "--tenant", "sms", "--subject", "billing-service", "--db", db])
        #expect(again.code == 0, "\(again.stderr)")
        try await Task.sleep(for: .seconds(1))  // a push or two fail meanwhile
        (api, base) = try await Self.startAPI(issuer: issuer, client: "invoices-api", secret: secret)
        let caughtUp = try await Self.waitForStatus(401, base + "/invoices", token: second)
        #expect(caughtUp != nil, "the event revoked while the API was down never reached it")
        print("Shared Signals: after its restart the API refused the JWT revoked while it was down within \(caughtUp ?? .zero)")
        #expect(api.output.contains("stream"), "\(api.output)")
    }
}
