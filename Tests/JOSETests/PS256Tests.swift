import Foundation
import JOSE
import Testing

/// RSASSA-PSS with SHA-256 (RFC 7518 §3.5), checked against Python's `cryptography` both ways: its
/// signature verifies here (`ExternalFixtures.ps256Token`), and one made here verifies there.
@Suite("PS256")
struct PS256Tests {
    static let python = "/usr/bin/python3"

    static func rsaKey(_ algorithm: SigningAlgorithm) throws -> SigningKeyPair {
        let der = try #require(Data(base64Encoded: ExternalFixtures.rs256PrivateKeyPKCS1Base64))
        return try SigningKeyPair(algorithm: algorithm, privateKeyBytes: der)
    }

    @Test func anRSAJWKWithoutAlgVerifiesPS256OnlyWhenPinnedToIt() throws {
        let parsed = try #require(JWS.parse(ExternalFixtures.ps256Token))
        // No `alg` in the JWK: the key is RS256's, and the PS256 token's header does not match it.
        let rs = try VerificationKey(jwk: ExternalFixtures.rs256JWK)
        #expect(rs.algorithm == .rs256)
        #expect(!parsed.verify(with: rs))
        // Pinned to PS256 (what the header asks for), the same key verifies it.
        let ps = try VerificationKey(jwk: ExternalFixtures.rs256JWK, algorithm: .ps256)
        #expect(ps.algorithm == .ps256)
        #expect(parsed.verify(with: ps))
        #expect(ps.thumbprint == rs.thumbprint)
        // A JWK that names RS256 cannot be pinned to PS256, nor an RSA key to ES256.
        var named = ExternalFixtures.rs256JWK
        named.alg = "RS256"
        #expect(throws: JOSEError.self) { try VerificationKey(jwk: named, algorithm: .ps256) }
        #expect(throws: JOSEError.self) { try VerificationKey(jwk: ExternalFixtures.rs256JWK, algorithm: .es256) }
    }

    @Test func aPKCS1SignatureIsNotAPSSOneNorTheOtherWayRound() throws {
        let rsToken = try #require(JWS.parse(ExternalFixtures.rs256Token))
        let ps = try VerificationKey(jwk: ExternalFixtures.ps256JWK)
        let rs = try VerificationKey(jwk: ExternalFixtures.rs256JWK)
        // The signature bytes under the other padding, the header aside (verify() checks alg first).
        #expect(!ps.verify(signature: rsToken.signature, for: rsToken.signingInput))
        let psToken = try #require(JWS.parse(ExternalFixtures.ps256Token))
        #expect(!rs.verify(signature: psToken.signature, for: psToken.signingInput))
    }

    @Test func signaturesAreSaltedAndVerify() throws {
        let key = try Self.rsaKey(.ps256)
        #expect(key.algorithm == .ps256)
        #expect(key.publicKey.jwk(kid: "k").alg == "PS256")
        let a = try JWS.sign(headerJSON: TestSupport.header(key), payloadJSON: TestSupport.payload, key: key)
        let b = try JWS.sign(headerJSON: TestSupport.header(key), payloadJSON: TestSupport.payload, key: key)
        // A random 32-byte salt: two signatures of the same input differ, both verify.
        #expect(a != b)
        for token in [a, b] {
            let parsed = try #require(JWS.parse(token))
            #expect(parsed.algorithm == "PS256")
            #expect(parsed.signature.count == 256)
            #expect(parsed.verify(with: key.publicKey))
        }
        let forged = TestSupport.replacingPart(a, 1, with: TestSupport.b64(#"{"sub":"bob"}"#))
        #expect(JWS.parse(forged)?.verify(with: key.publicKey) == false)
    }

    /// Python's `cryptography` (Debian python3-cryptography) verifies a PS256 signature made here with
    /// PSS, MGF1-SHA-256 and a salt of exactly 32 bytes, as RFC 7518 §3.5 says.
    @Test func pythonCryptographyVerifiesASignatureMadeHere() async throws {
        let key = try Self.rsaKey(.ps256)
        let token = try JWS.sign(headerJSON: TestSupport.header(key), payloadJSON: TestSupport.payload, key: key)
        let jwk = key.publicKey.jwk(kid: "k")
        let script = """
            import base64, sys
            from cryptography.hazmat.primitives.asymmetric import padding, rsa
            from cryptography.hazmat.primitives import hashes
            def d(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
            n, e, token = sys.argv[1:4]
            key = rsa.RSAPublicNumbers(int.from_bytes(d(e), "big"), int.from_bytes(d(n), "big")).public_key()
            h, p, s = token.split(".")
            key.verify(d(s), (h + "." + p).encode(), padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
            try:
                key.verify(d(s), (h + "." + p + "x").encode(), padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
                print("forgery accepted")
            except Exception:
                print("ps256 ok")
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = ["-c", script, jwk.n ?? "", jwk.e ?? "", token]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try #require((try? process.run()) != nil, "needs \(Self.python) with python3-cryptography (apt-get install -y python3-cryptography)")
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(stderr)")
        #expect(stdout.contains("ps256 ok"), "\(stdout)\(stderr)")
    }
}
