/// A security profile a tenant or a client is put under: a named set of rules the engine enforces on
/// top of its own. A client is under a profile when it or its tenant is (a client cannot opt out of
/// its tenant's profile).
public enum SecurityProfile: String, Sendable, Hashable, Codable, CaseIterable {
    /// Claimdeck's own rules only.
    case plain = "none"
    /// The FAPI 2.0 Security Profile (OpenID Foundation, Final, February 2025), its authorization
    /// server requirements (§5.3.2, §5.4): see `FAPI2`.
    case fapi2

    /// The profile `raw` names, or an error naming `field` and the accepted values (CLI options and
    /// tenant files read it alike).
    public static func parse(_ raw: String, field: String) throws(AdminError) -> SecurityProfile {
        guard let profile = SecurityProfile(rawValue: raw) else {
            throw .invalid(
                field: field,
                "'\(Validation.printable(raw))' is not a profile; use \(allCases.map(\.rawValue).joined(separator: " or "))"
            )
        }
        return profile
    }
}

extension Tenant {
    /// The profile a client of this tenant is under: its own, or the tenant's.
    public func profile(for spec: ClientSpec) -> SecurityProfile {
        spec.profile == .fapi2 || policy.profile == .fapi2 ? .fapi2 : .plain
    }
}

extension ConfigSnapshot {
    /// The profile `client` is under: its own, or its tenant's.
    public func profile(of client: Client) -> SecurityProfile {
        tenants[client.tenantID]?.profile(for: client.spec) ?? client.spec.profile
    }

    /// Seconds of the refresh-token retry grace `client` gets: its own setting; under `fapi2`, at
    /// least `FAPI2.defaultRefreshTokenRetryGrace` when it set none.
    public func refreshTokenRetryGrace(of client: Client) -> Int {
        let own = client.spec.refreshTokenRetryGrace
        return own == 0 && profile(of: client) == .fapi2 ? FAPI2.defaultRefreshTokenRetryGrace : own
    }

    /// Whether `client` must push its authorization requests (RFC 9126): its setting, its tenant's,
    /// or the `fapi2` profile (FAPI 2.0 §5.3.2.2).
    public func requiresPushedAuthorizationRequests(_ client: Client) -> Bool {
        client.requirePushedAuthorizationRequests || tenants[client.tenantID]?.policy.requirePushedAuthorizationRequests == true
            || profile(of: client) == .fapi2
    }
}

extension SecurityProfile {
    /// One line for `client show` and the console: the profile and what it enforces.
    /// - Parameter own: the client is under it by its own setting (not only its tenant's).
    public func describe(own: Bool) -> String {
        switch self {
        case .plain: "none"
        case .fapi2:
            "fapi2 (FAPI 2.0 Security Profile\(own ? "" : ", the tenant's")): PAR, PKCE S256, sender-constrained tokens, "
                + "private_key_jwt or mTLS, PS256/ES256/EdDSA, assertion aud = issuer"
        }
    }
}
