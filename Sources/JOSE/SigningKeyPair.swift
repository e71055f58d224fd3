import Crypto
import CryptoExtras
import Foundation

/// A private signing key with its public half, for one `SigningAlgorithm`.
///
/// Store it with `privateKeyBytes` sealed in a `SecretBox`; publish `publicKey.jwk(kid:)`.
/// `description`, `debugDescription` and reflection are redacted so logging a key pair never prints key material.
public struct SigningKeyPair: Sendable {
    enum Backing: Sendable {
        case p256(P256.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
    }

    /// The algorithm every signature from this key uses.
    public let algorithm: SigningAlgorithm
    let backing: Backing
    /// The matching public key (computed once at construction).
    public let publicKey: VerificationKey
    /// Length in bytes of every signature this key produces (64, or the RSA modulus length).
    let signatureByteCount: Int

    /// Largest RSA private-key DER accepted by `init(algorithm:privateKeyBytes:)`.
    private static let maximumRSADERBytes = 16 * 1024

    /// - Parameter rsaAlgorithm: what an RSA key signs with, RS256 or PS256 (the key is the same kind).
    private init(_ backing: Backing, rsaAlgorithm: SigningAlgorithm = .rs256) throws {
        self.backing = backing
        switch backing {
        case .p256(let key):
            algorithm = .es256
            publicKey = VerificationKey(p256: key.publicKey)
            signatureByteCount = 64
        case .rsa(let key):
            algorithm = rsaAlgorithm
            publicKey = try VerificationKey(rsa: key.publicKey, algorithm: rsaAlgorithm)
            signatureByteCount = (key.keySizeInBits + 7) / 8
        case .ed25519(let key):
            algorithm = .edDSA
            publicKey = VerificationKey(ed25519: key.publicKey)
            signatureByteCount = 64
        }
    }

    /// A fresh random key: P-256 for ES256, RSA 2048 for RS256 and PS256 (slow: tens to hundreds of ms),
    /// Ed25519 for EdDSA.
    public static func generate(_ algorithm: SigningAlgorithm) throws -> SigningKeyPair {
        switch algorithm {
        case .es256:
            return try SigningKeyPair(.p256(P256.Signing.PrivateKey()))
        case .edDSA:
            return try SigningKeyPair(.ed25519(Curve25519.Signing.PrivateKey()))
        case .rs256, .ps256:
            guard let key = try? _RSA.Signing.PrivateKey(keySize: .bits2048) else {
                throw JOSEError.malformedKey(reason: "RSA key generation failed")
            }
            return try SigningKeyPair(.rsa(key), rsaAlgorithm: algorithm)
        }
    }

    /// Restores a key from `privateKeyBytes`: 32 raw bytes for ES256 and EdDSA,
    /// PKCS#8 or PKCS#1 DER for RS256 and PS256 (2048...8192 bits).
    public init(algorithm: SigningAlgorithm, privateKeyBytes: Data) throws {
        let bytes = [UInt8](privateKeyBytes)
        switch algorithm {
        case .es256:
            guard bytes.count == 32, let key = try? P256.Signing.PrivateKey(rawRepresentation: bytes) else {
                throw JOSEError.malformedKey(reason: "ES256 private key must be a valid 32-byte scalar")
            }
            try self.init(.p256(key))
        case .edDSA:
            guard bytes.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: bytes) else {
                throw JOSEError.malformedKey(reason: "EdDSA private key must be a 32-byte seed")
            }
            try self.init(.ed25519(key))
        case .rs256, .ps256:
            guard !bytes.isEmpty, bytes.count <= Self.maximumRSADERBytes,
                let key = try? _RSA.Signing.PrivateKey(unsafeDERRepresentation: bytes)
            else { throw JOSEError.malformedKey(reason: "\(algorithm.rawValue) private key must be PKCS#8 or PKCS#1 DER") }
            guard key.keySizeInBits >= VerificationKey.minimumRSABits else { throw JOSEError.weakKey(bits: key.keySizeInBits) }
            guard key.keySizeInBits <= VerificationKey.maximumRSABits else {
                throw JOSEError.unsupportedKey(reason: "RSA modulus longer than 8192 bits")
            }
            try self.init(.rsa(key), rsaAlgorithm: algorithm)
        }
    }

    /// The private key for storage (seal it!): P-256 and Ed25519 raw 32 bytes, RSA PKCS#8 DER.
    public var privateKeyBytes: Data {
        switch backing {
        case .p256(let key): key.rawRepresentation
        case .rsa(let key): key.pkcs8DERRepresentation
        case .ed25519(let key): key.rawRepresentation
        }
    }

    /// JWS signature bytes for `message` (ES256: raw r||s 64 bytes as RFC 7518 §3.4 requires,
    /// RS256: PKCS#1 v1.5 with SHA-256, PS256: PSS with SHA-256, MGF1-SHA-256 and a 32-byte random
    /// salt, EdDSA: Ed25519).
    public func sign(_ message: some DataProtocol) throws -> Data {
        do {
            switch backing {
            case .p256(let key):
                return try key.signature(for: message).rawRepresentation
            case .rsa(let key):
                // swift-crypto's PSS uses MGF1 with the message digest and a salt of the digest's length:
                // exactly RFC 7518 §3.5.
                let padding: _RSA.Signing.Padding = algorithm == .ps256 ? .PSS : .insecurePKCS1v1_5
                return try key.signature(for: message, padding: padding).rawRepresentation
            case .ed25519(let key):
                return try key.signature(for: message)
            }
        } catch {
            throw JOSEError.signingFailed
        }
    }
}

extension SigningKeyPair: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Names the algorithm and thumbprint only; never key material.
    public var description: String { "SigningKeyPair(\(algorithm.rawValue), thumbprint: \(publicKey.thumbprint))" }
    /// Same as `description`.
    public var debugDescription: String { description }
    /// No children, so `dump` and string interpolation cannot reach the private key.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
