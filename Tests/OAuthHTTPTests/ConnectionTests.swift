import AsyncHTTPClient
import ClaimdeckTestSupport
import Foundation
import NIOCore
import Testing

/// The HTTP layer under awkward requests: bodies too large, bodies the server never reads, chunked
/// uploads. The answer is always a JSON error, and the server (and the connection) keeps serving.
/// A real socket (`.live`): the connection is the point.
@Suite("HTTP connections")
struct ConnectionTests {
    static let formHeaders = [("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", DemoClient.billing.basicAuthorization)]

    @Test("a 1 MiB body at introspection, revocation and registration: 413 JSON")
    func oversizedEverywhere() async throws {
        try await TestServer.with(mode: .live) { server in
            let big = Array("token=".utf8) + Array(repeating: UInt8(ascii: "a"), count: 1024 * 1024)
            for path in ["/sms/introspect", "/sms/revoke"] {
                let result = try await server.send(.POST, path, body: big, headers: Self.formHeaders)
                expectOAuthError(result, status: 413, code: "invalid_request")
            }
            let iat = try await server.engine.createRegistrationToken(tenantID: "sms", lifetime: 600, uses: 1, actor: "test").token
            let json = Array(#"{"client_name":""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: 1024 * 1024) + Array(#""}"#.utf8)
            let register = try await server.send(
                .POST,
                "/sms/register",
                body: json,
                headers: [
                    ("Content-Type", "application/json"), ("Authorization", "Bearer " + iat),
                ]
            )
            #expect(register.status == 413, "\(register)")
            #expect(try register.json()["error"] != nil)
            #expect(try await server.accessToken(.billing).isEmpty == false)
        }
    }

    @Test("a chunked 1 MiB upload: 413 JSON, and the server still answers")
    func chunkedOversized() async throws {
        try await TestServer.with(mode: .live) { server in
            var request = HTTPClientRequest(url: try #require(server.liveURL) + "/sms/token")
            request.method = .POST
            for (name, value) in Self.formHeaders { request.headers.add(name: name, value: value) }
            let chunk = ByteBuffer(bytes: Array(repeating: UInt8(ascii: "a"), count: 16 * 1024))
            let chunks = [ByteBuffer(string: "grant_type=client_credentials&scope=")] + Array(repeating: chunk, count: 64)
            request.body = .stream(chunks.async, length: .unknown)
            let response = try await #require(server.http).execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1024 * 1024)
            let result = HTTPResult(status: Int(response.status.code), headers: response.headers, body: Array(body.readableBytesView))
            expectOAuthError(result, status: 413, code: "invalid_request")
            #expect(try await server.accessToken(.billing).isEmpty == false)
        }
    }

    @Test("a body just under the limit is read; one just over it is refused")
    func limitBoundary() async throws {
        try await TestServer.with(mode: .live) { server in
            let prefix = Array("grant_type=client_credentials&padding=".utf8)
            let under = prefix + Array(repeating: UInt8(ascii: "a"), count: 64 * 1024 - prefix.count)
            let accepted = try await server.send(.POST, "/sms/token", body: under, headers: Self.formHeaders)
            #expect(accepted.status == 200, "\(accepted)")
            let over = under + [UInt8(ascii: "a")]
            expectOAuthError(try await server.send(.POST, "/sms/token", body: over, headers: Self.formHeaders), status: 413, code: "invalid_request")
        }
    }

    @Test("errors answered before the body is read leave the connection usable")
    func unreadBodies() async throws {
        try await TestServer.with(mode: .live) { server in
            let body = Array("grant_type=client_credentials&padding=".utf8) + Array(repeating: UInt8(ascii: "b"), count: 32 * 1024)
            for _ in 0..<5 {
                let wrongType = try await server.send(
                    .POST,
                    "/sms/token",
                    body: body,
                    headers: [
                        ("Content-Type", "application/json"), ("Authorization", DemoClient.billing.basicAuthorization),
                    ]
                )
                expectOAuthError(wrongType, status: 400, code: "invalid_request")
                expectOAuthError(try await server.send(.POST, "/nope/token", body: body, headers: Self.formHeaders), status: 404, code: "not_found")
                expectOAuthError(try await server.send(.POST, "/nowhere", body: body, headers: Self.formHeaders), status: 404, code: "not_found")
                #expect(try await server.send(.POST, "/sms/token", body: body, headers: Self.formHeaders).status == 200)
            }
        }
    }

    @Test("form decoding: '+' is a space and percent-escapes are decoded")
    func formDecoding() async throws {
        try await TestServer.with(mode: .live) { server in
            let body = Array("grant_%74ype=client%5Fcredentials&scope=invoice-read+invoice-write".utf8)
            let result = try await server.send(.POST, "/sms/token", body: body, headers: Self.formHeaders)
            #expect(result.status == 200, "\(result)")
            #expect(try result.json()["scope"]?.stringValue == "invoice-read invoice-write")
        }
    }
}
