import AsyncHTTPClient
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// `claimdeck store copy`: a SQLite installation with issued tokens moved onto PostgreSQL, compared
/// row for row through the CLI, then served from the copy under the source's master key.
@Suite("store copy from SQLite to PostgreSQL, as real binaries", .serialized)
struct StoreCopyTests {
    let partner = ("partner-portal", "partner-demo-secret")
    let gateway = ("api-gateway", "gateway-demo-secret")

    @Test func theDemoWithIssuedTokensMovesWholeAndServesFromTheCopy() async throws {
        // The source: the demo tenant, three opaque tokens issued over HTTP, one of them revoked.
        let (server, port, dir, db) = try await Binary.serveDemo()
        defer { try? FileManager.default.removeItem(at: dir) }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = http.shutdown() }
        var tokens: [String] = []
        for _ in 0..<3 {
            let (status, body) = try await http.postForm("http://127.0.0.1:\(port)/sms/token", "grant_type=client_credentials", basic: partner)
            #expect(status == 200)
            tokens.append(try #require(body?["access_token"]?.stringValue))
        }
        let (revoked, _) = try await http.postForm("http://127.0.0.1:\(port)/sms/revoke", "token=\(tokens[0])", basic: partner)
        #expect(revoked == 200)
        server.stop()

        let url = try TestPostgres.freshDatabase()
        // Every node of the copy holds the source's key: here through the file beside the database.
        let key = ["CLAIMDECK_MASTER_KEY_FILE": db + ".master-key"]
        let copy = try await Binary.run(["store", "copy", "--from", db, "--to", url, "--json"])
        #expect(copy.code == 0, "\(copy.stderr)")
        let tables = try #require(copy.json?["tables"])
        #expect(tables["tokens"]?.intValue == 3)
        #expect((tables["audit_events"]?.intValue ?? 0) > 0)
        #expect(copy.json?["audit_events_verified"] == tables["audit_events"])

        // The same answers from both stores, through the same commands.
        for command in [
            ["tenant", "list"], ["client", "list", "--tenant", "sms"], ["user", "list", "--tenant", "sms"],
            ["token", "list", "--tenant", "sms"], ["key", "list", "--tenant", "sms"],
        ] {
            let fromFile = try await Binary.run(command + ["--db", db, "--json"])
            let fromCopy = try await Binary.run(command + ["--db", url, "--json"], environment: key)
            #expect(fromFile.code == 0 && fromCopy.code == 0, "\(command): \(fromFile.stderr) \(fromCopy.stderr)")
            #expect(fromFile.json == fromCopy.json, "\(command.joined(separator: " ")) differs")
        }
        let verify = try await Binary.run(["audit", "verify", "--db", url, "--json"], environment: key)
        #expect(verify.code == 0, "\(verify.stdout) \(verify.stderr)")
        #expect(verify.json?["intact"] == .bool(true))

        // Served from the copy: the tokens are as they were, and the sealed keys still sign.
        let node = try Binary.Running(["serve", "--db", url, "--port", "0", "--log-level", "error"], environment: key)
        defer { node.stop() }
        guard try await node.waitFor("serving on http://127.0.0.1:", timeout: .seconds(90)), let nodePort = try await node.boundPort() else {
            throw FixtureError("serve on the copy did not start: \(node.output)")
        }
        let base = "http://127.0.0.1:\(nodePort)/sms"
        let actives = try await tokens.asyncMap { token in
            try await http.postForm(base + "/introspect", "token=\(token)", basic: gateway).1?["active"]?.boolValue
        }
        #expect(actives == [false, true, true])
        let (issued, jwt) = try await http.postForm(
            base + "/token",
            "grant_type=client_credentials",
            basic: ("billing-service", "billing-demo-secret")
        )
        #expect(issued == 200 && jwt?["access_token"]?.stringValue?.split(separator: ".").count == 3)

        // A second copy into a database that holds an installation is refused, changing nothing.
        let again = try await Binary.run(["store", "copy", "--from", db, "--to", url])
        #expect(again.code != 0 && again.stderr.contains("already holds an installation"), "\(again.stderr)")
        let after = try await Binary.run(["token", "list", "--tenant", "sms", "--db", url, "--json"], environment: key)
        #expect(after.json?.arrayValue?.count == 4)
    }
}

extension Array where Element: Sendable {
    fileprivate func asyncMap<T: Sendable>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
