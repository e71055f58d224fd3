import AuthEngine
import Foundation

extension MemoryStore: TokenStore {
    public func record(tokens: [TokenRecord], audit: [AuditEventDraft]) async throws {
        try locked { state in
            try state.checkNew(tokens)
            state.insert(tokens)
            state.append(audit)
        }
    }

    public func token(id: String) async throws -> TokenRecord? {
        locked { $0.tokens[id] }
    }

    public func redeem(
        tokenID: String,
        tenantID: String,
        at now: Date,
        reason: String,
        issuing tokens: [TokenRecord],
        audit: [AuditEventDraft]
    ) async throws -> Bool {
        try locked { state in
            guard let used = state.tokens[tokenID], used.tenantID == tenantID, TokenMatching.isActive(used, at: now) else { return false }
            // A clash among the new tokens fails the whole call and leaves the old one unused, as the rollback does.
            try state.checkNew(tokens)
            state.tokens[tokenID]!.revokedAt = now
            state.tokens[tokenID]!.revocationReason = reason
            state.insert(tokens)
            state.append(audit)
            return true
        }
    }

    public func revoke(
        _ selector: RevocationSelector,
        at now: Date,
        reason: String,
        audit: AuditEventDraft,
        signals: RevocationSignals
    ) async throws -> RevocationSummary {
        locked { state in
            let ids = state.selected(by: selector, at: now)
            if !signals.isEmpty {
                let access = ids.filter { state.tokens[$0]!.kind == .access }.sorted()
                state.enqueue(signals.drafts(revokedAccessTokenIDs: access), expiresAt: signals.expiresAt)
            }
            let summary = TokenMatching.summary(of: ids.map { state.tokens[$0]! })
            for id in ids {
                state.tokens[id]!.revokedAt = now
                state.tokens[id]!.revocationReason = reason
            }
            let event = audit.completed(with: summary)
            state.append([event])
            return summary
        }
    }

    public func previewRevocation(_ selector: RevocationSelector, at now: Date) async throws -> RevocationSummary {
        locked { state in TokenMatching.summary(of: state.selected(by: selector, at: now).map { state.tokens[$0]! }) }
    }

    /// Newest first by id (byte order, as SQLite sorts TEXT), at most `limit`. A negative limit answers
    /// nothing here; SQLite's plain query would answer every token (its status-index path nothing), but
    /// the engine only passes 1...10,000.
    public func tokens(matching q: TokenQuery, at now: Date) async throws -> [TokenRecord] {
        locked { state in
            let found = state.tokens.values.filter { TokenMatching.matches($0, q, at: now) }
            return Array(found.sorted { StoredValues.binaryLess($1.id, $0.id) }.prefix(max(0, q.limit)))
        }
    }

    public func outstandingByKey(tenantID: String, at now: Date) async throws -> [String: (count: Int, until: Date)] {
        locked { state in
            var result: [String: (count: Int, until: Date)] = [:]
            for t in state.tokens.values where t.tenantID == tenantID && TokenMatching.isActive(t, at: now) {
                guard let kid = t.keyID else { continue }
                let seen = result[kid] ?? (0, t.expiresAt)
                result[kid] = (seen.count + 1, max(seen.until, t.expiresAt))
            }
            return result
        }
    }

    /// An entry whose assertion has expired by `now` no longer blocks its `jti`.
    public func consumeAssertionID(tenantID: String, clientID: String, jti: String, expiresAt: Date, now: Date) async throws -> Bool {
        locked { state in
            let key = MemoryStoreState.AssertionKey(tenantID: tenantID, clientID: clientID, jti: jti)
            if let until = state.usedAssertions[key], until.timeIntervalSince1970 > now.timeIntervalSince1970 { return false }
            state.usedAssertions[key] = expiresAt
            return true
        }
    }
}

extension MemoryStoreState {
    /// Refuses tokens whose id is taken, or given twice (the primary key of `tokens`).
    func checkNew(_ new: [TokenRecord]) throws {
        var ids = Set<String>()
        for t in new where tokens[t.id] != nil || !ids.insert(t.id).inserted {
            throw MemoryStoreError.duplicate("tokens.id")
        }
    }

    mutating func insert(_ new: [TokenRecord]) {
        for t in new { tokens[t.id] = StoredValues.token(t) }
    }

    /// Ids of the still-active tokens a selector names.
    func selected(by selector: RevocationSelector, at now: Date) -> [String] {
        tokens.values.filter { TokenMatching.isSelected($0, by: selector, at: now) }.map(\.id)
    }
}
