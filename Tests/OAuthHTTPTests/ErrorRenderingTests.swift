import AuthEngine
import ClaimdeckTestSupport
import Foundation
import Hummingbird
import NIOCore
import Testing

@testable import OAuthHTTP

/// An `OAuthError` renders itself (Hummingbird's `HTTPResponseError`); the error middleware only translates
/// what is not one. The endpoint suites check the answers on the wire; these pin the pieces.
@Suite("error rendering")
struct ErrorRenderingTests {
    @Test("an OAuthError is its RFC 6749 §5.2 body, its status, no-store, no-cache and its challenge")
    func rendersItself() {
        let error = OAuthError.invalidClient("the \"secret\" is wrong\n", realm: "sms")
        let response = error.response
        #expect(response.status == .unauthorized)
        #expect(response.headers[.contentType] == "application/json")
        #expect(response.headers[.cacheControl] == "no-store")
        #expect(response.headers[HTTPFields.pragmaName] == "no-cache")
        #expect(response.headers[.wwwAuthenticate] == #"Basic realm="sms""#)
        #expect(response.body.contentLength == error.body.count)
        // RFC 6749 section 5.2's characters only: the quote escaped as %22, the newline a space.
        #expect(String(decoding: error.body, as: UTF8.self) == #"{"error":"invalid_client","error_description":"the %22secret%22 is wrong "}"#)
    }

    @Test("no challenge, no WWW-Authenticate")
    func noChallenge() {
        let response = OAuthError.invalidGrant("expired").response
        #expect(response.status == .badRequest)
        #expect(response.headers[.wwwAuthenticate] == nil)
    }

    @Test("the engine's Int status stays what `status` means; the HTTPResponseError one is the same number")
    func statusIsStillTheEngines() {
        let error = OAuthError.temporarilyUnavailable("later")
        let code: Int = error.status
        #expect(code == 503)
        #expect((error as any HTTPResponseError).status == .serviceUnavailable)
        #expect(OAuthError(code: "x", description: "y", status: 429).response.status.code == 429)
    }

    @Test(
        "Hummingbird's errors become OAuth errors with the same status",
        arguments: [
            (HTTPResponse.Status.notFound, "not_found", "no such endpoint: GET /nope"),
            (.methodNotAllowed, "invalid_request", "method GET is not allowed here"),
            (.contentTooLarge, "invalid_request", "the request body is too large"),
            (.badRequest, "invalid_request", "Bad Request"),
            (.badGateway, "server_error", "Bad Gateway"),
        ]
    )
    func translatesHTTPErrors(status: HTTPResponse.Status, code: String, description: String) {
        let request = Request(
            head: HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/nope"),
            body: RequestBody(buffer: ByteBuffer())
        )
        let error = ErrorMiddleware.oauthError(HTTPError(status), request: request)
        #expect(error.code == code)
        #expect(error.errorDescription == description)
        #expect(error.status == Int(status.code))
    }

    @Test("error answers are timed with their status, and HEAD of an error has no body")
    func errorsAreTimedAndHeadIsEmpty() async throws {
        try await TestServer.with { server in
            let refused = try await server.tokenRequest([("grant_type", "client_credentials")], basic: DemoClient.billing.withSecret("wrong"))
            #expect(refused.status == 401)
            let missing = try await server.get("/nope/jwks")
            let head = try await server.send(.HEAD, "/nope/jwks")
            #expect(missing.status == 404 && head.status == 404)
            #expect(head.body.isEmpty)
            #expect(head.header("Content-Length") == String(missing.body.count))
            let lines = try await server.get("/metrics").text.split(separator: "\n")
            let timed = { (endpoint: String, status: Int) in
                lines.contains {
                    $0.hasPrefix("claimdeck_http_request_duration_seconds_count{") && $0.contains(#"endpoint="\#(endpoint)""#)
                        && $0.contains(#"status="\#(status)""#)
                }
            }
            #expect(timed("/{tenant}/token", 401), "\(lines.filter { $0.contains("duration_seconds_count") })")
            #expect(timed("/{tenant}/jwks", 404), "\(lines.filter { $0.contains("duration_seconds_count") })")
        }
    }
}
