import Foundation
import JOSE
import Testing

@Suite("JSONValue")
struct JSONValueTests {
    @Test func nestedRoundTrip() throws {
        let value: JSONValue = [
            "sub": "alice",
            "exp": 1_700_003_600,
            "ratio": 0.25,
            "admin": true,
            "nothing": .null,
            "roles": ["reader", "writer", ["nested": [1, 2, 3]]],
            "address": ["country": "DE", "street": "Königstraße 1"],
        ]
        let data = value.serialized()
        #expect(try JSONValue(parsing: data) == value)
        #expect(try JSONValue(parsing: value.serialized(sortedKeys: false)) == value)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.hasPrefix(#"{"address":{"country":"DE","street":"Königstraße 1"},"admin":true,"exp":1700003600,"#))
        #expect(!text.contains(" " + "\n"))
    }

    @Test func integersPrintWithoutFraction() {
        let cases: [(JSONValue, String)] = [
            (1, "1"), (0, "0"), (-5, "-5"), (.number(1.0), "1"), (.number(-0.0), "0"),
            (1_700_000_000, "1700000000"), (.number(9_007_199_254_740_992), "9007199254740992"),
            (.number(1e18), "1000000000000000000"), (0.5, "0.5"), (-1.25, "-1.25"), (.number(1e-7), "1e-07"),
            (.number(.infinity), "null"), (.number(.nan), "null"),
        ]
        for (value, expected) in cases {
            #expect(String(decoding: value.serialized(), as: UTF8.self) == expected)
        }
    }

    @Test func stringsAreEscapedPerRFC8259() throws {
        let value = JSONValue.string("quote\" backslash\\ slash/ newline\n tab\t cr\r bs\u{08} ff\u{0C} nul\u{00} us\u{1F} é 😀 \u{2028}")
        let text = String(decoding: value.serialized(), as: UTF8.self)
        #expect(text == #""quote\" backslash\\ slash/ newline\n tab\t cr\r bs\b ff\f nul\u0000 us\u001f é 😀 "# + "\u{2028}\"")
        #expect(try JSONValue(parsing: value.serialized()) == value)
    }

    @Test func parsesEscapesAndUnicode() throws {
        let parsed = try JSONValue(parsing: #"{"a":"\u00e9\ud83d\ude00\/\"\\\b\f\n\r\t","b":"Zoë","c":"\u0041"}"#)
        #expect(parsed["a"] == .string("é😀/\"\\\u{08}\u{0C}\n\r\t"))
        #expect(parsed["b"]?.stringValue == "Zoë")
        #expect(parsed["c"] == "A")
    }

    @Test func numbersParse() throws {
        let parsed = try JSONValue(parsing: "[0, -0, 12, -3.5, 1e3, 1E-2, 2.5e+2, 12345678901234567890, 9007199254740993]")
        let numbers = try #require(parsed.arrayValue).compactMap(\.doubleValue)
        #expect(numbers == [0, 0, 12, -3.5, 1000, 0.01, 250, 12_345_678_901_234_567_168, 9_007_199_254_740_992])
        #expect(parsed[2]?.intValue == 12)
        #expect(parsed[3]?.intValue == nil)
        #expect(parsed[99] == nil)
        #expect(JSONValue.number(1e300).intValue == nil)
    }

    @Test func accessors() throws {
        let value = try JSONValue(parsing: #"{"s":"x","b":false,"n":null,"o":{"k":1}}"#)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["b"]?.boolValue == false)
        #expect(value["n"]?.isNull == true)
        #expect(value["o"]?["k"]?.intValue == 1)
        #expect(value["missing"] == nil)
        #expect(value["s"]?["k"] == nil)
        #expect(value.objectValue?.count == 4)
        #expect(value.stringValue == nil)
    }

    @Test func whitespaceIsAllowedAroundTokens() throws {
        #expect(try JSONValue(parsing: " \t\n{ \"a\" : [ 1 , 2 ] }\r\n") == ["a": [1, 2]])
    }

    @Test(
        "invalid JSON throws",
        arguments: [
            "", " ", "{", "}", "[", "[1,]", "{\"a\":1,}", "{a:1}", "{'a':1}", "[1 2]", "01", "1.", ".5", "-", "+1", "1e", "1e+",
            "tru", "nul", "True", "NaN", "Infinity", "1e999", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"",
            "\"\\ud800\\u0041\"", "\"tab\there\"", "{\"a\":1,\"a\":2}", "[1]x", "{} {}", "// c\n1", "\u{FEFF}{}",
        ]
    )
    func invalidThrows(_ text: String) {
        #expect(throws: JOSEError.self) { try JSONValue(parsing: text) }
    }

    @Test func invalidUTF8Throws() {
        #expect(throws: JOSEError.self) { try JSONValue(parsing: Data([0x22, 0xC3, 0x28, 0x22])) }
        #expect(throws: JOSEError.self) { try JSONValue(parsing: Data([0x22, 0xED, 0xA0, 0x80, 0x22])) }  // encoded surrogate
    }

    @Test func depthLimit() throws {
        let ok = String(repeating: "[", count: JSONValue.maximumDepth) + String(repeating: "]", count: JSONValue.maximumDepth)
        #expect(throws: Never.self) { try JSONValue(parsing: ok) }
        let deep = String(repeating: "[", count: JSONValue.maximumDepth + 1) + String(repeating: "]", count: JSONValue.maximumDepth + 1)
        #expect(throws: JOSEError.self) { try JSONValue(parsing: deep) }
        #expect(throws: JOSEError.self) { try JSONValue(parsing: String(repeating: "[", count: 1_000_000)) }
    }

    @Test func errorsDoNotEchoInput() {
        do {
            _ = try JSONValue(parsing: #"{"password":"hunter2",}"#)
            Issue.record("expected a throw")
        } catch {
            #expect(!"\(error)".contains("hunter2"))
        }
    }

    @Test func codableInteroperatesWithFoundation() throws {
        let value: JSONValue = ["a": [1, 2.5, "x", true, .null], "b": ["c": "d"]]
        let encoded = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: encoded) == value)
        #expect(try JSONValue(parsing: encoded) == value)
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"t":true,"n":1,"f":false,"z":0}"#.utf8))
        #expect(decoded == ["t": true, "n": 1, "f": false, "z": 0])
    }

    @Test func sortedKeysUseByteOrder() {
        let value: JSONValue = ["b": 1, "a": 2, "B": 3, "é": 4, "aa": 5]
        #expect(String(decoding: value.serialized(), as: UTF8.self) == #"{"B":3,"a":2,"aa":5,"b":1,"é":4}"#)
    }
}
