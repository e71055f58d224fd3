import Foundation
import JOSE

/// A Security Event Token (RFC 8417) pushed by the transmitter (RFC 8935), verified, with what it
/// means to this API: a revocation, or a change of claims that makes the caches forget.
///
/// Events understood (the SET's single member of `events`, its subject in the top-level `sub_id`
/// as OpenID SSF 1.0 §3 and RFC 9493 define them):
///
/// | event type | `sub_id` | effect |
/// |---|---|---|
/// | CAEP `session-revoked`, CAEP `credential-change`, RISC `account-disabled` | `iss_sub` (the tokens' issuer and `sub`) | revokes every token of the subject issued up to the event |
/// | CAEP `token-claims-change` (its `claims`: the changed claims and their new values) | `iss_sub`, or `jwt_id` for one token | revokes nothing: the cached validations of the subject's (or that token's) tokens, with their introspection answers and the API's extra claims, are forgotten, so the next request recomputes them |
/// | `https://claimdeck.dev/secevent/event-type/token-revoked` (extension) | `jwt_id` (SSF §3.5.1: `iss`, `jti`) | revokes that token |
/// | `https://claimdeck.dev/secevent/event-type/client-revoked` (extension) | `opaque`, `id` = the `client_id` | revokes every token of the client issued up to the event |
/// | `https://claimdeck.dev/secevent/event-type/tenant-revoked` (extension) | `opaque`, `id` = the tokens' issuer | revokes every token of the issuer issued up to the event |
///
/// No standard event names a single token, a client's tokens or a whole issuer's, hence the three clearly named
/// extensions. Other event types are acknowledged and ignored (RFC 8935 §2.2 leaves that to the receiver).
public struct SecurityEvent: Sendable, Hashable {
    /// The SET's `jti`.
    public var id: String
    /// The event type URI.
    public var type: String
    /// What it revokes here; nil for an event that revokes nothing.
    public var revocation: Revocation?
    /// `event_timestamp` of the event, or the SET's `iat`.
    public var time: Date
    /// The claims a CAEP `token-claims-change` event changed; nil for any other event.
    public var claimsChange: ClaimsChange? = nil

    /// A CAEP 1.0 token-claims-change: whose tokens, and their claims' new values.
    public struct ClaimsChange: Sendable, Hashable {
        /// Whose tokens carry the changed claims.
        public enum Target: Sendable, Hashable {
            /// Every token of the subject (`iss_sub`).
            case subject(String)
            /// One token, by `jti` (`jwt_id`).
            case token(jti: String)
        }

        /// Whose tokens.
        public var target: Target
        /// The event's `claims`: each changed claim with its new value, as sent.
        public var claims: [String: JSONValue]
    }

    /// What an event revokes.
    public enum Revocation: Sendable, Hashable {
        /// One token, by `jti`.
        case token(jti: String)
        /// Every token of the subject issued up to the event.
        case subject(String)
        /// Every token of the client issued up to the event.
        case client(String)
        /// Every token of the issuer issued up to the event (a tenant-wide revocation).
        case all
    }

    /// CAEP 1.0 session revoked.
    public static let sessionRevoked = "https://schemas.openid.net/secevent/caep/event-type/session-revoked"
    /// CAEP 1.0 token claims change.
    public static let tokenClaimsChange = "https://schemas.openid.net/secevent/caep/event-type/token-claims-change"
    /// CAEP 1.0 credential change.
    public static let credentialChange = "https://schemas.openid.net/secevent/caep/event-type/credential-change"
    /// RISC 1.0 account disabled.
    public static let accountDisabled = "https://schemas.openid.net/secevent/risc/event-type/account-disabled"
    /// Claimdeck's extension: one access token revoked (no standard event names a token).
    public static let tokenRevoked = "https://claimdeck.dev/secevent/event-type/token-revoked"
    /// Claimdeck's extension: a client's tokens revoked or the client disabled.
    public static let clientRevoked = "https://claimdeck.dev/secevent/event-type/client-revoked"
    /// Claimdeck's extension: every token of the tenant (issuer) revoked.
    public static let tenantRevoked = "https://claimdeck.dev/secevent/event-type/tenant-revoked"

    /// The `typ` values RFC 8417 §2.3 and SSF 1.0 allow, compared case-insensitively.
    static let types: Set<String> = ["secevent+jwt", "application/secevent+jwt"]
}

/// Why a pushed SET was refused: the RFC 8935 §2.4 error code and a log-safe description.
public struct SecurityEventError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `invalid_request`, `invalid_key`, `invalid_issuer`, `invalid_audience` or `authentication_failed`.
    public var code: String
    /// What was wrong, in general terms.
    public var reason: String

    /// An error.
    public init(_ code: String, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// `code: reason`.
    public var description: String { "\(code): \(reason)" }
}

/// Verifies a SET against the transmitter's keys and reads its event.
struct SecurityEventVerifier: Sendable {
    let issuer: String
    let audience: String
    let tokenIssuer: String
    let allowedAlgorithms: Set<SigningAlgorithm>
    let keys: JWKSCache

    func verify(_ compact: String) async throws(SecurityEventError) -> SecurityEvent {
        guard let jws = JWS.parse(compact) else { throw SecurityEventError("invalid_request", "the body is not a compact JWS") }
        guard let typ = jws.type?.lowercased(), SecurityEvent.types.contains(typ) else {
            throw SecurityEventError("invalid_request", "the SET's typ must be secevent+jwt")
        }
        let signature: SignatureCheck
        do {
            signature = try await keys.check(jws, allowedAlgorithms: allowedAlgorithms)
        } catch {
            throw SecurityEventError("invalid_key", "the transmitter's keys cannot be fetched now")
        }
        if let reason = signature.failure("the SET") { throw SecurityEventError("invalid_key", reason) }
        let claims = jws.payload
        guard claims["iss"]?.stringValue == issuer else {
            throw SecurityEventError("invalid_issuer", "the SET was issued by another transmitter (iss)")
        }
        guard ClaimChecks.audiences(claims["aud"])?.contains(audience) == true else {
            throw SecurityEventError("invalid_audience", "the SET is not meant for this receiver (aud)")
        }
        guard let jti = claims["jti"]?.stringValue else { throw SecurityEventError("invalid_request", "the SET has no jti") }
        guard let iat = ClaimChecks.seconds(claims["iat"]) else { throw SecurityEventError("invalid_request", "the SET has no iat") }
        // RFC 8417 §2.2 / SSF §4.1.2: a SET is not an access or ID token; `sub` would invite confusion.
        guard claims["sub"] == nil else {
            throw SecurityEventError("invalid_request", "the SET has a sub claim; SSF events name their subject in sub_id")
        }
        guard let events = claims["events"]?.objectValue, events.count == 1, let (type, payload) = events.first else {
            throw SecurityEventError("invalid_request", "the SET must carry exactly one event")
        }
        let time = ClaimChecks.seconds(payload["event_timestamp"]).map(Date.init(timeIntervalSince1970:)) ?? Date(timeIntervalSince1970: iat)
        let subject = claims["sub_id"]?.objectValue
        var revocation: SecurityEvent.Revocation?
        var claimsChange: SecurityEvent.ClaimsChange?
        switch type {
        case SecurityEvent.sessionRevoked, SecurityEvent.credentialChange, SecurityEvent.accountDisabled:
            guard let sub = issSub(subject) else {
                throw SecurityEventError("invalid_request", "the event's sub_id must be iss_sub with the tokens' issuer")
            }
            revocation = .subject(sub)
        case SecurityEvent.tokenClaimsChange:
            // CAEP 1.0 §3.2: `claims` is required and names one or more claims.
            guard let changed = payload["claims"]?.objectValue, !changed.isEmpty else {
                throw SecurityEventError("invalid_request", "the token-claims-change event has no claims object")
            }
            if let sub = issSub(subject) {
                claimsChange = .init(target: .subject(sub), claims: changed)
            } else if let tokenID = jwtID(subject) {
                claimsChange = .init(target: .token(jti: tokenID), claims: changed)
            } else {
                throw SecurityEventError("invalid_request", "the event's sub_id must be iss_sub or jwt_id with the tokens' issuer")
            }
        case SecurityEvent.tokenRevoked:
            guard let tokenID = jwtID(subject) else {
                throw SecurityEventError("invalid_request", "the event's sub_id must be jwt_id with the tokens' issuer")
            }
            revocation = .token(jti: tokenID)
        case SecurityEvent.clientRevoked:
            guard let subject, subject["format"]?.stringValue == "opaque", let client = subject["id"]?.stringValue else {
                throw SecurityEventError("invalid_request", "the event's sub_id must be opaque with the client_id as id")
            }
            revocation = .client(client)
        case SecurityEvent.tenantRevoked:
            guard let subject, subject["format"]?.stringValue == "opaque", subject["id"]?.stringValue == tokenIssuer else {
                throw SecurityEventError("invalid_request", "the event's sub_id must be opaque with the tokens' issuer as id")
            }
            revocation = .all
        default:
            break
        }
        return SecurityEvent(id: jti, type: type, revocation: revocation, time: time, claimsChange: claimsChange)
    }

    /// The `sub` of an `iss_sub` subject (RFC 9493 §3.2.5) of the tokens' issuer.
    private func issSub(_ subject: [String: JSONValue]?) -> String? {
        guard let subject, subject["format"]?.stringValue == "iss_sub", subject["iss"]?.stringValue == tokenIssuer else { return nil }
        return subject["sub"]?.stringValue
    }

    /// The `jti` of a `jwt_id` subject (SSF 1.0 §3.5.1) of the tokens' issuer.
    private func jwtID(_ subject: [String: JSONValue]?) -> String? {
        guard let subject, subject["format"]?.stringValue == "jwt_id", subject["iss"]?.stringValue == tokenIssuer else { return nil }
        return subject["jti"]?.stringValue
    }
}
