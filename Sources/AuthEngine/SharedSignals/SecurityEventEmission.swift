import Foundation
import JOSE

/// Which security events each engine act emits; one place, so the HTTP endpoints, the CLI and the
/// console (which all call the same use cases) emit the same ones.
extension ClaimdeckEngine {
    /// The events revoking `selector` emits, for the store to enqueue in the revocation's transaction:
    ///
    /// | selection | event | `sub_id` |
    /// |---|---|---|
    /// | one token | token-revoked (extension) | `jwt_id`: issuer, `jti` |
    /// | a subject's tokens | CAEP session-revoked, or `subjectEvent` (credential-change, account-disabled) | `iss_sub` |
    /// | a client's tokens | client-revoked (extension) | `opaque`: the client id |
    /// | a tenant's tokens | tenant-revoked (extension) | `opaque`: the issuer |
    /// | a refresh family, a grant, a session | token-revoked per access token revoked | `jwt_id` |
    func revocationSignals(
        _ selector: RevocationSelector,
        reason: String?,
        at now: Date,
        subjectEvent: String = SecurityEventType.sessionRevoked,
        extra: [String: JSONValue] = [:]
    ) -> RevocationSignals {
        let tenantID = selector.tenantID
        // Resolved when the SET is signed: this process may be the CLI, which does not know the URL the server names.
        let issuer = SecurityEventDraft.tenantIssuer
        let expiresAt = now.addingTimeInterval(configuration.securityEvents.lifetime)
        func event(_ type: String, _ subject: JSONValue) -> RevocationSignals {
            RevocationSignals(
                events: [
                    SecurityEventDraft(
                        id: ids.timeOrdered(at: now),
                        tenantID: tenantID,
                        type: type,
                        subject: subject,
                        payload: SecurityEventDraft.members(time: now, reason: reason, extra: extra),
                        time: now
                    )
                ],
                expiresAt: expiresAt
            )
        }
        switch selector {
        case .token(_, let id): return event(SecurityEventType.tokenRevoked, SecurityEventDraft.jwtID(issuer: issuer, jti: id))
        case .subject(_, let subject): return event(subjectEvent, SecurityEventDraft.issuerSubject(issuer: issuer, subject: subject))
        case .client(_, let client): return event(SecurityEventType.clientRevoked, SecurityEventDraft.opaque(client))
        case .tenant: return event(SecurityEventType.tenantRevoked, SecurityEventDraft.opaque(issuer))
        case .family, .grant, .session:
            return RevocationSignals(
                events: [],
                perToken: .init(tenantID: tenantID, issuer: issuer, idPrefix: ids.timeOrdered(at: now) + "-", time: now, reason: reason),
                expiresAt: expiresAt
            )
        }
    }
}

extension ClaimdeckEngine {
    /// Enqueues the event of an act that revokes no token rows itself (a client disabled, a password
    /// set, a design published) right after the act was stored. These acts are configuration
    /// changes, stored through `ConfigStore.apply`, so the event is a second transaction: a crash
    /// between the two loses the event (the act itself is in the audit log). An enqueue that fails is
    /// logged and does not undo the act.
    func emitSecurityEvent(
        _ selector: RevocationSelector,
        reason: String?,
        subjectEvent: String = SecurityEventType.sessionRevoked,
        extra: [String: JSONValue] = [:]
    ) async {
        let now = clock.now()
        let signals = revocationSignals(selector, reason: reason, at: now, subjectEvent: subjectEvent, extra: extra)
        do {
            try await store.enqueueSecurityEvents(signals.events, expiresAt: signals.expiresAt)
        } catch {
            errorLog.error("a security event was not enqueued", metadata: ["error": "\(error)", "selector": "\(selector)"])
        }
    }
}
