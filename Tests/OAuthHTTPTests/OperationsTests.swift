import ClaimdeckTestSupport
import Foundation
import Testing

/// /healthz, /readyz and /metrics.
@Suite("operations")
struct OperationsTests {
    @Test("/healthz and /readyz answer 200")
    func health() async throws {
        try await TestServer.with { server in
            let health = try await server.get("/healthz")
            #expect(health.status == 200, "\(health)")
            #expect(try health.json()["status"]?.stringValue == "ok")
            let ready = try await server.get("/readyz")
            #expect(ready.status == 200, "\(ready)")
            #expect(try ready.json()["status"]?.stringValue == "ready")
        }
    }

    @Test("/metrics: Prometheus text with issued and refused tokens and request latency histograms")
    func metrics() async throws {
        try await TestServer.with { server in
            _ = try await server.accessToken(.billing)
            _ = try await server.accessToken(.partnerPortal)
            _ = try await server.tokenRequest([("grant_type", "client_credentials")], basic: DemoClient.billing.withSecret("wrong"))
            _ = try await server.introspect("garbage")
            let result = try await server.get("/metrics")
            #expect(result.status == 200)
            #expect(result.header("Content-Type")?.hasPrefix("text/plain") == true)
            let text = result.text
            let lines = text.split(separator: "\n").map(String.init)
            // Counters by tenant, grant and format.
            let issuedJWT = lines.first {
                $0.hasPrefix("claimdeck_tokens_issued_total{") && $0.contains(#"format="jwt""#) && $0.contains(#"tenant="sms""#)
            }
            #expect(issuedJWT?.hasSuffix(" 1") == true, "\(issuedJWT ?? "no jwt counter")")
            let issuedOpaque = lines.first { $0.hasPrefix("claimdeck_tokens_issued_total{") && $0.contains(#"format="opaque""#) }
            #expect(issuedOpaque?.hasSuffix(" 1") == true, "\(issuedOpaque ?? "no opaque counter")")
            #expect(lines.contains { $0.hasPrefix("claimdeck_tokens_refused_total{") && $0.contains(#"reason="invalid_client""#) })
            #expect(lines.contains { $0.hasPrefix("claimdeck_introspections_total{") })
            // Latency histogram per endpoint.
            #expect(lines.contains { $0.hasPrefix("claimdeck_http_request_duration_seconds_bucket{") && $0.contains("token") })
            #expect(lines.contains { $0.hasPrefix("claimdeck_http_request_duration_seconds_count{") })
            // The writer's batch sizes.
            #expect(text.contains("claimdeck_writer_batch_size"))
            #expect(!text.contains("billing-demo-secret"))
        }
    }
}

/// Issue #2 item 10: structured logs never contain a secret or a token.
@Suite("logs")
struct LogTests {
    @Test("at trace level, no secret and no token string reaches the logs")
    func noSecretsInLogs() async throws {
        let logs = LogCapture()
        // A real server (`.live`): its own lines, from start to stop, are part of what is checked.
        let leaked = try await TestServer.with(mode: .live, logs: logs) { server -> [String] in
            let wrongSecret = "Wr0ng-\(UUID().uuidString)"
            var secrets = [DemoClient.billing.secret, DemoClient.partnerPortal.secret, DemoClient.apiGateway.secret, wrongSecret]
            let jwt = try await server.accessToken(.billing)
            let opaque = try await server.accessToken(.partnerPortal)
            _ = try await server.tokenRequest([("grant_type", "client_credentials")], basic: DemoClient.billing.withSecret(wrongSecret))
            _ = try await server.tokenRequest(
                [("grant_type", "client_credentials")] + DemoClient.partnerPortal.withSecret(wrongSecret).postParameters
            )
            _ = try await server.introspect(jwt)
            _ = try await server.introspect(opaque, headers: [("Accept", "application/token-introspection+jwt")])
            _ = try await server.postForm("/sms/revoke", [("token", opaque)] + DemoClient.partnerPortal.postParameters)
            let iat = try await server.engine.createRegistrationToken(tenantID: "sms", lifetime: 600, uses: 2, actor: "test").token
            let registered = try await server.send(
                .POST,
                "/sms/register",
                body: Array(#"{"scope":"status"}"#.utf8),
                headers: [("Content-Type", "application/json"), ("Authorization", "Bearer " + iat)]
            )
            if let secret = try registered.json()["client_secret"]?.stringValue { secrets.append(secret) }
            _ = try await server.send(
                .POST,
                "/sms/register",
                body: Array("not json".utf8),
                headers: [("Content-Type", "application/json"), ("Authorization", "Bearer " + iat)]
            )
            _ = try await server.get("/nowhere?secret=\(wrongSecret)")
            let needles = secrets + [jwt, opaque, iat, DemoClient.billing.basicAuthorization]
            return logs.all.filter { line in needles.contains { line.contains($0) } }
        }
        #expect(leaked.isEmpty, "log lines with a secret or token: \(leaked)")
        // The capture did see the server's own lines.
        #expect(logs.all.contains { $0.contains("Server started") }, "\(logs.all.prefix(5))")
    }
}

/// RFC 9110 §9.1: "All general-purpose servers MUST support the methods GET and HEAD."
@Suite("HEAD requests")
struct HeadTests {
    @Test(
        "HEAD on the GET endpoints answers like GET, without a body",
        arguments: ["/healthz", "/readyz", "/sms/jwks", "/sms/.well-known/openid-configuration"]
    )
    func head(path: String) async throws {
        try await TestServer.with { server in
            let get = try await server.get(path)
            let head = try await server.send(.HEAD, path)
            #expect(head.status == get.status, "HEAD \(path): \(head.status), GET: \(get.status)")
            #expect(head.body.isEmpty)
        }
    }
}
