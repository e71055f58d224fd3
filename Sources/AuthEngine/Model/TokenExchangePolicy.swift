import Foundation

/// What one client may do with the token exchange grant (RFC 8693): to which downstream audiences it may
/// exchange a token it received, and which subject tokens it may present at all.
///
/// Kept apart from `Client` so a client without a policy can never exchange, whatever its grant types say.
public struct TokenExchangePolicy: Sendable, Hashable, Codable {
    public var tenantID: String
    /// The exchanging client (an API that received the subject token).
    public var clientID: String
    /// Audiences the exchanged token may be for (RFC 8693 `audience`, RFC 8707 `resource`); never empty.
    public var targetAudiences: [String]
    /// The subject token's `aud` must contain one of these, or the exchanging client's own id: a client
    /// exchanges only tokens that were meant for it.
    public var subjectAudiences: [String]
    /// When not empty, the subject token must have been issued to one of these clients.
    public var subjectClients: [String]
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        tenantID: String,
        clientID: String,
        targetAudiences: [String],
        subjectAudiences: [String] = [],
        subjectClients: [String] = [],
        createdAt: Date,
        updatedAt: Date
    ) {
        self.tenantID = tenantID
        self.clientID = clientID
        self.targetAudiences = targetAudiences
        self.subjectAudiences = subjectAudiences
        self.subjectClients = subjectClients
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The `aud` values that mark a subject token as meant for the exchanging client.
    public var acceptedSubjectAudiences: [String] {
        subjectAudiences.contains(clientID) ? subjectAudiences : [clientID] + subjectAudiences
    }
}
