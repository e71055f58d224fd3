extension AuditEventType {
    /// A receiver created a Shared Signals stream (details: delivery method, audience).
    public static let streamCreated = Self(rawValue: "stream.created")
    /// A receiver changed its stream: configuration, status or subjects (details: what).
    public static let streamUpdated = Self(rawValue: "stream.updated")
    public static let streamDeleted = Self(rawValue: "stream.deleted")
    /// A pushed SET was refused by its receiver for good (RFC 8935 §2.4) or expired undelivered.
    public static let securityEventFailed = Self(rawValue: "stream.event_failed")
}
