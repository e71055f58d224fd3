/// Compact JSON written straight into UTF-8 bytes: the one JSON serializer of the project, behind
/// `JSONValue.serialized(sortedKeys:)` and the hand-built documents of the issuance hot path (token
/// responses, access-token claims, introspection, error bodies), where building a dictionary and running
/// `JSONEncoder` costs more than signing the token.
///
/// Two ways in, which mix freely: a streaming API (`beginObject()`, `key(_:)`, `field(_:_:)`, …) that puts
/// the commas where they belong, and `value(_:sortedKeys:)` for a whole `JSONValue`. The writer does not
/// check the shape: a key outside an object, or an unbalanced `end…()`, is the caller's bug.
///
/// Strings are escaped per RFC 8259 §7: quote, backslash and the C0 controls (`\b \f \n \r \t` in their
/// short forms, the others as `\u00XX`); everything else, including non-ASCII, is copied as UTF-8.
/// Integral numbers within `Int64` print without ".0"; non-finite numbers, which JSON cannot express, print
/// as `null`.
public struct JSONWriter: Sendable {
    /// The JSON written so far.
    public private(set) var bytes: [UInt8] = []
    /// One entry per open object or array: whether the next element needs a comma before it.
    private var needsComma: [Bool] = []

    /// An empty writer with room for `capacity` bytes (a good guess saves reallocations on the hot path).
    public init(capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
    }

    // MARK: Streaming

    /// Opens an object (`{`), as a value at the current position.
    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma.append(false)
    }
    /// Closes the innermost object.
    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma.removeLast()
    }
    /// Opens an array (`[`), as a value at the current position.
    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma.append(false)
    }
    /// Closes the innermost array.
    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma.removeLast()
    }

    /// Writes a member name and its colon; the next value written is the member's value.
    public mutating func key(_ k: String) {
        separate()
        writeString(k)
        bytes.append(UInt8(ascii: ":"))
        // The value that follows must not add a comma.
        if !needsComma.isEmpty { needsComma[needsComma.count - 1] = false }
    }

    /// A string value.
    public mutating func string(_ s: String) {
        separate()
        writeString(s)
    }
    /// An integer value.
    public mutating func int(_ i: Int64) {
        separate()
        bytes.append(contentsOf: String(i).utf8)
    }
    /// `true` or `false`.
    public mutating func bool(_ b: Bool) {
        separate()
        append(b ? "true" : "false")
    }
    /// `null`.
    public mutating func null() {
        separate()
        append("null")
    }
    /// Inserts already-serialized JSON as one value (it is not checked).
    public mutating func raw(_ json: some Sequence<UInt8>) {
        separate()
        bytes.append(contentsOf: json)
    }
    /// A whole `JSONValue`; with `sortedKeys`, object members in the UTF-8 order of their names (deterministic output).
    public mutating func value(_ value: JSONValue, sortedKeys: Bool = true) {
        separate()
        write(value, sortedKeys: sortedKeys)
    }

    /// A member with a string value.
    public mutating func field(_ k: String, _ v: String) {
        key(k)
        string(v)
    }
    /// A member with an integer value.
    public mutating func field(_ k: String, _ v: Int64) {
        key(k)
        int(v)
    }
    /// A member with a boolean value.
    public mutating func field(_ k: String, _ v: Bool) {
        key(k)
        bool(v)
    }
    /// A member whose value is an array of strings.
    public mutating func field(_ k: String, strings: [String]) {
        key(k)
        beginArray()
        for s in strings { string(s) }
        endArray()
    }

    // MARK: Internals

    /// A comma before every element of an object or array but the first.
    private mutating func separate() {
        guard !needsComma.isEmpty else { return }
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    /// A value tree, written directly: its commas are its own, so it needs no entries in `needsComma`.
    private mutating func write(_ value: JSONValue, sortedKeys: Bool) {
        switch value {
        case .null:
            append("null")
        case .bool(let flag):
            append(flag ? "true" : "false")
        case .number(let number):
            writeNumber(number)
        case .string(let text):
            writeString(text)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                write(element, sortedKeys: sortedKeys)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            var first = true
            let keys =
                sortedKeys
                ? members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                : Array(members.keys)
            for key in keys {
                guard let member = members[key] else { continue }
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                writeString(key)
                bytes.append(UInt8(ascii: ":"))
                write(member, sortedKeys: sortedKeys)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private mutating func append(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private mutating func writeNumber(_ number: Double) {
        if let integer = Int64(exactly: number) {
            bytes.append(contentsOf: String(integer).utf8)
        } else if number.isFinite {
            bytes.append(contentsOf: number.description.utf8)
        } else {
            append("null")
        }
    }

    private static let hex: StaticString = "0123456789abcdef"

    private mutating func writeString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "\\"))
            case 0x0A:
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "n"))
            case 0x0D:
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "r"))
            case 0x09:
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "t"))
            case 0x08:
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "b"))
            case 0x0C:
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "f"))
            case 0x00..<0x20:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                bytes.append(Self.hex.utf8Start[Int(byte >> 4)])
                bytes.append(Self.hex.utf8Start[Int(byte & 0x0F)])
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
