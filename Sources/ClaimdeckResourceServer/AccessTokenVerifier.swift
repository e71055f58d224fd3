import Foundation
import JOSE

/// RFC 9068 §4 for a JWT access token: the `typ`, the algorithm, the signature against the issuer's
/// JWKS, then the claims (`ClaimChecks`).
struct AccessTokenVerifier: Sendable {
    let configuration: ResourceServerConfiguration
    let keys: JWKSCache
    let checks: ClaimChecks

    /// The `typ` values RFC 9068 §2.1 allows, compared case-insensitively (RFC 7515 §4.1.9).
    static let accessTokenTypes: Set<String> = ["at+jwt", "application/at+jwt"]

    func verify(_ jws: ParsedJWS, at now: Date) async throws(TokenValidationError) -> Principal {
        guard let typ = jws.type?.lowercased(), Self.accessTokenTypes.contains(typ) else {
            throw .invalidToken(reason: "the token is not a JWT access token (typ must be at+jwt)")
        }
        if let reason = try await keys.check(jws, allowedAlgorithms: configuration.allowedAlgorithms).failure("the token") {
            throw .invalidToken(reason: reason)
        }
        return try checks.principal(from: jws.payload, at: now, source: .jwt, requireTokenClaims: true)
    }
}
