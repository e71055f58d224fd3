import AuthEngine
import Foundation
import GRDB

extension SQLiteStore: InteractionStore {
    public func createSession(_ s: LoginSession, audit: [AuditEventDraft]) async throws {
        try await writer.submit { db in
            try db.execute(
                sql: """
                    INSERT INTO sessions (id, tenant_id, user_id, digest, auth_time, amr, created_at, expires_at, ended_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    s.id, s.tenantID, s.userID, s.digest, s.authTime.timeIntervalSince1970, s.amr.joined(separator: " "),
                    s.createdAt.timeIntervalSince1970, s.expiresAt.timeIntervalSince1970, s.endedAt?.timeIntervalSince1970,
                ]
            )
            try AuditWriter.append(audit, in: db)
        }
    }

    public func session(id: String) async throws -> LoginSession? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM sessions WHERE id = ?", arguments: [id]).map { row in
                let amr: String = row["amr"]
                let ended: Double? = row["ended_at"]
                return LoginSession(
                    id: row["id"],
                    tenantID: row["tenant_id"],
                    userID: row["user_id"],
                    digest: row["digest"],
                    authTime: Date(timeIntervalSince1970: row["auth_time"]),
                    amr: amr.split(separator: " ").map(String.init),
                    createdAt: Date(timeIntervalSince1970: row["created_at"]),
                    expiresAt: Date(timeIntervalSince1970: row["expires_at"]),
                    endedAt: ended.map(Date.init(timeIntervalSince1970:))
                )
            }
        }
    }

    public func endSession(tenantID: String, id: String, at now: Date, audit: [AuditEventDraft]) async throws -> Bool {
        try await writer.submit { db in
            try db.execute(
                sql: "UPDATE sessions SET ended_at = ? WHERE id = ? AND tenant_id = ? AND ended_at IS NULL AND expires_at > ?",
                arguments: [now.timeIntervalSince1970, id, tenantID, now.timeIntervalSince1970]
            )
            guard db.changesCount == 1 else { return false }
            try AuditWriter.append(audit, in: db)
            return true
        }
    }

    public func endSessions(tenantID: String, userID: String, at now: Date) async throws -> Int {
        try await writer.submit { db in
            try db.execute(
                sql: "UPDATE sessions SET ended_at = ? WHERE tenant_id = ? AND user_id = ? AND ended_at IS NULL",
                arguments: [now.timeIntervalSince1970, tenantID, userID]
            )
            return db.changesCount
        }
    }

    public func consent(tenantID: String, userID: String, clientID: String) async throws -> Consent? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT * FROM consents WHERE tenant_id = ? AND user_id = ? AND client_id = ?",
                arguments: [tenantID, userID, clientID]
            ).map(Self.consent(from:))
        }
    }

    public func consents(tenantID: String, userID: String) async throws -> [Consent] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM consents WHERE tenant_id = ? AND user_id = ? ORDER BY client_id",
                arguments: [tenantID, userID]
            ).map(Self.consent(from:))
        }
    }

    public func putConsent(_ c: Consent, audit: [AuditEventDraft]) async throws {
        try await writer.submit { db in
            try db.execute(
                sql: """
                    INSERT INTO consents (tenant_id, user_id, client_id, scopes, granted_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(tenant_id, user_id, client_id) DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at
                    """,
                arguments: [c.tenantID, c.userID, c.clientID, c.scopes.joined(separator: " "), c.grantedAt.timeIntervalSince1970]
            )
            try AuditWriter.append(audit, in: db)
        }
    }

    public func deleteConsent(tenantID: String, userID: String, clientID: String, audit: [AuditEventDraft]) async throws -> Bool {
        try await writer.submit { db in
            try db.execute(
                sql: "DELETE FROM consents WHERE tenant_id = ? AND user_id = ? AND client_id = ?",
                arguments: [tenantID, userID, clientID]
            )
            guard db.changesCount == 1 else { return false }
            try AuditWriter.append(audit, in: db)
            return true
        }
    }

    private static func consent(from row: Row) -> Consent {
        let scopes: String = row["scopes"]
        return Consent(
            tenantID: row["tenant_id"],
            userID: row["user_id"],
            clientID: row["client_id"],
            scopes: scopes.split(separator: " ").map(String.init),
            grantedAt: Date(timeIntervalSince1970: row["granted_at"])
        )
    }
}
