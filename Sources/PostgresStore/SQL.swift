import PostgresNIO

/// A statement built at run time (a filter's conditions, a multi-row insert) with its bound values:
/// `bind` appends a value and returns its placeholder, so the text never holds a value.
struct SQL {
    var text: String
    private(set) var binds = PostgresBindings()

    init(_ text: String = "") { self.text = text }

    /// Binds `value` and returns its placeholder (`$n`).
    mutating func bind<T: PostgresDynamicTypeEncodable>(_ value: T) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    /// Binds `value` or NULL.
    mutating func bind<T: PostgresDynamicTypeEncodable>(_ value: T?) -> String {
        if let value { binds.append(value) } else { binds.appendNull() }
        return "$\(binds.count)"
    }

    /// `(p1, p2, ...)` for one row of values.
    mutating func row(_ values: [any PostgresValue]) -> String {
        "(" + values.map { $0.bind(into: &self) }.joined(separator: ", ") + ")"
    }

    var query: PostgresQuery { PostgresQuery(unsafeSQL: text, binds: binds) }
}

/// A value a row of a multi-row insert carries; optional values bind NULL.
protocol PostgresValue {
    func bind(into sql: inout SQL) -> String
}

extension String: PostgresValue { func bind(into sql: inout SQL) -> String { sql.bind(self) } }
extension Int: PostgresValue { func bind(into sql: inout SQL) -> String { sql.bind(self) } }
extension Int64: PostgresValue { func bind(into sql: inout SQL) -> String { sql.bind(self) } }
extension Double: PostgresValue { func bind(into sql: inout SQL) -> String { sql.bind(self) } }

extension Optional: PostgresValue where Wrapped: PostgresValue & PostgresDynamicTypeEncodable {
    func bind(into sql: inout SQL) -> String { sql.bind(self) }
}

/// Bytes bind as BYTEA.
struct Bytes: PostgresValue {
    var data: [UInt8]
    func bind(into sql: inout SQL) -> String { sql.bind(ByteBuffer(bytes: data)) }
}
