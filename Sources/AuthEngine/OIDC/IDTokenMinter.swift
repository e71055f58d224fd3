import Crypto
import Foundation
import JOSE

/// Mints OpenID Connect ID tokens (Core §2): signed by the tenant's key for the client's algorithm,
/// audience the client, with `auth_time`, `nonce`, `at_hash`, `amr` and `sid`, and the standard claims
/// of the granted `profile`/`email`/... scopes.
struct IDTokenMinter: Sendable {
    let engine: ClaimdeckEngine

    func mint(
        _ inputs: ClaimInputs,
        tenant: Tenant,
        authorization: UserAuthorization,
        nonce: String?,
        accessToken: String,
        snapshot: ConfigSnapshot
    ) throws(OAuthError) -> String {
        let client = inputs.client
        let alg = client.signingAlgorithm ?? tenant.defaultAlgorithm
        let key = try engine.keyring.signingKey(tenantID: tenant.id, algorithm: alg, snapshot: snapshot)
        let iat = Int64(engine.clock.now().timeIntervalSince1970)
        var claims = ClaimResolver.dictionary(ClaimResolver.userClaims(.idToken, inputs))
        claims["iss"] = .string(engine.configuration.issuer(for: tenant.id))
        claims["sub"] = .string(authorization.userID)
        claims["aud"] = .string(client.id)
        claims["azp"] = .string(client.id)
        claims["iat"] = .number(Double(iat))
        claims["exp"] = .number(Double(iat + Int64(client.accessTokenLifetime)))
        claims["auth_time"] = .number(authorization.authTime.timeIntervalSince1970.rounded(.down))
        if let nonce { claims["nonce"] = .string(nonce) }
        if !authorization.amr.isEmpty { claims["amr"] = .array(authorization.amr.map(JSONValue.string)) }
        if let sid = authorization.sessionID { claims["sid"] = .string(sid) }
        claims["at_hash"] = .string(Self.accessTokenHash(accessToken, algorithm: alg))
        do {
            return try JWS.sign(encodedHeader: key.encodedHeader(typ: "JWT"), payloadJSON: JSONValue.object(claims).serialized(), key: key.pair)
        } catch {
            throw OAuthError(code: "server_error", description: "signing failed", status: 500)
        }
    }

    /// OpenID Connect Core §3.1.3.6: the left half of the hash of the access token's ASCII, base64url;
    /// the hash is the one of the signing algorithm (SHA-256 for ES256/RS256, SHA-512 for EdDSA/Ed25519).
    static func accessTokenHash(_ token: String, algorithm: SigningAlgorithm) -> String {
        let digest: [UInt8] = algorithm == .edDSA ? Array(SHA512.hash(data: Data(token.utf8))) : Array(SHA256.hash(data: Data(token.utf8)))
        return Base64URL.encode(digest.prefix(digest.count / 2))
    }
}
