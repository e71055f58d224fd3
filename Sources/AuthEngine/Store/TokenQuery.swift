import Foundation

/// A page of tokens, newest first, for the CLI and console. Keyset pagination: `before` is the last id
/// of the previous page, so deep pages cost the same as the first.
public struct TokenQuery: Sendable, Hashable {
    public var tenantID: String
    public var clientID: String?
    public var subject: String?
    public var kind: TokenKind?
    public var status: TokenRecord.Status?
    public var before: String?
    public var limit: Int
    /// Every token descended from one authorization (code, refresh tokens, access tokens).
    public var familyID: String?
    /// Issued at or after / before these times.
    public var issuedSince: Date?
    public var issuedUntil: Date?

    public init(
        tenantID: String,
        clientID: String? = nil,
        subject: String? = nil,
        kind: TokenKind? = nil,
        status: TokenRecord.Status? = nil,
        before: String? = nil,
        limit: Int = 50,
        familyID: String? = nil,
        issuedSince: Date? = nil,
        issuedUntil: Date? = nil
    ) {
        self.tenantID = tenantID
        self.clientID = clientID
        self.subject = subject
        self.kind = kind
        self.status = status
        self.before = before
        self.limit = limit
        self.familyID = familyID
        self.issuedSince = issuedSince
        self.issuedUntil = issuedUntil
    }
}
