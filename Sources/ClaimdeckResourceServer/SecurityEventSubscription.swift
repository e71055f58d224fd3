import AsyncHTTPClient
import Foundation
import JOSE
import NIOHTTP1

/// Subscribes an API to its issuer's security events (OpenID SSF 1.0 §8.1.1): with its own client
/// credentials (a client of the issuer with the `ssf.manage` scope) it creates its push stream, or,
/// when it already has one (a restart), points that stream at its current endpoint and credential.
/// Events the transmitter could not push meanwhile stay queued for the stream and arrive once the
/// endpoint answers again.
///
/// ```swift
/// let subscription = SecurityEventSubscription(issuer: issuer, client: .init(id: "invoices-api", secret: secret), audience: audience)
/// let streamID = try await subscription.subscribe(pushTo: "https://api.example/ssf/events", authorization: "Bearer " + pushSecret)
/// ```
public struct SecurityEventSubscription: Sendable {
    public let issuer: String
    public let client: ResourceServerConfiguration.ClientCredentials
    /// The SETs' `aud`: the API's audience, as `SecurityEventReceiver` checks it.
    public let audience: String
    /// The event types asked for; nil: every type the transmitter supports.
    public let events: [String]?
    let http: AuthorizationServerClient

    /// The scope a receiver's access token needs at Claimdeck's stream API.
    public static let scope = "ssf.manage"

    public init(
        issuer: String,
        client: ResourceServerConfiguration.ClientCredentials,
        audience: String,
        events: [String]? = nil,
        httpClient: HTTPClient = .shared,
        timeout: TimeInterval = 10
    ) {
        self.issuer = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        self.client = client
        self.audience = audience
        self.events = events
        self.http = AuthorizationServerClient(http: httpClient, timeout: timeout)
    }

    /// Creates or updates the push stream; returns its `stream_id`.
    public func subscribe(pushTo endpointURL: String, authorization: String) async throws(TokenValidationError) -> String {
        let metadataURL = issuer + "/.well-known/ssf-configuration"
        let metadata = try await http.get(metadataURL)
        guard metadata.status == 200 else { throw .authorizationServerUnavailable(reason: "\(metadataURL) answered HTTP \(metadata.status)") }
        let document = try metadata.jsonObject(from: metadataURL)
        guard document["issuer"]?.stringValue == issuer, let streams = document["configuration_endpoint"]?.stringValue else {
            throw .authorizationServerUnavailable(reason: "\(metadataURL) names another issuer or no configuration_endpoint")
        }
        let token = try await accessToken()
        var config: [String: JSONValue] = [
            "delivery": ["method": "urn:ietf:rfc:8935", "endpoint_url": .string(endpointURL), "authorization_header": .string(authorization)],
            "aud": .string(audience),
        ]
        if let events { config["events_requested"] = .array(events.map(JSONValue.string)) }
        let created = try await http.sendJSON(.POST, streams, bearer: token, body: .object(config))
        if created.status == 201, let id = try created.jsonObject(from: streams)["stream_id"]?.stringValue { return id }
        guard created.status == 409 else { throw Self.refused(streams, created) }
        // SSF §8.1.1.1: this receiver has a stream already (it ran before): point it here.
        let listed = try await http.sendJSON(.GET, streams, bearer: token, body: nil)
        guard listed.status == 200, let list = try? JSONValue(parsing: Data(listed.body.readableBytesView)).arrayValue,
            let id = list.first?["stream_id"]?.stringValue
        else { throw Self.refused(streams, listed) }
        config["stream_id"] = .string(id)
        let updated = try await http.sendJSON(.PATCH, streams, bearer: token, body: .object(config))
        guard updated.status == 200 else { throw Self.refused(streams, updated) }
        // A stream paused or disabled meanwhile would keep events from arriving.
        let statusURL = document["status_endpoint"]?.stringValue ?? ""
        if !statusURL.isEmpty {
            let enabled = try await http.sendJSON(.POST, statusURL, bearer: token, body: ["stream_id": .string(id), "status": "enabled"])
            guard enabled.status == 200 else { throw Self.refused(statusURL, enabled) }
        }
        return id
    }

    /// A client_credentials token with `ssf.manage` from the discovery document's token endpoint.
    func accessToken() async throws(TokenValidationError) -> String {
        let discoveryURL = IssuerEndpoints.discoveryURL(issuer: issuer)
        let discovery = try await http.get(discoveryURL)
        guard discovery.status == 200, let tokenURL = try discovery.jsonObject(from: discoveryURL)["token_endpoint"]?.stringValue else {
            throw .authorizationServerUnavailable(reason: "\(discoveryURL) answered HTTP \(discovery.status) without a token_endpoint")
        }
        let answer = try await http.postForm(tokenURL, [("grant_type", "client_credentials"), ("scope", Self.scope)], basic: client)
        guard answer.status == 200, let token = try answer.jsonObject(from: tokenURL)["access_token"]?.stringValue else {
            throw Self.refused(tokenURL, answer)
        }
        return token
    }

    /// A refusal, with the server's error code and description (never a token or a secret).
    static func refused(_ url: String, _ answer: AuthorizationServerClient.Answer) -> TokenValidationError {
        let body = try? JSONValue(parsing: Data(answer.body.readableBytesView))
        let detail = [body?["error"]?.stringValue, body?["error_description"]?.stringValue].compactMap { $0 }.joined(separator: ": ")
        return .authorizationServerUnavailable(reason: "\(url) answered HTTP \(answer.status)" + (detail.isEmpty ? "" : " (\(detail))"))
    }
}
