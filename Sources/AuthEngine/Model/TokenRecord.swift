import Foundation
import JOSE

/// What a token is for.
public enum TokenKind: String, Sendable, Hashable, Codable, CaseIterable {
    case access
    case refresh
    case authorizationCode = "code"
}

/// Every issued token (JWTs too) as the store keeps it. The token string itself is never stored,
/// only its SHA-256 digest.
public struct TokenRecord: Sendable, Hashable {
    /// Token id (`jti` of a JWT); time-ordered.
    public var id: String
    public var tenantID: String
    public var kind: TokenKind
    public var format: TokenFormat
    public var clientID: String
    public var subject: String
    public var scopes: [String]
    public var audiences: [String]
    public var issuedAt: Date
    public var expiresAt: Date
    public var digest: Data
    /// Signing key of a JWT.
    public var keyID: String?
    public var grantType: GrantType
    /// Refresh family: every token descended from one authorization.
    public var familyID: String?
    public var revokedAt: Date?
    public var revocationReason: String?
    /// Extra claims, for introspection of opaque tokens.
    public var claims: [String: JSONValue]

    public init(
        id: String,
        tenantID: String,
        kind: TokenKind,
        format: TokenFormat,
        clientID: String,
        subject: String,
        scopes: [String],
        audiences: [String],
        issuedAt: Date,
        expiresAt: Date,
        digest: Data,
        keyID: String?,
        grantType: GrantType,
        familyID: String? = nil,
        revokedAt: Date? = nil,
        revocationReason: String? = nil,
        claims: [String: JSONValue] = [:]
    ) {
        self.id = id
        self.tenantID = tenantID
        self.kind = kind
        self.format = format
        self.clientID = clientID
        self.subject = subject
        self.scopes = scopes
        self.audiences = audiences
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.digest = digest
        self.keyID = keyID
        self.grantType = grantType
        self.familyID = familyID
        self.revokedAt = revokedAt
        self.revocationReason = revocationReason
        self.claims = claims
    }

    public enum Status: String, Sendable, Hashable, Codable {
        case active, expired, revoked
    }

    /// Key under `claims` of what the server keeps about a token for itself (session, PKCE binding,
    /// family limits); never shown by introspection.
    public static let internalKey = "_cd"

    /// A value the server keeps about this token for itself.
    public func internalValue(_ name: String) -> JSONValue? {
        guard case .object(let o)? = claims[Self.internalKey] else { return nil }
        return o[name]
    }

    /// Internal key of the design version an access token was issued under.
    public static let designVersionKey = "design_version"

    /// The published token design version this access or refresh token was issued under (0: before
    /// the first publish); nil for tokens that do not record one (codes, tokens older than versions).
    public var designVersion: Int? {
        guard case .number(let n)? = internalValue(Self.designVersionKey) else { return nil }
        return Int(n)
    }

    /// The JWK thumbprint of the DPoP key the token is bound to (RFC 9449): an access token's
    /// `cnf.jkt`, the key a code (`dpop_jkt`) or a public client's refresh token must be used with;
    /// nil for a bearer token.
    public var dpopKeyThumbprint: String? {
        DPoPProof.boundThumbprint(publicClaims) ?? internalValue(DPoPProof.boundKeyClaim)?.stringValue
    }

    /// RFC 8705 §3.1: `x5t#S256` of the client certificate an access token is bound to (`cnf`); nil otherwise.
    public var certificateThumbprint: String? { TokenConfirmation(claims: publicClaims)?.certificateThumbprint }

    /// How the token is bound, in the audit's words: `bearer`, `dpop`, `mtls` or `dpop+mtls`.
    public var bindingName: String {
        TokenConfirmation(keyThumbprint: dpopKeyThumbprint, certificateThumbprint: certificateThumbprint)?.auditName ?? "bearer"
    }

    /// The claims an introspection answer or a console may show.
    public var publicClaims: [String: JSONValue] {
        var c = claims
        c[Self.internalKey] = nil
        return c
    }

    public func status(at now: Date) -> Status {
        if revokedAt != nil { return .revoked }
        return expiresAt > now ? .active : .expired
    }

    /// True when the record stopped working by its one use, as designed: an authorization code
    /// redeemed, a refresh token rotated. False for a revocation (an incident, a logout) and for a
    /// record still usable.
    public var wasUsed: Bool {
        revokedAt != nil && (revocationReason == ClaimdeckEngine.redeemedReason || revocationReason == ClaimdeckEngine.rotatedReason)
    }
}
