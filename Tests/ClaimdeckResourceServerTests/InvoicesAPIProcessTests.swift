import AsyncHTTPClient
import ClaimdeckTestSupport
import Foundation
import JOSE
import NIOCore
import NIOHTTP1
import Subprocess
import Testing

/// The example API (Sources/InvoicesAPI) as a real process, beside a real Claimdeck: the README's
/// "Protecting a Swift API" walk-through, on loopback.
@Suite struct InvoicesAPIProcessTests {
    static var executable: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("InvoicesAPI").path,
            RepoPaths.root.appendingPathComponent(".build/debug/InvoicesAPI").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }

    static func get(_ url: String, token: String? = nil, method: NIOHTTP1.HTTPMethod = .GET) async throws -> (Int, String?, String) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1024 * 1024)
        return (Int(response.status.code), response.headers.first(name: "WWW-Authenticate"), String(buffer: body))
    }

    @Test func theInvoicesAPIAcceptsClaimdecksTokensAndRefusesTheRest() async throws {
        try await LiveClaimdeck.with { server in
            let full = try await server.accessToken(.billing)
            let readOnly = try await server.accessToken(.billing, scope: "invoice-read")
            let result = try await Subprocess.run(
                .path(.init(Self.executable)),
                arguments: ["--issuer", server.issuer, "--port", "0"],
                input: .none,
                output: .sequence,
                error: .discarded
            ) { execution -> [(Int, String?, String)] in
                var base: String?
                var text: [UInt8] = []
                for try await chunk in execution.standardOutput {
                    chunk.withUnsafeBytes { text += $0 }
                    if let match = String(decoding: text, as: UTF8.self).firstMatch(of: /listening on (http:\/\/127\.0\.0\.1:\d+)\n/) {
                        base = String(match.1)
                        break
                    }
                }
                defer { try? execution.send(signal: .terminate) }
                guard let base else { throw FixtureError("InvoicesAPI did not say where it listens") }
                return [
                    try await Self.get(base + "/invoices"),
                    try await Self.get(base + "/invoices", token: full),
                    try await Self.get(base + "/invoices", token: readOnly, method: .POST),
                    try await Self.get(base + "/invoices", token: "garbage"),
                ]
            }
            let answers = result.closureResult
            #expect(answers.map(\.0) == [401, 200, 403, 401])
            #expect(answers[0].1 == #"Bearer realm="invoices""#)
            let listed = try JSONValue(parsing: answers[1].2)
            #expect(listed["client_id"]?.stringValue == "billing-service")
            #expect(listed["invoices"]?.arrayValue?.count == 4)
            #expect(
                answers[2].1
                    == #"Bearer realm="invoices", error="insufficient_scope", error_description="the token lacks a scope this resource requires", scope="invoice-write""#
            )
            #expect(
                answers[3].1
                    == #"Bearer realm="invoices", error="invalid_token", error_description="the token is not a JWT and this API does not introspect opaque tokens""#
            )
        }
    }
}
