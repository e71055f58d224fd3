import Foundation

/// A person signed in to a tenant in one browser: the server side of the session cookie. The cookie
/// holds the id and a secret; only the secret's SHA-256 is stored.
public struct LoginSession: Sendable, Hashable {
    public var id: String
    public var tenantID: String
    public var userID: String
    /// SHA-256 of the whole cookie value.
    public var digest: Data
    /// When the user last proved who they are (OIDC `auth_time`).
    public var authTime: Date
    /// Authentication methods used (RFC 8176: "pwd").
    public var amr: [String]
    public var createdAt: Date
    public var expiresAt: Date
    /// Set by logout (or when the user is disabled).
    public var endedAt: Date?

    public init(
        id: String,
        tenantID: String,
        userID: String,
        digest: Data,
        authTime: Date,
        amr: [String],
        createdAt: Date,
        expiresAt: Date,
        endedAt: Date? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.userID = userID
        self.digest = digest
        self.authTime = authTime
        self.amr = amr
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.endedAt = endedAt
    }

    public func isActive(at now: Date) -> Bool { endedAt == nil && expiresAt > now }
}
