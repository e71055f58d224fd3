import AuthEngine
import Foundation
import PostgresNIO

extension PostgresStore: AuditStore {
    public func append(_ events: [AuditEventDraft]) async throws {
        guard !events.isEmpty else { return }
        try await writer.submit { write in write.append(events) }
    }

    static let auditColumns = "seq, time, type, outcome, tenant_id, client_id, subject, token_id, reason, actor, details, hash"

    public func events(after sequence: Int64, limit: Int, filter: AuditFilter) async throws -> [AuditEvent] {
        var sql = SQL()
        var clauses = ["seq > \(sql.bind(sequence))"]
        for (column, value) in [
            ("tenant_id", filter.tenantID), ("client_id", filter.clientID), ("subject", filter.subject), ("token_id", filter.tokenID),
            ("type", filter.type?.rawValue), ("outcome", filter.outcome?.rawValue),
        ] {
            if let value { clauses.append("\(column) = \(sql.bind(value))") }
        }
        sql.text =
            "SELECT \(Self.auditColumns) FROM audit_events WHERE \(clauses.joined(separator: " AND ")) ORDER BY seq LIMIT \(max(1, min(limit, 100_000)))"
        return try await rows(sql).map(Self.event)
    }

    public func latestSequence() async throws -> Int64 {
        try await rows("SELECT COALESCE(MAX(seq), 0) FROM audit_events").first?.decode(Int64.self) ?? 0
    }

    public func verifyChain() async throws -> AuditChainReport {
        var verifier = AuditChain.Verifier()
        var after: Int64 = 0
        // In pages, so a long chain is never held in memory at once.
        while true {
            let page = try await rows("SELECT \(unescaped: Self.auditColumns) FROM audit_events WHERE seq > \(after) ORDER BY seq LIMIT 10000")
            for row in page {
                let event = try Self.event(row)
                if !verifier.check(event) { return AuditChainReport(eventsChecked: verifier.checked, firstBrokenSequence: event.sequence) }
                after = event.sequence
            }
            if page.count < 10000 { return AuditChainReport(eventsChecked: verifier.checked, firstBrokenSequence: nil) }
        }
    }

    static func event(_ row: PostgresRow) throws -> AuditEvent {
        let c = Columns(row)
        let draft = AuditEventDraft(
            time: StoredForm.date(millis: try c("time")),
            type: AuditEventType(rawValue: try c("type")),
            outcome: AuditOutcome(rawValue: try c("outcome")) ?? .failure,
            tenantID: try c("tenant_id"),
            clientID: try c("client_id"),
            subject: try c("subject"),
            tokenID: try c("token_id"),
            reason: try c("reason"),
            actor: try c("actor"),
            details: StoredForm.details(try c("details"))
        )
        return AuditEvent(sequence: try c("seq"), event: draft, hash: try c("hash"))
    }
}
