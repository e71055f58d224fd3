import AuthEngine
import Foundation
import GRDB
import JOSE

extension SQLiteStore: TokenStore {
    public func record(tokens: [TokenRecord], audit: [AuditEventDraft]) async throws {
        try await writer.submit { db in
            try Self.insert(tokens, in: db)
            try AuditWriter.append(audit, in: db)
        }
    }

    static func insert(_ tokens: [TokenRecord], in db: Database) throws {
        let insert = try db.cachedStatement(sql: TokenRow.insertSQL)
        for t in tokens {
            try insert.execute(arguments: TokenRow.arguments(t))
        }
    }

    public func token(id: String) async throws -> TokenRecord? {
        // A primary-key lookup takes microseconds: read synchronously on the caller's thread rather than
        // paying for a hop to a reader queue and back (which costs more than the lookup; measured).
        try readOneStatement { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT \(TokenRow.columns) FROM tokens WHERE id = ?"), arguments: [id]).map(
                TokenRow.record(from:)
            )
        }
    }

    public func redeem(
        tokenID: String,
        tenantID: String,
        at now: Date,
        reason: String,
        issuing tokens: [TokenRecord],
        audit: [AuditEventDraft]
    ) async throws -> Bool {
        try await writer.submit { db in
            // The check and the mark are one statement: of two concurrent redemptions (or processes) one wins.
            try db.execute(
                sql: """
                    UPDATE tokens SET revoked_at = ?, revocation_reason = ?
                    WHERE id = ? AND tenant_id = ? AND revoked_at IS NULL AND expires_at > ?
                    """,
                arguments: [now.timeIntervalSince1970, reason, tokenID, tenantID, Int64(now.timeIntervalSince1970)]
            )
            guard db.changesCount == 1 else { return false }
            try Self.insert(tokens, in: db)
            try AuditWriter.append(audit, in: db)
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
        try await writer.submit { db in
            let summary = try TokenRow.summary(db, selector, now: now)
            let (clause, args) = TokenRow.activeClause(selector, now: now)
            if !signals.isEmpty {
                let ids =
                    signals.perToken == nil
                    ? [] : try String.fetchAll(db, sql: "SELECT id FROM tokens WHERE \(clause) AND kind = 'access'", arguments: args)
                try SQLiteStore.enqueue(signals.drafts(revokedAccessTokenIDs: ids), expiresAt: signals.expiresAt, in: db)
            }
            var arguments: StatementArguments = [now.timeIntervalSince1970, reason]
            arguments += args
            try db.execute(sql: "UPDATE tokens SET revoked_at = ?, revocation_reason = ? WHERE \(clause)", arguments: arguments)
            let event = audit.completed(with: summary)
            try AuditWriter.append([event], in: db)
            return summary
        }
    }

    public func previewRevocation(_ selector: RevocationSelector, at now: Date) async throws -> RevocationSummary {
        try await pool.read { db in try TokenRow.summary(db, selector, now: now) }
    }

    public func tokens(matching q: TokenQuery, at now: Date) async throws -> [TokenRecord] {
        var clauses = ["tenant_id = ?"]
        var args: [(any DatabaseValueConvertible)?] = [q.tenantID]
        if let c = q.clientID {
            clauses.append("client_id = ?")
            args.append(c)
        }
        if let s = q.subject {
            clauses.append("subject = ?")
            args.append(s)
        }
        if let k = q.kind {
            clauses.append("kind = ?")
            args.append(k.rawValue)
        }
        if let family = q.familyID {
            clauses.append("family_id = ?")
            args.append(family)
        }
        if let since = q.issuedSince {
            clauses.append("issued_at >= ?")
            args.append(Int64(since.timeIntervalSince1970.rounded(.up)))
        }
        if let until = q.issuedUntil {
            clauses.append("issued_at < ?")
            args.append(Int64(until.timeIntervalSince1970.rounded(.up)))
        }
        let expiry = Self.expiryClause(q.status)
        if let expiry {
            clauses.append("revoked_at IS NULL AND " + expiry)
            args.append(Int64(now.timeIntervalSince1970))
        } else if q.status == .revoked {
            clauses.append("revoked_at IS NOT NULL")
        }
        if let expiry, q.clientID == nil, q.subject == nil, q.familyID == nil {
            return try await tokensByExpiry(q, expiry: expiry, now: now, rowClauses: clauses, rowArguments: args)
        }
        if let before = q.before {
            clauses.append("id < ?")
            args.append(before)
        }
        let sql = "SELECT \(TokenRow.columns) FROM tokens WHERE \(clauses.joined(separator: " AND ")) ORDER BY id DESC LIMIT \(q.limit)"
        let arguments = StatementArguments(args)
        return try await pool.read { db in try Row.fetchAll(db, sql: sql, arguments: arguments).map(TokenRow.record(from:)) }
    }

    static func expiryClause(_ status: TokenRecord.Status?) -> String? {
        switch status {
        case .active?: return "expires_at > ?"
        case .expired?: return "expires_at <= ?"
        default: return nil
        }
    }

    /// `status:active` / `status:expired` without a client, subject or family (whose own indexes serve
    /// them): the newest ids are picked from `tokens_by_tenant` alone, which holds `expires_at`, and
    /// only their rows are read. Filtering the rows instead reads every token passed over: on a busy
    /// tenant the newest expired token sits behind hundreds of thousands of active ones. Rows the
    /// other conditions (revoked, kind, time) drop are made up from the next ids, in one read.
    private func tokensByExpiry(
        _ q: TokenQuery,
        expiry: String,
        now: Date,
        rowClauses: [String],
        rowArguments: [(any DatabaseValueConvertible)?]
    ) async throws -> [TokenRecord] {
        let batch = max(100, q.limit * 2)
        let firstIDs = "SELECT id FROM tokens INDEXED BY tokens_by_tenant WHERE tenant_id = ? AND \(expiry) ORDER BY id DESC LIMIT \(batch)"
        let nextIDs = "SELECT id FROM tokens INDEXED BY tokens_by_tenant WHERE tenant_id = ? AND \(expiry) AND id < ? ORDER BY id DESC LIMIT \(batch)"
        let rowArguments = StatementArguments(rowArguments)
        let limit = q.limit
        let rowSQL =
            "SELECT \(TokenRow.columns) FROM tokens WHERE \(rowClauses.joined(separator: " AND ")) AND id IN (SELECT value FROM json_each(?)) ORDER BY id DESC"
        let tenantID = q.tenantID
        let expiresBound = Int64(now.timeIntervalSince1970)
        let start = q.before
        return try await pool.read { db in
            var out: [TokenRecord] = []
            var before = start
            while out.count < limit {
                let ids =
                    try before.map { try String.fetchAll(db, sql: nextIDs, arguments: [tenantID, expiresBound, $0]) }
                    ?? String.fetchAll(db, sql: firstIDs, arguments: [tenantID, expiresBound])
                guard let last = ids.last else { break }
                let list = String(decoding: try JSONEncoder().encode(ids), as: UTF8.self)
                let rows = try Row.fetchAll(db, sql: rowSQL, arguments: rowArguments + [list])
                out += rows.prefix(limit - out.count).map(TokenRow.record(from:))
                if ids.count < batch { break }
                before = last
            }
            return out
        }
    }

    public func outstandingByKey(tenantID: String, at now: Date) async throws -> [String: (count: Int, until: Date)] {
        try await pool.read { db in
            var result: [String: (count: Int, until: Date)] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT kid, COUNT(*) AS n, MAX(expires_at) AS until FROM tokens
                    WHERE tenant_id = ? AND kid IS NOT NULL AND revoked_at IS NULL AND expires_at > ? GROUP BY kid
                    """,
                arguments: [tenantID, Int64(now.timeIntervalSince1970)]
            )
            for row in rows {
                let until: Int64 = row["until"]
                result[row["kid"]] = (row["n"], Date(timeIntervalSince1970: TimeInterval(until)))
            }
            return result
        }
    }

    public func consumeAssertionID(tenantID: String, clientID: String, jti: String, expiresAt: Date, now: Date) async throws -> Bool {
        try await writer.submit { db in
            try db.execute(
                sql: "DELETE FROM used_assertions WHERE tenant_id = ? AND client_id = ? AND jti = ? AND expires_at <= ?",
                arguments: [tenantID, clientID, jti, now.timeIntervalSince1970]
            )
            try db.execute(
                sql: "INSERT OR IGNORE INTO used_assertions (tenant_id, client_id, jti, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [tenantID, clientID, jti, expiresAt.timeIntervalSince1970]
            )
            return db.changesCount == 1
        }
    }
}
