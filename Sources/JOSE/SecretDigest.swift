import Crypto
import Foundation

/// High-entropy secrets (generated client secrets, opaque tokens) are stored and compared as SHA-256, never a slow hash:
/// they carry >= 128 bits of entropy, so a fast digest is safe and keeps the token endpoint cheap.
public enum SecretDigest: Sendable {
    /// SHA-256 of the string's UTF-8 bytes.
    public static func sha256(_ string: some StringProtocol) -> Data {
        Data(SHA256.hash(data: Array(string.utf8)))
    }

    /// SHA-256 of `bytes`.
    public static func sha256(_ bytes: some DataProtocol) -> Data {
        Data(SHA256.hash(data: bytes))
    }

    /// True if SHA-256 of `presented` equals `digest`, compared in constant time.
    public static func matches(_ presented: some StringProtocol, digest: Data) -> Bool {
        constantTimeEquals(sha256(presented), digest)
    }

    /// Byte equality whose running time depends only on the lengths, not on where the inputs differ.
    /// Different lengths return false immediately (lengths of digests are not secret).
    public static func constantTimeEquals(_ a: some DataProtocol, _ b: some DataProtocol) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) {
            difference |= x ^ y
        }
        return difference == 0
    }
}
