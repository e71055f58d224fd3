import AuthEngine
import Foundation

/// Everything a `MemoryStore` holds, in the shape of SQLiteStore's tables.
struct MemoryStoreState: Sendable {
    /// `meta.config_version`, which the first migration sets to 1.
    var configVersion: Int64 = 1
    /// Tenants, clients, keys, scopes, APIs, claims, registration tokens, exchange policies and
    /// trusted issuers, exactly as `loadSnapshot` answers them (the version aside).
    var config = ConfigSnapshot()
    /// tenant -> user id -> user
    var users: [String: [String: User]] = [:]
    /// tenant -> version number -> version
    var designVersions: [String: [Int: DesignVersion]] = [:]
    var designDrafts: [String: DesignDraft] = [:]
    /// token id -> token, as stored (see `StoredValues.token`).
    var tokens: [String: TokenRecord] = [:]
    var usedAssertions: [AssertionKey: Date] = [:]
    var sessions: [String: LoginSession] = [:]
    var consents: [ConsentKey: Consent] = [:]
    var devices: [String: DeviceAuthorization] = [:]
    var pushedRequests: [PushedKey: PushedAuthorizationRequest] = [:]
    /// stream id -> stream (`lastAcknowledgedAt` kept here too).
    var eventStreams: [String: EventStream] = [:]
    /// Every stream's undelivered events.
    var outbox: [OutboxKey: OutboxEntry] = [:]
    /// Stored throttle key -> its failures (`throttle_failures`).
    var throttle: [String: ThrottleCount] = [:]
    /// Sequence number n is at index n - 1.
    var audit: [AuditEvent] = []

    struct AssertionKey: Hashable, Sendable {
        var tenantID: String, clientID: String, jti: String
    }

    struct OutboxKey: Hashable, Sendable {
        var streamID: String, jti: String
    }

    /// One `security_events` row.
    struct OutboxEntry: Sendable {
        var pending: PendingSecurityEvent
        var nextAttemptAt: Date
        var leaseUntil: Date
    }

    struct PushedKey: Hashable, Sendable {
        var tenantID: String, id: String
    }

    struct ConsentKey: Hashable, Sendable {
        var tenantID: String, userID: String, clientID: String
    }
}
