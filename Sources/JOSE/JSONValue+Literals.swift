/// Literal conformances so claims can be written naturally: `["sub": "alice", "exp": 1700000000, "admin": true]`.
///
/// There is deliberately no `ExpressibleByNilLiteral`: with `[String: JSONValue]`,
/// `dict["k"] = nil` must keep meaning "remove the key"; write `.null` for JSON null.
extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    /// A JSON string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A JSON number from an integer literal.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// A JSON number from a float literal.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// A JSON boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// A JSON array.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// A JSON object; a repeated key keeps the last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
