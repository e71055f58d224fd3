import Foundation
import JOSE
import Testing

@Suite("Base64URL")
struct Base64URLTests {
    /// RFC 4648 §10 vectors with the padding removed (JOSE never pads).
    static let vectors: [(String, String)] = [
        ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"),
        ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
    ]

    @Test("RFC 4648 §10 vectors encode and decode", arguments: vectors)
    func rfc4648(plain: String, encoded: String) {
        #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
        #expect(Base64URL.decode(encoded) == Data(plain.utf8))
    }

    @Test func urlSafeAlphabet() {
        #expect(Base64URL.encode([0xFB, 0xFF, 0xBF]) == "-_-_")
        #expect(Base64URL.decode("-_-_") == Data([0xFB, 0xFF, 0xBF]))
        #expect(Base64URL.decode("+/+/") == nil)
    }

    @Test func everyLengthRoundTrips() {
        var bytes: [UInt8] = []
        for length in 0..<200 {
            let encoded = Base64URL.encode(bytes)
            #expect(!encoded.contains("="))
            #expect(Base64URL.decode(encoded) == Data(bytes))
            bytes.append(UInt8(truncatingIfNeeded: length &* 37 &+ 11))
        }
    }

    @Test func nonContiguousSequenceEncodes() {
        #expect(Base64URL.encode(Array("foobar".utf8).lazy.map { $0 }) == "Zm9vYmFy")
        #expect(Base64URL.decode("Zm9vYmFy"[...]) == Data("foobar".utf8))
    }

    @Test(
        "malformed input is rejected",
        arguments: [
            "Zg==", "Zm8=", "Z", "Zm9vY", "Zm 9v", "Zm9v\n", "Zm9v!", "é", "Zh", "Zm9", "====",
        ]
    )
    func rejects(_ input: String) {
        // "Zh" and "Zm9" have non-zero trailing bits: valid-looking but non-canonical.
        #expect(Base64URL.decode(input) == nil)
    }
}
