import AsyncHTTPClient
import ClaimdeckTestSupport
import Foundation
import JOSE
import Synchronization
import Testing

/// Three `claimdeck serve` processes on one PostgreSQL database, with the CLI beside them: what an
/// operator running several nodes behind a load balancer relies on.
@Suite("several nodes on PostgreSQL, as real binaries", .serialized)
struct SeveralNodesTests {
    let partner = ("partner-portal", "partner-demo-secret")
    let gateway = ("api-gateway", "gateway-demo-secret")

    struct Node {
        let process: Binary.Running
        let base: String
    }

    /// Starts `claimdeck serve` on `url` with the shared master key; the first node loads the demo.
    func node(_ url: String, key: String, demo: Bool = false) async throws -> Node {
        let server = try Binary.Running(
            ["serve", "--db", url, "--port", "0", "--log-level", "error"] + (demo ? ["--demo"] : []),
            environment: ["CLAIMDECK_MASTER_KEY": key]
        )
        guard try await server.waitFor("serving on http://127.0.0.1:", timeout: .seconds(90)), let port = try await server.boundPort() else {
            server.stop()
            throw FixtureError("a node did not start: \(server.output)")
        }
        return Node(process: server, base: "http://127.0.0.1:\(port)/sms")
    }

    func issue(_ http: HTTPClient, at node: Node) async throws -> String? {
        let (status, body) = try await http.postForm(node.base + "/token", "grant_type=client_credentials", basic: partner)
        return status == 200 ? body?["access_token"]?.stringValue : nil
    }

    func isActive(_ http: HTTPClient, _ token: String, at node: Node) async throws -> Bool? {
        try await http.postForm(node.base + "/introspect", "token=\(token)", basic: gateway).1?["active"]?.boolValue
    }

    /// How long after now `node` first refuses `partner`'s client_credentials request (nil: not within 20 s).
    func timeUntilRefused(_ http: HTTPClient, at node: Node) async throws -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(20) {
            let (status, _) = try await http.postForm(node.base + "/token", "grant_type=client_credentials", basic: partner)
            if status == 401 { return ContinuousClock.now - start }
            try await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    @Test func tokensRevocationsAndIncidentActionsHoldOnEveryNode() async throws {
        let url = try TestPostgres.freshDatabase()
        let key = SecretBox.generateMasterKey().base64EncodedString()
        let cli = ["CLAIMDECK_MASTER_KEY": key]
        let a = try await node(url, key: key, demo: true)
        defer { a.process.stop() }
        let b = try await node(url, key: key)
        defer { b.process.stop() }
        let c = try await node(url, key: key)
        defer { c.process.stop() }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = http.shutdown() }

        // A token issued by A is active on B; revoked through C (RFC 7009), inactive on A and B.
        let token = try #require(try await issue(http, at: a))
        #expect(try await isActive(http, token, at: b) == true)
        let (revoked, _) = try await http.postForm(c.base + "/revoke", "token=\(token)", basic: partner)
        #expect(revoked == 200)
        #expect(try await isActive(http, token, at: a) == false)
        #expect(try await isActive(http, token, at: b) == false)

        // A standard client library signs in on A, refreshes on B and reuses the old refresh token on
        // C: the reuse revokes the family, so A then refuses its newest refresh token.
        try StandardClientInteropTests.requireAuthlib()
        let script = Binary.repoRoot.appendingPathComponent("Tests/Interop/authlib_client.py").path
        let interop = try await Binary.complete(StandardClientInteropTests.python, [script, a.base, b.base, c.base])
        #expect(interop.code == 0 && interop.stdout.contains("interop ok"), "\(interop.stdout)\n\(interop.stderr)")

        // A subject revoked through the CLI: inactive on every node.
        let second = try #require(try await issue(http, at: b))
        let revoke = try await Binary.run(
            ["token", "revoke", "--tenant", "sms", "--subject", "partner-portal", "--db", url, "--json"],
            environment: cli
        )
        #expect(revoke.code == 0, "\(revoke.stderr)")
        #expect(try await isActive(http, second, at: a) == false)
        #expect(try await isActive(http, second, at: c) == false)

        // Every node keeps one audit chain.
        let verify = try await Binary.run(["audit", "verify", "--db", url], environment: cli)
        #expect(verify.code == 0 && verify.stdout.contains("intact"), "\(verify.stdout) \(verify.stderr)")

        // A client disabled through the CLI is refused by A and B, pushed (LISTEN/NOTIFY). The issue's
        // "within one second" is a latency target, measured by `bench/propagation.py` on an idle
        // machine (a test on a CI machine running every suite at once saw 2.9 s); the bound here
        // only catches a node that never hears of it or waits for a slow poll.
        let disable = try await Binary.run(["client", "disable", "--tenant", "sms", "partner-portal", "--db", url], environment: cli)
        #expect(disable.code == 0, "\(disable.stderr)")
        for node in [a, b] {
            let after = try #require(try await timeUntilRefused(http, at: node))
            #expect(after < .seconds(10), "refused only \(after) after the CLI returned")
        }
        let enable = try await Binary.run(["client", "enable", "--tenant", "sms", "partner-portal", "--db", url], environment: cli)
        #expect(enable.code == 0)
    }

    @Test func aNodeWithAnotherMasterKeyRefusesToStart() async throws {
        let url = try TestPostgres.freshDatabase()
        let key = SecretBox.generateMasterKey().base64EncodedString()
        let first = try await Binary.run(["tenant", "create", "t1", "--db", url], environment: ["CLAIMDECK_MASTER_KEY": key])
        #expect(first.code == 0, "\(first.stderr)")
        let other = SecretBox.generateMasterKey().base64EncodedString()
        let refused = try await Binary.run(["serve", "--db", url, "--port", "0"], environment: ["CLAIMDECK_MASTER_KEY": other])
        #expect(refused.code == 1)
        #expect(refused.stderr.contains("master key is not the one the database"), "\(refused.stderr)")
        #expect(!refused.stderr.contains(other) && !refused.stderr.contains(key))
        let none = try await Binary.run(["tenant", "list", "--db", url])
        #expect(none.code == 2 && none.stderr.contains("CLAIMDECK_MASTER_KEY"))
    }

    /// kill -9 one node while two take requests: the other keeps answering, and every token any node
    /// acknowledged (a 200 with the token) is found afterwards.
    @Test func aNodeKilledUnderLoadLosesNothingItAcknowledged() async throws {
        let url = try TestPostgres.freshDatabase()
        let key = SecretBox.generateMasterKey().base64EncodedString()
        let a = try await node(url, key: key, demo: true)
        defer { a.process.stop() }
        let b = try await node(url, key: key)
        defer { b.process.stop() }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = http.shutdown() }

        // As a load balancer would, the workers stop sending to B once it is gone (the HTTP client
        // would otherwise retry connecting to it until each request's deadline).
        let killed = KilledFlag()
        let acknowledged = try await withThrowingTaskGroup(of: [(String, Bool)].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var issued: [(String, Bool)] = []
                    for i in 0..<40 {
                        let toA = (worker + i) % 2 == 0 || killed.isSet
                        // Requests in flight to B when it dies fail (reset): they were never acknowledged.
                        if let token = try? await issue(http, at: toA ? a : b) { issued.append((token, toA)) }
                    }
                    return issued
                }
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(300))
                kill(b.process.process.processIdentifier, SIGKILL)
                killed.set()
                return []
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let byA = acknowledged.filter(\.1).count
        #expect(byA >= 160, "A answered \(byA) of the requests sent to it")
        #expect(acknowledged.count > byA, "B acknowledged nothing before it was killed")
        for (token, _) in acknowledged {
            #expect(try await isActive(http, token, at: a) == true)
        }
    }
}

private final class KilledFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
