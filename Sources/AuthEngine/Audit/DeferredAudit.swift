import Synchronization

/// Audit events recorded without making their request wait for the disk: introspection's, which
/// would otherwise cost every introspection a commit (issue 13). They join the next audited write's
/// transaction (group commit), or are appended on their own every `ClaimdeckEngine.deferredAuditInterval`
/// by the server, before any read of the log, and at shutdown. A crash loses at most the events
/// gathered since the last of those, never an issuance, revocation or admin event (those are
/// written before their answer).
final class DeferredAudit: Sendable {
    private let pending = Mutex<[AuditEventDraft]>([])
    /// Past this many waiting events the request that adds one appends them all.
    static let flushAt = 512

    /// Adds an event; true when `flushAt` events are waiting.
    @discardableResult
    func add(_ event: AuditEventDraft) -> Bool {
        pending.withLock { p in
            p.append(event)
            return p.count >= Self.flushAt
        }
    }

    /// Takes every waiting event, oldest first.
    func take() -> [AuditEventDraft] {
        pending.withLock { p in
            defer { p = [] }
            return p
        }
    }
}
