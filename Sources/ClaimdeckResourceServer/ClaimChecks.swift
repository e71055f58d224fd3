import Foundation
import JOSE

/// The claim rules a JWT access token (RFC 9068 §4) and an introspection answer (RFC 7662 §2.2) share:
/// issuer, audience, time window, the bearer-only rule, and the claims a `Principal` is made of.
struct ClaimChecks: Sendable {
    let configuration: ResourceServerConfiguration

    /// Checks `claims` at `now` and builds the principal. `requireTokenClaims`: the JWT profile's
    /// required claims (RFC 9068 §2.2: `iss`, `exp`, `aud`, `sub`, `client_id`, `iat`, `jti`);
    /// an introspection answer need only carry what RFC 7662 makes required (`active`), plus `exp`
    /// here, since nothing is cached without knowing how long the token lives.
    func principal(
        from claims: [String: JSONValue],
        at now: Date,
        source: Principal.Source,
        requireTokenClaims: Bool
    ) throws(TokenValidationError) -> Principal {
        if requireTokenClaims || claims["iss"] != nil {
            guard claims["iss"]?.stringValue == configuration.issuer else {
                throw .invalidToken(reason: "the token was issued by another issuer (iss)")
            }
        }
        let audiences: [String]
        if let listed = Self.audiences(claims["aud"]) {
            audiences = listed
        } else if claims["aud"] == nil && !requireTokenClaims {
            audiences = []
        } else {
            throw .invalidToken(reason: "the token has no audience (aud)")
        }
        // An introspection answer without `aud` is the issuer's word that the token is active; one
        // with an `aud` must name this API, as a JWT must.
        if requireTokenClaims || !audiences.isEmpty {
            guard audiences.contains(configuration.audience) else {
                throw .invalidToken(reason: "the token is not meant for this API (aud)")
            }
        }
        guard let exp = Self.seconds(claims["exp"]) else { throw .invalidToken(reason: "the token has no expiry (exp)") }
        let expiresAt = Date(timeIntervalSince1970: exp)
        guard now < expiresAt.addingTimeInterval(configuration.leeway) else { throw .invalidToken(reason: "the token has expired") }
        if let nbf = claims["nbf"] {
            guard let seconds = Self.seconds(nbf) else { throw .invalidToken(reason: "the token's nbf is not a number") }
            guard now >= Date(timeIntervalSince1970: seconds).addingTimeInterval(-configuration.leeway) else {
                throw .invalidToken(reason: "the token is not valid yet (nbf)")
            }
        }
        if requireTokenClaims {
            guard let iat = Self.seconds(claims["iat"]) else { throw .invalidToken(reason: "the token has no issue time (iat)") }
            guard Date(timeIntervalSince1970: iat) <= now.addingTimeInterval(configuration.leeway) else {
                throw .invalidToken(reason: "the token was issued in the future (iat)")
            }
        }
        // RFC 9449 §7.1 and RFC 8705 §3: a token bound to a key is not a bearer token.
        if let confirmation = claims["cnf"]?.objectValue {
            if confirmation["jkt"] != nil {
                throw .boundTokenPresentedAsBearer(reason: "the token is DPoP-bound (cnf.jkt) and must be sent with a DPoP proof, not as Bearer")
            }
            if confirmation["x5t#S256"] != nil {
                throw .boundTokenPresentedAsBearer(reason: "the token is bound to a client certificate (cnf.x5t#S256), which this API does not check")
            }
        }
        let subject = claims["sub"]?.stringValue
        let clientID = claims["client_id"]?.stringValue
        if requireTokenClaims {
            guard subject != nil else { throw .invalidToken(reason: "the token has no subject (sub)") }
            guard clientID != nil else { throw .invalidToken(reason: "the token has no client (client_id)") }
            guard claims["jti"]?.stringValue != nil else { throw .invalidToken(reason: "the token has no identifier (jti)") }
        }
        let scope = claims["scope"]?.stringValue ?? ""
        return Principal(
            subject: subject ?? clientID ?? "",
            clientID: clientID ?? "",
            scopes: Set(scope.split(separator: " ").map(String.init)),
            audiences: audiences,
            tokenID: claims["jti"]?.stringValue,
            expiresAt: expiresAt,
            issuedAt: Self.seconds(claims["iat"]).map(Date.init(timeIntervalSince1970:)),
            claims: claims,
            source: source
        )
    }

    /// `aud` as a list (RFC 7519 §4.1.3: one string or an array of them); nil when absent or neither.
    static func audiences(_ value: JSONValue?) -> [String]? {
        switch value {
        case .string(let one): [one]
        case .array(let many): many.compactMap(\.stringValue)
        default: nil
        }
    }

    /// A NumericDate (RFC 7519 §2): a JSON number of seconds since the epoch.
    static func seconds(_ value: JSONValue?) -> TimeInterval? {
        guard let seconds = value?.doubleValue, seconds.isFinite else { return nil }
        return seconds
    }
}
