import Foundation

/// A user's remembered consent: the scopes a third-party client may have without asking again.
public struct Consent: Sendable, Hashable {
    public var tenantID: String
    public var userID: String
    public var clientID: String
    public var scopes: [String]
    public var grantedAt: Date

    public init(tenantID: String, userID: String, clientID: String, scopes: [String], grantedAt: Date) {
        self.tenantID = tenantID
        self.userID = userID
        self.clientID = clientID
        self.scopes = scopes
        self.grantedAt = grantedAt
    }

    /// Whether this consent covers every scope of a request.
    public func covers(_ requested: [String]) -> Bool { Set(requested).isSubset(of: scopes) }
}
