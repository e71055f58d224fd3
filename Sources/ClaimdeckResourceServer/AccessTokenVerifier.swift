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
        guard let alg = jws.algorithm.flatMap(SigningAlgorithm.init(rawValue:)), configuration.allowedAlgorithms.contains(alg) else {
            throw .invalidToken(reason: "the token's signing algorithm (alg) is not accepted")
        }
        guard let key = try await keys.key(kid: jws.keyID) else {
            throw .invalidToken(reason: "the token is signed with a key the issuer does not publish (kid)")
        }
        guard jws.verify(with: key) else { throw .invalidToken(reason: "the token's signature does not verify") }
        return try checks.principal(from: jws.payload, at: now, source: .jwt, requireTokenClaims: true)
    }
}
