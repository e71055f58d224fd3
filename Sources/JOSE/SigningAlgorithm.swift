/// The JWS `alg` values Claimdeck signs and verifies with (RFC 7518 §3.1, RFC 8037 §3.1).
///
/// Deliberately closed: there is no `none` and no HMAC case, so a token can never
/// select an algorithm that this module does not implement with a matching key type.
public enum SigningAlgorithm: String, Sendable, Codable, CaseIterable, Hashable {
    /// ECDSA over P-256 with SHA-256; the signature is the 64-byte raw `r || s`.
    case es256 = "ES256"
    /// RSASSA-PKCS1-v1_5 with SHA-256 over a key of at least 2048 bits.
    case rs256 = "RS256"
    /// Ed25519 (RFC 8037); the signature is 64 bytes.
    case edDSA = "EdDSA"
    /// RSASSA-PSS with SHA-256, MGF1 with SHA-256 and a 32-byte salt (RFC 7518 §3.5), over a key of at
    /// least 2048 bits: the RSA algorithm FAPI 2.0 allows (PKCS#1 v1.5 it does not).
    case ps256 = "PS256"

    /// The JWK `kty` that keys for this algorithm carry, so a JWK can be checked against the algorithm.
    public var keyType: String {
        switch self {
        case .es256: "EC"
        case .rs256, .ps256: "RSA"
        case .edDSA: "OKP"
        }
    }
}
