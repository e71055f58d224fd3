import AuthEngine
import Foundation
import PostgresNIO

/// Mapping between `TokenRecord` and the `tokens` table (the same columns and stored forms as SQLite's).
enum TokenColumns {
    static let names =
        "id, tenant_id, kind, format, client_id, subject, scopes, audiences, issued_at, expires_at, digest, kid, grant_type, family_id, revoked_at, revocation_reason, claims"

    /// The INSERTs of `tokens`: one statement (several, past PostgreSQL's 65,535 bound values).
    static func inserts(_ tokens: [TokenRecord]) -> [SQL] {
        stride(from: 0, to: tokens.count, by: 3000).map { chunk in
            var sql = SQL("INSERT INTO tokens (\(names)) VALUES ")
            var values: [String] = []
            for t in tokens[chunk..<min(chunk + 3000, tokens.count)] {
                values.append(
                    sql.row([
                        t.id, t.tenantID, t.kind.rawValue, t.format.rawValue, t.clientID, t.subject, StoredForm.list(t.scopes),
                        StoredForm.list(t.audiences), StoredForm.seconds(t.issuedAt), StoredForm.seconds(t.expiresAt),
                        Bytes(data: Array(t.digest)), t.keyID, t.grantType.rawValue, t.familyID, t.revokedAt?.timeIntervalSince1970,
                        t.revocationReason, StoredForm.claims(t.claims),
                    ])
                )
            }
            sql.text += values.joined(separator: ", ")
            return sql
        }
    }

    static func record(_ row: PostgresRow) throws -> TokenRecord {
        let c = Columns(row)
        return TokenRecord(
            id: try c("id"),
            tenantID: try c("tenant_id"),
            kind: TokenKind(rawValue: try c("kind")) ?? .access,
            format: TokenFormat(rawValue: try c("format")) ?? .opaque,
            clientID: try c("client_id"),
            subject: try c("subject"),
            scopes: StoredForm.list(try c("scopes", as: String.self)),
            audiences: StoredForm.list(try c("audiences", as: String.self)),
            issuedAt: StoredForm.date(seconds: try c("issued_at")),
            expiresAt: StoredForm.date(seconds: try c("expires_at")),
            digest: try c.data("digest"),
            keyID: try c("kid"),
            grantType: GrantType(rawValue: try c("grant_type")),
            familyID: try c("family_id"),
            revokedAt: try c.date("revoked_at"),
            revocationReason: try c("revocation_reason"),
            claims: StoredForm.claims(try c("claims", as: String?.self))
        )
    }

    /// The condition for the still-active tokens a selector names.
    static func active(_ selector: RevocationSelector, now: Date, in sql: inout SQL) -> String {
        let active = "revoked_at IS NULL AND expires_at > \(sql.bind(StoredForm.seconds(now)))"
        switch selector {
        case .token(let tenant, let id): return "id = \(sql.bind(id)) AND tenant_id = \(sql.bind(tenant)) AND \(active)"
        case .subject(let tenant, let s): return "tenant_id = \(sql.bind(tenant)) AND subject = \(sql.bind(s)) AND \(active)"
        case .client(let tenant, let c): return "tenant_id = \(sql.bind(tenant)) AND client_id = \(sql.bind(c)) AND \(active)"
        case .tenant(let tenant): return "tenant_id = \(sql.bind(tenant)) AND \(active)"
        case .family(let tenant, let f): return "family_id = \(sql.bind(f)) AND tenant_id = \(sql.bind(tenant)) AND \(active)"
        case .grant(let tenant, let s, let c):
            return "tenant_id = \(sql.bind(tenant)) AND subject = \(sql.bind(s)) AND client_id = \(sql.bind(c)) AND \(active)"
        case .session(let tenant, let s, let sid, let clients):
            // Narrowed by the subject index first; the session id lives in the token's internal claims.
            let list = clients.isEmpty ? "NULL" : clients.map { sql.bind($0) }.joined(separator: ", ")
            return
                "tenant_id = \(sql.bind(tenant)) AND subject = \(sql.bind(s)) AND (claims::jsonb -> '\(TokenRecord.internalKey)' ->> 'sid') = \(sql.bind(sid)) "
                + "AND client_id IN (\(list)) AND \(active)"
        }
    }

    /// What revoking `selector` touches: counts by format, the JWTs' last expiry, some clients and subjects.
    static func summary(_ selector: RevocationSelector, now: Date, rows: (SQL) async throws -> [PostgresRow]) async throws -> RevocationSummary {
        var s = RevocationSummary()
        var counts = SQL()
        counts.text =
            "SELECT format, COUNT(*) AS n, MAX(expires_at) AS until FROM tokens WHERE \(active(selector, now: now, in: &counts)) GROUP BY format"
        for row in try await rows(counts) {
            let c = Columns(row)
            let n = try c("n", as: Int.self)
            s.revoked += n
            if try c("format", as: String.self) == TokenFormat.jwt.rawValue {
                s.jwtCount = n
                s.jwtUsableUntil = StoredForm.date(seconds: try c("until"))
            } else {
                s.opaqueCount += n
            }
        }
        for (column, keyPath) in [("client_id", \RevocationSummary.clients), ("subject", \RevocationSummary.subjects)] {
            var sql = SQL()
            sql.text = "SELECT DISTINCT \(column) COLLATE \"C\" FROM tokens WHERE \(active(selector, now: now, in: &sql)) ORDER BY 1 LIMIT 100"
            s[keyPath: keyPath] = try await rows(sql).map { try $0.decode(String.self) }
        }
        return s
    }
}
