import AsyncHTTPClient
import AuthEngine
import Foundation
import NIOCore

/// Pushes SETs (RFC 8935 §2) with an AsyncHTTPClient of its own: `POST` with
/// `Content-Type: application/secevent+jwt`, `Accept: application/json`, the stream's
/// `Authorization` header when it has one; at most 8 KiB of the answer is read (an RFC 8935 error
/// body is small). Errors name the failure, never the SET or the header.
public struct HTTPSecurityEventPusher: SecurityEventPusher {
    static let maxBody = 8 * 1024

    /// A client whose connection attempts give up after 2 s. The shared client keeps retrying a
    /// refused connection until the request's deadline (the whole push timeout, 10 s), so a push in
    /// flight to a receiver that went down held its events that long after the receiver came back
    /// and re-pointed its stream; the delivery loop has its own retry schedule. Lives as long as the
    /// process, as `HTTPClient.shared` does.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.timeout.connect = .seconds(2)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

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
            response = try await Self.client.execute(
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
