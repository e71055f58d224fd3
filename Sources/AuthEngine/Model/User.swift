import Foundation
import JOSE

/// A person who can sign in to a tenant.
public struct User: Sendable, Hashable, Codable {
    public var tenantID: String
    /// Stable subject identifier (`sub`).
    public var id: String
    public var username: String
    /// Free-form attributes (name, email, customer id, roles, ...), a JSON object.
    public var attributes: [String: JSONValue]
    /// Self-describing scrypt hash, or nil when the user cannot sign in with a password.
    public var passwordHash: String?
    public var disabled: Bool
    public var createdAt: Date

    public init(
        tenantID: String,
        id: String,
        username: String,
        attributes: [String: JSONValue] = [:],
        passwordHash: String? = nil,
        disabled: Bool = false,
        createdAt: Date
    ) {
        self.tenantID = tenantID
        self.id = id
        self.username = username
        self.attributes = attributes
        self.passwordHash = passwordHash
        self.disabled = disabled
        self.createdAt = createdAt
    }
}
