import Foundation
import JOSE

/// What the engine can say about a token string an operator pasted: decoded, checked against the
/// tenant's keys and clock, and looked up in the store exactly as introspection looks it up.
///
/// It carries no copy of the token string, so it can be kept, shown and passed around freely.
public struct TokenInspection: Sendable {
    /// How a JWT's signature fares against the tenant's keys.
    public enum Signature: Sendable, Hashable {
        /// Verifies with this key, which the tenant publishes in its JWKS now.
        case valid(kid: String, state: SigningKeyRecord.State, algorithm: SigningAlgorithm)
        /// Verifies with a key of the tenant that is no longer published: APIs that read the JWKS refuse it.
        case unpublishedKey(kid: String, state: SigningKeyRecord.State)
        /// The header names a key of the tenant, but the signature does not verify with it (or the
        /// header's `alg` is not that key's algorithm).
        case invalid(kid: String, state: SigningKeyRecord.State)
        /// No key of the tenant has the header's `kid` (or it has none and no published key verifies).
        case unknownKey(kid: String?)
    }

    /// What the store says about the string, by the lookup introspection makes.
    public enum Stored: Sendable, Hashable {
        /// The record whose digest matches the whole string.
        case found(TokenRecord)
        /// A record of this tenant has the token's id, but another string was issued under it: the
        /// pasted token was altered or forged.
        case digestMismatch(tokenID: String)
        /// Nothing in this tenant has the token's id (ID tokens and other tenants' tokens are not here).
        case notFound(tokenID: String?)
    }

    public var format: TokenFormat
    /// For an opaque token: its kind, from its prefix.
    public var opaqueKind: TokenKind?
    /// The JWT's protected header and claims (empty for an opaque token: its claims are the record's).
    public var header: [String: JSONValue]
    public var claims: [String: JSONValue]
    public var signature: Signature?
    /// `exp` of a JWT, else the record's expiry.
    public var expiresAt: Date?
    public var expired: Bool
    /// The tenant's issuer, to compare with the JWT's `iss`.
    public var expectedIssuer: String
    public var stored: Stored
    /// What RFC 7662 introspection would answer for `active` right now.
    public var introspectionActive: Bool
    /// Characters of the pasted string (never the string itself).
    public var length: Int
}

extension ClaimdeckEngine {
    /// Decodes and checks a pasted token for an operator: a JWT's header, claims, signature (against
    /// the tenant's keys: which `kid`, which state), expiry and issuer; for any token, the stored
    /// record found by the introspection lookup and whether introspection would call it active.
    /// Changes nothing and writes no audit event; the string is neither logged nor kept, and errors
    /// never quote it.
    public func inspectToken(tenantID: String, token raw: String) async throws(AdminError) -> TokenInspection {
        let snapshot = config.snapshot
        guard snapshot.tenants[tenantID] != nil else { throw .notFound("no tenant '\(Validation.printable(tenantID))'") }
        let token = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else {
            throw .invalid(field: "token", "paste a token: a JWT (three dot-separated parts) or an opaque cdo_/cdr_/cdc_ token")
        }
        guard token.utf8.count <= 16_384 else {
            throw .invalid(field: "token", "is \(token.utf8.count) bytes; no Claimdeck token is longer than 16384")
        }
        let now = clock.now()
        var result = TokenInspection(
            format: .opaque,
            opaqueKind: nil,
            header: [:],
            claims: [:],
            signature: nil,
            expiresAt: nil,
            expired: false,
            expectedIssuer: configuration.issuer(for: tenantID),
            stored: .notFound(tokenID: nil),
            introspectionActive: false,
            length: token.count
        )
        if let kind = Self.opaqueKind(of: token) {
            guard TokenLocator.tokenID(of: token) != nil else {
                throw .invalid(field: "token", "starts like an opaque Claimdeck token but is too short: a prefix, a 26-character id, then the secret")
            }
            result.opaqueKind = kind
        } else if let jws = JWS.parse(token) {
            result.format = .jwt
            result.header = jws.header
            result.claims = jws.payload
            result.signature = Self.checkSignature(jws, keys: snapshot.keys[tenantID] ?? [], now: now)
            if let exp = jws.payload["exp"]?.doubleValue { result.expiresAt = Date(timeIntervalSince1970: exp) }
        } else {
            throw .invalid(
                field: "token",
                "is neither a JWT (three base64url parts of JSON, dot-separated) nor an opaque Claimdeck token (cdo_, cdr_ or cdc_ then 26 or more characters)"
            )
        }
        let id = TokenLocator.tokenID(of: token)
        let record = try await storeCall { () async throws -> TokenRecord? in
            guard let id, id.utf8.count <= 64 else { return nil }
            return try await store.token(id: id)
        }
        if let record, record.tenantID == tenantID {
            if SecretDigest.constantTimeEquals(record.digest, SecretDigest.sha256(token)) {
                result.stored = .found(record)
                if result.expiresAt == nil { result.expiresAt = record.expiresAt }
                result.introspectionActive = Self.isActive(record, at: now, snapshot: snapshot)
            } else {
                result.stored = .digestMismatch(tokenID: record.id)
            }
        } else {
            result.stored = .notFound(tokenID: id)
        }
        result.expired = result.expiresAt.map { $0 <= now } ?? false
        return result
    }

    /// The kind an opaque handle's prefix names.
    static func opaqueKind(of token: String) -> TokenKind? {
        if token.hasPrefix(TokenLocator.opaqueAccessPrefix) { return .access }
        if token.hasPrefix(TokenLocator.refreshPrefix) { return .refresh }
        if token.hasPrefix(TokenLocator.codePrefix) { return .authorizationCode }
        return nil
    }

    /// The key named by `kid` decides; without a `kid`, any published key that verifies.
    static func checkSignature(_ jws: ParsedJWS, keys: [SigningKeyRecord], now: Date) -> TokenInspection.Signature {
        func verifies(_ k: SigningKeyRecord) -> Bool {
            guard let key = try? VerificationKey(jwk: k.publicJWK) else { return false }
            return jws.verify(with: key)
        }
        guard let kid = jws.keyID else {
            if let k = keys.first(where: { $0.isPublished(at: now) && verifies($0) }) {
                return .valid(kid: k.kid, state: k.state, algorithm: k.algorithm)
            }
            return .unknownKey(kid: nil)
        }
        guard let k = keys.first(where: { $0.kid == kid }) else { return .unknownKey(kid: kid) }
        guard verifies(k) else { return .invalid(kid: kid, state: k.state) }
        return k.isPublished(at: now) ? .valid(kid: kid, state: k.state, algorithm: k.algorithm) : .unpublishedKey(kid: kid, state: k.state)
    }
}
