import Foundation
import JOSE
import Testing

@Suite("SecretDigest")
struct SecretDigestTests {
    @Test func knownSHA256Vector() {
        // FIPS 180-2 "abc".
        let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        let hex = SecretDigest.sha256("abc").map { String(format: "%02x", $0) }.joined()
        #expect(hex == expected)
        #expect(SecretDigest.sha256(Data("abc".utf8)) == SecretDigest.sha256("abc"))
        #expect(SecretDigest.sha256("abc"[...]) == SecretDigest.sha256("abc"))
    }

    @Test func matchesAndMismatches() {
        let secret = "cds_3f9a0c1e7b5d4a2f8e6c"
        let digest = SecretDigest.sha256(secret)
        #expect(SecretDigest.matches(secret, digest: digest))
        #expect(!SecretDigest.matches(secret + "x", digest: digest))
        #expect(!SecretDigest.matches("", digest: digest))
        #expect(!SecretDigest.matches(secret, digest: Data()))
        #expect(!SecretDigest.matches(secret, digest: digest.dropLast()))
    }

    @Test func constantTimeEquals() {
        #expect(SecretDigest.constantTimeEquals(Data(), Data()))
        #expect(SecretDigest.constantTimeEquals(Data([1, 2, 3]), [UInt8]([1, 2, 3])))
        #expect(!SecretDigest.constantTimeEquals(Data([1, 2, 3]), Data([1, 2, 4])))
        #expect(!SecretDigest.constantTimeEquals(Data([1, 2, 3]), Data([1, 2])))
        // Slices with non-zero start indices compare by content.
        #expect(SecretDigest.constantTimeEquals(Data([0, 1, 2, 3]).dropFirst(), Data([1, 2, 3])))
    }
}
