import AsyncHTTPClient
import AuthEngine
import Foundation
import NIOCore

/// Pushes SETs (RFC 8935 §2) with AsyncHTTPClient's shared client: `POST` with
/// `Content-Type: application/secevent+jwt`, `Accept: application/json`, the stream's
/// `Authorization` header when it has one; at most 8 KiB of the answer is read (an RFC 8935 error
/// body is small). Errors name the failure, never the SET or the header.
public struct HTTPSecurityEventPusher: SecurityEventPusher {
    static let maxBody = 8 * 1024

    public init() {}

    public func push(_ set: String, to url: String, authorization: String?, timeout: Duration) async throws -> SecurityEventPushAnswer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/secevent+jwt")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "claimdeck")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        request.body = .bytes(ByteBuffer(string: set))
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(
                request,
                timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
            )
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ClaimLookupError("the push failed: \(error)")
        }
        var body = (try? await response.body.collect(upTo: Self.maxBody)) ?? ByteBuffer()
        return SecurityEventPushAnswer(status: Int(response.status.code), body: Data(body.readBytes(length: body.readableBytes) ?? []))
    }
}
