import Foundation

extension ClaimdeckEngine {
    /// Applies definitions (scopes, claims, APIs, users) in one transaction, audited as one event.
    public func applyConfiguration(_ mutations: [ConfigMutation], actor: String, summary: String) async throws(AdminError) {
        guard !mutations.isEmpty else { return }
        let tenants = Set(mutations.compactMap(\.tenantID))
        try await applyConfig(mutations, audit: tenants.sorted().map {
            AuditEventDraft(time: clock.now(), type: .configLoaded, tenantID: $0, actor: actor, details: ["summary": summary])
        })
    }
}

extension ConfigMutation {
    /// The tenant a mutation changes.
    public var tenantID: String? {
        switch self {
        case .putTenant(let t): return t.id
        case .deleteTenant(let id): return id
        case .putClient(let c): return c.tenantID
        case .deleteClient(let t, _), .deleteScope(let t, _), .deleteAPI(let t, _), .deleteRegistrationToken(let t, _),
             .consumeRegistrationToken(let t, _, _): return t
        case .putKey(let k): return k.tenantID
        case .putScope(let s): return s.tenantID
        case .putAPI(let a): return a.tenantID
        case .putClaim(let c): return c.tenantID
        case .putUser(let u): return u.tenantID
        case .deleteUser(let t, _): return t
        case .putRegistrationToken(let r): return r.tenantID
        }
    }
}
