import Foundation
import JOSE
import Testing

@Suite("JWS tampering and algorithm confusion")
struct JWSVerificationTests {
    @Test("tampered payload fails", arguments: SigningAlgorithm.allCases)
    func tamperedPayload(_ algorithm: SigningAlgorithm) throws {
        let key = try SigningKeyPair.generate(algorithm)
        let token = try JWS.sign(headerJSON: TestSupport.header(key), payloadJSON: TestSupport.payload, key: key)
        let forged = TestSupport.replacingPart(token, 1, with: TestSupport.b64(#"{"sub":"mallory"}"#))
        let parsed = try #require(JWS.parse(forged))
        #expect(parsed.payload["sub"] == "mallory")
        #expect(!parsed.verify(with: key.publicKey))
    }

    @Test("tampered signature fails", arguments: SigningAlgorithm.allCases)
    func tamperedSignature(_ algorithm: SigningAlgorithm) throws {
        let key = try SigningKeyPair.generate(algorithm)
        let token = try JWS.sign(headerJSON: TestSupport.header(key), payloadJSON: TestSupport.payload, key: key)
        let parsed = try #require(JWS.parse(token))
        var signature = [UInt8](parsed.signature)
        signature[signature.count / 2] ^= 0x01
        let forged = TestSupport.replacingPart(token, 2, with: Base64URL.encode(signature))
        #expect(JWS.parse(forged)?.verify(with: key.publicKey) == false)
        // Truncated and empty signatures too.
        let truncated = TestSupport.replacingPart(token, 2, with: Base64URL.encode(signature.dropLast()))
        #expect(JWS.parse(truncated)?.verify(with: key.publicKey) == false)
        #expect(JWS.parse(TestSupport.replacingPart(token, 2, with: ""))?.verify(with: key.publicKey) == false)
    }

    @Test func tamperedHeaderFails() throws {
        let key = try SigningKeyPair.generate(.es256)
        let token = try JWS.sign(headerJSON: TestSupport.header(key), payloadJSON: TestSupport.payload, key: key)
        let forged = TestSupport.replacingPart(token, 0, with: TestSupport.b64(#"{"alg":"ES256","kid":"other"}"#))
        #expect(JWS.parse(forged)?.verify(with: key.publicKey) == false)
    }

    @Test func wrongKeyOfSameAlgorithmFails() throws {
        let key = try SigningKeyPair.generate(.es256)
        let other = try SigningKeyPair.generate(.es256)
        let token = try JWS.sign(headerJSON: TestSupport.header(key), payloadJSON: TestSupport.payload, key: key)
        #expect(JWS.parse(token)?.verify(with: other.publicKey) == false)
    }

    @Test("a token verifies only with its own algorithm's key", arguments: SigningAlgorithm.allCases)
    func crossAlgorithm(_ algorithm: SigningAlgorithm) throws {
        let key = try SigningKeyPair.generate(algorithm)
        let token = try JWS.sign(headerJSON: TestSupport.header(key), payloadJSON: TestSupport.payload, key: key)
        let parsed = try #require(JWS.parse(token))
        for otherAlgorithm in SigningAlgorithm.allCases where otherAlgorithm != algorithm {
            let other = try SigningKeyPair.generate(otherAlgorithm)
            #expect(!parsed.verify(with: other.publicKey))
        }
    }

    @Test func es256TokenAgainstRSAKeyFails() throws {
        let token = ExternalFixtures.es256Token
        let rsaKey = try VerificationKey(jwk: ExternalFixtures.rs256JWK)
        #expect(JWS.parse(token)?.verify(with: rsaKey) == false)
    }

    @Test(
        "header alg none, HS256, missing or non-string alg fail even with a valid signature",
        arguments: [#"{"alg":"none"}"#, #"{"alg":"HS256"}"#, #"{"alg":"es256"}"#, #"{"kid":"k1"}"#, #"{"alg":null}"#, #"{"alg":["ES256"]}"#]
    )
    func badAlgHeader(_ headerJSON: String) throws {
        let key = try SigningKeyPair.generate(.es256)
        // Sign genuinely over the hostile header: only the alg check can reject it.
        let token = try JWS.sign(headerJSON: Data(headerJSON.utf8), payloadJSON: TestSupport.payload, key: key)
        let parsed = try #require(JWS.parse(token))
        #expect(key.publicKey.verify(signature: parsed.signature, for: parsed.signingInput))
        #expect(!parsed.verify(with: key.publicKey))
    }

    @Test func headerAlgMismatchFails() throws {
        // An EdDSA signature under a header that claims ES256.
        let key = try SigningKeyPair.generate(.edDSA)
        let token = try JWS.sign(headerJSON: Data(#"{"alg":"ES256"}"#.utf8), payloadJSON: TestSupport.payload, key: key)
        #expect(JWS.parse(token)?.verify(with: key.publicKey) == false)
    }

    @Test func unsignedNoneTokenFails() throws {
        let key = try SigningKeyPair.generate(.es256)
        let token = TestSupport.b64(#"{"alg":"none"}"#) + "." + TestSupport.b64(#"{"sub":"x"}"#) + "."
        let parsed = try #require(JWS.parse(token))
        #expect(parsed.signature.isEmpty)
        #expect(!parsed.verify(with: key.publicKey))
    }

    @Test func critHeaderIsRefused() throws {
        let key = try SigningKeyPair.generate(.es256)
        let header = Data(#"{"alg":"ES256","crit":["exp"],"exp":1}"#.utf8)
        let token = try JWS.sign(headerJSON: header, payloadJSON: TestSupport.payload, key: key)
        #expect(JWS.parse(token)?.verify(with: key.publicKey) == false)
    }
}
