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

extension Client {
    /// How the client's access tokens are bound, in one word: `dpop`, `mtls`, `dpop+mtls`, or
    /// `optional` (DPoP when a request carries a proof, else bearer).
    public var tokenBindingKind: String {
        switch (spec.dpopBoundAccessTokens, spec.tlsClientCertificateBoundAccessTokens) {
        case (true, true): "dpop+mtls"
        case (true, false): "dpop"
        case (false, true): "mtls"
        case (false, false): "optional"
        }
    }

    /// How the client's access tokens are bound, in words.
    public var tokenBindingDescription: String {
        var parts: [String] = []
        if spec.dpopBoundAccessTokens { parts.append("DPoP required (every token request carries a proof)") }
        if spec.tlsClientCertificateBoundAccessTokens { parts.append("client certificate (mTLS, cnf x5t#S256)") }
        return parts.isEmpty ? "DPoP when the request carries a proof, else bearer" : parts.joined(separator: "; ")
    }
}
