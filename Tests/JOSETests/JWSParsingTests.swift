import Foundation
import JOSE
import Testing

@Suite("JWS.parse on malformed input")
struct JWSParsingTests {
    static let header = TestSupport.b64(#"{"alg":"ES256"}"#)
    static let payload = TestSupport.b64(#"{"sub":"a"}"#)
    static let signature = Base64URL.encode([UInt8](repeating: 7, count: 64))

    static let malformed: [String] = [
        "",
        ".",
        "..",
        "a.b",
        "\(header).\(payload)",
        "\(header).\(payload).\(signature).\(signature)",
        "\(header).\(payload).\(signature).",
        ".\(payload).\(signature)",
        "\(header)..\(signature)",  // empty payload is not a JSON object
        "\(header)!.\(payload).\(signature)",
        "\(header).\(payload).\(signature)=",
        "\(header)=.\(payload).\(signature)",
        "\(header).\(payload).\(signature) ",
        " \(header).\(payload).\(signature)",
        "\(TestSupport.b64("not json")).\(payload).\(signature)",
        "\(header).\(TestSupport.b64("not json")).\(signature)",
        "\(TestSupport.b64("[1,2]")).\(payload).\(signature)",
        "\(header).\(TestSupport.b64("\"string\"")).\(signature)",
        "\(header).\(TestSupport.b64("{\"a\":1}trailing")).\(signature)",
        "\(header).\(TestSupport.b64("{\"a\":1,\"a\":2}")).\(signature)",
        "\(TestSupport.b64("{\"alg\":\"ES256\",}")).\(payload).\(signature)",
        "\(Base64URL.encode([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D])).\(payload).\(signature)",  // invalid UTF-8 key
        "é.é.é",
        "\u{0}.\u{0}.\u{0}",
    ]

    @Test("malformed compact strings return nil", arguments: malformed)
    func malformedReturnsNil(_ token: String) {
        #expect(JWS.parse(token) == nil)
    }

    @Test func wellFormedParses() throws {
        let parsed = try #require(JWS.parse("\(Self.header).\(Self.payload).\(Self.signature)"))
        #expect(parsed.algorithm == "ES256")
        #expect(parsed.keyID == nil)
        #expect(parsed.signature.count == 64)
        #expect(parsed.signingInput == Data("\(Self.header).\(Self.payload)".utf8))
        #expect(parsed.headerBytes == Data(#"{"alg":"ES256"}"#.utf8))
    }

    @Test func substringInputParses() throws {
        let text = "xx\(Self.header).\(Self.payload).\(Self.signature)yy"
        let slice = text.dropFirst(2).dropLast(2)
        #expect(JWS.parse(slice) != nil)
    }

    @Test func hugeInputsReturnNil() {
        let huge = String(repeating: "A", count: 3_000_000)
        #expect(JWS.parse(huge) == nil)
        #expect(JWS.parse("\(huge).\(huge).\(huge)") == nil)
        #expect(JWS.parse(String(repeating: ".", count: 100_000)) == nil)
        // Just under the size cap but nested far too deep: refused by the JSON depth limit, no stack overflow.
        let deep = String(repeating: "[", count: 100_000)
        #expect(JWS.parse("\(Self.header).\(TestSupport.b64("{\"a\":" + deep)).\(Self.signature)") == nil)
        let deepObject = String(repeating: "{\"a\":", count: 20_000)
        #expect(JWS.parse("\(TestSupport.b64(deepObject)).\(Self.payload).\(Self.signature)") == nil)
    }

    @Test func randomGarbageNeverCrashes() {
        let random = SeededRandomSource(seed: 42)
        let alphabet = Array("ABCabc012-_.=+/{}\"é ".utf8)
        for _ in 0..<2000 {
            let length = Int(random.bytes(1)[0])
            let bytes = random.bytes(length).map { alphabet[Int($0) % alphabet.count] }
            _ = JWS.parse(String(decoding: bytes, as: UTF8.self))
        }
        // Mutations of a valid token.
        let valid = Array("\(Self.header).\(Self.payload).\(Self.signature)".utf8)
        for _ in 0..<2000 {
            var bytes = valid
            let position = Int(random.bytes(2).withUnsafeBytes { $0.load(as: UInt16.self) }) % bytes.count
            bytes[position] = random.bytes(1)[0]
            _ = JWS.parse(String(decoding: bytes, as: UTF8.self))
        }
    }
}
