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

    static func record(from row: Row) -> TokenRecord {
        let revoked: Double? = row["revoked_at"]
        return TokenRecord(
            id: row["id"],
            tenantID: row["tenant_id"],
            kind: TokenKind(rawValue: row["kind"]) ?? .access,
            format: TokenFormat(rawValue: row["format"]) ?? .opaque,
            clientID: row["client_id"],
            subject: row["subject"],
            scopes: StoredForm.list(row["scopes"] as String),
            audiences: StoredForm.list(row["audiences"] as String),
            issuedAt: StoredForm.date(seconds: row["issued_at"]),
            expiresAt: StoredForm.date(seconds: row["expires_at"]),
            digest: row["digest"],
            keyID: row["kid"],
            grantType: GrantType(rawValue: row["grant_type"]),
            familyID: row["family_id"],
            revokedAt: revoked.map(Date.init(timeIntervalSince1970:)),
            revocationReason: row["revocation_reason"],
            claims: StoredForm.claims(row["claims"] as String?)
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
