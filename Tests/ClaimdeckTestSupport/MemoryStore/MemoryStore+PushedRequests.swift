import AuthEngine
import Foundation

extension MemoryStore: PushedRequestStore {
    public func putPushedRequest(_ request: PushedAuthorizationRequest, audit: [AuditEventDraft]) async throws {
        try transaction(audit: audit) { state in
            try state.requireTenant(request.tenantID, table: "pushed_requests")
            let key = MemoryStoreState.PushedKey(tenantID: request.tenantID, id: request.id)
            guard state.pushedRequests[key] == nil else {
                throw MemoryStoreError("pushed_requests: the primary key (tenant_id, id) is already taken")
            }
            state.pushedRequests = state.pushedRequests.filter { !($0.key.tenantID == request.tenantID && $0.value.expiresAt < request.createdAt) }
            var stored = request
            stored.usedAt = nil
            state.pushedRequests[key] = stored
        }
    }

    public func pushedRequest(tenantID: String, id: String) async throws -> PushedAuthorizationRequest? {
        locked { $0.pushedRequests[MemoryStoreState.PushedKey(tenantID: tenantID, id: id)] }
    }

    public func usePushedRequest(tenantID: String, id: String, at now: Date) async throws -> Bool {
        locked { state in
            let key = MemoryStoreState.PushedKey(tenantID: tenantID, id: id)
            guard var r = state.pushedRequests[key], r.usedAt == nil, r.expiresAt > now else { return false }
            r.usedAt = now
            state.pushedRequests[key] = r
            return true
        }
    }
}
