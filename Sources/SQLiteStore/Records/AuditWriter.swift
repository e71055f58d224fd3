import AuthEngine
import Foundation
import GRDB

/// Appends audit events inside the current write transaction, continuing the hash chain from the
/// last stored event (read under the write lock, so several processes keep one chain).
enum AuditWriter {
    static func append(_ events: [AuditEventDraft], in db: Database) throws {
        guard !events.isEmpty else { return }
        var last = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1"))
        var seq: Int64 = last?["seq"] ?? 0
        var previous: String = last?["hash"] ?? AuditChain.genesis
        last = nil
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO audit_events (seq, time, type, outcome, tenant_id, client_id, subject, token_id, reason, actor, details, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        )
        for e in events {
            seq += 1
            let hash = AuditChain.hash(previous: previous, sequence: seq, event: e)
            try insert.execute(arguments: [
                seq, StoredForm.millis(e.time), e.type.rawValue, e.outcome.rawValue,
                e.tenantID, e.clientID, e.subject, e.tokenID, e.reason, e.actor, StoredForm.details(e.details), hash,
            ])
            previous = hash
        }
    }

    static func event(from row: Row) -> AuditEvent {
        let draft = AuditEventDraft(
            time: StoredForm.date(millis: row["time"]),
            type: AuditEventType(rawValue: row["type"]),
            outcome: AuditOutcome(rawValue: row["outcome"]) ?? .failure,
            tenantID: row["tenant_id"],
            clientID: row["client_id"],
            subject: row["subject"],
            tokenID: row["token_id"],
            reason: row["reason"],
            actor: row["actor"],
            details: StoredForm.details(row["details"])
        )
        return AuditEvent(sequence: row["seq"], event: draft, hash: row["hash"])
    }
}
