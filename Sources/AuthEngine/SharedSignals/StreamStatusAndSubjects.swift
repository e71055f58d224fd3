import Foundation
import JOSE

/// SSF 1.0 §8.1.2 status, §8.1.3 subjects and §8.1.4 verification of the receiver's own stream.
extension ClaimdeckEngine {
    /// `{"stream_id", "status", "reason"?}`.
    public func eventStreamStatus(tenantID: String, authorization: String?, streamID: String?) async throws(OAuthError) -> JSONValue {
        let client = try await authorizeReceiver(tenantID: tenantID, authorization: authorization)
        guard let streamID else { throw .invalidRequest("the 'stream_id' query parameter is required") }
        return statusJSON(try await ownStream(streamID, of: client))
    }

    /// Sets the status (`enabled`, `paused`, `disabled`) and its reason; answers the new status.
    public func setEventStreamStatus(tenantID: String, authorization: String?, body: Data) async throws(OAuthError) -> JSONValue {
        let client = try await authorizeReceiver(tenantID: tenantID, authorization: authorization)
        let object = try StreamConfigurationInput.object(body)
        guard let id = try StreamConfigurationInput.string(object, "stream_id") else { throw .invalidRequest("'stream_id' is required") }
        guard let name = try StreamConfigurationInput.string(object, "status"), let status = EventStream.Status(rawValue: name) else {
            throw .invalidRequest("'status' must be enabled, paused or disabled")
        }
        let reason = try StreamConfigurationInput.string(object, "reason")
        var stream = try await ownStream(id, of: client)
        stream.status = status
        stream.statusReason = reason
        try await saveStream(&stream, details: ["changed": "status \(status.rawValue)"])
        return statusJSON(stream)
    }

    /// Adds (`add`) or removes a subject: the transmitter's default subjects are ALL, so removing one
    /// stops its events on this stream and adding it back resumes them.
    public func changeEventStreamSubject(tenantID: String, authorization: String?, body: Data, add: Bool) async throws(OAuthError) {
        let client = try await authorizeReceiver(tenantID: tenantID, authorization: authorization)
        let object = try StreamConfigurationInput.object(body)
        guard let id = try StreamConfigurationInput.string(object, "stream_id") else { throw .invalidRequest("'stream_id' is required") }
        guard let subject = object["subject"], let members = subject.objectValue, members["format"]?.stringValue != nil else {
            throw .invalidRequest("'subject' must be a subject identifier object with a 'format' (RFC 9493)")
        }
        var stream = try await ownStream(id, of: client)
        // Events keep the tenant's issuer as a placeholder (`SecurityEventDraft.tenantIssuer`): so does the key.
        let key = SecurityEventDraft.key(of: SecurityEventDraft.storingIssuer(subject, configuration.issuer(for: client.tenantID)))
        stream.removedSubjects.removeAll { $0 == key }
        if !add { stream.removedSubjects.append(key) }
        try await saveStream(&stream, details: ["changed": add ? "subject added" : "subject removed"])
    }

    /// Queues the SSF verification event for the stream (`state` echoed back in it), delivered like any
    /// other. Asked again within `min_verification_interval` of the last request: 429 with
    /// `Retry-After` (SSF §8.1.4.2), nothing queued.
    public func verifyEventStream(tenantID: String, authorization: String?, body: Data) async throws(OAuthError) {
        let client = try await authorizeReceiver(tenantID: tenantID, authorization: authorization)
        let object = try StreamConfigurationInput.object(body)
        guard let id = try StreamConfigurationInput.string(object, "stream_id") else { throw .invalidRequest("'stream_id' is required") }
        let state = try StreamConfigurationInput.string(object, "state")
        var stream = try await ownStream(id, of: client)
        guard stream.status == .enabled else {
            throw OAuthError(
                code: "conflict",
                description: "the stream is \(stream.status.rawValue); enable it before asking for verification",
                status: 409
            )
        }
        let now = clock.now()
        let interval = TimeInterval(configuration.securityEvents.minVerificationInterval)
        if let last = stream.lastVerificationRequestedAt, now.timeIntervalSince(last) < interval {
            var tooSoon = OAuthError(
                code: "too_many_requests",
                description: "a verification was asked for less than min_verification_interval (\(Int(interval)) s) ago; retry later",
                status: 429
            )
            tooSoon.retryAfter = max(1, Int((interval - now.timeIntervalSince(last)).rounded(.up)))
            throw tooSoon
        }
        stream.lastVerificationRequestedAt = now
        try await saveStream(&stream, details: ["changed": "verification requested"])
        let event = SecurityEventDraft(
            id: ids.timeOrdered(at: now),
            tenantID: stream.tenantID,
            type: SecurityEventType.verification,
            subject: SecurityEventDraft.opaque(stream.id),
            payload: .object(state.map { ["state": .string($0)] } ?? [:]),
            time: now,
            streamID: stream.id
        )
        try await streamStoreCall {
            try await store.enqueueSecurityEvents([event], expiresAt: now.addingTimeInterval(configuration.securityEvents.lifetime))
        }
    }

    func statusJSON(_ stream: EventStream) -> JSONValue {
        var object: [String: JSONValue] = ["stream_id": .string(stream.id), "status": .string(stream.status.rawValue)]
        if let reason = stream.statusReason { object["reason"] = .string(reason) }
        return .object(object)
    }
}
