import AuthEngine
import Foundation
import GRDB
import JOSE

/// Mapping between `TokenRecord` and the `tokens` table.
enum TokenRow {
    static func arguments(_ t: TokenRecord) -> StatementArguments {
        [
            t.id, t.tenantID, t.kind.rawValue, t.format.rawValue, t.clientID, t.subject, StoredForm.list(t.scopes),
            StoredForm.list(t.audiences), StoredForm.seconds(t.issuedAt), StoredForm.seconds(t.expiresAt),
            t.digest, t.keyID, t.grantType.rawValue, t.familyID, t.revokedAt?.timeIntervalSince1970, t.revocationReason,
            StoredForm.claims(t.claims),
        ]
    }

    /// The columns `arguments` binds and `record(from:)` reads, in that order: reads select them by
    /// name (never `*`) and decode by position, which skips GRDB's column-name lookup per value
    /// (6 % of an introspection's CPU, measured with bench/budget.py).
    static let columns =
        "id, tenant_id, kind, format, client_id, subject, scopes, audiences, issued_at, expires_at, digest, kid, grant_type, family_id, revoked_at, revocation_reason, claims"

    /// `INSERT INTO tokens (columns) VALUES (?, …)`.
    static let insertSQL = "INSERT INTO tokens (\(columns)) VALUES (\(Array(repeating: "?", count: 17).joined(separator: ", ")))"

    /// A row selected with `columns`.
    static func record(from row: Row) -> TokenRecord {
        let revoked: Double? = row[14]
        return TokenRecord(
            id: row[0],
            tenantID: row[1],
            kind: TokenKind(rawValue: row[2]) ?? .access,
            format: TokenFormat(rawValue: row[3]) ?? .opaque,
            clientID: row[4],
            subject: row[5],
            scopes: StoredForm.list(row[6] as String),
            audiences: StoredForm.list(row[7] as String),
            issuedAt: StoredForm.date(seconds: row[8]),
            expiresAt: StoredForm.date(seconds: row[9]),
            digest: row[10],
            keyID: row[11],
            grantType: GrantType(rawValue: row[12]),
            familyID: row[13],
            revokedAt: revoked.map(Date.init(timeIntervalSince1970:)),
            revocationReason: row[15],
            claims: StoredForm.claims(row[16] as String?)
        )
    }

    /// The SQL condition for the still-active tokens a selector names.
    static func activeClause(_ selector: RevocationSelector, now: Date) -> (String, StatementArguments) {
        let active = "revoked_at IS NULL AND expires_at > ?"
        let t = Int64(now.timeIntervalSince1970)
        switch selector {
        case .token(let tenant, let id): return ("id = ? AND tenant_id = ? AND \(active)", [id, tenant, t])
        case .subject(let tenant, let s): return ("tenant_id = ? AND subject = ? AND \(active)", [tenant, s, t])
        case .client(let tenant, let c): return ("tenant_id = ? AND client_id = ? AND \(active)", [tenant, c, t])
        case .tenant(let tenant): return ("tenant_id = ? AND \(active)", [tenant, t])
        case .family(let tenant, let f): return ("family_id = ? AND tenant_id = ? AND \(active)", [f, tenant, t])
        case .grant(let tenant, let s, let c):
            return ("tenant_id = ? AND subject = ? AND client_id = ? AND \(active)", [tenant, s, c, t])
        case .session(let tenant, let s, let sid, let clients):
            // Narrowed by the subject index first; the session id lives in the token's internal claims.
            let placeholders = clients.isEmpty ? "NULL" : clients.map { _ in "?" }.joined(separator: ", ")
            var args: StatementArguments = [tenant, s, sid]
            args += StatementArguments(clients)
            args += [t]
            return (
                "tenant_id = ? AND subject = ? AND json_extract(claims, '$.\(TokenRecord.internalKey).sid') = ? AND client_id IN (\(placeholders)) AND \(active)",
                args
            )
        }
    }

    static func summary(_ db: Database, _ selector: RevocationSelector, now: Date) throws -> RevocationSummary {
        let (clause, args) = activeClause(selector, now: now)
        var s = RevocationSummary()
        for row in try Row.fetchAll(
            db,
            sql: "SELECT format, COUNT(*) AS n, MAX(expires_at) AS until FROM tokens WHERE \(clause) GROUP BY format",
            arguments: args
        ) {
            let n: Int = row["n"]
            s.revoked += n
            if row["format"] == TokenFormat.jwt.rawValue {
                s.jwtCount = n
                let until: Int64 = row["until"]
                s.jwtUsableUntil = Date(timeIntervalSince1970: TimeInterval(until))
            } else {
                s.opaqueCount += n
            }
        }
        s.clients = try String.fetchAll(db, sql: "SELECT DISTINCT client_id FROM tokens WHERE \(clause) LIMIT 100", arguments: args)
        s.subjects = try String.fetchAll(db, sql: "SELECT DISTINCT subject FROM tokens WHERE \(clause) LIMIT 100", arguments: args)
        return s
    }
}
