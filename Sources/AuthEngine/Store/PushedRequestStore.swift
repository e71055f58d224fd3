import Foundation

/// Pushed authorization requests (RFC 9126), shared by every node of the store: a request pushed to
/// one node is served by the authorization endpoint of any other, and used once across them all.
public protocol PushedRequestStore: Sendable {
    /// Stores a new pushed request with its audit events, and deletes the tenant's requests that
    /// expired before `request.createdAt` (they can never be used, so the table stays small without
    /// the janitor).
    func putPushedRequest(_ request: PushedAuthorizationRequest, audit: [AuditEventDraft]) async throws
    /// The pushed request `id` of `tenantID`, used or not, expired or not; nil when there is none.
    func pushedRequest(tenantID: String, id: String) async throws -> PushedAuthorizationRequest?
    /// Single use: marks the request used at `now` if and only if it was unused and unexpired, in one
    /// conditional statement; so of two concurrent uses exactly one wins. False when it lost.
    func usePushedRequest(tenantID: String, id: String, at now: Date) async throws -> Bool
}
