import Foundation

/// An initial access token for RFC 7591 dynamic client registration, minted by an admin.
public struct RegistrationToken: Sendable, Hashable, Codable {
    public var tenantID: String
    public var id: String
    public var digest: Data
    public var expiresAt: Date
    /// Registrations it still allows.
    public var usesLeft: Int
    public var createdAt: Date

    public init(tenantID: String, id: String, digest: Data, expiresAt: Date, usesLeft: Int, createdAt: Date) {
        self.tenantID = tenantID
        self.id = id
        self.digest = digest
        self.expiresAt = expiresAt
        self.usesLeft = usesLeft
        self.createdAt = createdAt
    }
}
