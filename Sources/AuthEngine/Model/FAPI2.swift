import JOSE

/// What the FAPI 2.0 Security Profile (Final) asks of an authorization server, as Claimdeck applies it
/// to a client under the `fapi2` profile. Registration refuses a client that contradicts it
/// (`ClientSpec.checkFAPI2`); the flows enforce the rest (PAR, the assertion `aud`, the algorithms).
public enum FAPI2 {
    /// §5.4.1: "PS256, ES256 or EdDSA (Ed25519)": for what Claimdeck signs and what it accepts
    /// (client assertions, DPoP proofs).
    public static let signingAlgorithms: [SigningAlgorithm] = [.ps256, .es256, .edDSA]
    /// §5.3.2.1 item 6: clients authenticate with mutual TLS (RFC 8705 §2) or `private_key_jwt`.
    public static let authMethods: [ClientAuthMethod] = [.privateKeyJWT, .tlsClientAuth, .selfSignedTLSClientAuth]
    /// The refresh-token retry grace a client under the profile gets when it sets none: a rotated
    /// refresh token presented again within it answers the same tokens (see `RefreshRetry.swift`).
    public static let defaultRefreshTokenRetryGrace = 30
}
