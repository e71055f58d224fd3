import Foundation

/// An OpenID Shared Signals Framework 1.0 event stream (§8.1.1): what one receiver (a registered
/// client of the tenant) asked to receive, how it is delivered, and its status.
public struct EventStream: Sendable, Hashable, Codable {
    /// SSF §8.1.5 stream status.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        /// Events are delivered.
        case enabled
        /// Events are kept and delivered once the stream is enabled again.
        case paused
        /// Events are neither delivered nor kept.
        case disabled
    }

    /// SSF §8.1.1 delivery methods.
    public enum Method: String, Sendable, Hashable, Codable, CaseIterable {
        /// RFC 8935: the transmitter POSTs each SET to the receiver's `endpoint_url`.
        case push = "urn:ietf:rfc:8935"
        /// RFC 8936: the receiver POSTs to the transmitter's poll endpoint.
        case poll = "urn:ietf:rfc:8936"
    }

    public var id: String
    public var tenantID: String
    /// The receiver: the client whose access token created the stream; only it manages the stream.
    public var clientID: String
    /// The SETs' `aud`: a registered API audience of the tenant (or the client id).
    public var audience: String
    public var method: Method
    /// Push: the receiver's URL. Poll: nil (the transmitter's poll endpoint is answered instead).
    public var endpointURL: String?
    /// Push: the exact `Authorization` header sent with each SET; a credential, never logged or shown.
    public var authorizationHeader: String?
    /// `events_requested` as the receiver sent it.
    public var eventsRequested: [String]
    public var description: String?
    public var status: Status
    public var statusReason: String?
    /// SSF §8.1.3: subjects removed from the stream (canonical JSON of their subject identifiers);
    /// the transmitter's default subjects are ALL, so every other subject's events are delivered.
    public var removedSubjects: [String]
    public var createdAt: Date
    public var updatedAt: Date
    /// When the receiver last acknowledged an event (a 202 to a push, an `ack` in a poll); kept by the store.
    public var lastAcknowledgedAt: Date?
    /// When the receiver last asked for a verification event (SSF §8.1.4): `min_verification_interval`
    /// counts from it. Kept in the stream's stored form; older rows decode without it.
    public var lastVerificationRequestedAt: Date?

    public init(
        id: String,
        tenantID: String,
        clientID: String,
        audience: String,
        method: Method,
        endpointURL: String? = nil,
        authorizationHeader: String? = nil,
        eventsRequested: [String],
        description: String? = nil,
        status: Status = .enabled,
        statusReason: String? = nil,
        removedSubjects: [String] = [],
        createdAt: Date,
        updatedAt: Date,
        lastAcknowledgedAt: Date? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.clientID = clientID
        self.audience = audience
        self.method = method
        self.endpointURL = endpointURL
        self.authorizationHeader = authorizationHeader
        self.eventsRequested = eventsRequested
        self.description = description
        self.status = status
        self.statusReason = statusReason
        self.removedSubjects = removedSubjects
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastAcknowledgedAt = lastAcknowledgedAt
    }

    /// `events_delivered`: the requested types the transmitter emits, in the transmitter's order.
    public var eventsDelivered: [String] {
        SecurityEventType.supported.filter(eventsRequested.contains)
    }

    /// Whether an event goes into this stream's outbox: a stream that is not disabled, the event's
    /// type delivered (the SSF verification event always is), its subject not removed, and, for an
    /// event addressed to one stream (verification), this one.
    public func takes(_ event: SecurityEventDraft) -> Bool {
        guard status != .disabled, event.tenantID == tenantID else { return false }
        if let only = event.streamID { return only == id }
        return eventsDelivered.contains(event.type) && !removedSubjects.contains(event.subjectKey)
    }
}
