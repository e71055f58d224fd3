import Foundation
import JOSE

/// A tenant with the counts an admin sees in a list.
public struct TenantSummary: Sendable, Hashable {
    public var tenant: Tenant
    public var issuer: String
    public var clients: Int
    public var keys: Int
    public var scopes: Int
    public var apis: Int
}

extension ClaimdeckEngine {
    /// Creates a tenant with an active signing key and a next one already published.
    @discardableResult
    public func createTenant(
        id: String,
        displayName: String? = nil,
        algorithm: SigningAlgorithm = .es256,
        actor: String
    ) async throws(AdminError) -> Tenant {
        try Tenant.validateID(id)
        if let displayName { try Validation.name(displayName, field: "display name") }
        let snapshot = config.snapshot
        if snapshot.tenants[id] != nil { throw .conflict("tenant '\(id)' already exists") }
        let now = clock.now()
        let tenant = Tenant(id: id, displayName: displayName ?? id, createdAt: now, defaultAlgorithm: algorithm)
        let keys = try generateKeyPairForRotation(tenantID: id, algorithm: algorithm, now: now)
        try await applyConfig(
            [.putTenant(tenant)] + keys.map(ConfigMutation.putKey),
            audit: [
                AuditEventDraft(
                    time: now,
                    type: .tenantCreated,
                    tenantID: id,
                    actor: actor,
                    details: ["algorithm": algorithm.rawValue, "active_kid": keys[0].kid, "next_kid": keys[1].kid]
                )
            ]
        )
        return tenant
    }

    /// Changes a tenant's policy (retention, introspection auditing) as `modify` says. Refused values
    /// name the field and change nothing; a change that changes nothing writes and audits nothing.
    @discardableResult
    public func updateTenantPolicy(_ id: String, actor: String, _ modify: (inout TenantPolicy) -> Void) async throws(AdminError) -> Tenant {
        var tenant = try tenantSummary(id).tenant
        var policy = tenant.policy
        modify(&policy)
        try policy.validate()
        var fields: [String] = []
        if policy.tokenRetention != tenant.policy.tokenRetention { fields.append("token_retention") }
        if policy.introspectionAuditWindow != tenant.policy.introspectionAuditWindow { fields.append("introspection_audit_window") }
        if policy.requirePushedAuthorizationRequests != tenant.policy.requirePushedAuthorizationRequests {
            fields.append("require_pushed_authorization_requests")
        }
        if policy.requireDPoPNonce != tenant.policy.requireDPoPNonce { fields.append("require_dpop_nonce") }
        if policy.profile != tenant.policy.profile { fields.append("profile") }
        guard !fields.isEmpty else { return tenant }
        if policy.profile == .fapi2 && tenant.policy.profile != .fapi2 {
            try checkClientsMeetFAPI2(tenant: tenant, policy: policy)
        }
        tenant.policy = policy
        try await applyConfig(
            [.putTenant(tenant)],
            audit: [
                AuditEventDraft(
                    time: clock.now(),
                    type: .tenantUpdated,
                    tenantID: id,
                    actor: actor,
                    details: [
                        "fields": fields.joined(separator: " "), "token_retention": "\(policy.tokenRetention)",
                        "introspection_audit_window": "\(policy.introspectionAuditWindow)",
                        "require_pushed_authorization_requests": "\(policy.requirePushedAuthorizationRequests)",
                        "require_dpop_nonce": "\(policy.requireDPoPNonce)", "profile": policy.profile.rawValue,
                    ]
                )
            ]
        )
        return tenant
    }

    /// Putting a tenant under fapi2 puts every client of it there: refused, naming the first client
    /// that does not meet the profile and what to change, unless all of them do.
    private func checkClientsMeetFAPI2(tenant: Tenant, policy: TenantPolicy) throws(AdminError) {
        var snapshot = config.snapshot
        var profiled = tenant
        profiled.policy = policy
        snapshot.tenants[tenant.id] = profiled
        for client in (snapshot.clients[tenant.id] ?? [:]).values.sorted(by: { $0.id < $1.id }) {
            do {
                try client.spec.validate(tenantID: tenant.id, snapshot: snapshot, configuration: configuration)
            } catch {
                throw .invalid(
                    field: "profile",
                    "client '\(client.id)' does not meet fapi2 (\(error.field ?? "settings"): \(error.message)); change it or take it "
                        + "out of the tenant first"
                )
            }
        }
    }

    /// Every tenant with its issuer and counts (clients, keys, scopes, APIs), sorted by id.
    public func tenantSummaries() -> [TenantSummary] {
        let s = config.snapshot
        return s.tenants.values.sorted { $0.id < $1.id }.map { t in
            TenantSummary(
                tenant: t,
                issuer: configuration.issuer(for: t.id),
                clients: s.clients[t.id]?.count ?? 0,
                keys: s.keys[t.id]?.count ?? 0,
                scopes: s.scopes[t.id]?.count ?? 0,
                apis: s.apis[t.id]?.count ?? 0
            )
        }
    }

    /// One tenant with its issuer and counts; `notFound` naming the list command otherwise.
    public func tenantSummary(_ id: String) throws(AdminError) -> TenantSummary {
        guard let summary = tenantSummaries().first(where: { $0.tenant.id == id }) else {
            throw .notFound("no tenant '\(Validation.printable(id))'; 'claimdeck tenant list' shows the tenants")
        }
        return summary
    }

    /// What deleting a tenant would destroy.
    public func tenantDeletionPreview(_ id: String) async throws(AdminError) -> RevocationSummary {
        _ = try tenantSummary(id)
        return try await previewRevocation(.tenant(tenantID: id))
    }

    /// Deletes a tenant and all it owns. Refused while it has clients, unless `force`.
    public func deleteTenant(_ id: String, force: Bool, actor: String) async throws(AdminError) -> RevocationSummary {
        let summary = try tenantSummary(id)
        if summary.clients > 0 && !force {
            throw .conflict("tenant '\(id)' has \(summary.clients) client(s); delete them first or use --force")
        }
        let preview = try await previewRevocation(.tenant(tenantID: id))
        let now = clock.now()
        try await applyConfig(
            [.deleteTenant(id: id)],
            audit: [
                AuditEventDraft(
                    time: now,
                    type: .tenantDeleted,
                    tenantID: id,
                    actor: actor,
                    details: ["clients": "\(summary.clients)", "active_tokens": "\(preview.revoked)", "forced": force ? "true" : "false"]
                )
            ]
        )
        return preview
    }
}
