import Foundation

/// A small JSON value used across the engine for claims, headers and attributes.
///
/// Numbers are `Double` (as in JavaScript), so integers beyond 2^53 lose precision.
/// `init(parsing:)` is a strict RFC 8259 parser (no trailing commas, no comments,
/// duplicate object keys rejected, nesting limited to `maximumDepth`), and
/// `serialized(sortedKeys:)` writes compact JSON that parses back to an equal value.
///
/// ## Why not Foundation's JSON parser
///
/// `JSONSerialization` and `JSONDecoder` would parse the same documents, but not with the rules the
/// engine relies on when the text is untrusted (JWS headers and claims, registration metadata) or typed
/// by an admin (claim values in the console):
///
/// - **Duplicate members are refused**, not resolved silently to one of the values: two readers of the
///   same token must never see different claims (see `JWS`).
/// - **Nesting is limited to `maximumDepth`**, checked before each level is entered, so hostile input
///   cannot exhaust the stack, whatever the platform's Foundation does.
/// - **Errors are a byte offset and a fixed reason** (`JOSEError.invalidJSON(offset:reason:)`): a message
///   for the console or a log says where the text is wrong ("invalid JSON at byte 17: duplicate object
///   key") and echoes nothing of the input. Foundation's errors are platform-dependent `NSError` texts.
/// - **Strict RFC 8259 everywhere**: invalid UTF-8, unpaired surrogate escapes, leading zeros,
///   comments, trailing commas, `NaN` and numbers beyond `Double` are all refused, the same on Linux and
///   macOS; numbers are plain `Double`s, with none of `NSNumber`'s Bool-or-number ambiguity.
/// - **Borrowed bytes, no bridging**: client assertions and JWT introspection parse on the request path.
///
/// `Tests/JOSETests/ParserFuzzTests.swift` holds these rules under seeded mutations in every test run.
public enum JSONValue: Codable, Sendable, Hashable {
    /// JSON `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// Any JSON number, as a double.
    case number(Double)
    /// A string (always valid Unicode).
    case string(String)
    /// An ordered array.
    case array([JSONValue])
    /// An object; key order is not kept (use `serialized(sortedKeys: true)` for deterministic output).
    case object([String: JSONValue])

    /// Deepest array/object nesting `init(parsing:)` accepts, so hostile input cannot exhaust the stack.
    public static let maximumDepth = 128

    /// Parses UTF-8 JSON text; throws `JOSEError.invalidJSON` on anything that is not exactly one JSON value.
    public init(parsing data: Data) throws {
        self = try data.withUnsafeBytes { try JSONParser.parse($0) }
    }

    /// Parses JSON text held in a string (convenient in tests and configuration).
    public init(parsing text: String) throws {
        var text = text
        self = try text.withUTF8 { try JSONParser.parse(UnsafeRawBufferPointer($0)) }
    }

    /// Compact JSON (no whitespace). With `sortedKeys`, object keys are ordered by their UTF-8 bytes,
    /// which makes the output deterministic; integral numbers within Int64 print without ".0";
    /// non-finite numbers (which JSON cannot express) print as `null`.
    public func serialized(sortedKeys: Bool = true) -> Data {
        var writer = JSONWriter(capacity: 256)
        writer.value(self, sortedKeys: sortedKeys)
        return Data(writer.bytes)
    }

    /// The payload if this is `.string`.
    public var stringValue: String? {
        if case .string(let value) = self { value } else { nil }
    }

    /// The payload if this is `.bool`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }

    /// The payload if this is `.number`.
    public var doubleValue: Double? {
        if case .number(let value) = self { value } else { nil }
    }

    /// The number as `Int`, only if it is integral and in range (so `1.5` and `1e300` give `nil`).
    public var intValue: Int? {
        if case .number(let value) = self { Int(exactly: value) } else { nil }
    }

    /// The elements if this is `.array`.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { value } else { nil }
    }

    /// The members if this is `.object`.
    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { value } else { nil }
    }

    /// True for `.null`.
    public var isNull: Bool {
        if case .null = self { true } else { false }
    }

    /// Member lookup; `nil` if this is not an object or has no such key.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { members[key] } else { nil }
    }

    /// Element lookup; `nil` if this is not an array or the index is out of bounds.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    /// Decodes from any `Decoder` as a plain JSON value (bool is tried before number).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    /// Encodes as a plain JSON value; integral numbers are encoded as `Int64` so encoders print no ".0".
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if let integer = Int64(exactly: value) {
                try container.encode(integer)
            } else {
                try container.encode(value)
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
