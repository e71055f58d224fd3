/// Every error this module throws.
///
/// Messages describe what was wrong in general terms and never echo key material,
/// secrets, passwords, tokens or attacker-supplied strings, so they are safe to log.
public enum JOSEError: Error, CustomStringConvertible, Sendable, Hashable {
    /// Key bytes or a JWK could not be turned into a key; `reason` is a fixed phrase chosen by this module.
    case malformedKey(reason: String)
    /// The key is well formed but of a type, curve, use or algorithm this module refuses.
    case unsupportedKey(reason: String)
    /// An RSA key is shorter than the 2048 bits RFC 7518 §3.3 requires.
    case weakKey(bits: Int)
    /// The underlying crypto library failed to sign.
    case signingFailed
    /// A pre-encoded JWS header was empty or not base64url.
    case malformedHeader
    /// A `SecretBox` master key was not exactly 32 bytes.
    case invalidMasterKey(byteCount: Int)
    /// Sealing with AES-GCM failed.
    case sealingFailed
    /// A sealed blob did not authenticate under this master key and context.
    case sealedDataUnopenable
    /// A password to hash was empty.
    case emptyPassword
    /// Scrypt parameters were outside the accepted range (see `ScryptCost.isAcceptable`).
    case invalidScryptCost
    /// The scrypt computation itself failed.
    case passwordHashingFailed
    /// JSON text was not valid RFC 8259 JSON (or exceeded the nesting limit); `offset` is the byte position.
    case invalidJSON(offset: Int, reason: String)

    /// A log-safe, human-readable message.
    public var description: String {
        switch self {
        case .malformedKey(let reason): "malformed key: \(reason)"
        case .unsupportedKey(let reason): "unsupported key: \(reason)"
        case .weakKey(let bits): "RSA key too short: \(bits) bits, at least 2048 required"
        case .signingFailed: "signing failed"
        case .malformedHeader: "encoded JWS header is empty or not base64url"
        case .invalidMasterKey(let byteCount): "master key must be exactly 32 bytes, got \(byteCount)"
        case .sealingFailed: "sealing failed"
        case .sealedDataUnopenable: "sealed key cannot be opened: wrong master key or tampered data"
        case .emptyPassword: "password must not be empty"
        case .invalidScryptCost: "scrypt parameters out of the accepted range"
        case .passwordHashingFailed: "password hashing failed"
        case .invalidJSON(let offset, let reason): "invalid JSON at byte \(offset): \(reason)"
        }
    }
}
