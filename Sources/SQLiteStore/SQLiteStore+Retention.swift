import AuthEngine
import Foundation
import GRDB

extension SQLiteStore: RetentionStore {
    /// Each kind is one statement over an index: the tenant's token rows by time-ordered id (only
    /// ids below the cutoff's are read), sessions and device authorizations of the tenant, used
    /// assertions of the tenant. A deletion is one short transaction of at most `limit` rows a kind.
    public func prune(_ cutoff: RetentionCutoff, limit: Int, dryRun: Bool) async throws -> PruneCounts {
        let before = cutoff.before.timeIntervalSince1970
        let tokenWhere = """
            tenant_id = ? AND id < ? AND (expires_at < ? OR (revoked_at < ? AND revocation_reason IS NOT ?))
            """
        let tokenArguments: StatementArguments = [cutoff.tenantID, cutoff.tokenIDsBelow, before, before, cutoff.keepRevokedWithReason]
        let others: [(table: String, where: String, arguments: StatementArguments, count: any WritableKeyPath<PruneCounts, Int> & Sendable)] = [
            ("sessions", "tenant_id = ? AND (expires_at < ? OR ended_at < ?)", [cutoff.tenantID, before, before], \.sessions),
            ("device_authorizations", "tenant_id = ? AND expires_at < ?", [cutoff.tenantID, before], \.deviceAuthorizations),
            (
                "used_assertions", "tenant_id = ? AND expires_at < ?",
                [cutoff.tenantID, cutoff.assertionsExpiredBefore.timeIntervalSince1970], \.usedAssertions
            ),
        ]
        if dryRun {
            return try await pool.read { db in
                var counts = PruneCounts()
                for row in try Row.fetchAll(
                    db,
                    sql: "SELECT kind, COUNT(*) AS n FROM tokens WHERE \(tokenWhere) GROUP BY kind",
                    arguments: tokenArguments
                ) {
                    if let kind = TokenKind(rawValue: row["kind"]) { counts.count(kind, by: row["n"]) }
                }
                for o in others {
                    counts[keyPath: o.count] =
                        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(o.table) WHERE \(o.where)", arguments: o.arguments) ?? 0
                }
                return counts
            }
        }
        return try await writer.submit { db in
            var counts = PruneCounts()
            let deleted = try String.fetchAll(
                db,
                sql: """
                    DELETE FROM tokens WHERE id IN (SELECT id FROM tokens WHERE \(tokenWhere) ORDER BY id LIMIT ?)
                    RETURNING kind
                    """,
                arguments: tokenArguments + [limit]
            )
            for kind in deleted { if let k = TokenKind(rawValue: kind) { counts.count(k) } }
            for o in others {
                // used_assertions is WITHOUT ROWID: select its primary key instead of a rowid.
                let key = o.table == "used_assertions" ? "tenant_id, client_id, jti" : "rowid"
                try db.execute(
                    sql: "DELETE FROM \(o.table) WHERE (\(key)) IN (SELECT \(key) FROM \(o.table) WHERE \(o.where) LIMIT ?)",
                    arguments: o.arguments + [limit]
                )
                counts[keyPath: o.count] = db.changesCount
            }
            return counts
        }
    }
}
