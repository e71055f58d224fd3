import Foundation

/// Deletes what no one needs any more (issue 13): token rows past their tenant's retention, ended or
/// expired sign-in sessions and device authorizations past it too, and used assertion ids whose
/// assertion has expired (they only stop a replay until then). Audit events are never deleted.
/// Small batches, so that a janitor deleting millions of rows never holds the writer for long.
public protocol RetentionStore: Sendable {
    /// Deletes at most `limit` rows of each kind that `cutoff` selects, or with `dryRun` only counts
    /// every such row; either way returns the counts.
    func prune(_ cutoff: RetentionCutoff, limit: Int, dryRun: Bool) async throws -> PruneCounts
}

/// What one tenant's retention selects at one moment.
public struct RetentionCutoff: Sendable, Hashable {
    public var tenantID: String
    /// Rows that expired or ended before this go (now less the tenant's retention).
    public var before: Date
    /// Token ids below this are the only candidates: ids are time-ordered, and a token created after
    /// `before` cannot have expired or been revoked before it.
    public var tokenIDsBelow: String
    /// Used assertion ids that expired before this go (now).
    public var assertionsExpiredBefore: Date
    /// The revocation reason of a rotated refresh token, kept until its expiry passes `before` too:
    /// presenting it again must still revoke its family.
    public var keepRevokedWithReason: String

    public init(tenantID: String, before: Date, tokenIDsBelow: String, assertionsExpiredBefore: Date, keepRevokedWithReason: String) {
        self.tenantID = tenantID
        self.before = before
        self.tokenIDsBelow = tokenIDsBelow
        self.assertionsExpiredBefore = assertionsExpiredBefore
        self.keepRevokedWithReason = keepRevokedWithReason
    }

    /// Whether this cutoff selects a token row (every store decides alike; the SQL stores say the same in SQL).
    public func selects(_ t: TokenRecord) -> Bool {
        guard t.tenantID == tenantID, t.id < tokenIDsBelow else { return false }
        if t.expiresAt < before { return true }
        guard let revokedAt = t.revokedAt, revokedAt < before else { return false }
        return t.revocationReason != keepRevokedWithReason
    }

    /// Whether this cutoff selects a sign-in session: expired or ended before `before`.
    public func selects(_ s: LoginSession) -> Bool {
        s.tenantID == tenantID && (s.expiresAt < before || (s.endedAt.map { $0 < before } ?? false))
    }

    /// Whether this cutoff selects a device authorization: expired before `before`.
    public func selects(_ d: DeviceAuthorization) -> Bool {
        d.tenantID == tenantID && d.expiresAt < before
    }
}

/// How many rows of each kind a prune deleted (or, in a dry run, would delete).
public struct PruneCounts: Sendable, Hashable, Codable {
    public var accessTokens = 0
    public var refreshTokens = 0
    public var codes = 0
    public var sessions = 0
    public var deviceAuthorizations = 0
    public var usedAssertions = 0

    public init() {}

    public var tokens: Int { accessTokens + refreshTokens + codes }
    public var total: Int { tokens + sessions + deviceAuthorizations + usedAssertions }

    /// Counts one more token row of `kind`.
    public mutating func count(_ kind: TokenKind, by n: Int = 1) {
        switch kind {
        case .access: accessTokens += n
        case .refresh: refreshTokens += n
        case .authorizationCode: codes += n
        }
    }

    public static func + (a: PruneCounts, b: PruneCounts) -> PruneCounts {
        var s = a
        s.accessTokens += b.accessTokens
        s.refreshTokens += b.refreshTokens
        s.codes += b.codes
        s.sessions += b.sessions
        s.deviceAuthorizations += b.deviceAuthorizations
        s.usedAssertions += b.usedAssertions
        return s
    }

    /// Whether any kind reached `limit`: there may be more to delete.
    public func reached(_ limit: Int) -> Bool {
        max(tokens, sessions, deviceAuthorizations, usedAssertions) >= limit
    }
}
