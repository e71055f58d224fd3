import Foundation
import JOSE

/// The RFC 7523 §3 checks of a signed JWT assertion, shared by `private_key_jwt` client authentication
/// (§2.2, refused as `invalid_client`) and the JWT bearer grant (§2.1, refused as `invalid_grant`).
///
/// The caller finds who the assertion claims to come from (a client, a trusted issuer) and passes its
/// keys; this checks the signature, `aud`, `exp`, `nbf`, `iat` and `jti`, and records the `jti` so the
/// same assertion is accepted once. Messages name the parameter, never quote the assertion.
struct JWTAssertionVerifier: Sendable {
    let store: any TokenStore
    let clock: any WallClock
    /// The form parameter that carried the assertion, for messages: "client_assertion" or "assertion".
    let parameter: String
    /// Turns a reason into the error the caller's flow answers with.
    let reject: @Sendable (String) -> OAuthError

    /// Tolerated difference between the partner's clock and ours.
    static let clockSkew: TimeInterval = 60
    /// Longest accepted compact serialization.
    static let maximumLength = 8192

    /// Parses the compact JWS; nothing in it is trusted yet.
    func parse(_ assertion: String) throws(OAuthError) -> ParsedJWS {
        guard assertion.utf8.count <= Self.maximumLength, let jws = JWS.parse(assertion) else {
            throw reject("\(parameter) is not a compact JWS")
        }
        return jws
    }

    /// Verifies `jws` and consumes its `jti`, which it returns.
    ///
    /// - Parameters:
    ///   - keys: the signer's public keys; a `kid` in the header selects among them.
    ///   - algorithms: the accepted `alg` values; nil: whatever each key is for.
    ///   - audiences: values of which `aud` must contain one (the issuer, the token endpoint URL).
    ///   - audienceAsString: `aud` must be a single string, not an array (FAPI 2.0 section 5.3.2.1).
    ///   - maxLifetime: the longest `exp` may lie in the future.
    ///   - tenantID: the tenant whose replay cache records the `jti`.
    ///   - replayScope: whose `jti` namespace it is (a client id, or an issuer key that cannot collide with one).
    @discardableResult
    func verify(
        _ jws: ParsedJWS,
        keys: JWKSet,
        algorithms: [SigningAlgorithm]?,
        audiences: [String],
        audienceAsString: Bool = false,
        maxLifetime: TimeInterval,
        tenantID: String,
        replayScope: String
    ) async throws(OAuthError) -> String {
        if let algorithms {
            guard let alg = jws.algorithm, algorithms.contains(where: { $0.rawValue == alg }) else {
                throw reject(
                    "\(parameter) is signed with alg '\(Validation.printable(jws.algorithm ?? "none", limit: 16))'; accepted: \(algorithms.map(\.rawValue).joined(separator: ", "))"
                )
            }
        }
        let candidates = jws.keyID.map { kid in keys.keys.filter { $0.kid == kid } } ?? keys.keys
        // The header's alg picks how a key is used (an RSA JWK naming no alg serves RS256 or PS256);
        // a JWK that names another alg, or is of another type, cannot verify it.
        let algorithm = jws.algorithm.flatMap(SigningAlgorithm.init(rawValue:))
        let verified = candidates.contains { jwk in
            guard let algorithm, let key = try? VerificationKey(jwk: jwk, algorithm: algorithm) else { return false }
            return jws.verify(with: key)
        }
        guard verified else {
            throw reject("\(parameter) signature does not verify with the registered keys")
        }
        let presented: [String]
        switch jws.payload["aud"] {
        case .string(let a): presented = [a]
        case .array(let list): presented = list.compactMap(\.stringValue)
        default: presented = []
        }
        if audienceAsString {
            guard case .string(let aud)? = jws.payload["aud"], audiences.contains(aud) else {
                throw reject(
                    "\(parameter) aud must be the issuer '\(audiences.first ?? "")' as a single string (FAPI 2.0 section 5.3.2.1)"
                )
            }
        }
        guard presented.contains(where: { audiences.contains($0) }) else {
            throw reject("\(parameter) aud must be the issuer '\(audiences.first ?? "")' or the token endpoint")
        }
        let now = clock.now()
        guard let exp = jws.payload["exp"]?.doubleValue else {
            throw reject("\(parameter) has no exp")
        }
        let expiry = Date(timeIntervalSince1970: exp)
        guard expiry.addingTimeInterval(Self.clockSkew) > now else {
            throw reject("\(parameter) has expired")
        }
        guard expiry.timeIntervalSince(now) <= maxLifetime else {
            throw reject("\(parameter) lives too long: exp must be within \(Int(maxLifetime)) s")
        }
        if let nbf = jws.payload["nbf"]?.doubleValue, Date(timeIntervalSince1970: nbf) > now.addingTimeInterval(Self.clockSkew) {
            throw reject("\(parameter) is not valid yet (nbf)")
        }
        if let iat = jws.payload["iat"]?.doubleValue, Date(timeIntervalSince1970: iat) > now.addingTimeInterval(Self.clockSkew) {
            throw reject("\(parameter) was issued in the future (iat)")
        }
        guard let jti = jws.payload["jti"]?.stringValue, !jti.isEmpty, jti.utf8.count <= 256 else {
            throw reject("\(parameter) needs a jti of at most 256 bytes")
        }
        let fresh: Bool
        do {
            fresh = try await store.consumeAssertionID(
                tenantID: tenantID,
                clientID: replayScope,
                jti: jti,
                expiresAt: expiry.addingTimeInterval(Self.clockSkew),
                now: now
            )
        } catch {
            throw .temporarilyUnavailable("the store did not answer; retry")
        }
        guard fresh else {
            throw reject("\(parameter) jti was already used (replay)")
        }
        return jti
    }

    /// The values an assertion's `aud` may name at a tenant: its issuer and its token endpoint.
    static func acceptedAudiences(issuer: String, endpointURL: String) -> [String] {
        [issuer, endpointURL, issuer + "/token"]
    }
}
