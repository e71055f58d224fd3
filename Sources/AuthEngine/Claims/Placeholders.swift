import JOSE

/// `{name}` placeholders in claim templates and lookup URLs: one parser for both, so they cannot
/// disagree about what a placeholder is.
enum Placeholders {
    /// The template with each `{name}` replaced by `value(name)`; nil if a value is missing or a `{`
    /// is never closed (nothing is ever filled in halfway).
    static func fill(_ template: String, _ value: (String) -> String?) -> String? {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}"), let v = value(String(rest[rest.index(after: open)..<close])) else { return nil }
            out += v
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// A JSON value as it reads inside a string: strings bare, anything else as JSON.
    static func text(_ value: JSONValue) -> String {
        if case .string(let s) = value { return s }
        return String(decoding: value.serialized(), as: UTF8.self)
    }
}
