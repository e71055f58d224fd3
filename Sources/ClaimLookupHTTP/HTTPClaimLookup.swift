import AsyncHTTPClient
import AuthEngine
import Foundation
import NIOCore

/// Fetches external claim lookups with AsyncHTTPClient's shared client: a GET asking for JSON, the
/// whole exchange (connect, head, body) bounded by the claim's timeout, bodies capped at 64 KiB.
/// Failures say what went wrong (timeout, status, connection), never what the answer contained.
public struct HTTPClaimLookup: ClaimLookupFetcher {
    static let maxBody = 64 * 1024

    public init() {}

    public func fetch(url: String, timeout: Duration) async throws -> Data {
        try await withThrowingTaskGroup(of: Data.self) { group in
            group.addTask { try await Self.get(url) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw ClaimLookupError("no answer within \(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000) ms")
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw ClaimLookupError("no answer") }
            return first
        }
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
