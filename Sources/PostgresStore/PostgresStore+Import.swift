import AuthEngine
import Foundation
import PostgresNIO

extension PostgresStore {
    /// Copies every table of `source` into this (empty) database in one transaction: all of it or
    /// nothing. Returns the rows copied per table.
    public func copy(from source: any TableExporting, pageSize: Int = 2000) async throws -> [(table: String, rows: Int)] {
        let version = try await source.configVersion()
        return try await writer.submit(bounded: false) { write in
            // Checked inside the transaction, under the chain lock: no node can start writing meanwhile.
            let existing =
                try await write.rows(
                    "SELECT (SELECT count(*) FROM tenants) + (SELECT count(*) FROM tokens) + (SELECT count(*) FROM audit_events)"
                ).first?.decode(Int64.self) ?? 0
            guard existing == 0 else {
                throw PostgresStoreError("the target database already holds an installation; copy into an empty database")
            }
            var counts: [(String, Int)] = []
            for (table, columns) in StoredTables.all {
                var offset = 0
                while true {
                    let page = try await source.exportRows(table: table, columns: columns, offset: offset, limit: pageSize)
                    if page.isEmpty { break }
                    var sql = SQL("INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES ")
                    sql.text += page.map { row in
                        // SQLite keeps JSON that its json_set rewrote as TEXT; these columns are BYTEA here.
                        sql.row(zip(columns, row).map { column, value in Self.bytea.contains(column) ? value.asBlob : value }.map(\.postgresValue))
                    }.joined(separator: ", ")
                    try await write.rows(sql)
                    offset += page.count
                    if page.count < pageSize { break }
                }
                counts.append((table, offset))
            }
            try await write.rows("UPDATE meta SET value = \(version + 1) WHERE key = 'config_version'")
            write.notify(.config)
            return counts
        }
    }

    private static let bytea: Set<String> = ["data", "digest", "device_digest"]
}

extension StoredValue {
    var asBlob: StoredValue {
        if case .text(let s) = self { return .blob(Array(s.utf8)) }
        return self
    }

    var postgresValue: any PostgresValue {
        switch self {
        case .null: return String?.none
        case .integer(let n): return n
        case .real(let d): return d
        case .text(let s): return s
        case .blob(let b): return Bytes(data: b)
        }
    }
}
