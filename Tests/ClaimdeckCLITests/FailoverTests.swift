import AsyncHTTPClient
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// PostgreSQL goes away under a running node and comes back: requests are refused with 503
/// `temporarily_unavailable` within the URL's connect_timeout (never a 500, never a hang), /readyz
/// says not ready, and the node recovers by itself; nothing it acknowledged is lost.
@Suite("a PostgreSQL outage under a running node", .serialized)
struct FailoverTests {
    let partner = ("partner-portal", "partner-demo-secret")
    let gateway = ("api-gateway", "gateway-demo-secret")

    func readiness(_ http: HTTPClient, _ url: String) async throws -> Int {
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        return Int(response.status.code)
    }

    @Test func requestsAre503WhileTheDatabaseIsDownAndTheNodeRecoversByItself() async throws {
        let cluster = try TestPostgres.Cluster.start()
        defer { cluster.stop() }
        let url = try TestPostgres.freshDatabase(on: cluster.url, connectTimeout: 2)
        let key = SecretBox.generateMasterKey().base64EncodedString()
        let server = try Binary.Running(
            ["serve", "--db", url, "--port", "0", "--demo", "--log-level", "error"],
            environment: ["CLAIMDECK_MASTER_KEY": key]
        )
        defer { server.stop() }
        #expect(try await server.waitFor("serving on http://127.0.0.1:", timeout: .seconds(90)), "\(server.output)")
        let port = try #require(try await server.boundPort())
        let base = "http://127.0.0.1:\(port)/sms"
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = http.shutdown() }

        let (issued, body) = try await http.postForm(base + "/token", "grant_type=client_credentials", basic: partner)
        #expect(issued == 200)
        let before = try #require(body?["access_token"]?.stringValue)
        #expect(try await readiness(http, "http://127.0.0.1:\(port)/readyz") == 200)

        try cluster.halt()
        let start = ContinuousClock.now
        let (refused, error) = try await http.postForm(base + "/token", "grant_type=client_credentials", basic: partner)
        let waited = ContinuousClock.now - start
        #expect(refused == 503)
        #expect(error?["error"]?.stringValue == "temporarily_unavailable")
        // The bound is the URL's 2 s, plus slack for a loaded machine: not the pool's minute of retries.
        #expect(waited < .seconds(15), "answered after \(waited)")
        let (introspected, _) = try await http.postForm(base + "/introspect", "token=\(before)", basic: gateway)
        #expect(introspected == 503)
        #expect(try await readiness(http, "http://127.0.0.1:\(port)/readyz") == 503)

        try cluster.resume()
        var recovered = false
        let resumed = ContinuousClock.now
        while !recovered && ContinuousClock.now - resumed < .seconds(60) {
            recovered = try await http.postForm(base + "/token", "grant_type=client_credentials", basic: partner).0 == 200
            if !recovered { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(recovered, "the node did not recover within a minute of the database's return")
        #expect(try await readiness(http, "http://127.0.0.1:\(port)/readyz") == 200)
        let (_, after) = try await http.postForm(base + "/introspect", "token=\(before)", basic: gateway)
        #expect(after?["active"] == .bool(true))
    }
}
