import AuthEngine
import Foundation
import PostgresNIO

extension PostgresStore: TokenStore {
    public func record(tokens: [TokenRecord], audit: [AuditEventDraft]) async throws {
        try await writer.submit { write in
            write.insert(tokens)
            write.append(audit)
        }
    }

    public func token(id: String) async throws -> TokenRecord? {
        try await rows("SELECT \(unescaped: TokenColumns.names) FROM tokens WHERE id = \(id)").first.map(TokenColumns.record)
    }

    public func redeem(
        tokenID: String,
        tenantID: String,
        at now: Date,
        reason: String,
        issuing tokens: [TokenRecord],
        audit: [AuditEventDraft]
    ) async throws -> Bool {
        try await writer.submit { write in
            // The check and the mark are one statement: of two nodes redeeming at once, the second
            // waits for the first's row lock and then finds the token no longer active.
            let won = try await write.changed(
                """
                UPDATE tokens SET revoked_at = \(now.timeIntervalSince1970), revocation_reason = \(reason)
                WHERE id = \(tokenID) AND tenant_id = \(tenantID) AND revoked_at IS NULL AND expires_at > \(StoredForm.seconds(now))
                RETURNING 1
                """
            )
            guard won == 1 else { return false }
            write.insert(tokens)
            write.append(audit)
            return true
        }
    }

    public func revoke(
        _ selector: RevocationSelector,
        at now: Date,
        reason: String,
        audit: AuditEventDraft,
        signals: RevocationSignals
    ) async throws -> RevocationSummary {
        try await writer.submit { write in
            let summary = try await TokenColumns.summary(selector, now: now, rows: write.rows)
            var sql = SQL()
            let revokedAt = sql.bind(now.timeIntervalSince1970)
            let why = sql.bind(reason)
            sql.text =
                "UPDATE tokens SET revoked_at = \(revokedAt), revocation_reason = \(why) WHERE \(TokenColumns.active(selector, now: now, in: &sql))"
                // Only a per-token signal needs the ids: a tenant-wide revocation returns no rows.
                + (signals.perToken == nil ? "" : " RETURNING id, kind")
            let revoked = try await write.rows(sql)
            if !signals.isEmpty {
                let accessIDs = try revoked.compactMap { row -> String? in
                    let (id, kind) = try row.decode((String, String).self)
                    return kind == TokenKind.access.rawValue ? id : nil
                }
                try await Self.enqueue(signals.drafts(revokedAccessTokenIDs: accessIDs), expiresAt: signals.expiresAt, in: write)
            }
            write.append([audit.completed(with: summary)])
            return summary
        }
    }

    public func previewRevocation(_ selector: RevocationSelector, at now: Date) async throws -> RevocationSummary {
        try await TokenColumns.summary(selector, now: now, rows: rows)
    }

    public func tokens(matching q: TokenQuery, at now: Date) async throws -> [TokenRecord] {
        var sql = SQL()
        var clauses = ["tenant_id = \(sql.bind(q.tenantID))"]
        if let c = q.clientID { clauses.append("client_id = \(sql.bind(c))") }
        if let s = q.subject { clauses.append("subject = \(sql.bind(s))") }
        if let k = q.kind { clauses.append("kind = \(sql.bind(k.rawValue))") }
        if let family = q.familyID { clauses.append("family_id = \(sql.bind(family))") }
        if let since = q.issuedSince { clauses.append("issued_at >= \(sql.bind(Int64(since.timeIntervalSince1970.rounded(.up))))") }
        if let until = q.issuedUntil { clauses.append("issued_at < \(sql.bind(Int64(until.timeIntervalSince1970.rounded(.up))))") }
        switch q.status {
        case .active?: clauses.append("revoked_at IS NULL AND expires_at > \(sql.bind(StoredForm.seconds(now)))")
        case .expired?: clauses.append("revoked_at IS NULL AND expires_at <= \(sql.bind(StoredForm.seconds(now)))")
        case .revoked?: clauses.append("revoked_at IS NOT NULL")
        case nil: break
        }
        if let before = q.before { clauses.append("id < \(sql.bind(before))") }
        sql.text = "SELECT \(TokenColumns.names) FROM tokens WHERE \(clauses.joined(separator: " AND ")) ORDER BY id DESC LIMIT \(max(0, q.limit))"
        return try await rows(sql).map(TokenColumns.record)
    }

    public func outstandingByKey(tenantID: String, at now: Date) async throws -> [String: (count: Int, until: Date)] {
        var result: [String: (count: Int, until: Date)] = [:]
        for row in try await rows(
            """
            SELECT kid, COUNT(*) AS n, MAX(expires_at) AS until FROM tokens
            WHERE tenant_id = \(tenantID) AND kid IS NOT NULL AND revoked_at IS NULL AND expires_at > \(StoredForm.seconds(now)) GROUP BY kid
            """
        ) {
            let (kid, n, until) = try row.decode((String, Int, Int64).self)
            result[kid] = (n, StoredForm.date(seconds: until))
        }
        return result
    }

    public func consumeAssertionID(tenantID: String, clientID: String, jti: String, expiresAt: Date, now: Date) async throws -> Bool {
        try await writer.submit { write in
            try await write.rows(
                "DELETE FROM used_assertions WHERE tenant_id = \(tenantID) AND client_id = \(clientID) AND jti = \(jti) AND expires_at <= \(now.timeIntervalSince1970)"
            )
            return try await write.changed(
                """
                INSERT INTO used_assertions (tenant_id, client_id, jti, expires_at)
                VALUES (\(tenantID), \(clientID), \(jti), \(expiresAt.timeIntervalSince1970)) ON CONFLICT DO NOTHING RETURNING 1
                """
            ) == 1
        }
    }
}
