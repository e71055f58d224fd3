import AuthEngine
import Foundation
import GRDB

extension SQLiteStore: AuditStore {
    public func append(_ events: [AuditEventDraft]) async throws {
        try await writer.submit { db in try AuditWriter.append(events, in: db) }
    }

    public func events(after sequence: Int64, limit: Int, filter: AuditFilter) async throws -> [AuditEvent] {
        var clauses = ["seq > ?"]
        var args: [(any DatabaseValueConvertible)?] = [sequence]
        func add(_ column: String, _ value: String?) {
            guard let value else { return }
            clauses.append("\(column) = ?")
            args.append(value)
        }
        add("tenant_id", filter.tenantID)
        add("client_id", filter.clientID)
        add("subject", filter.subject)
        add("token_id", filter.tokenID)
        add("type", filter.type?.rawValue)
        add("outcome", filter.outcome?.rawValue)
        let sql = "SELECT * FROM audit_events WHERE \(clauses.joined(separator: " AND ")) ORDER BY seq LIMIT \(max(1, min(limit, 100_000)))"
        let arguments = StatementArguments(args)
        return try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map(AuditWriter.event(from:))
        }
    }

    public func latestSequence() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit_events") ?? 0 }
    }

    public func verifyChain() async throws -> AuditChainReport {
        try await pool.read { db in
            var verifier = AuditChain.Verifier()
            let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM audit_events ORDER BY seq")
            while let row = try cursor.next() {
                let event = AuditWriter.event(from: row)
                if !verifier.check(event) {
                    return AuditChainReport(eventsChecked: verifier.checked, firstBrokenSequence: event.sequence)
                }
            }
            return AuditChainReport(eventsChecked: verifier.checked, firstBrokenSequence: nil)
        }
    }
}
