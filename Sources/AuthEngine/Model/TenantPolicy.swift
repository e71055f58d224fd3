import Foundation

/// What a tenant keeps, and how much its introspections write: settings an operator changes with
/// `claimdeck tenant update`.
public struct TenantPolicy: Sendable, Hashable, Codable {
    /// How long a token's row is kept after the token expired or was revoked, seconds (default 7
    /// days). Until then preview, introspection and revocation see it as before; after it the janitor
    /// deletes the row. A rotated refresh token is kept until its own expiry passes this too, so that
    /// presenting it again still revokes its family. Audit events are never deleted.
    public var tokenRetention: Int
    /// 0: one audit event per introspection. N > 0: one event per token, caller and answer every N
    /// seconds, carrying the count (`aggregated`, `count`, `first`, `last`): fewer rows, every
    /// introspection still counted.
    public var introspectionAuditWindow: Int
    /// RFC 9126 §5: every client of the tenant must push its authorization requests (PAR); a plain
    /// request at the authorization endpoint is refused.
    public var requirePushedAuthorizationRequests: Bool
    /// RFC 9449 §8: DPoP proofs at the token endpoint must carry the tenant's current nonce
    /// (`DPoP-Nonce`, rotating every 5 minutes), which bounds how long a proof made ahead is usable.
    public var requireDPoPNonce: Bool
    /// The security profile every client of the tenant is under (`fapi2`: the FAPI 2.0 Security
    /// Profile); a client may also be put under one on its own.
    public var profile: SecurityProfile

    public static let defaultTokenRetention = 7 * 86_400
    /// Allowed retention: one hour to ten years.
    public static let tokenRetentionRange = 3_600...(3_650 * 86_400)
    /// Allowed aggregation windows: off, or one second to one hour.
    public static let introspectionAuditWindowRange = 0...3_600

    public init(
        tokenRetention: Int = Self.defaultTokenRetention,
        introspectionAuditWindow: Int = 0,
        requirePushedAuthorizationRequests: Bool = false,
        requireDPoPNonce: Bool = false,
        profile: SecurityProfile = .plain
    ) {
        self.tokenRetention = tokenRetention
        self.introspectionAuditWindow = introspectionAuditWindow
        self.requirePushedAuthorizationRequests = requirePushedAuthorizationRequests
        self.requireDPoPNonce = requireDPoPNonce
        self.profile = profile
    }

    enum CodingKeys: String, CodingKey {
        case tokenRetention = "token_retention"
        case introspectionAuditWindow = "introspection_audit_window"
        case requirePushedAuthorizationRequests = "require_pushed_authorization_requests"
        case requireDPoPNonce = "require_dpop_nonce"
        case profile
    }

    /// A setting a stored row lacks is its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            tokenRetention: try c.decodeIfPresent(Int.self, forKey: .tokenRetention) ?? Self.defaultTokenRetention,
            introspectionAuditWindow: try c.decodeIfPresent(Int.self, forKey: .introspectionAuditWindow) ?? 0,
            requirePushedAuthorizationRequests: try c.decodeIfPresent(Bool.self, forKey: .requirePushedAuthorizationRequests) ?? false,
            requireDPoPNonce: try c.decodeIfPresent(Bool.self, forKey: .requireDPoPNonce) ?? false,
            profile: try c.decodeIfPresent(SecurityProfile.self, forKey: .profile) ?? .plain
        )
    }

    /// Refuses values outside the allowed ranges, naming the field and what it accepts.
    public func validate() throws(AdminError) {
        guard Self.tokenRetentionRange.contains(tokenRetention) else {
            throw .invalid(field: "token_retention", "must be between 1h and 3650d (was \(tokenRetention) s)")
        }
        guard Self.introspectionAuditWindowRange.contains(introspectionAuditWindow) else {
            throw .invalid(
                field: "introspection_audit_window",
                "must be 0 (one event per introspection) or 1s to 1h (was \(introspectionAuditWindow) s)"
            )
        }
    }
}
