import Foundation
import JOSE
import Testing

@Suite("JWK import, export and thumbprints")
struct JWKTests {
    @Test func rfc7638Thumbprint() throws {
        let key = try VerificationKey(jwk: ExternalFixtures.rfc7638JWK)
        #expect(key.algorithm == .rs256)
        #expect(key.thumbprint == ExternalFixtures.rfc7638Thumbprint)
    }

    @Test func thumbprintIgnoresLeadingZeroPadding() throws {
        var jwk = ExternalFixtures.rfc7638JWK
        let n = try #require(jwk.n.flatMap(Base64URL.decode))
        jwk.n = Base64URL.encode([0, 0] + [UInt8](n))
        #expect(try VerificationKey(jwk: jwk).thumbprint == ExternalFixtures.rfc7638Thumbprint)
    }

    @Test func rsa1024IsRefused() {
        #expect(throws: JOSEError.weakKey(bits: 1024)) { try VerificationKey(jwk: ExternalFixtures.rsa1024JWK) }
    }

    @Test func ecWithWrongCurveIsRefused() throws {
        var jwk = ExternalFixtures.es256JWK
        for curve in ["P-384", "P-521", "secp256k1", "p-256"] {
            jwk.crv = curve
            #expect(throws: JOSEError.self) { try VerificationKey(jwk: jwk) }
        }
        jwk.crv = nil
        #expect(throws: JOSEError.self) { try VerificationKey(jwk: jwk) }
    }

    @Test func ecPointOffCurveIsRefused() throws {
        var jwk = ExternalFixtures.es256JWK
        let y = try #require(jwk.y.flatMap(Base64URL.decode))
        var bytes = [UInt8](y)
        bytes[31] ^= 1
        jwk.y = Base64URL.encode(bytes)
        #expect(throws: JOSEError.malformedKey(reason: "EC point is not on P-256")) { try VerificationKey(jwk: jwk) }
    }

    @Test func malformedJWKsAreRefused() {
        let bad: [JWK] = [
            JWK(kty: "oct"),
            JWK(kty: "EC", crv: "P-256"),
            JWK(kty: "EC", crv: "P-256", x: "AAAA", y: "AAAA"),
            JWK(kty: "EC", crv: "P-256", x: "!!", y: "!!"),
            JWK(kty: "RSA"),
            JWK(kty: "RSA", n: "AQAB", e: "AQAB"),
            JWK(kty: "RSA", n: ExternalFixtures.rs256JWK.n, e: ""),
            JWK(kty: "RSA", n: ExternalFixtures.rs256JWK.n, e: "AQABAQAB"),
            JWK(kty: "OKP", crv: "X25519", x: ExternalFixtures.edDSAJWK.x),
            JWK(kty: "OKP", crv: "Ed25519", x: "AAAA"),
            JWK(kty: "OKP", crv: "Ed25519"),
        ]
        for jwk in bad {
            #expect(throws: JOSEError.self) { try VerificationKey(jwk: jwk) }
        }
    }

    @Test func algAndUseMustMatch() {
        var jwk = ExternalFixtures.es256JWK
        jwk.alg = "RS256"
        #expect(throws: JOSEError.self) { try VerificationKey(jwk: jwk) }
        jwk.alg = "ES256"
        jwk.use = "enc"
        #expect(throws: JOSEError.self) { try VerificationKey(jwk: jwk) }
        jwk.use = "sig"
        #expect(throws: Never.self) { try VerificationKey(jwk: jwk) }
    }

    @Test func codableOmitsNilMembersAndIgnoresUnknownOnes() throws {
        let jwk = JWK(kty: "OKP", crv: "Ed25519", x: "abc", kid: "k")
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(jwk), as: UTF8.self)
        #expect(json == #"{"crv":"Ed25519","kid":"k","kty":"OKP","x":"abc"}"#)

        let decoded = try JSONDecoder().decode(
            JWK.self,
            from: Data(#"{"kty":"EC","crv":"P-256","x":"a","y":"b","x5c":["zz"],"key_ops":["verify"]}"#.utf8)
        )
        #expect(decoded == JWK(kty: "EC", crv: "P-256", x: "a", y: "b"))
        #expect(throws: (any Error).self) { try JSONDecoder().decode(JWK.self, from: Data(#"{"crv":"P-256"}"#.utf8)) }
    }

    @Test("published JWK round-trips through JSON and imports", arguments: SigningAlgorithm.allCases)
    func publishedJWK(_ algorithm: SigningAlgorithm) throws {
        let key = try SigningKeyPair.generate(algorithm)
        let set = JWKSet(keys: [key.publicKey.jwk(kid: "current")])
        let data = try JSONEncoder().encode(set)
        let text = String(decoding: data, as: UTF8.self)
        #expect(!text.contains("null"))
        let decoded = try JSONDecoder().decode(JWKSet.self, from: data)
        #expect(decoded == set)
        let imported = try VerificationKey(jwk: try #require(decoded.key(kid: "current")))
        #expect(imported.thumbprint == key.publicKey.thumbprint)
    }

    @Test func jwkSetLookup() {
        let a = JWK(kty: "EC", kid: "a")
        let b = JWK(kty: "EC", kid: "b")
        #expect(JWKSet(keys: [a, b]).key(kid: "b") == b)
        #expect(JWKSet(keys: [a, b]).key(kid: "c") == nil)
        #expect(JWKSet(keys: [a, b]).key(kid: nil) == nil)
        #expect(JWKSet(keys: [a]).key(kid: nil) == a)
        #expect(JWKSet(keys: []).key(kid: nil) == nil)
    }

    @Test func thumbprintsDifferAcrossKeys() throws {
        let prints = try SigningAlgorithm.allCases.map { try SigningKeyPair.generate($0).publicKey.thumbprint }
        #expect(Set(prints).count == prints.count)
        for print in prints {
            #expect(print.count == 43)
        }
    }
}
