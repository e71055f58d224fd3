import AuthEngine
import Foundation
import PostgresNIO

extension PostgresStore: PushedRequestStore {
    public func putPushedRequest(_ request: PushedAuthorizationRequest, audit: [AuditEventDraft]) async throws {
        try await writer.submit { write in
            try await write.rows(
                "DELETE FROM pushed_requests WHERE tenant_id = \(request.tenantID) AND expires_at < \(request.createdAt.timeIntervalSince1970)"
            )
            try await write.rows(
                """
                INSERT INTO pushed_requests (tenant_id, id, client_id, parameters, created_at, expires_at)
                VALUES (\(request.tenantID), \(request.id), \(request.clientID), \(request.encodedParameters),
                    \(request.createdAt.timeIntervalSince1970), \(request.expiresAt.timeIntervalSince1970))
                """
            )
            write.append(audit)
        }
    }

    public func pushedRequest(tenantID: String, id: String) async throws -> PushedAuthorizationRequest? {
        guard let row = try await rows("SELECT * FROM pushed_requests WHERE tenant_id = \(tenantID) AND id = \(id)").first else { return nil }
        let c = Columns(row)
        guard let parameters = PushedAuthorizationRequest.parameters(decoding: try c("parameters")) else {
            throw PostgresStoreError("pushed_requests row of tenant \(tenantID): its parameters are not form-encoded")
        }
        return PushedAuthorizationRequest(
            id: try c("id"),
            tenantID: try c("tenant_id"),
            clientID: try c("client_id"),
            parameters: parameters,
            createdAt: try c.date("created_at"),
            expiresAt: try c.date("expires_at"),
            usedAt: try c.date("used_at")
        )
    }

    public func usePushedRequest(tenantID: String, id: String, at now: Date) async throws -> Bool {
        try await writer.submit { write in
            let t = now.timeIntervalSince1970
            return try await write.changed(
                """
                UPDATE pushed_requests SET used_at = \(t)
                WHERE tenant_id = \(tenantID) AND id = \(id) AND used_at IS NULL AND expires_at > \(t) RETURNING 1
                """
            ) == 1
        }
    }
}
