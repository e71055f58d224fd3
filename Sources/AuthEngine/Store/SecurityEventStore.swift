import Foundation

/// Shared Signals streams and their outbox: what each receiver subscribed to, and every event not
/// yet acknowledged by it. Shared by every node of the store, so a restart or a second node loses
/// nothing and delivers nothing twice at once (a claimed event is leased).
public protocol SecurityEventStore: Sendable {
    /// Stores a new stream with its audit events; false, storing nothing, when its client already has
    /// a stream in the tenant (SSF 1.0 §8.1.1.1: 409).
    func createEventStream(_ stream: EventStream, audit: [AuditEventDraft]) async throws -> Bool
    /// The tenant's streams, oldest first.
    func eventStreams(tenantID: String) async throws -> [EventStream]
    func eventStream(tenantID: String, id: String) async throws -> EventStream?
    /// Replaces a stream's configuration (not `lastAcknowledgedAt`, which the store keeps); false when
    /// there is no such stream any more. Its waiting events become due at `stream.updatedAt`: a
    /// receiver that comes back and points its stream at its new endpoint gets them at once, not after
    /// the backoff its failures earned.
    func updateEventStream(_ stream: EventStream, audit: [AuditEventDraft]) async throws -> Bool
    /// Deletes a stream and its undelivered events; false when there was none.
    func deleteEventStream(tenantID: String, id: String, audit: [AuditEventDraft]) async throws -> Bool
    /// Puts each event into the outbox of every stream of its tenant that takes it (`EventStream.takes`),
    /// in one transaction, each kept until `expiresAt`.
    func enqueueSecurityEvents(_ events: [SecurityEventDraft], expiresAt: Date) async throws
    /// Up to `limit` events due at `now` for enabled push streams, unexpired and not leased, leased
    /// until `leaseUntil` to the caller (another node skips them meanwhile); deletes expired events.
    func claimSecurityEvents(at now: Date, leaseUntil: Date, limit: Int) async throws -> [PendingSecurityEvent]
    /// A failed push: one more attempt counted, the lease released, due again at `next`.
    func retrySecurityEvent(streamID: String, jti: String, at next: Date) async throws
    /// Removes events from a stream's outbox (delivered, acknowledged or failed for good); when
    /// `acknowledged`, the stream's `lastAcknowledgedAt` becomes `now`. Returns how many were removed.
    @discardableResult
    func finishSecurityEvents(streamID: String, jtis: [String], acknowledged: Bool, at now: Date) async throws -> Int
    /// A poll (RFC 8936): the stream's unexpired events, oldest first, at most `limit`, and whether
    /// more are waiting. They stay in the outbox until acknowledged.
    func pendingSecurityEvents(streamID: String, limit: Int, at now: Date) async throws -> (events: [PendingSecurityEvent], more: Bool)
}

/// One event in one stream's outbox.
public struct PendingSecurityEvent: Sendable, Hashable {
    public var streamID: String
    /// The SET's `jti`: unique per event and stream.
    public var jti: String
    public var event: SecurityEventDraft
    /// Failed pushes so far.
    public var attempts: Int
    public var expiresAt: Date

    public init(streamID: String, jti: String, event: SecurityEventDraft, attempts: Int = 0, expiresAt: Date) {
        self.streamID = streamID
        self.jti = jti
        self.event = event
        self.attempts = attempts
        self.expiresAt = expiresAt
    }

    /// What every store puts in the outbox for `events`: one entry per event and stream taking it.
    public static func fanOut(_ events: [SecurityEventDraft], to streams: [EventStream], expiresAt: Date) -> [PendingSecurityEvent] {
        events.flatMap { event in
            streams.filter { $0.takes(event) }.map {
                PendingSecurityEvent(streamID: $0.id, jti: "\(event.id)-\($0.id)", event: event, expiresAt: expiresAt)
            }
        }
    }
}

/// The security events a revocation emits, enqueued by the store in the revocation's transaction so a
/// crash cannot keep one without the other.
public struct RevocationSignals: Sendable, Hashable {
    /// Events known before the revocation (a subject's, a client's, a tenant's).
    public var events: [SecurityEventDraft]
    /// When set, also one token-revoked event (`jwt_id`) per access token the revocation reaches:
    /// for the selections no subject or client event describes exactly (a refresh family, a grant, a session).
    public var perToken: PerToken?
    /// Until when undelivered events are kept.
    public var expiresAt: Date

    /// The members of per-token events.
    public struct PerToken: Sendable, Hashable {
        public var tenantID: String
        public var issuer: String
        /// Prefix of the events' ids (unique per revocation).
        public var idPrefix: String
        public var time: Date
        public var reason: String?

        public init(tenantID: String, issuer: String, idPrefix: String, time: Date, reason: String?) {
            self.tenantID = tenantID
            self.issuer = issuer
            self.idPrefix = idPrefix
            self.time = time
            self.reason = reason
        }
    }

    /// None: what a store does for a revocation that emits nothing.
    public static let none = RevocationSignals(events: [], perToken: nil, expiresAt: .distantPast)

    public init(events: [SecurityEventDraft], perToken: PerToken? = nil, expiresAt: Date) {
        self.events = events
        self.perToken = perToken
        self.expiresAt = expiresAt
    }

    public var isEmpty: Bool { events.isEmpty && perToken == nil }

    /// The events to enqueue, given the ids of the access tokens the revocation reached.
    public func drafts(revokedAccessTokenIDs ids: [String]) -> [SecurityEventDraft] {
        guard let perToken else { return events }
        return events
            + ids.map { jti in
                SecurityEventDraft(
                    id: "\(perToken.idPrefix)\(jti)",
                    tenantID: perToken.tenantID,
                    type: SecurityEventType.tokenRevoked,
                    subject: SecurityEventDraft.jwtID(issuer: perToken.issuer, jti: jti),
                    payload: SecurityEventDraft.members(time: perToken.time, reason: perToken.reason),
                    time: perToken.time
                )
            }
    }
}
