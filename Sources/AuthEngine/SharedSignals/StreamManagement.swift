import Foundation
import JOSE

/// SSF 1.0 §8.1.1 stream configuration: create, read, update, replace, delete. Each call comes with
/// the receiver's access token (`authorizeReceiver`); a receiver sees and changes only its own
/// streams (another's answers 404, as one that does not exist).
extension ClaimdeckEngine {
    /// Creates the receiver's stream: 201 with its configuration; 409 when it already has one.
    public func createEventStream(tenantID: String, authorization: String?, body: Data) async throws(OAuthError) -> JSONValue {
        let client = try await authorizeReceiver(tenantID: tenantID, authorization: authorization)
        let input = try StreamConfigurationInput(try StreamConfigurationInput.object(body))
        guard let method = input.method else {
            throw .invalidRequest("'delivery' is required: {\"method\": \"urn:ietf:rfc:8935\", \"endpoint_url\": ...}")
        }
        let now = clock.now()
        let stream = EventStream(
            id: ids.timeOrdered(at: now),
            tenantID: client.tenantID,
            clientID: client.id,
            audience: try streamAudience(input.audience, client: client),
            method: method,
            endpointURL: input.endpointURL,
            authorizationHeader: input.authorizationHeader,
            eventsRequested: input.eventsRequested ?? SecurityEventType.supported,
            description: input.description,
            createdAt: now,
            updatedAt: now
        )
        let created = try await streamStoreCall {
            try await store.createEventStream(stream, audit: [streamAudit(.streamCreated, stream, now: now, details: ["method": method.rawValue])])
        }
        guard created else {
            throw OAuthError(
                code: "conflict",
                description: "client '\(client.id)' already has a stream; read it with GET, change it with PATCH",
                status: 409
            )
        }
        return streamJSON(stream)
    }

    /// One stream (`streamID`) or, without one, every stream of the receiver (SSF §8.1.1.2: an array).
    public func readEventStreams(tenantID: String, authorization: String?, streamID: String?) async throws(OAuthError) -> JSONValue {
        let client = try await authorizeReceiver(tenantID: tenantID, authorization: authorization)
        if let streamID { return streamJSON(try await ownStream(streamID, of: client)) }
        let all = try await streamStoreCall { try await store.eventStreams(tenantID: client.tenantID) }
        return .array(all.filter { $0.clientID == client.id }.map(streamJSON))
    }

    /// PATCH (`replace` false: the members sent change) or PUT (`replace` true: every receiver-supplied
    /// member is the request's, absent ones back to their defaults). `stream_id` is required.
    public func updateEventStream(tenantID: String, authorization: String?, body: Data, replace: Bool) async throws(OAuthError) -> JSONValue {
        let client = try await authorizeReceiver(tenantID: tenantID, authorization: authorization)
        let object = try StreamConfigurationInput.object(body)
        guard let id = try StreamConfigurationInput.string(object, "stream_id") else { throw .invalidRequest("'stream_id' is required") }
        let input = try StreamConfigurationInput(object)
        var stream = try await ownStream(id, of: client)
        if replace {
            guard let method = input.method else { throw .invalidRequest("'delivery' is required when the configuration is replaced (PUT)") }
            stream.method = method
            stream.endpointURL = input.endpointURL
            stream.authorizationHeader = input.authorizationHeader
            stream.eventsRequested = input.eventsRequested ?? SecurityEventType.supported
            stream.description = input.description
            stream.audience = try streamAudience(input.audience, client: client)
        } else {
            if let method = input.method {
                stream.method = method
                stream.endpointURL = input.endpointURL
                stream.authorizationHeader = input.authorizationHeader
            }
            if let events = input.eventsRequested { stream.eventsRequested = events }
            if let description = input.description { stream.description = description }
            if let audience = input.audience { stream.audience = try streamAudience(audience, client: client) }
        }
        try await saveStream(&stream, details: ["changed": replace ? "configuration replaced" : "configuration updated"])
        return streamJSON(stream)
    }

    /// Deletes the stream and its undelivered events (SSF §8.1.1.5: 204).
    public func deleteEventStream(tenantID: String, authorization: String?, streamID: String?) async throws(OAuthError) {
        let client = try await authorizeReceiver(tenantID: tenantID, authorization: authorization)
        guard let streamID else { throw .invalidRequest("the 'stream_id' query parameter is required") }
        let stream = try await ownStream(streamID, of: client)
        let now = clock.now()
        let deleted = try await streamStoreCall {
            try await store.deleteEventStream(tenantID: stream.tenantID, id: stream.id, audit: [streamAudit(.streamDeleted, stream, now: now)])
        }
        guard deleted else { throw .notFound("no stream '\(Validation.printable(streamID))' for client '\(client.id)'") }
    }

    // MARK: Shared by the stream calls

    /// The receiver's stream `id`, or 404.
    func ownStream(_ id: String, of client: Client) async throws(OAuthError) -> EventStream {
        let stream = try await streamStoreCall { try await store.eventStream(tenantID: client.tenantID, id: id) }
        guard let stream, stream.clientID == client.id else {
            throw .notFound("no stream '\(Validation.printable(id))' for client '\(client.id)'")
        }
        return stream
    }

    /// Stores a changed stream (stamped now), or 404 when it was deleted meanwhile.
    func saveStream(_ stream: inout EventStream, details: [String: String]) async throws(OAuthError) {
        let now = clock.now()
        stream.updatedAt = now
        let saved = stream
        let updated = try await streamStoreCall {
            try await store.updateEventStream(saved, audit: [streamAudit(.streamUpdated, saved, now: now, details: details)])
        }
        guard updated else { throw .notFound("the stream '\(stream.id)' was deleted meanwhile") }
    }

    /// The SETs' `aud`: what the receiver names among the tenant's registered API audiences (or its own
    /// client id), by default its client id. Claimdeck lets the receiver say which registered API it is
    /// and refuses any other value, so a receiver cannot make SETs carry another party's audience.
    func streamAudience(_ requested: String?, client: Client) throws(OAuthError) -> String {
        guard let requested else { return client.id }
        let registered = (config.snapshot.apis[client.tenantID] ?? [:]).values.map(\.audience)
        guard requested == client.id || registered.contains(requested) else {
            throw .invalidRequest("'aud' must be one of the tenant's registered API audiences or the client id '\(client.id)'")
        }
        return requested
    }

    func streamAudit(_ type: AuditEventType, _ stream: EventStream, now: Date, details: [String: String] = [:]) -> AuditEventDraft {
        var details = details
        details["stream"] = stream.id
        details["aud"] = stream.audience
        return AuditEventDraft(
            time: now,
            type: type,
            tenantID: stream.tenantID,
            clientID: stream.clientID,
            actor: "client:\(stream.clientID)",
            details: details
        )
    }

    func streamStoreCall<T>(_ body: () async throws -> T) async throws(OAuthError) -> T {
        do { return try await body() } catch { throw .temporarilyUnavailable("the store did not answer; retry") }
    }

    /// The configuration as SSF §8.1.1 renders it (the push `authorization_header` is a credential and
    /// is not echoed back).
    func streamJSON(_ stream: EventStream) -> JSONValue {
        var delivery: [String: JSONValue] = ["method": .string(stream.method.rawValue)]
        switch stream.method {
        case .push: delivery["endpoint_url"] = stream.endpointURL.map(JSONValue.string)
        case .poll: delivery["endpoint_url"] = .string(configuration.issuer(for: stream.tenantID) + "/ssf/poll/" + stream.id)
        }
        var object: [String: JSONValue] = [
            "stream_id": .string(stream.id),
            "iss": .string(configuration.issuer(for: stream.tenantID)),
            "aud": .string(stream.audience),
            "delivery": .object(delivery),
            "events_supported": .array(SecurityEventType.supported.map(JSONValue.string)),
            "events_requested": .array(stream.eventsRequested.map(JSONValue.string)),
            "events_delivered": .array(stream.eventsDelivered.map(JSONValue.string)),
            "min_verification_interval": .number(Double(configuration.securityEvents.minVerificationInterval)),
        ]
        if let d = stream.description { object["description"] = .string(d) }
        return .object(object)
    }
}
