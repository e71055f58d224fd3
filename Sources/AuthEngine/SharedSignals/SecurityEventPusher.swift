import Foundation

/// Sends one SET to a receiver (RFC 8935 §2): the engine does no I/O of its own, the binary injects
/// an HTTP client and tests a real server on loopback.
public protocol SecurityEventPusher: Sendable {
    /// POSTs `set` to `url` with `Content-Type: application/secevent+jwt` and, when given, exactly
    /// `authorization` as the `Authorization` header; answers the status and (the start of) the body.
    /// Throws on a transport failure or when `timeout` passes; the error's description is logged, so it
    /// must not contain the SET or the header.
    func push(_ set: String, to url: String, authorization: String?, timeout: Duration) async throws -> SecurityEventPushAnswer
}

/// A receiver's answer to a push.
public struct SecurityEventPushAnswer: Sendable, Hashable {
    public var status: Int
    public var body: Data

    public init(status: Int, body: Data = Data()) {
        self.status = status
        self.body = body
    }
}
