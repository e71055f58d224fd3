import Foundation
import JOSE

/// A security event the engine emits, before it is fanned out to the streams that take it and
/// signed for each (as a SET, RFC 8417, with the stream's `aud`) when it is delivered.
public struct SecurityEventDraft: Sendable, Hashable {
    /// Unique per event; a stream's SET `jti` is derived from it (`SecurityEventDelivery.jti`).
    public var id: String
    public var tenantID: String
    /// The event type URI (`SecurityEventType`).
    public var type: String
    /// The SET's top-level `sub_id` (SSF 1.0 §3, RFC 9493).
    public var subject: JSONValue
    /// The event's members (`event_timestamp`, `reason_admin`, ...).
    public var payload: JSONValue
    public var time: Date
    /// Set for an event meant for one stream only (verification, stream updated).
    public var streamID: String?

    public init(id: String, tenantID: String, type: String, subject: JSONValue, payload: JSONValue, time: Date, streamID: String? = nil) {
        self.id = id
        self.tenantID = tenantID
        self.type = type
        self.subject = subject
        self.payload = payload
        self.time = time
        self.streamID = streamID
    }

    /// Stands for the tenant's issuer in a stored event's subject identifiers. The process that
    /// emits an event (the CLI, say) may not know the public URL the serving process names its
    /// tokens' `iss` with, so the issuer is put in when the SET is signed (`resolvingIssuer`).
    public static let tenantIssuer = "urn:claimdeck:tenant-issuer"

    /// `subject` with every `tenantIssuer` member replaced by `issuer`.
    public static func resolvingIssuer(_ subject: JSONValue, _ issuer: String) -> JSONValue {
        guard let members = subject.objectValue else { return subject }
        return .object(members.mapValues { $0.stringValue == tenantIssuer ? .string(issuer) : $0 })
    }

    /// `subject` with every member equal to `issuer` replaced by `tenantIssuer`: how a subject a
    /// receiver names is compared with stored events.
    public static func storingIssuer(_ subject: JSONValue, _ issuer: String) -> JSONValue {
        guard let members = subject.objectValue else { return subject }
        return .object(members.mapValues { $0.stringValue == issuer ? .string(tenantIssuer) : $0 })
    }

    /// The subject as one comparable text: what `EventStream.removedSubjects` holds.
    public var subjectKey: String { Self.key(of: subject) }

    /// Canonical JSON (sorted keys) of a subject identifier.
    public static func key(of subject: JSONValue) -> String {
        String(decoding: subject.serialized(sortedKeys: true), as: UTF8.self)
    }

    /// What the outbox keeps: type, subject and members in one JSON text.
    public var stored: String {
        let value = JSONValue.object(["type": .string(type), "sub_id": subject, "event": payload])
        return String(decoding: value.serialized(sortedKeys: true), as: UTF8.self)
    }

    /// Reads `stored` back (with the columns kept beside it); nil when the text is not what `stored` writes.
    public static func fromStored(_ text: String, id: String, tenantID: String, time: Date, streamID: String?) -> SecurityEventDraft? {
        guard let value = try? JSONValue(parsing: text), let type = value["type"]?.stringValue, let subject = value["sub_id"],
            let payload = value["event"]
        else { return nil }
        return SecurityEventDraft(id: id, tenantID: tenantID, type: type, subject: subject, payload: payload, time: time, streamID: streamID)
    }

    // MARK: Subject identifiers (RFC 9493)

    /// `iss_sub`: the tokens' issuer and subject.
    public static func issuerSubject(issuer: String, subject: String) -> JSONValue {
        ["format": "iss_sub", "iss": .string(issuer), "sub": .string(subject)]
    }

    /// `jwt_id` (SSF 1.0 §3.5.1 / RFC 9493): one token by its issuer and `jti`.
    public static func jwtID(issuer: String, jti: String) -> JSONValue {
        ["format": "jwt_id", "iss": .string(issuer), "jti": .string(jti)]
    }

    /// `opaque`: an identifier the parties agree on (a client id, an issuer, a stream id).
    public static func opaque(_ id: String) -> JSONValue {
        ["format": "opaque", "id": .string(id)]
    }

    /// CAEP's common members: `event_timestamp`, and for an admin's act `initiating_entity` and `reason_admin`.
    public static func members(time: Date, reason: String?, extra: [String: JSONValue] = [:]) -> JSONValue {
        var members = extra
        members["event_timestamp"] = .number(Double(Int64(time.timeIntervalSince1970)))
        if let reason {
            members["initiating_entity"] = "admin"
            members["reason_admin"] = ["en": .string(reason)]
        }
        return .object(members)
    }
}
