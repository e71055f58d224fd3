import Foundation

extension ClaimdeckEngine {
    /// What revoking `selector` would do, changing nothing: the dry run every bulk revocation shows first.
    public func previewRevocation(_ selector: RevocationSelector) async throws(AdminError) -> RevocationSummary {
        try await storeCall { try await store.previewRevocation(selector, at: clock.now()) }
    }

    /// Admin revocation: one token, all of a subject, of a client or of a tenant. Introspection answers
    /// `active:false` for them as soon as this returns, in every process on the store.
    public func revokeTokens(_ selector: RevocationSelector, reason: String, actor: String) async throws(AdminError) -> RevocationSummary {
        try await revokeTokens(selector, reason: reason, actor: actor, subjectEvent: SecurityEventType.sessionRevoked)
    }

    /// `revokeTokens`, a subject's revocation emitting `subjectEvent` (RISC account-disabled for a
    /// disabled user) instead of CAEP session-revoked.
    func revokeTokens(
        _ selector: RevocationSelector,
        reason: String,
        actor: String,
        subjectEvent: String
    ) async throws(AdminError)
        -> RevocationSummary
    {
        guard config.snapshot.tenants[selector.tenantID] != nil else {
            throw .notFound("no tenant '\(Validation.printable(selector.tenantID))'")
        }
        if case .token(let tenantID, let id) = selector {
            let record = try await storeCall { try await store.token(id: id) }
            guard let record, record.tenantID == tenantID else {
                throw .notFound("no token '\(Validation.printable(id))' in tenant '\(tenantID)'")
            }
        }
        let now = clock.now()
        var subject: String?
        var client: String?
        var tokenID: String?
        switch selector {
        case .token(_, let id): tokenID = id
        case .subject(_, let s): subject = s
        case .client(_, let c): client = c
        case .grant(_, let s, let c):
            subject = s
            client = c
        case .session(_, let s, _, _): subject = s
        case .tenant, .family: break
        }
        do {
            let summary = try await store.revoke(
                selector,
                at: now,
                reason: reason,
                audit: AuditEventDraft(
                    time: now,
                    type: .tokenRevoked,
                    tenantID: selector.tenantID,
                    clientID: client,
                    subject: subject,
                    tokenID: tokenID,
                    reason: reason,
                    actor: actor,
                    details: ["selector": selector.description]
                ),
                signals: revocationSignals(selector, reason: reason, at: now, subjectEvent: subjectEvent)
            )
            metrics.revoked(tenant: selector.tenantID, via: "admin", count: summary.revoked)
            return summary
        } catch {
            throw .storage("the revocation was not stored: \(error)")
        }
    }

    /// One stored token of the tenant by its id (`jti`); `notFound` otherwise.
    public func token(tenantID: String, id: String) async throws(AdminError) -> TokenRecord {
        let record = try await storeCall { try await store.token(id: id) }
        guard let record, record.tenantID == tenantID else {
            throw .notFound("no token '\(Validation.printable(id))' in tenant '\(Validation.printable(tenantID))'")
        }
        return record
    }

    /// Stored tokens matching the query, newest first, one page (`query.limit`, `query.before`).
    public func tokens(_ query: TokenQuery) async throws(AdminError) -> [TokenRecord] {
        guard (1...10_000).contains(query.limit) else { throw .invalid(field: "limit", "must be 1 to 10000") }
        return try await storeCall { try await store.tokens(matching: query, at: clock.now()) }
    }
}
