import Foundation
import JOSE

/// Who a validated access token speaks for: what a route reads from its request context.
public struct Principal: Sendable, Hashable {
    /// `sub`: the user, or the client itself for a client-credentials token.
    public var subject: String
    /// `client_id`: the client the token was issued to.
    public var clientID: String
    /// `scope`, split on spaces.
    public var scopes: Set<String>
    /// `aud`, always as a list.
    public var audiences: [String]
    /// `jti`, when the token has one (revocation events name tokens by it).
    public var tokenID: String?
    /// `exp`: the cached validation result and extra claims live until then.
    public var expiresAt: Date
    /// `iat`, when known: a revocation event for the subject or client refuses tokens issued up to its time.
    public var issuedAt: Date?
    /// Every claim of the JWT payload or of the introspection answer, as sent.
    public var claims: [String: JSONValue]
    /// What the API's own claims lookup added for this token (empty without a lookup).
    public var extraClaims: [String: JSONValue]
    /// How the token was checked.
    public var source: Source

    /// How a token was checked.
    public enum Source: Sendable, Hashable {
        /// A JWT access token verified locally against the issuer's JWKS (RFC 9068).
        case jwt
        /// An opaque token the issuer's introspection endpoint (RFC 7662) said was active.
        case introspection
    }

    /// Memberwise initializer.
    public init(
        subject: String,
        clientID: String,
        scopes: Set<String>,
        audiences: [String],
        tokenID: String?,
        expiresAt: Date,
        issuedAt: Date? = nil,
        claims: [String: JSONValue],
        extraClaims: [String: JSONValue] = [:],
        source: Source
    ) {
        self.subject = subject
        self.clientID = clientID
        self.scopes = scopes
        self.audiences = audiences
        self.tokenID = tokenID
        self.expiresAt = expiresAt
        self.issuedAt = issuedAt
        self.claims = claims
        self.extraClaims = extraClaims
        self.source = source
    }

    /// True if the token carries every scope of `required`.
    public func hasScopes(_ required: some Sequence<String>) -> Bool {
        required.allSatisfy(scopes.contains)
    }
}
