import Foundation
import JOSE

/// RFC 9701 for the receiving side: an introspection answer that is a JWT signed by the issuer, for
/// this API, whose `token_introspection` claim is then read as an RFC 7662 answer.
///
/// Checked, each failure an `untrustedIntrospectionAnswer` that names the rule:
/// - `Content-Type: application/token-introspection+jwt` (§5); plain JSON is a downgrade, refused;
/// - `typ` `token-introspection+jwt` (§5, §8.1: it cannot be confused with another JWT of the issuer,
///   an access token in particular);
/// - `alg` on the allow-list, the signature against the issuer's JWKS (`JWKSCache`: an unknown `kid`
///   refetches, rate-limited);
/// - `iss` the configured issuer, `aud` naming this API's client id, `iat` present and not in the
///   future beyond the leeway (§5: the three are required);
/// - `token_introspection` a JSON object (§5).
struct SignedIntrospectionAnswer: Sendable {
    let configuration: ResourceServerConfiguration
    let keys: JWKSCache

    /// The media type of an RFC 9701 answer, also sent as `Accept`.
    static let mediaType = "application/token-introspection+jwt"
    /// The `typ` values §5 allows, compared case-insensitively (RFC 7515 §4.1.9 lets `application/` go).
    static let types: Set<String> = ["token-introspection+jwt", "application/token-introspection+jwt"]

    /// The RFC 7662 answer inside `answer`, once every rule above holds. `audience`: this API's client id.
    func introspection(
        in answer: AuthorizationServerClient.Answer,
        from url: String,
        audience: String,
        at now: Date
    ) async throws(TokenValidationError) -> [String: JSONValue] {
        guard let mediaType = answer.mediaType, mediaType == Self.mediaType else {
            if answer.mediaType == "application/json" {
                throw .untrustedIntrospectionAnswer(reason: "\(url) answered plain JSON where a signed answer (RFC 9701) was asked for")
            }
            throw .untrustedIntrospectionAnswer(reason: "\(url) did not answer Content-Type \(Self.mediaType)")
        }
        let compact = String(buffer: answer.body).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let jws = JWS.parse(compact) else {
            // A JWE (RFC 9701 §5 lets the issuer encrypt) has five parts; this library holds no decryption key.
            throw .untrustedIntrospectionAnswer(reason: "\(url) did not answer a compact JWS (encrypted answers are not supported)")
        }
        guard let typ = jws.type?.lowercased(), Self.types.contains(typ) else {
            throw .untrustedIntrospectionAnswer(reason: "the signed introspection answer's typ must be token-introspection+jwt")
        }
        if let reason = try await keys.check(jws, allowedAlgorithms: configuration.allowedAlgorithms).failure("the signed introspection answer") {
            throw .untrustedIntrospectionAnswer(reason: reason)
        }
        let claims = jws.payload
        guard claims["iss"]?.stringValue == configuration.issuer else {
            throw .untrustedIntrospectionAnswer(reason: "the signed introspection answer was issued by another issuer (iss)")
        }
        guard ClaimChecks.audiences(claims["aud"])?.contains(audience) == true else {
            throw .untrustedIntrospectionAnswer(reason: "the signed introspection answer is not meant for this API's client (aud)")
        }
        guard let iat = ClaimChecks.seconds(claims["iat"]) else {
            throw .untrustedIntrospectionAnswer(reason: "the signed introspection answer has no issue time (iat)")
        }
        guard Date(timeIntervalSince1970: iat) <= now.addingTimeInterval(configuration.leeway) else {
            throw .untrustedIntrospectionAnswer(reason: "the signed introspection answer was issued in the future (iat)")
        }
        guard let introspection = claims["token_introspection"]?.objectValue else {
            throw .untrustedIntrospectionAnswer(reason: "the signed introspection answer has no token_introspection object")
        }
        return introspection
    }
}
