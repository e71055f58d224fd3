import Foundation

/// Fetches the URL of an external claim lookup. The engine does no I/O of its own: the binary
/// injects an HTTP client, tests inject a real server or a recorder.
public protocol ClaimLookupFetcher: Sendable {
    /// The body of a 2xx answer. Throws on another status or a transport failure; the error's
    /// description is logged and shown in previews, so it must not contain the answer. `timeout` is a
    /// hint for the transport: the engine enforces it itself on its injected timer and cancels the fetch.
    func fetch(url: String, timeout: Duration) async throws -> Data
}

/// Why a lookup failed, for logs and previews.
public struct ClaimLookupError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
