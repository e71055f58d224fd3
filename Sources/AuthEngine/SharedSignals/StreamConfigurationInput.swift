import Foundation
import JOSE

/// The receiver-supplied members of a stream configuration (SSF 1.0 §8.1.1), read from a create,
/// update or replace request. Transmitter-supplied members (`iss`, `events_supported`,
/// `events_delivered`) are ignored as §8.1.1.3 says; an unknown member too.
struct StreamConfigurationInput {
    var method: EventStream.Method?
    var endpointURL: String?
    var authorizationHeader: String?
    var eventsRequested: [String]?
    var description: String?
    var audience: String?

    /// The request body as a JSON object, or 400 `invalid_request` naming what is wrong.
    static func object(_ body: Data) throws(OAuthError) -> [String: JSONValue] {
        guard body.count <= 64 * 1024 else { throw .invalidRequest("the request body is larger than 64 KiB") }
        guard let value = try? JSONValue(parsing: body), let object = value.objectValue else {
            throw .invalidRequest("the request body must be a JSON object")
        }
        return object
    }

    /// A string member, nil when absent; 400 when it is there but not a string.
    static func string(_ object: [String: JSONValue], _ name: String) throws(OAuthError) -> String? {
        guard let value = object[name], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw .invalidRequest("'\(name)' must be a string") }
        return text
    }

    init(_ object: [String: JSONValue]) throws(OAuthError) {
        if let delivery = object["delivery"] {
            guard let d = delivery.objectValue else { throw .invalidRequest("'delivery' must be an object with 'method'") }
            guard let name = try Self.string(d, "method") else { throw .invalidRequest("'delivery.method' is required") }
            guard let method = EventStream.Method(rawValue: name) else {
                throw .invalidRequest("'delivery.method' must be urn:ietf:rfc:8935 (push) or urn:ietf:rfc:8936 (poll)")
            }
            self.method = method
            endpointURL = try Self.string(d, "endpoint_url")
            authorizationHeader = try Self.string(d, "authorization_header")
            switch method {
            case .push:
                guard let url = endpointURL, let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
                    parsed.host?.isEmpty == false, parsed.fragment == nil
                else { throw .invalidRequest("'delivery.endpoint_url' must be the receiver's absolute http(s) URL for push delivery") }
            case .poll:
                // RFC 8936 / SSF §8.1.1: the transmitter supplies the poll URL.
                endpointURL = nil
                authorizationHeader = nil
            }
            if let header = authorizationHeader, header.isEmpty || header.utf8.count > 4096 || header.contains(where: \.isNewline) {
                throw .invalidRequest("'delivery.authorization_header' must be one header value of at most 4096 bytes")
            }
        }
        if let events = object["events_requested"] {
            guard let list = events.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
                throw .invalidRequest("'events_requested' must be an array of event type URIs")
            }
            eventsRequested = list.compactMap(\.stringValue)
        }
        description = try Self.string(object, "description")
        if let d = description, d.count > 1000 { throw .invalidRequest("'description' must be at most 1000 characters") }
        audience = try Self.string(object, "aud")
    }
}
