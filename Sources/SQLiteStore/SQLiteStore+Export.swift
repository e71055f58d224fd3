import AuthEngine
import Foundation
import GRDB

extension SQLiteStore: TableExporting {
    public func exportRows(table: String, columns: [String], offset: Int, limit: Int) async throws -> [[StoredValue]] {
        // Names come from `StoredTables`, never from input. WITHOUT ROWID tables page by their primary key.
        let order = Self.primaryKeys[table] ?? "rowid"
        let sql = "SELECT \(columns.joined(separator: ", ")) FROM \(table) ORDER BY \(order) LIMIT \(limit) OFFSET \(offset)"
        return try await pool.read { db in
            try Row.fetchAll(db, sql: sql).map { row in
                (0..<columns.count).map { i -> StoredValue in
                    switch row[i] as DatabaseValue {
                    case let v where v.isNull: return .null
                    case let v:
                        switch v.storage {
                        case .int64(let n): return .integer(n)
                        case .double(let d): return .real(d)
                        case .string(let s): return .text(s)
                        case .blob(let b): return .blob(Array(b))
                        case .null: return .null
                        }
                    }
                }
            }
        }
    }

    private static let primaryKeys = [
        "tokens": "id", "used_assertions": "tenant_id, client_id, jti", "consents": "tenant_id, user_id, client_id",
    ]
}
