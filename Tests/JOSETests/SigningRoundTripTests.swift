import Foundation
import JOSE
import Testing

@Suite("Signing round trips")
struct SigningRoundTripTests {
    @Test("generate -> bytes -> restore -> sign -> parse -> verify via JWK", arguments: SigningAlgorithm.allCases)
    func roundTrip(_ algorithm: SigningAlgorithm) throws {
        let generated = try SigningKeyPair.generate(algorithm)
        #expect(generated.algorithm == algorithm)
        let restored = try SigningKeyPair(algorithm: algorithm, privateKeyBytes: generated.privateKeyBytes)
        #expect(restored.publicKey.thumbprint == generated.publicKey.thumbprint)

        let token = try JWS.sign(headerJSON: TestSupport.header(restored), payloadJSON: TestSupport.payload, key: restored)
        let parsed = try #require(JWS.parse(token))
        #expect(parsed.algorithm == algorithm.rawValue)
        #expect(parsed.keyID == "k1")
        #expect(parsed.payload["sub"] == "alice")
        #expect(parsed.payloadBytes == TestSupport.payload)

        let jwk = generated.publicKey.jwk(kid: "k1")
        #expect(jwk.alg == algorithm.rawValue)
        #expect(jwk.use == "sig")
        #expect(jwk.kty == algorithm.keyType)
        let verifier = try VerificationKey(jwk: jwk)
        #expect(verifier.algorithm == algorithm)
        #expect(verifier.thumbprint == generated.publicKey.thumbprint)
        #expect(parsed.verify(with: verifier))
        #expect(parsed.verify(with: generated.publicKey))
    }

    @Test("encoded-header variant produces a verifiable token", arguments: SigningAlgorithm.allCases)
    func encodedHeader(_ algorithm: SigningAlgorithm) throws {
        let key = try SigningKeyPair.generate(algorithm)
        let encodedHeader = JWS.encodeHeader(TestSupport.header(key))
        let token = try JWS.sign(encodedHeader: encodedHeader, payloadJSON: TestSupport.payload, key: key)
        #expect(token.hasPrefix(encodedHeader + "."))
        let parsed = try #require(JWS.parse(token))
        #expect(parsed.verify(with: key.publicKey))
        // Same bytes as the JSON-header variant up to the signature.
        let other = try JWS.sign(headerJSON: TestSupport.header(key), payloadJSON: TestSupport.payload, key: key)
        #expect(other.split(separator: ".").prefix(2) == token.split(separator: ".").prefix(2))
    }

    @Test func nonContiguousInputsSign() throws {
        let key = try SigningKeyPair.generate(.edDSA)
        let token = try JWS.sign(
            headerJSON: TestSupport.header(key).lazy.map { $0 },
            payloadJSON: TestSupport.payload.lazy.map { $0 },
            key: key
        )
        let parsed = try #require(JWS.parse(token))
        #expect(parsed.payloadBytes == TestSupport.payload)
        #expect(parsed.verify(with: key.publicKey))
    }

    @Test func encodedHeaderMustBeBase64URL() throws {
        let key = try SigningKeyPair.generate(.es256)
        #expect(throws: JOSEError.malformedHeader) {
            try JWS.sign(encodedHeader: "", payloadJSON: TestSupport.payload, key: key)
        }
        #expect(throws: JOSEError.malformedHeader) {
            try JWS.sign(encodedHeader: "eyJ.hbGc", payloadJSON: TestSupport.payload, key: key)
        }
    }

    @Test func es256SignatureIsRaw64Bytes() throws {
        let key = try SigningKeyPair.generate(.es256)
        for _ in 0..<20 {
            #expect(try key.sign(Data("message".utf8)).count == 64)
        }
        let token = try JWS.sign(headerJSON: TestSupport.header(key), payloadJSON: TestSupport.payload, key: key)
        #expect(try #require(JWS.parse(token)).signature.count == 64)
        #expect(token.split(separator: ".")[2].count == 86)
    }

    @Test func edDSASignatureIs64BytesAndRS256IsModulusLength() throws {
        #expect(try SigningKeyPair.generate(.edDSA).sign(Data()).count == 64)
        #expect(try SigningKeyPair.generate(.rs256).sign(Data("m".utf8)).count == 256)
    }

    @Test func keyBytesHaveDocumentedShapes() throws {
        #expect(try SigningKeyPair.generate(.es256).privateKeyBytes.count == 32)
        #expect(try SigningKeyPair.generate(.edDSA).privateKeyBytes.count == 32)
        let rsa = try SigningKeyPair.generate(.rs256).privateKeyBytes
        #expect(rsa.first == 0x30)  // DER SEQUENCE
    }

    @Test func signAndVerifyRawMessages() throws {
        for algorithm in SigningAlgorithm.allCases {
            let key = try SigningKeyPair.generate(algorithm)
            let message = Data("hello".utf8)
            let signature = try key.sign(message)
            #expect(key.publicKey.verify(signature: signature, for: message))
            #expect(!key.publicKey.verify(signature: signature, for: Data("hellp".utf8)))
            #expect(!key.publicKey.verify(signature: Data(), for: message))
            #expect(!key.publicKey.verify(signature: signature + Data([0]), for: message))
        }
    }

    @Test("restoring malformed private key bytes throws", arguments: SigningAlgorithm.allCases)
    func malformedPrivateKeys(_ algorithm: SigningAlgorithm) {
        for bytes in [Data(), Data([1, 2, 3]), Data(repeating: 0xFF, count: 32), Data(repeating: 0x30, count: 300)] {
            if algorithm == .edDSA && bytes.count == 32 { continue }  // any 32-byte seed is a valid Ed25519 key
            #expect(throws: JOSEError.self) { try SigningKeyPair(algorithm: algorithm, privateKeyBytes: bytes) }
        }
    }

    @Test func descriptionIsRedacted() throws {
        let key = try SigningKeyPair.generate(.edDSA)
        let raw = Base64URL.encode(key.privateKeyBytes)
        let text = "\(key) \(String(reflecting: key))"
        var dumped = ""
        dump(key, to: &dumped)
        #expect(!text.contains(raw))
        #expect(!dumped.contains(raw))
        #expect(text.contains("EdDSA"))
        #expect(!dumped.contains("rawRepresentation"))
    }

    @Test func concurrentSigningIsSafe() async throws {
        let key = try SigningKeyPair.generate(.es256)
        let header = JWS.encodeHeader(TestSupport.header(key))
        let tokens = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask { try JWS.sign(encodedHeader: header, payloadJSON: TestSupport.payload, key: key) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for token in tokens {
            #expect(JWS.parse(token)?.verify(with: key.publicKey) == true)
        }
    }
}
