import AuthEngine
import Foundation
import GRDB

extension SQLiteStore {
    public func createDeviceAuthorization(_ d: DeviceAuthorization, audit: [AuditEventDraft]) async throws -> Bool {
        try await writer.submit { db in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO device_authorizations (id, tenant_id, client_id, device_digest, user_code, scopes, audiences,
                        interval, created_at, expires_at, status)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    d.id, d.tenantID, d.clientID, d.deviceDigest, d.userCode, d.scopes.joined(separator: " "),
                    d.audiences.joined(separator: " "), d.interval, d.createdAt.timeIntervalSince1970,
                    d.expiresAt.timeIntervalSince1970, d.status.rawValue,
                ]
            )
            guard db.changesCount == 1 else { return false }
            try AuditWriter.append(audit, in: db)
            return true
        }
    }

    public func deviceAuthorization(id: String) async throws -> DeviceAuthorization? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM device_authorizations WHERE id = ?", arguments: [id]).map(Self.device(from:))
        }
    }

    public func deviceAuthorization(tenantID: String, userCode: String) async throws -> DeviceAuthorization? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT * FROM device_authorizations WHERE tenant_id = ? AND user_code = ?",
                arguments: [tenantID, userCode]
            ).map(Self.device(from:))
        }
    }

    public func decideDeviceAuthorization(
        tenantID: String,
        id: String,
        approved: Bool,
        userID: String,
        sessionID: String?,
        authTime: Date,
        at now: Date,
        audit: [AuditEventDraft]
    ) async throws -> Bool {
        try await writer.submit { db in
            try db.execute(
                sql: """
                    UPDATE device_authorizations SET status = ?, user_id = ?, session_id = ?, auth_time = ?
                    WHERE tenant_id = ? AND id = ? AND status = 'pending' AND expires_at > ?
                    """,
                arguments: [
                    approved ? "approved" : "denied", userID, sessionID, authTime.timeIntervalSince1970, tenantID, id,
                    now.timeIntervalSince1970,
                ]
            )
            guard db.changesCount == 1 else { return false }
            try AuditWriter.append(audit, in: db)
            return true
        }
    }

    public func recordDevicePoll(tenantID: String, id: String, at now: Date, slowDownBy: Int) async throws -> Date? {
        try await writer.submit { db in
            let previous =
                try Double?.fetchOne(
                    db,
                    sql: "SELECT last_polled_at FROM device_authorizations WHERE tenant_id = ? AND id = ?",
                    arguments: [tenantID, id]
                ) ?? nil
            try db.execute(
                sql: "UPDATE device_authorizations SET last_polled_at = ?, interval = interval + ? WHERE tenant_id = ? AND id = ?",
                arguments: [now.timeIntervalSince1970, slowDownBy, tenantID, id]
            )
            return previous.map(Date.init(timeIntervalSince1970:))
        }
    }

    public func consumeDeviceAuthorization(
        tenantID: String,
        id: String,
        issuing tokens: [TokenRecord],
        audit: [AuditEventDraft]
    ) async throws -> Bool {
        try await writer.submit { db in
            try db.execute(
                sql: "UPDATE device_authorizations SET status = 'consumed' WHERE tenant_id = ? AND id = ? AND status = 'approved'",
                arguments: [tenantID, id]
            )
            guard db.changesCount == 1 else { return false }
            try Self.insert(tokens, in: db)
            try AuditWriter.append(audit, in: db)
            return true
        }
    }

    private static func device(from row: Row) -> DeviceAuthorization {
        let scopes: String = row["scopes"]
        let audiences: String = row["audiences"]
        let polled: Double? = row["last_polled_at"]
        let authTime: Double? = row["auth_time"]
        return DeviceAuthorization(
            id: row["id"],
            tenantID: row["tenant_id"],
            clientID: row["client_id"],
            deviceDigest: row["device_digest"],
            userCode: row["user_code"],
            scopes: scopes.split(separator: " ").map(String.init),
            audiences: audiences.split(separator: " ").map(String.init),
            interval: row["interval"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            expiresAt: Date(timeIntervalSince1970: row["expires_at"]),
            lastPolledAt: polled.map(Date.init(timeIntervalSince1970:)),
            status: DeviceAuthorization.Status(rawValue: row["status"]) ?? .denied,
            userID: row["user_id"],
            sessionID: row["session_id"],
            authTime: authTime.map(Date.init(timeIntervalSince1970:))
        )
    }
}
