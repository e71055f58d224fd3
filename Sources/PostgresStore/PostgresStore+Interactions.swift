import AuthEngine
import Foundation
import PostgresNIO

extension PostgresStore: InteractionStore {
    public func createSession(_ s: LoginSession, audit: [AuditEventDraft]) async throws {
        try await writer.submit { write in
            try await write.rows(
                """
                INSERT INTO sessions (id, tenant_id, user_id, digest, auth_time, amr, created_at, expires_at, ended_at)
                VALUES (\(s.id), \(s.tenantID), \(s.userID), \(s.digest), \(s.authTime.timeIntervalSince1970), \(StoredForm.list(s.amr)),
                    \(s.createdAt.timeIntervalSince1970), \(s.expiresAt.timeIntervalSince1970), \(s.endedAt?.timeIntervalSince1970))
                """
            )
            write.append(audit)
        }
    }

    public func session(id: String) async throws -> LoginSession? {
        try await rows("SELECT * FROM sessions WHERE id = \(id)").first.map { row in
            let c = Columns(row)
            return LoginSession(
                id: try c("id"),
                tenantID: try c("tenant_id"),
                userID: try c("user_id"),
                digest: try c.data("digest"),
                authTime: try c.date("auth_time"),
                amr: StoredForm.list(try c("amr", as: String.self)),
                createdAt: try c.date("created_at"),
                expiresAt: try c.date("expires_at"),
                endedAt: try c.date("ended_at")
            )
        }
    }

    public func endSession(tenantID: String, id: String, at now: Date, audit: [AuditEventDraft]) async throws -> Bool {
        try await writer.submit { write in
            let t = now.timeIntervalSince1970
            let ended = try await write.changed(
                "UPDATE sessions SET ended_at = \(t) WHERE id = \(id) AND tenant_id = \(tenantID) AND ended_at IS NULL AND expires_at > \(t) RETURNING 1"
            )
            guard ended == 1 else { return false }
            write.append(audit)
            return true
        }
    }

    public func endSessions(tenantID: String, userID: String, at now: Date) async throws -> Int {
        try await writer.submit { write in
            try await write.changed(
                "UPDATE sessions SET ended_at = \(now.timeIntervalSince1970) WHERE tenant_id = \(tenantID) AND user_id = \(userID) AND ended_at IS NULL RETURNING 1"
            )
        }
    }

    public func consent(tenantID: String, userID: String, clientID: String) async throws -> Consent? {
        try await rows("SELECT * FROM consents WHERE tenant_id = \(tenantID) AND user_id = \(userID) AND client_id = \(clientID)")
            .first.map(Self.consent)
    }

    public func consents(tenantID: String, userID: String) async throws -> [Consent] {
        try await rows("SELECT * FROM consents WHERE tenant_id = \(tenantID) AND user_id = \(userID) ORDER BY client_id COLLATE \"C\"")
            .map(Self.consent)
    }

    public func putConsent(_ c: Consent, audit: [AuditEventDraft]) async throws {
        try await writer.submit { write in
            try await write.rows(
                """
                INSERT INTO consents (tenant_id, user_id, client_id, scopes, granted_at)
                VALUES (\(c.tenantID), \(c.userID), \(c.clientID), \(StoredForm.list(c.scopes)), \(c.grantedAt.timeIntervalSince1970))
                ON CONFLICT (tenant_id, user_id, client_id) DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at
                """
            )
            write.append(audit)
        }
    }

    public func deleteConsent(tenantID: String, userID: String, clientID: String, audit: [AuditEventDraft]) async throws -> Bool {
        try await writer.submit { write in
            let deleted = try await write.changed(
                "DELETE FROM consents WHERE tenant_id = \(tenantID) AND user_id = \(userID) AND client_id = \(clientID) RETURNING 1"
            )
            guard deleted == 1 else { return false }
            write.append(audit)
            return true
        }
    }

    private static func consent(_ row: PostgresRow) throws -> Consent {
        let c = Columns(row)
        return Consent(
            tenantID: try c("tenant_id"),
            userID: try c("user_id"),
            clientID: try c("client_id"),
            scopes: StoredForm.list(try c("scopes", as: String.self)),
            grantedAt: try c.date("granted_at")
        )
    }
}
