import AuthEngine
import Foundation
import PostgresNIO

extension PostgresStore {
    public func createDeviceAuthorization(_ d: DeviceAuthorization, audit: [AuditEventDraft]) async throws -> Bool {
        try await writer.submit { write in
            let created = try await write.changed(
                """
                INSERT INTO device_authorizations (id, tenant_id, client_id, device_digest, user_code, scopes, audiences,
                    interval, created_at, expires_at, status)
                VALUES (\(d.id), \(d.tenantID), \(d.clientID), \(d.deviceDigest), \(d.userCode), \(StoredForm.list(d.scopes)),
                    \(StoredForm.list(d.audiences)), \(d.interval), \(d.createdAt.timeIntervalSince1970),
                    \(d.expiresAt.timeIntervalSince1970), \(d.status.rawValue))
                ON CONFLICT DO NOTHING RETURNING 1
                """
            )
            guard created == 1 else { return false }
            write.append(audit)
            return true
        }
    }

    public func deviceAuthorization(id: String) async throws -> DeviceAuthorization? {
        try await rows("SELECT * FROM device_authorizations WHERE id = \(id)").first.map(Self.device)
    }

    public func deviceAuthorization(tenantID: String, userCode: String) async throws -> DeviceAuthorization? {
        try await rows("SELECT * FROM device_authorizations WHERE tenant_id = \(tenantID) AND user_code = \(userCode)").first.map(Self.device)
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
        try await writer.submit { write in
            let decided = try await write.changed(
                """
                UPDATE device_authorizations SET status = \(approved ? "approved" : "denied"), user_id = \(userID),
                    session_id = \(sessionID), auth_time = \(authTime.timeIntervalSince1970)
                WHERE tenant_id = \(tenantID) AND id = \(id) AND status = 'pending' AND expires_at > \(now.timeIntervalSince1970)
                RETURNING 1
                """
            )
            guard decided == 1 else { return false }
            write.append(audit)
            return true
        }
    }

    public func recordDevicePoll(tenantID: String, id: String, at now: Date, slowDownBy: Int) async throws -> Date? {
        try await writer.submit { write in
            // The previous poll's time, read under the row lock the UPDATE takes.
            let previous =
                try await write.rows(
                    "SELECT last_polled_at FROM device_authorizations WHERE tenant_id = \(tenantID) AND id = \(id) FOR UPDATE"
                ).first.map { try $0.decode(Double?.self) } ?? nil
            try await write.rows(
                """
                UPDATE device_authorizations SET last_polled_at = \(now.timeIntervalSince1970), interval = interval + \(slowDownBy)
                WHERE tenant_id = \(tenantID) AND id = \(id)
                """
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
        try await writer.submit { write in
            let consumed = try await write.changed(
                "UPDATE device_authorizations SET status = 'consumed' WHERE tenant_id = \(tenantID) AND id = \(id) AND status = 'approved' RETURNING 1"
            )
            guard consumed == 1 else { return false }
            write.insert(tokens)
            write.append(audit)
            return true
        }
    }

    private static func device(_ row: PostgresRow) throws -> DeviceAuthorization {
        let c = Columns(row)
        return DeviceAuthorization(
            id: try c("id"),
            tenantID: try c("tenant_id"),
            clientID: try c("client_id"),
            deviceDigest: try c.data("device_digest"),
            userCode: try c("user_code"),
            scopes: StoredForm.list(try c("scopes", as: String.self)),
            audiences: StoredForm.list(try c("audiences", as: String.self)),
            interval: try c("interval"),
            createdAt: try c.date("created_at"),
            expiresAt: try c.date("expires_at"),
            lastPolledAt: try c.date("last_polled_at"),
            status: DeviceAuthorization.Status(rawValue: try c("status")) ?? .denied,
            userID: try c("user_id"),
            sessionID: try c("session_id"),
            authTime: try c.date("auth_time")
        )
    }
}
