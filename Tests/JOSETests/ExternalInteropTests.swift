import Foundation
import JOSE
import Testing

@Suite("Interop with tokens made by Python cryptography")
struct ExternalInteropTests {
    static let cases: [(String, JWK, SigningAlgorithm)] = [
        (ExternalFixtures.es256Token, ExternalFixtures.es256JWK, .es256),
        (ExternalFixtures.rs256Token, ExternalFixtures.rs256JWK, .rs256),
        (ExternalFixtures.ps256Token, ExternalFixtures.ps256JWK, .ps256),
        (ExternalFixtures.edDSAToken, ExternalFixtures.edDSAJWK, .edDSA),
    ]

    @Test("externally signed tokens verify", arguments: cases)
    func externalTokenVerifies(token: String, jwk: JWK, algorithm: SigningAlgorithm) throws {
        let key = try VerificationKey(jwk: jwk)
        #expect(key.algorithm == algorithm)
        let parsed = try #require(JWS.parse(token))
        #expect(parsed.keyID == jwk.kid)
        #expect(parsed.verify(with: key))
        #expect(parsed.payload["sub"] == "alice")
        #expect(parsed.payload["name"] == .string("Zoë \"Z\" Ünïcode"))
        #expect(parsed.payload["iat"]?.intValue == 1_700_000_000)
        // The same token with one payload claim changed fails.
        let forged = TestSupport.replacingPart(token, 1, with: TestSupport.b64(#"{"sub":"bob"}"#))
        #expect(JWS.parse(forged)?.verify(with: key) == false)
    }

    @Test func pkcs1PrivateKeyImportsAndMatchesJWK() throws {
        let der = try #require(Data(base64Encoded: ExternalFixtures.rs256PrivateKeyPKCS1Base64))
        let key = try SigningKeyPair(algorithm: .rs256, privateKeyBytes: der)
        let published = try VerificationKey(jwk: ExternalFixtures.rs256JWK)
        #expect(key.publicKey.thumbprint == published.thumbprint)
        // PKCS#1 v1.5 is deterministic: re-signing the same input reproduces the Python signature.
        let parsed = try #require(JWS.parse(ExternalFixtures.rs256Token))
        #expect(try key.sign(parsed.signingInput) == parsed.signature)
        // And privateKeyBytes (PKCS#8) restores the same key.
        let again = try SigningKeyPair(algorithm: .rs256, privateKeyBytes: key.privateKeyBytes)
        #expect(again.publicKey.thumbprint == published.thumbprint)
    }
}
