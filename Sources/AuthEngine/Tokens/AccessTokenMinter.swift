import Foundation
import JOSE

/// Mints access tokens: RFC 9068 JWTs written directly (no JSONEncoder on the hot path), or opaque
/// references of 256 random bits. Either way the caller gets the string and the record to store.
struct AccessTokenMinter: Sendable {
    let engine: ClaimdeckEngine

    struct Grant: Sendable {
        var tenant: Tenant
        var client: Client
        var subject: String
        var scopes: [String]
        var audiences: [String]
        var grantType: GrantType
        var lifetime: Int
        var familyID: String?
        /// Claims the token carries beyond the RFC 9068 set (user claims of the granted scopes, `act`).
        var extraClaims: [String: JSONValue] = [:]
        /// What the server keeps about the token for itself (session id); stored, never in the JWT.
        var internalClaims: [String: JSONValue] = [:]
        /// What introspection answers beside the standard fields; nil: the same as `extraClaims`.
        var introspectionClaims: [String: JSONValue]? = nil
        /// What the token is bound to (`cnf`): a DPoP key (RFC 9449 §6), a client certificate (RFC 8705 §3).
        var confirmation: TokenConfirmation? = nil
    }

    func mint(_ grant: Grant, snapshot: ConfigSnapshot) throws(OAuthError) -> (token: String, record: TokenRecord) {
        var g = grant
        if let confirmation = g.confirmation {
            // In the JWT and in what introspection answers (RFC 9449 §6.1, §6.2; RFC 8705 §3.1, §3.2).
            g.extraClaims[TokenConfirmation.claim] = confirmation.json
            g.introspectionClaims?[TokenConfirmation.claim] = confirmation.json
        }
        let now = engine.clock.now()
        let iat = Int64(now.timeIntervalSince1970)
        let issuedAt = Date(timeIntervalSince1970: TimeInterval(iat))
        let expiresAt = issuedAt.addingTimeInterval(TimeInterval(g.lifetime))
        let id = engine.ids.timeOrdered(at: now)
        let token: String
        var keyID: String?
        switch g.client.tokenFormat {
        case .opaque:
            token = TokenLocator.opaque(prefix: TokenLocator.opaqueAccessPrefix, id: id, secret: engine.ids.secret(bytes: 32))
        case .jwt:
            let alg = g.client.signingAlgorithm ?? g.tenant.defaultAlgorithm
            let key = try engine.keyring.signingKey(tenantID: g.tenant.id, algorithm: alg, snapshot: snapshot)
            keyID = key.kid
            var w = JSONWriter(capacity: 384)
            w.beginObject()
            AccessTokenPayload(
                issuer: engine.configuration.issuer(for: g.tenant.id),
                subject: g.subject,
                audiences: g.audiences,
                issuedAt: iat,
                expiresAt: iat + Int64(g.lifetime),
                tokenID: id,
                clientID: g.client.id,
                scopes: g.scopes,
                extraClaims: g.extraClaims
            ).write(to: &w)
            w.endObject()
            do {
                token = try JWS.sign(encodedHeader: key.encodedHeader(typ: "at+jwt"), payloadJSON: w.bytes, key: key.pair)
            } catch {
                throw OAuthError(code: "server_error", description: "signing failed", status: 500)
            }
        }
        let record = TokenRecord(
            id: id,
            tenantID: g.tenant.id,
            kind: .access,
            format: g.client.tokenFormat,
            clientID: g.client.id,
            subject: g.subject,
            scopes: g.scopes,
            audiences: g.audiences,
            issuedAt: issuedAt,
            expiresAt: expiresAt,
            digest: SecretDigest.sha256(token),
            keyID: keyID,
            grantType: g.grantType,
            familyID: g.familyID,
            claims: Self.storedClaims(g.introspectionClaims ?? g.extraClaims, internalClaims: recordInternals(g))
        )
        return (token, record)
    }

    /// What the record keeps for the server: the grant's internal claims, the design version, and, when
    /// a JWT carries other claims than introspection answers (the design sends a claim to one and not
    /// the other), the JWT's, so that the payload can be rebuilt as signed (`AccessTokenPayload(record:)`).
    private func recordInternals(_ g: Grant) -> [String: JSONValue] {
        var claims = g.internalClaims.merging([TokenRecord.designVersionKey: .number(Double(g.tenant.designVersion))]) { $1 }
        if g.client.tokenFormat == .jwt, let introspection = g.introspectionClaims, introspection != g.extraClaims {
            claims[AccessTokenPayload.storedClaimsKey] = .object(g.extraClaims)
        }
        return claims
    }

    /// The claims a record keeps: the public ones, and the internal ones under `TokenRecord.internalKey`.
    static func storedClaims(_ claims: [String: JSONValue], internalClaims: [String: JSONValue]) -> [String: JSONValue] {
        var stored = claims
        if !internalClaims.isEmpty { stored[TokenRecord.internalKey] = .object(internalClaims) }
        return stored
    }
}

/// The payload of an RFC 9068 access JWT, laid out in one place: the minter writes it into the token,
/// and the console rebuilds a stored token's claims with it, so what the console shows as a JWT is
/// what was signed.
public struct AccessTokenPayload: Sendable, Hashable {
    /// `iss`: the tenant's issuer.
    public var issuer: String
    /// `sub`: the user's id, or the client's for client_credentials.
    public var subject: String
    /// One audience is written as a string, several (or none) as an array.
    public var audiences: [String]
    /// `iat`, in seconds since 1970.
    public var issuedAt: Int64
    /// `exp`, in seconds since 1970.
    public var expiresAt: Int64
    /// `jti`: the token record's id.
    public var tokenID: String
    /// `client_id`: the client the token was issued to.
    public var clientID: String
    /// Written as one space-separated `scope`, left out when empty.
    public var scopes: [String]
    /// The claims beyond the RFC 9068 set: the design's claims for `access_token`, `act`.
    public var extraClaims: [String: JSONValue]

    /// Internal key of a record under which the minter keeps a JWT's extra claims when they differ
    /// from what introspection answers (the record's public claims).
    static let storedClaimsKey = "jwt_claims"

    /// Every claim, in the order the JWT has them.
    public var claims: [(name: String, value: JSONValue)] {
        var list = ClaimList()
        write(to: &list)
        return list.claims
    }

    /// The one layout: the RFC 9068 claims, then the extra claims sorted by name.
    func write(to sink: inout some AccessTokenClaimSink) {
        sink.field("iss", issuer)
        sink.field("sub", subject)
        if audiences.count == 1 { sink.field("aud", audiences[0]) } else { sink.field("aud", strings: audiences) }
        sink.field("exp", expiresAt)
        sink.field("iat", issuedAt)
        sink.field("jti", tokenID)
        sink.field("client_id", clientID)
        if !scopes.isEmpty { sink.field("scope", scopes.joined(separator: " ")) }
        for (name, value) in extraClaims.sorted(by: { $0.key < $1.key }) { sink.field(name, json: value) }
    }

    /// Collects the payload as values, for showing it.
    private struct ClaimList: AccessTokenClaimSink {
        var claims: [(name: String, value: JSONValue)] = []
        mutating func field(_ name: String, _ value: String) { claims.append((name, .string(value))) }
        mutating func field(_ name: String, _ value: Int64) { claims.append((name, .number(Double(value)))) }
        mutating func field(_ name: String, strings: [String]) { claims.append((name, .array(strings.map(JSONValue.string)))) }
        mutating func field(_ name: String, json value: JSONValue) { claims.append((name, value)) }
    }
}

// In an extension, so that the memberwise initializer the minter uses stays.
extension AccessTokenPayload {
    /// The payload of the stored access JWT `record` as the minter signed it (the token string itself
    /// is never stored). `issuer` is the tenant's issuer.
    ///
    /// A record keeps the introspection claims; the JWT's own are kept beside them only when they
    /// differ. (Tokens minted before they were kept show the introspection claims.)
    public init(record: TokenRecord, issuer: String) {
        self.init(
            issuer: issuer,
            subject: record.subject,
            audiences: record.audiences,
            issuedAt: Int64(record.issuedAt.timeIntervalSince1970),
            expiresAt: Int64(record.expiresAt.timeIntervalSince1970),
            tokenID: record.id,
            clientID: record.clientID,
            scopes: record.scopes,
            extraClaims: record.internalValue(Self.storedClaimsKey)?.objectValue ?? record.publicClaims
        )
    }
}

/// Where `AccessTokenPayload` writes its claims: the token's JSON on the hot path (no intermediate
/// values), or a list of values for a view.
protocol AccessTokenClaimSink {
    mutating func field(_ name: String, _ value: String)
    mutating func field(_ name: String, _ value: Int64)
    mutating func field(_ name: String, strings: [String])
    mutating func field(_ name: String, json value: JSONValue)
}

extension JSONWriter: AccessTokenClaimSink {
    mutating func field(_ name: String, json claim: JSONValue) {
        key(name)
        value(claim)
    }
}
