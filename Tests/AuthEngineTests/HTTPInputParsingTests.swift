import AuthEngine
import Foundation
import Testing

/// The engine's readers of raw HTTP input shared by every endpoint: the `Authorization` header and the
/// form encoding.
@Suite("Authorization header and form encoding")
struct HTTPInputParsingTests {
    @Test(
        "credentials of a scheme: case-insensitive scheme, one space required, spaces around the value dropped",
        arguments: [
            ("Basic YWJj", "basic", "YWJj"), ("basic  YWJj  ", "basic", "YWJj"), ("  BASIC YWJj", "basic", "YWJj"),
            ("Bearer a b", "bearer", "a b"), ("Bearer    ", "bearer", ""), ("bEaReR tok", "bearer", "tok"),
        ]
    )
    func credentials(header: String, scheme: String, expected: String) {
        #expect(AuthorizationHeader.credentials(header, scheme: scheme).map(String.init) == expected)
    }

    @Test(
        "another scheme, or no space after it, is not this scheme",
        arguments: ["Basic", "Basic\tYWJj", "BasicYWJj", "Bearer abc", "Digest abc", "", " "]
    )
    func notTheScheme(header: String) {
        #expect(AuthorizationHeader.credentials(header, scheme: "basic") == nil)
    }

    @Test(
        "a bearer token as userinfo reads it: any surrounding whitespace trimmed, an empty token is none",
        arguments: [
            ("Bearer abc", "abc"), ("bearer  abc  ", "abc"), ("BEARER abc\t", "abc"), (" Bearer \tabc", "abc"), ("Bearer a.b-c_d~", "a.b-c_d~"),
            ("Bearer", nil), ("Bearer ", nil), ("Bearer \t ", nil), ("Bearer\tabc", nil), ("Bearerabc", nil), ("Basic abc", nil),
        ] as [(String, String?)]
    )
    func bearerToken(header: String, expected: String?) {
        #expect(AuthorizationHeader.bearerToken(header) == expected)
    }

    /// RFC 3986 unreserved characters, what the tests' own encoder kept (and Foundation agrees with).
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    @Test("encode: %XX in uppercase for every byte but A-Za-z0-9-._~, as Foundation's percent-encoding does")
    func encodesLikeFoundation() {
        var samples = (0..<128).map { String(UnicodeScalar(UInt8($0))) }
        samples += ["my client", "s:cret+x", "a&b=c", "é", "😀 ok", "%41", "https://client.example/cb?x=1#f", ""]
        for text in samples {
            #expect(FormEncoding.encode(text) == text.addingPercentEncoding(withAllowedCharacters: Self.unreserved), "\(Array(text.utf8))")
            #expect(FormEncoding.decode(Array(FormEncoding.encode(text).utf8)) == text)
        }
    }

    @Test("pairs keep their order and repeats; a parameter set is sorted by name")
    func encodesPairs() {
        #expect(FormEncoding.encode([("b", "2"), ("a", "x y"), ("b", "3")]) == "b=2&a=x%20y&b=3")
        #expect(FormEncoding.encode([]) == "")
        #expect(FormEncoding.encode(FormParameters(pairs: [("b", "2"), ("a", "1"), ("b", "3")])) == "a=1&b=2&b=3")
        let decoded = FormEncoding.pairs(Array(FormEncoding.encode([("k", "v&w"), ("k2", "ü")]).utf8))
        #expect(decoded?.map { [$0.0, $0.1] } == [["k", "v&w"], ["k2", "ü"]])
    }
}
