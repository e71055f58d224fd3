import AsyncHTTPClient
import Foundation
import JOSE
import NIOCore
import Testing

/// `claimdeck serve` in one process, the CLI in others, on one SQLite file: what an operator does
/// during an incident.
@Suite("claimdeck serve beside the CLI", .serialized)
struct ServeEndToEndTests {
    @Test func operatorRevokesFromTheCLIAndTheServerSeesItAtOnce() async throws {
        let (server, port, dir, db) = try await Binary.serveDemo()
        defer { try? FileManager.default.removeItem(at: dir) }
        defer { server.stop() }
        #expect(server.output.contains("Claimdeck database: \(db)"))
        // The demo database has no revocation yet: with the last one as its backlog, the tail shows the
        // revocation below whether it starts before it (live) or after it (backlog), so nothing waits for it.
        let tail = try Binary.Running(["audit", "tail", "--db", db, "--json", "--last", "1", "--type", "token.revoked"])
        defer { tail.stop() }

        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = http.shutdown() }
        let base = "http://127.0.0.1:\(port)/sms"
        let (status, token) = try await http.postForm(
            base + "/token",
            "grant_type=client_credentials&client_id=partner-portal&client_secret=partner-demo-secret"
        )
        #expect(status == 200)
        let access = try #require(token?["access_token"]?.stringValue)
        let (_, before) = try await http.postForm(base + "/introspect", "token=\(access)", basic: ("api-gateway", "gateway-demo-secret"))
        #expect(before?["active"] == .bool(true))

        // The operator revokes every token of the client from another process.
        let revoke = try await Binary.run(["token", "revoke", "--tenant", "sms", "--client", "partner-portal", "--db", db, "--json"])
        #expect(revoke.code == 0)
        #expect(revoke.json?["revoked"]?.intValue == 1 && revoke.json?["opaque"]?.intValue == 1)
        let (_, after) = try await http.postForm(base + "/introspect", "token=\(access)", basic: ("api-gateway", "gateway-demo-secret"))
        #expect(after == .object(["active": .bool(false)]))
        // The live tail in a third process shows the revocation, one JSON object per line.
        #expect(try await tail.waitFor("token.revoked", timeout: .seconds(30)))
        let line = try #require(tail.output.split(separator: "\n").first)
        #expect((try? JSONValue(parsing: String(line)))?["client_id"]?.stringValue == "partner-portal")

        // Incident actions from the CLI: the server sees them at its next poll of the database (every
        // 10 ms; bench/propagation.py measures it). The bound here is loose and returns at the first answer
        // that shows the change: a loaded CI machine delays the polling task, not the rule.
        func firstAnswer(_ wanted: Int, _ client: String, _ secret: String) async throws -> (Int, JSONValue?) {
            let deadline = ContinuousClock.now + .seconds(30)
            while true {
                let answer = try await http.postForm(base + "/token", "grant_type=client_credentials", basic: (client, secret))
                if answer.0 == wanted || ContinuousClock.now >= deadline { return answer }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        let disabled = try await Binary.run(["client", "disable", "billing-service", "--tenant", "sms", "--db", db])
        #expect(disabled.code == 0)
        #expect(disabled.stdout.contains("In force on every server of this database within 10 ms."))
        let (refused, body) = try await firstAnswer(401, "billing-service", "billing-demo-secret")
        #expect(refused == 401)
        #expect(body?["error"]?.stringValue == "invalid_client")

        // A secret rotated from the CLI: the old one is refused, the new one served.
        let rotated = try await Binary.run(["client", "rotate-secret", "api-gateway", "--tenant", "sms", "--db", db, "--json"])
        #expect(rotated.code == 0)
        let secret = try #require(rotated.json?["client_secret"]?.stringValue)
        #expect(try await firstAnswer(401, "api-gateway", "gateway-demo-secret").0 == 401)
        #expect(try await firstAnswer(200, "api-gateway", secret).0 == 200)

        // Scripts read metrics and health.
        let health = try await http.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/readyz"), timeout: .seconds(5))
        #expect(health.status.code == 200)
        #expect(try await Binary.run(["audit", "verify", "--db", db]).code == 0)
    }

    @Test("serve --port 0: the issuer in discovery, in tokens and in what it prints names the port it bound")
    func portZeroPublishesTheBoundPort() async throws {
        let (server, port, dir, _) = try await Binary.serveDemo()
        defer { try? FileManager.default.removeItem(at: dir) }
        defer { server.stop() }
        #expect(port != 0)
        let issuer = "http://127.0.0.1:\(port)/sms"
        #expect(server.output.contains("tenant sms: issuer \(issuer),"), "\(server.output)")
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = http.shutdown() }
        let discovery = try await http.execute(HTTPClientRequest(url: issuer + "/.well-known/openid-configuration"), timeout: .seconds(30))
        let meta = try JSONValue(parsing: Data(try await discovery.body.collect(upTo: 1 << 20).readableBytesView))
        #expect(meta["issuer"]?.stringValue == issuer)
        #expect(meta["token_endpoint"]?.stringValue == issuer + "/token")
        let (status, token) = try await http.postForm(
            issuer + "/token",
            "grant_type=client_credentials",
            basic: ("billing-service", "billing-demo-secret")
        )
        #expect(status == 200)
        let jwt = try #require(token?["access_token"]?.stringValue)
        let payload = try #require(jwt.split(separator: ".").dropFirst().first)
        var base64 = payload.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        let claims = try JSONValue(parsing: try #require(Data(base64Encoded: base64)))
        #expect(claims["iss"]?.stringValue == issuer)
    }

    @Test("--ops-port: readiness and metrics on their own listener, no longer beside the OAuth endpoints; /healthz on both")
    func operationsOnTheirOwnListener() async throws {
        let (dir, db) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try Binary.Running(["serve", "--db", db, "--port", "0", "--ops-port", "0", "--demo", "--log-level", "error"])
        defer { server.stop() }
        #expect(try await server.waitFor("Operations (health, readiness, metrics) on http://127.0.0.1:", timeout: .seconds(90)), "\(server.output)")
        let port = try #require(try await server.boundPort(), "\(server.output)")
        let opsLine = try #require(server.output.firstMatch(of: /Operations \(health, readiness, metrics\) on http:\/\/127\.0\.0\.1:(\d+)/))
        let ops = try #require(Int(opsLine.1))
        #expect(ops != port)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = http.shutdown() }
        func status(_ port: Int, _ path: String) async throws -> UInt {
            try await http.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(30)).status.code
        }
        #expect(try await status(port, "/metrics") == 404)
        #expect(try await status(port, "/readyz") == 404)
        #expect(try await status(port, "/healthz") == 200)
        #expect(try await status(port, "/sms/.well-known/openid-configuration") == 200)
        #expect(try await status(ops, "/metrics") == 200)
        #expect(try await status(ops, "/readyz") == 200)
        #expect(try await status(ops, "/healthz") == 200)
        #expect(try await status(ops, "/sms/.well-known/openid-configuration") == 404, "only operations there")
        let bad = try await Binary.run(["serve", "--db", db, "--port", "9000", "--ops-port", "9000"])
        #expect(bad.code == 2 && bad.stderr.contains("--ops-port must differ from --port"))
    }

    @Test func serveRefusesBadArguments() async throws {
        let r = try await Binary.run(["serve", "--port", "99999"])
        #expect(r.code == 2 && r.stderr.contains("--port"))
        let l = try await Binary.run(["serve", "--log-level", "loud"])
        #expect(l.code == 2 && l.stderr.contains("--log-level"))
        let p = try await Binary.run(["serve", "--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "lb.internal"])
        #expect(p.code == 2 && p.stderr.contains("--trusted-proxy: 'lb.internal' is neither an IP address nor a network"), "\(p.stderr)")
    }

    @Test("--trusted-proxy: behind a proxy of ours the throttles count the forwarded client, never the proxy; from anyone else the header is ignored")
    func throttlesCountTheForwardedClientBehindATrustedProxy() async throws {
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = http.shutdown() }
        /// 21 failed client authentications (unknown clients, so only the address counts), each
        /// forwarded for `address(i)`; the statuses.
        func failures(_ port: Int, _ address: (Int) -> String) async throws -> [UInt] {
            var statuses: [UInt] = []
            for i in 0..<21 {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/sms/token")
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                request.headers.add(name: "X-Forwarded-For", value: "203.0.113.66, " + address(i))
                request.body = .bytes(ByteBuffer(string: "grant_type=client_credentials&client_id=nobody-\(i)&client_secret=guess"))
                statuses.append(try await http.execute(request, timeout: .seconds(30)).status.code)
            }
            return statuses
        }
        for trusted in [true, false] {
            let (dir, db) = try Binary.tempDB()
            defer { try? FileManager.default.removeItem(at: dir) }
            let server = try Binary.Running(
                ["serve", "--db", db, "--port", "0", "--demo", "--log-level", "error"] + (trusted ? ["--trusted-proxy", "127.0.0.0/8"] : [])
            )
            defer { server.stop() }
            #expect(try await server.waitFor("serving on http://127.0.0.1:", timeout: .seconds(90)), "\(server.output)")
            let port = try #require(try await server.boundPort(), "\(server.output)")
            let spread = try await failures(port) { "198.51.100.\($0)" }
            if trusted {
                #expect(spread == Array(repeating: 401, count: 21), "each forwarded client has failures of its own")
                let one = try await failures(port) { _ in "198.51.100.200" }
                #expect(one.prefix(20).allSatisfy { $0 == 401 } && one.last == 429, "\(one)")
            } else {
                #expect(
                    spread.prefix(20).allSatisfy { $0 == 401 } && spread.last == 429,
                    "the header of an untrusted peer counts for nothing: \(spread)"
                )
            }
        }
    }
}

@Suite("claimdeck without a subcommand")
struct DefaultCommandTests {
    @Test func bareClaimdeckServesTheDemo() async throws {
        let (dir, db) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = Binary.freePort()
        let server = try Binary.Running(["--demo", "--db", db, "--port", "\(port)", "--log-level", "error"])
        defer { server.stop() }
        #expect(try await server.waitFor("tenant sms: issuer http://127.0.0.1:\(port)/sms", timeout: .seconds(90)), "\(server.output)")
        #expect(server.output.contains("Loaded demo tenant 'sms'"))
    }
}
