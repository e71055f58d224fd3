import AsyncHTTPClient
import AuthEngine
import Foundation
import NIOCore

/// Fetches external claim lookups with AsyncHTTPClient's shared client: a GET asking for JSON, bodies
/// capped at 64 KiB. The engine bounds the whole exchange (connect, head, body) by the claim's timeout,
/// on its injected clock, and cancels the request when it passes; the 30 s here only backstops a caller
/// that does not. Failures say what went wrong (status, connection), never what the answer contained.
public struct HTTPClaimLookup: ClaimLookupFetcher {
    static let maxBody = 64 * 1024

    public init() {}

    public func fetch(url: String, timeout: Duration) async throws -> Data {
        try await Self.get(url)
    }

    static func get(_ url: String) async throws -> Data {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "claimdeck")
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ClaimLookupError("the request failed: \(error)")
        }
        guard (200..<300).contains(response.status.code) else { throw ClaimLookupError("HTTP \(response.status.code)") }
        do {
            var body = try await response.body.collect(upTo: maxBody)
            return Data(body.readBytes(length: body.readableBytes) ?? [])
        } catch is NIOTooManyBytesError {
            throw ClaimLookupError("the answer is over \(maxBody / 1024) KiB")
        }
    }
}
