import AuthEngine
import Foundation
import PostgresNIO

extension PostgresStore: RetentionStore {
    /// The same selection as SQLite's: the tenant's token rows by time-ordered id over
    /// `tokens_by_tenant` (only ids below the cutoff's are read), then sessions, device authorizations
    /// and used assertions. A deletion is one short transaction, its four statements sent back to back.
    public func prune(_ cutoff: RetentionCutoff, limit: Int, dryRun: Bool) async throws -> PruneCounts {
        let statements = Self.pruneStatements(cutoff, limit: limit, dryRun: dryRun)
        let answers: [[PostgresRow]]
        if dryRun {
            var rows: [[PostgresRow]] = []
            for s in statements { rows.append(try await self.rows(s)) }
            answers = rows
        } else {
            answers = try await writer.submit { write in try await write.pipelined(statements.map(\.query)) }
        }
        var counts = PruneCounts()
        // Tokens answer (kind, n); every other statement one count.
        for row in answers[0] {
            let (kind, n) = try row.decode((String, Int).self)
            if let k = TokenKind(rawValue: kind) { counts.count(k, by: n) }
        }
        let others = try answers.dropFirst().map { try $0.first?.decode(Int.self) ?? 0 }
        (counts.sessions, counts.deviceAuthorizations, counts.usedAssertions) = (others[0], others[1], others[2])
        return counts
    }

    /// Four statements (tokens, sessions, device authorizations, used assertions) that count, or
    /// delete at most `limit` rows and count what they deleted.
    private static func pruneStatements(_ cutoff: RetentionCutoff, limit: Int, dryRun: Bool) -> [SQL] {
        let before = cutoff.before.timeIntervalSince1970
        func statement(_ table: String, key: String, group: String? = nil, _ condition: (inout SQL) -> String) -> SQL {
            var sql = SQL()
            let w = condition(&sql)
            let select = group.map { "\($0), COUNT(*)" } ?? "COUNT(*)"
            let grouping = group.map { " GROUP BY \($0)" } ?? ""
            if dryRun {
                sql.text = "SELECT \(select) FROM \(table) WHERE \(w)\(grouping)"
            } else {
                let order = table == "tokens" ? " ORDER BY id" : ""
                sql.text = """
                    WITH gone AS (DELETE FROM \(table) WHERE (\(key)) IN (SELECT \(key) FROM \(table) WHERE \(w)\(order) LIMIT \(sql.bind(limit)))
                    RETURNING *) SELECT \(select) FROM gone\(grouping)
                    """
            }
            return sql
        }
        return [
            statement("tokens", key: "id", group: "kind") { s in
                let b = s.bind(before)
                return """
                    tenant_id = \(s.bind(cutoff.tenantID)) AND id < \(s.bind(cutoff.tokenIDsBelow)) AND (expires_at < \(b)
                    OR (revoked_at < \(b) AND revocation_reason IS DISTINCT FROM \(s.bind(cutoff.keepRevokedWithReason))))
                    """
            },
            statement("sessions", key: "id") { s in
                let b = s.bind(before)
                return "tenant_id = \(s.bind(cutoff.tenantID)) AND (expires_at < \(b) OR ended_at < \(b))"
            },
            statement("device_authorizations", key: "id") { s in
                "tenant_id = \(s.bind(cutoff.tenantID)) AND expires_at < \(s.bind(before))"
            },
            statement("used_assertions", key: "tenant_id, client_id, jti") { s in
                "tenant_id = \(s.bind(cutoff.tenantID)) AND expires_at < \(s.bind(cutoff.assertionsExpiredBefore.timeIntervalSince1970))"
            },
        ]
    }
}
