import AuthEngine
import Foundation
import GRDB
import JOSE

/// Mapping between `TokenRecord` and the `tokens` table.
enum TokenRow {
    static func arguments(_ t: TokenRecord) -> StatementArguments {
        [
            t.id, t.tenantID, t.kind.rawValue, t.format.rawValue, t.clientID, t.subject, t.scopes.joined(separator: " "),
            audiencesText(t.audiences), Int64(t.issuedAt.timeIntervalSince1970), Int64(t.expiresAt.timeIntervalSince1970),
            t.digest, t.keyID, t.grantType.rawValue, t.familyID, t.revokedAt?.timeIntervalSince1970, t.revocationReason,
            t.claims.isEmpty ? nil : String(decoding: JSONValue.object(t.claims).serialized(), as: UTF8.self),
        ]
    }

    /// Audiences never contain spaces (validated on registration), so a space-joined list is unambiguous.
    static func audiencesText(_ a: [String]) -> String { a.joined(separator: " ") }

    static func record(from row: Row) -> TokenRecord {
        let scopes: String = row["scopes"]
        let audiences: String = row["audiences"]
        let issued: Int64 = row["issued_at"]
        let expires: Int64 = row["expires_at"]
        let revoked: Double? = row["revoked_at"]
        var claims: [String: JSONValue] = [:]
        if let text: String = row["claims"], case .object(let o)? = try? JSONValue(parsing: Data(text.utf8)) { claims = o }
        return TokenRecord(
            id: row["id"],
            tenantID: row["tenant_id"],
            kind: TokenKind(rawValue: row["kind"]) ?? .access,
            format: TokenFormat(rawValue: row["format"]) ?? .opaque,
            clientID: row["client_id"],
            subject: row["subject"],
            scopes: scopes.split(separator: " ").map(String.init),
            audiences: audiences.split(separator: " ").map(String.init),
            issuedAt: Date(timeIntervalSince1970: TimeInterval(issued)),
            expiresAt: Date(timeIntervalSince1970: TimeInterval(expires)),
            digest: row["digest"],
            keyID: row["kid"],
            grantType: GrantType(rawValue: row["grant_type"]),
            familyID: row["family_id"],
            revokedAt: revoked.map(Date.init(timeIntervalSince1970:)),
            revocationReason: row["revocation_reason"],
            claims: claims
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
