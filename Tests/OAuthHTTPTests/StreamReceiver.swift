import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import NIOHTTP1

/// A Shared Signals receiver registered in a test server's demo tenant: a confidential
/// client_credentials client with the `ssf.manage` scope, and its requests to the stream API.
struct StreamReceiver: Sendable {
    let server: TestServer
    let client: DemoClient
    let token: String

    static func register(_ server: TestServer, id: String = "invoices-receiver", audiences: [String]? = nil) async throws -> StreamReceiver {
        let registered = try await server.engine.registerClient(
            tenantID: TestServer.tenant,
            id: id,
            ClientSpec(name: "Receiver \(id)", scopes: [ClaimdeckEngine.streamManagementScope], audiences: audiences ?? [server.issuer]),
            actor: "test"
        )
        let client = DemoClient(id: id, secret: registered.secret ?? "", method: .clientSecretBasic)
        return StreamReceiver(server: server, client: client, token: try await server.accessToken(client))
    }

    var bearer: [(String, String)] { [("Authorization", "Bearer \(token)")] }

    /// A JSON request to `/sms/ssf/<path>` with this receiver's token.
    func send(_ method: HTTPMethod, _ path: String, _ body: JSONValue? = nil, headers: [(String, String)]? = nil) async throws -> HTTPResult {
        try await server.send(
            method,
            "/sms/ssf/" + path,
            body: body.map { Array($0.serialized()) },
            headers: (headers ?? bearer) + (body == nil ? [] : [("Content-Type", "application/json")])
        )
    }

    /// Creates a push stream to `url` for the invoices API's audience; answers its configuration.
    func createPushStream(to url: String, authorization: String? = nil, events: [String]? = nil) async throws -> [String: JSONValue] {
        var delivery: [String: JSONValue] = ["method": "urn:ietf:rfc:8935", "endpoint_url": .string(url)]
        if let authorization { delivery["authorization_header"] = .string(authorization) }
        var body: [String: JSONValue] = ["delivery": .object(delivery), "aud": .string(Audience.invoices)]
        if let events { body["events_requested"] = .array(events.map(JSONValue.string)) }
        let created = try await send(.POST, "streams", .object(body))
        guard created.status == 201 else { throw FixtureError("stream not created: \(created)") }
        return try created.json()
    }
}
