import JOSE

/// A security profile a tenant or a client is put under: a named set of rules the engine enforces on
/// top of its own. A client is under a profile when it or its tenant is (a client cannot opt out of
/// its tenant's profile).
public enum SecurityProfile: String, Sendable, Hashable, Codable, CaseIterable {
    /// Claimdeck's own rules only.
    case plain = "none"
    /// The FAPI 2.0 Security Profile (OpenID Foundation, Final, February 2025), its authorization
    /// server requirements (§5.3.2, §5.4): see `FAPI2`.
    case fapi2
}

/// What the FAPI 2.0 Security Profile (Final) asks of an authorization server, as Claimdeck applies it
/// to a client under the `fapi2` profile. Registration refuses a client that contradicts it
/// (`ClientSpec.checkFAPI2`); the flows enforce the rest (PAR, the assertion `aud`, the algorithms).
public enum FAPI2 {
    /// §5.4.1: "PS256, ES256 or EdDSA (Ed25519)": for what Claimdeck signs and what it accepts
    /// (client assertions, DPoP proofs).
    public static let signingAlgorithms: [SigningAlgorithm] = [.ps256, .es256, .edDSA]
    /// §5.3.2.1 items 6: clients authenticate with mutual TLS (RFC 8705 §2) or `private_key_jwt`.
    public static let authMethods: [ClientAuthMethod] = [.privateKeyJWT, .tlsClientAuth, .selfSignedTLSClientAuth]
    /// The refresh-token retry grace a client under the profile gets when it sets none: a rotated
    /// refresh token presented again within it answers the same tokens (see `RefreshRetry.swift`).
    public static let defaultRefreshTokenRetryGrace = 30
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
