import Crypto
import CryptoExtras
import Foundation

extension VerificationKey {
    /// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4): the 32-byte key follows it.
    private static let ed25519SPKIPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

    /// Imports a PEM `PUBLIC KEY` (SubjectPublicKeyInfo): EC P-256, RSA (2048...8192 bits) or Ed25519.
    /// The same checks apply as for a JWK, so the result is usable as-is.
    public init(pem: String) throws {
        let trimmed = pem.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("-----BEGIN PUBLIC KEY-----"), trimmed.hasSuffix("-----END PUBLIC KEY-----") else {
            throw JOSEError.malformedKey(reason: "PEM must be a single 'PUBLIC KEY' block (SubjectPublicKeyInfo)")
        }
        if let key = try? P256.Signing.PublicKey(pemRepresentation: trimmed) {
            self.init(p256: key)
            return
        }
        if let key = try? _RSA.Signing.PublicKey(pemRepresentation: trimmed) {
            let bits = key.keySizeInBits
            guard bits >= Self.minimumRSABits else { throw JOSEError.weakKey(bits: bits) }
            guard bits <= Self.maximumRSABits else { throw JOSEError.unsupportedKey(reason: "RSA modulus longer than 8192 bits") }
            try self.init(rsa: key)
            return
        }
        let body = trimmed.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.hasPrefix("-----") }.joined()
        if let der = Data(base64Encoded: body), der.count == 44,
            Array(der.prefix(12)) == Self.ed25519SPKIPrefix,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: der.suffix(32))
        {
            self.init(ed25519: key)
            return
        }
        throw JOSEError.unsupportedKey(reason: "PEM public key is not EC P-256, RSA or Ed25519")
    }
}
