import Foundation
import PostgresNIO

/// A row's cells by column name: `let id: String = try c("id")`.
struct Columns {
    private let row: PostgresRandomAccessRow

    init(_ row: PostgresRow) { self.row = row.makeRandomAccess() }

    func callAsFunction<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try row[column].decode(T.self)
    }

    /// A BYTEA column's bytes.
    func data(_ column: String) throws -> Data { try row[column].decode(Data.self) }

    /// A `DOUBLE PRECISION` column of seconds since 1970.
    func date(_ column: String) throws -> Date { Date(timeIntervalSince1970: try self(column, as: Double.self)) }

    func date(_ column: String) throws -> Date? { try self(column, as: Double?.self).map(Date.init(timeIntervalSince1970:)) }
}

extension Array where Element == PostgresRow {
    /// The `data` column of each row, decoded from its JSON.
    func decoded<T: Decodable>(_ type: T.Type, column: String = "data") throws -> [T] {
        let decoder = JSONDecoder()
        return try map { try decoder.decode(T.self, from: Columns($0).data(column)) }
    }
}
