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
    }

    func mint(_ g: Grant, snapshot: ConfigSnapshot) throws(OAuthError) -> (token: String, record: TokenRecord) {
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
            w.field("iss", engine.configuration.issuer(for: g.tenant.id))
            w.field("sub", g.subject)
            if g.audiences.count == 1 { w.field("aud", g.audiences[0]) } else { w.field("aud", strings: g.audiences) }
            w.field("exp", iat + Int64(g.lifetime))
            w.field("iat", iat)
            w.field("jti", id)
            w.field("client_id", g.client.id)
            if !g.scopes.isEmpty { w.field("scope", g.scopes.joined(separator: " ")) }
            for (name, value) in g.extraClaims.sorted(by: { $0.key < $1.key }) {
                w.key(name)
                w.value(value)
            }
            w.endObject()
            do {
                token = try JWS.sign(encodedHeader: key.encodedHeader(typ: "at+jwt"), payloadJSON: w.bytes, key: key.pair)
            } catch {
                throw OAuthError(code: "server_error", description: "signing failed", status: 500)
            }
        }
        let record = TokenRecord(
            id: id, tenantID: g.tenant.id, kind: .access, format: g.client.tokenFormat, clientID: g.client.id,
            subject: g.subject, scopes: g.scopes, audiences: g.audiences, issuedAt: issuedAt, expiresAt: expiresAt,
            digest: SecretDigest.sha256(token), keyID: keyID, grantType: g.grantType, familyID: g.familyID,
            claims: Self.storedClaims(g.introspectionClaims ?? g.extraClaims,
                                      internalClaims: g.internalClaims.merging([TokenRecord.designVersionKey: .number(Double(g.tenant.designVersion))]) { $1 }))
        return (token, record)
    }

    /// The claims a record keeps: the public ones, and the internal ones under `TokenRecord.internalKey`.
    static func storedClaims(_ claims: [String: JSONValue], internalClaims: [String: JSONValue]) -> [String: JSONValue] {
        var stored = claims
        if !internalClaims.isEmpty { stored[TokenRecord.internalKey] = .object(internalClaims) }
        return stored
    }
}
