import Foundation
import JOSE
import Testing

/// The one JSON writer: its streaming API, whole values inside it, and the escaping both share.
@Suite("JSONWriter")
struct JSONWriterTests {
    @Test func streamingPutsTheCommasWhereTheyBelong() {
        var w = JSONWriter()
        w.beginObject()
        w.field("s", "x")
        w.field("n", Int64(-42))
        w.field("b", false)
        w.field("list", strings: ["a", "b"])
        w.key("none")
        w.null()
        w.key("empty")
        w.beginArray()
        w.endArray()
        w.key("raw")
        w.raw(Array(#"{"k":1}"#.utf8))
        w.endObject()
        #expect(String(decoding: w.bytes, as: UTF8.self) == #"{"s":"x","n":-42,"b":false,"list":["a","b"],"none":null,"empty":[],"raw":{"k":1}}"#)
    }

    @Test func wholeValuesMixWithTheStream() {
        var w = JSONWriter(capacity: 16)
        w.beginArray()
        w.int(1)
        w.value(["b": 1, "a": [true, .null, 0.5]])
        w.value("s")
        w.beginObject()
        w.key("v")
        w.value(["z": 1, "y": 2], sortedKeys: true)
        w.field("after", "yes")
        w.endObject()
        w.endArray()
        #expect(String(decoding: w.bytes, as: UTF8.self) == #"[1,{"a":[true,null,0.5],"b":1},"s",{"v":{"y":2,"z":1},"after":"yes"}]"#)
    }

    @Test func aValueAloneIsWhatSerializedWrites() {
        let value: JSONValue = ["sub": "alice", "exp": 1_700_000_000, "nested": ["k": [1, "two", .null]], "ratio": 0.25, "big": 1e300]
        var w = JSONWriter()
        w.value(value)
        #expect(Data(w.bytes) == value.serialized())
    }

    @Test("every C0 control, the quote and the backslash are escaped the same way by both ways in")
    func oneEscaper() throws {
        let text = String(decoding: Array(0x00...0x1F) + Array("\"\\/é😀".utf8), as: UTF8.self)
        var streamed = JSONWriter()
        streamed.string(text)
        var whole = JSONWriter()
        whole.value(.string(text))
        #expect(streamed.bytes == whole.bytes)
        let expected =
            #""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f"#
            + #"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f\"\\/é😀""#
        #expect(String(decoding: streamed.bytes, as: UTF8.self) == expected)
        #expect(try JSONValue(parsing: Data(streamed.bytes)) == .string(text))
    }
}
