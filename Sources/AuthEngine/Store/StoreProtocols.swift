import Foundation

/// Configuration: tenants, clients, keys, scopes, APIs, claims, users.
public protocol ConfigStore: Sendable {
    /// Reads the whole configuration at one point in time.
    func loadSnapshot() async throws -> ConfigSnapshot
    /// A number that grows with every configuration change, made by this process or another.
    func configVersion() async throws -> Int64
    /// Applies the mutations and appends the audit events in one transaction: all or nothing.
    func apply(_ mutations: [ConfigMutation], audit: [AuditEventDraft]) async throws
    func users(tenantID: String) async throws -> [User]
    func user(tenantID: String, id: String) async throws -> User?
    func user(tenantID: String, username: String) async throws -> User?
}

/// Published token design versions and drafts (written through `ConfigStore.apply`).
public protocol DesignStore: Sendable {
    /// Every published version of a tenant's design, oldest first.
    func designVersions(tenantID: String) async throws -> [DesignVersion]
    func designVersion(tenantID: String, number: Int) async throws -> DesignVersion?
    func designDraft(tenantID: String) async throws -> DesignDraft?
}

/// Issued tokens.
public protocol TokenStore: Sendable {
    /// Persists issued tokens and their audit events; returns only once both are durable, so a client
    /// never holds a token the store lost. Concurrent calls share transactions (group commit).
    func record(tokens: [TokenRecord], audit: [AuditEventDraft]) async throws
    func token(id: String) async throws -> TokenRecord?
    /// Revokes what the selector names that is still active, appending `audit` (its details completed
    /// with the counts) and enqueueing `signals` (`SecurityEventStore.enqueueSecurityEvents`) in the
    /// same transaction.
    func revoke(
        _ selector: RevocationSelector,
        at now: Date,
        reason: String,
        audit: AuditEventDraft,
        signals: RevocationSignals
    ) async throws -> RevocationSummary
    /// What `revoke` would do, changing nothing.
    func previewRevocation(_ selector: RevocationSelector, at now: Date) async throws -> RevocationSummary
    func tokens(matching query: TokenQuery, at now: Date) async throws -> [TokenRecord]
    /// Active tokens signed by each key of a tenant, with their latest expiry.
    func outstandingByKey(tenantID: String, at now: Date) async throws -> [String: (count: Int, until: Date)]
    /// Records a client assertion's `jti` until it expires; false if it was already used (replay).
    func consumeAssertionID(tenantID: String, clientID: String, jti: String, expiresAt: Date, now: Date) async throws -> Bool
    /// Single use: marks the token `tokenID` of `tenantID` used (revoked with `reason`) and records
    /// `tokens` and `audit` in the same transaction, if and only if it was still active at `now`.
    /// Returns false, recording nothing, when it was already used, revoked or expired; so of two
    /// concurrent redemptions exactly one wins.
    func redeem(
        tokenID: String,
        tenantID: String,
        at now: Date,
        reason: String,
        issuing tokens: [TokenRecord],
        audit: [AuditEventDraft]
    ) async throws -> Bool
}

extension TokenStore {
    /// A revocation that emits no security event.
    public func revoke(_ selector: RevocationSelector, at now: Date, reason: String, audit: AuditEventDraft) async throws -> RevocationSummary {
        try await revoke(selector, at: now, reason: reason, audit: audit, signals: .none)
    }
}

/// Browser sessions and remembered consents of the user-facing flows.
public protocol InteractionStore: Sendable {
    func createSession(_ session: LoginSession, audit: [AuditEventDraft]) async throws
    func session(id: String) async throws -> LoginSession?
    /// Ends an active session; false if it was not active.
    func endSession(tenantID: String, id: String, at now: Date, audit: [AuditEventDraft]) async throws -> Bool
    /// Ends every active session of a user (the user was disabled or deleted); returns how many.
    func endSessions(tenantID: String, userID: String, at now: Date) async throws -> Int
    func consent(tenantID: String, userID: String, clientID: String) async throws -> Consent?
    func consents(tenantID: String, userID: String) async throws -> [Consent]
    /// Stores (or replaces) a consent, with its audit event.
    func putConsent(_ consent: Consent, audit: [AuditEventDraft]) async throws
    /// Forgets a consent; false if there was none.
    func deleteConsent(tenantID: String, userID: String, clientID: String, audit: [AuditEventDraft]) async throws -> Bool

    /// Stores a new device authorization; false if its user code is already taken in the tenant.
    func createDeviceAuthorization(_ d: DeviceAuthorization, audit: [AuditEventDraft]) async throws -> Bool
    func deviceAuthorization(id: String) async throws -> DeviceAuthorization?
    func deviceAuthorization(tenantID: String, userCode: String) async throws -> DeviceAuthorization?
    /// Approves or denies a pending, unexpired authorization; false if it was not pending any more.
    func decideDeviceAuthorization(
        tenantID: String,
        id: String,
        approved: Bool,
        userID: String,
        sessionID: String?,
        authTime: Date,
        at now: Date,
        audit: [AuditEventDraft]
    ) async throws -> Bool
    /// Records a poll and returns the time of the previous one (for `slow_down`), atomically.
    func recordDevicePoll(tenantID: String, id: String, at now: Date, slowDownBy: Int) async throws -> Date?
    /// Marks an approved authorization consumed and records what it issued, in one transaction;
    /// false, recording nothing, if it was not approved (already consumed, say).
    func consumeDeviceAuthorization(
        tenantID: String,
        id: String,
        issuing tokens: [TokenRecord],
        audit: [AuditEventDraft]
    ) async throws -> Bool
}

/// The append-only audit log.
public protocol AuditStore: Sendable {
    /// Appends events (an introspection, a refused request) and returns once they are durable.
    func append(_ events: [AuditEventDraft]) async throws
    /// Events with a sequence number above `sequence`, oldest first.
    func events(after sequence: Int64, limit: Int, filter: AuditFilter) async throws -> [AuditEvent]
    func latestSequence() async throws -> Int64
    /// Recomputes the hash chain.
    func verifyChain() async throws -> AuditChainReport
}

/// Whether the store answers (for `/readyz`).
public protocol HealthCheckable: Sendable {
    func ping() async throws
}

/// Everything the engine needs from a store.
public typealias ClaimdeckStore = ConfigStore & DesignStore & TokenStore & InteractionStore & AuditStore & ThrottleStore & RetentionStore
    & PushedRequestStore & SecurityEventStore
    & HealthCheckable

/// A store that announces the changes any process commits (PostgreSQL's LISTEN/NOTIFY), so readers
/// wait for news instead of polling. A store without one is polled.
public protocol ChangeFeed: Sendable {
    /// A new stream of the changes committed from now on, by this process or another. After the
    /// feed lost its connection it announces every kind once, as changes may have been missed.
    func changes() -> AsyncStream<StoreChange>
}

/// What changed.
public enum StoreChange: String, Sendable {
    /// The configuration (its version moved).
    case config
    /// Audit events were appended.
    case audit
    /// Sign-in or client authentication failures were counted or cleared (`ThrottleStore`).
    case throttle
}
