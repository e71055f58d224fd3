import Crypto
import CryptoExtras
import Foundation

/// Passwords (people choose them) are hashed with scrypt into a self-describing string
/// `scrypt$N$r$p$b64salt$b64hash` (unpadded base64url, 16-byte salt, 32-byte hash).
///
/// The password's UTF-8 bytes are hashed as given: normalize (e.g. NFC) before calling if you want
/// visually identical passwords typed on different systems to match.
public enum PasswordHasher: Sendable {
    private static let saltByteCount = 16
    private static let hashByteCount = 32

    /// Hashes `password` with a fresh random salt at `cost`.
    public static func hash(_ password: String, cost: ScryptCost = .interactive) throws -> String {
        try hash(password, cost: cost, random: SystemRandomSource())
    }

    /// Hashes with salt bytes from `random` (inject a `SeededRandomSource` for exact test vectors).
    public static func hash(_ password: String, cost: ScryptCost, random: some RandomSource) throws -> String {
        guard !password.isEmpty else { throw JOSEError.emptyPassword }
        guard cost.isAcceptable else { throw JOSEError.invalidScryptCost }
        let salt = random.bytes(saltByteCount)
        guard salt.count == saltByteCount else { throw JOSEError.passwordHashingFailed }
        let derived = try derive(password, salt: salt, cost: cost, byteCount: hashByteCount)
        return "scrypt$\(cost.n)$\(cost.r)$\(cost.p)$\(Base64URL.encode(salt))$\(Base64URL.encode(derived))"
    }

    /// True if `password` matches `encoded`. Malformed encodings, out-of-range parameters and
    /// empty passwords all return false; the final comparison is constant time.
    public static func verify(_ password: String, against encoded: String) -> Bool {
        guard !password.isEmpty, let parsed = parse(encoded),
            let derived = try? derive(password, salt: parsed.salt, cost: parsed.cost, byteCount: parsed.hash.count)
        else { return false }
        return SecretDigest.constantTimeEquals(derived, parsed.hash)
    }

    /// The cost recorded in `encoded`, so callers can re-hash on login when it is below the current policy.
    public static func cost(of encoded: String) -> ScryptCost? {
        parse(encoded)?.cost
    }

    private static func parse(_ encoded: String) -> (cost: ScryptCost, salt: [UInt8], hash: [UInt8])? {
        guard encoded.utf8.count <= 512 else { return nil }
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt",
            let n = decimal(parts[1]), let r = decimal(parts[2]), let p = decimal(parts[3]),
            let salt = Base64URL.decode(parts[4]), let hash = Base64URL.decode(parts[5]),
            (8...64).contains(salt.count), (16...64).contains(hash.count)
        else { return nil }
        let cost = ScryptCost(n: n, r: r, p: p)
        guard cost.isAcceptable else { return nil }
        return (cost, [UInt8](salt), [UInt8](hash))
    }

    /// Plain ASCII digits only (no sign, no spaces), at most 8 of them.
    private static func decimal(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 8, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }

    private static func derive(_ password: String, salt: [UInt8], cost: ScryptCost, byteCount: Int) throws -> [UInt8] {
        do {
            let key = try KDF.Scrypt.deriveKey(
                from: Array(password.utf8),
                salt: salt,
                outputByteCount: byteCount,
                rounds: cost.n,
                blockSize: cost.r,
                parallelism: cost.p
            )
            return key.withUnsafeBytes { [UInt8]($0) }
        } catch {
            throw JOSEError.passwordHashingFailed
        }
    }
}
