import AuthEngine
import Foundation
import GRDB

extension SQLiteStore: PushedRequestStore {
    public func putPushedRequest(_ request: PushedAuthorizationRequest, audit: [AuditEventDraft]) async throws {
        try await writer.submit { db in
            try db.execute(
                sql: "DELETE FROM pushed_requests WHERE tenant_id = ? AND expires_at < ?",
                arguments: [request.tenantID, request.createdAt.timeIntervalSince1970]
            )
            try db.execute(
                sql: """
                    INSERT INTO pushed_requests (tenant_id, id, client_id, parameters, created_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    request.tenantID, request.id, request.clientID, request.encodedParameters,
                    request.createdAt.timeIntervalSince1970, request.expiresAt.timeIntervalSince1970,
                ]
            )
            try AuditWriter.append(audit, in: db)
        }
    }

    public func pushedRequest(tenantID: String, id: String) async throws -> PushedAuthorizationRequest? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM pushed_requests WHERE tenant_id = ? AND id = ?", arguments: [tenantID, id])
            else { return nil }
            guard let parameters = PushedAuthorizationRequest.parameters(decoding: row["parameters"]) else {
                throw StoreError("pushed_requests row of tenant \(tenantID): its parameters are not form-encoded")
            }
            return PushedAuthorizationRequest(
                id: row["id"],
                tenantID: row["tenant_id"],
                clientID: row["client_id"],
                parameters: parameters,
                createdAt: Date(timeIntervalSince1970: row["created_at"]),
                expiresAt: Date(timeIntervalSince1970: row["expires_at"]),
                usedAt: (row["used_at"] as Double?).map(Date.init(timeIntervalSince1970:))
            )
        }
    }

    public func usePushedRequest(tenantID: String, id: String, at now: Date) async throws -> Bool {
        try await writer.submit { db in
            try db.execute(
                sql: "UPDATE pushed_requests SET used_at = ? WHERE tenant_id = ? AND id = ? AND used_at IS NULL AND expires_at > ?",
                arguments: [now.timeIntervalSince1970, tenantID, id, now.timeIntervalSince1970]
            )
            return db.changesCount == 1
        }
    }
}
