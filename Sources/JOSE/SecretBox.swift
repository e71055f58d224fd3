import Crypto
import Foundation

/// Private keys at rest: AES-256-GCM under a 32-byte master key.
///
/// Sealed format: `0x01 || nonce(12) || ciphertext || tag(16)`. The version byte and the
/// caller's `context` (e.g. "tenant/kid") are authenticated additional data, so a blob
/// cannot be moved to another row or reinterpreted under a future format.
/// `description` and reflection are redacted so the master key never reaches a log.
public struct SecretBox: Sendable {
    private let key: SymmetricKey
    private let random: any RandomSource

    private static let version: UInt8 = 1
    private static let nonceByteCount = 12
    private static let tagByteCount = 16

    /// Uses `masterKey`, which must be exactly 32 bytes; nonces come from `random`
    /// (system randomness unless a test injects a seeded source).
    public init(masterKey: Data, random: any RandomSource = SystemRandomSource()) throws {
        guard masterKey.count == 32 else { throw JOSEError.invalidMasterKey(byteCount: masterKey.count) }
        key = SymmetricKey(data: masterKey)
        self.random = random
    }

    /// 32 fresh random bytes, suitable for `init(masterKey:)`.
    public static func generateMasterKey() -> Data {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
    }

    /// Encrypts and authenticates `plaintext`, binding it to `context`.
    public func seal(_ plaintext: Data, context: String) throws -> Data {
        do {
            let nonce = try AES.GCM.Nonce(data: random.bytes(Self.nonceByteCount))
            let box = try AES.GCM.seal(plaintext, using: key, nonce: nonce, authenticating: Self.aad(context))
            guard let combined = box.combined else { throw JOSEError.sealingFailed }
            var output = Data([Self.version])
            output.append(combined)
            return output
        } catch {
            throw JOSEError.sealingFailed
        }
    }

    /// Decrypts a blob from `seal` with the same `context`; throws
    /// `JOSEError.sealedDataUnopenable` for a wrong key, wrong context, tampering or truncation.
    /// A keyed fingerprint of `text` (HMAC-SHA-256 under a key derived from the master key for
    /// `purpose`), as 16 hex digits: the same text gives the same fingerprint, so records can be
    /// correlated, but without the master key it cannot be tested against guesses.
    public func fingerprint(_ text: String, purpose: String) -> String {
        let derived = HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data(purpose.utf8), outputByteCount: 32)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: derived)
        return mac.prefix(8).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    public func open(_ sealed: Data, context: String) throws -> Data {
        let bytes = [UInt8](sealed)
        guard bytes.count >= 1 + Self.nonceByteCount + Self.tagByteCount, bytes[0] == Self.version else {
            throw JOSEError.sealedDataUnopenable
        }
        do {
            let box = try AES.GCM.SealedBox(combined: bytes[1...])
            return try AES.GCM.open(box, using: key, authenticating: Self.aad(context))
        } catch {
            throw JOSEError.sealedDataUnopenable
        }
    }

    private static func aad(_ context: String) -> [UInt8] {
        [version] + Array(context.utf8)
    }
}

extension SecretBox: CustomStringConvertible, CustomReflectable {
    /// Redacted.
    public var description: String { "SecretBox(AES-256-GCM, key redacted)" }
    /// No children, so `dump` cannot reach the master key.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
