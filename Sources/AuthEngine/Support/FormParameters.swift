/// The parameters of an `application/x-www-form-urlencoded` request, already decoded, with the
/// RFC 6749 §3.1 rules: a parameter sent without a value is treated as omitted, and none may be
/// repeated (except those, like RFC 8707 `resource`, that are defined as repeatable).
public struct FormParameters: Sendable, Hashable {
    public private(set) var values: [String: [String]]

    public init(_ values: [String: [String]] = [:]) {
        self.values = values.mapValues { $0.filter { !$0.isEmpty } }.filter { !$0.value.isEmpty }
    }

    public init(pairs: [(String, String)]) {
        var v: [String: [String]] = [:]
        for (k, value) in pairs { v[k, default: []].append(value) }
        self.init(v)
    }

    /// The single value of `name`, nil when absent; `invalid_request` when repeated.
    public func single(_ name: String) throws(OAuthError) -> String? {
        guard let list = values[name] else { return nil }
        if list.count > 1 { throw .invalidRequest("parameter '\(name)' is repeated; send it once") }
        return list[0]
    }

    /// The value of `name`, `invalid_request` when absent or repeated.
    public func required(_ name: String) throws(OAuthError) -> String {
        guard let v = try single(name) else { throw .invalidRequest("parameter '\(name)' is missing") }
        return v
    }

    /// Every value of a repeatable parameter.
    public func all(_ name: String) -> [String] { values[name] ?? [] }
}
