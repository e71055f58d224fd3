import AuthEngine
import Foundation
import JOSE

/// The conditions of SQLiteStore's token statements over stored tokens (`StoredValues.token`), whose
/// times are whole seconds: "now" is compared as `Int64(now)` as the SQL arguments are.
enum TokenMatching {
    /// `revoked_at IS NULL AND expires_at > ?`
    static func isActive(_ t: TokenRecord, at now: Date) -> Bool {
        t.revokedAt == nil && StoredValues.wholeSeconds(t.expiresAt) > StoredValues.wholeSeconds(now)
    }

    /// Whether a selector names the token and it is still active (`TokenRow.activeClause`).
    static func isSelected(_ t: TokenRecord, by selector: RevocationSelector, at now: Date) -> Bool {
        guard t.tenantID == selector.tenantID, isActive(t, at: now) else { return false }
        switch selector {
        case .token(_, let id): return t.id == id
        case .subject(_, let s): return t.subject == s
        case .client(_, let c): return t.clientID == c
        case .tenant: return true
        case .family(_, let f): return t.familyID == f
        case .grant(_, let s, let c): return t.subject == s && t.clientID == c
        case .session(_, let s, let sid, let clients):
            // json_extract(claims, '$._cd.sid') = ?: only a string equals the text argument.
            guard t.subject == s, clients.contains(t.clientID), case .string(let stored)? = t.internalValue("sid") else { return false }
            return stored == sid
        }
    }

    /// What revoking `tokens` does (`TokenRow.summary`): counts by format, the latest JWT expiry, and
    /// up to 100 distinct clients and subjects (sorted here; SQLite promises no order).
    static func summary(of tokens: [TokenRecord]) -> RevocationSummary {
        var s = RevocationSummary()
        for t in tokens {
            s.revoked += 1
            if t.format == .jwt {
                s.jwtCount += 1
                s.jwtUsableUntil = max(s.jwtUsableUntil ?? t.expiresAt, t.expiresAt)
            } else {
                s.opaqueCount += 1
            }
        }
        s.clients = Array(Set(tokens.map(\.clientID)).sorted(by: StoredValues.binaryLess).prefix(100))
        s.subjects = Array(Set(tokens.map(\.subject)).sorted(by: StoredValues.binaryLess).prefix(100))
        return s
    }

    /// Whether a token is on the pages of `q` (`SQLiteStore.tokens(matching:at:)`), `before` included.
    static func matches(_ t: TokenRecord, _ q: TokenQuery, at now: Date) -> Bool {
        guard t.tenantID == q.tenantID else { return false }
        if let c = q.clientID, t.clientID != c { return false }
        if let s = q.subject, t.subject != s { return false }
        if let k = q.kind, t.kind != k { return false }
        if let f = q.familyID, t.familyID != f { return false }
        // The bounds are rounded up to whole seconds, as the issue times are stored.
        let issued = StoredValues.wholeSeconds(t.issuedAt)
        if let since = q.issuedSince, issued < Int64(since.timeIntervalSince1970.rounded(.up)) { return false }
        if let until = q.issuedUntil, issued >= Int64(until.timeIntervalSince1970.rounded(.up)) { return false }
        switch q.status {
        case .active?: if !isActive(t, at: now) { return false }
        case .expired?: if t.revokedAt != nil || isActive(t, at: now) { return false }
        case .revoked?: if t.revokedAt == nil { return false }
        case nil: break
        }
        if let before = q.before, !StoredValues.binaryLess(t.id, before) { return false }
        return true
    }
}
