/// Why a token was refused, or why it could not be checked.
///
/// Messages name what was wrong in general terms and never echo the token or its claims' values
/// (beyond the fixed names of claims and algorithms), so they are safe to log and to send as the
/// RFC 6750 `error_description`.
public enum TokenValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The token is not acceptable (RFC 6750 `invalid_token`): malformed, bad signature, wrong issuer or
    /// audience, expired, inactive at introspection, revoked. `reason` is a fixed, log-safe phrase.
    case invalidToken(reason: String)
    /// The token is bound to a key (`cnf`) and was presented as a plain bearer token.
    case boundTokenPresentedAsBearer(reason: String)
    /// The authorization server (its discovery document, JWKS or introspection endpoint) could not be
    /// used, so the token could be neither accepted nor refused; the API answers 503 and the client retries.
    case authorizationServerUnavailable(reason: String)
    /// The introspection endpoint's answer is not to be trusted: with `IntrospectionFormat.signed`, it
    /// is not a JWT signed by the issuer for this API (RFC 9701 §5), or it is plain JSON (a downgrade).
    /// The token is neither accepted nor cached; the operator looks at the issuer's configuration or at
    /// what sits between the API and the issuer.
    case untrustedIntrospectionAnswer(reason: String)
    /// The API's own claims lookup failed; nothing is cached, the next request tries again.
    case claimsLookupFailed(reason: String)

    /// A log-safe message.
    public var description: String {
        switch self {
        case .invalidToken(let reason): reason
        case .boundTokenPresentedAsBearer(let reason): reason
        case .authorizationServerUnavailable(let reason): "authorization server unavailable: \(reason)"
        case .untrustedIntrospectionAnswer(let reason): "introspection answer refused: \(reason)"
        case .claimsLookupFailed(let reason): "claims lookup failed: \(reason)"
        }
    }
}
