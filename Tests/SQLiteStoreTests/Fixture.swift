import AuthEngine
import Foundation
import JOSE
import SQLiteStore
import TenantYAML

/// A real SQLite file in a temporary directory and an engine over it, with a manual clock.
struct Fixture {
    let dir: URL
    let path: String
    let store: SQLiteStore
    let engine: ClaimdeckEngine
    let clock: ManualWallClock
    let masterKey: Data

    static func make(demo: Bool = true, clock: ManualWallClock = ManualWallClock(),
                     claimLookup: (any ClaimLookupFetcher)? = nil) async throws -> Fixture {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("claimdeck-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("test.db").path
        let store = try SQLiteStore(path: path, durable: false)
        let key = SecretBox.generateMasterKey()
        let engine = try await ClaimdeckEngine(store: store, masterKey: key, configuration: EngineConfiguration(publicBaseURL: "http://127.0.0.1:1"),
                                               clock: clock, claimLookup: claimLookup)
        if demo {
            _ = try await TenantLoader.load(file: demoFile, into: engine, actor: "test")
        }
        return Fixture(dir: dir, path: path, store: store, engine: engine, clock: clock, masterKey: key)
    }

    /// A second engine on the same file: what a second process sees.
    func secondEngine() async throws -> (ClaimdeckEngine, SQLiteStore) {
        let store = try SQLiteStore(path: path, durable: false)
        let engine = try await ClaimdeckEngine(store: store, masterKey: masterKey, configuration: EngineConfiguration(publicBaseURL: "http://127.0.0.1:1"),
                                               clock: clock)
        return (engine, store)
    }

    func cleanup() {
        try? FileManager.default.removeItem(at: dir)
    }

    static var demoFile: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("data/demo-sms.yaml").path
    }

    func basic(_ id: String, _ secret: String) -> String {
        "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()
    }

    /// A client_credentials token for a demo client.
    func issue(_ client: String = "billing-service", secret: String = "billing-demo-secret", extra: [(String, String)] = []) async throws -> TokenResponse {
        try await engine.token(TokenEndpointRequest(
            tenantID: "sms", form: FormParameters(pairs: [("grant_type", "client_credentials")] + extra), authorization: basic(client, secret)))
    }

    func introspect(_ token: String) async throws -> IntrospectionResult {
        try await engine.introspect(TokenEndpointRequest(
            tenantID: "sms", form: FormParameters(pairs: [("token", token)]), authorization: basic("api-gateway", "gateway-demo-secret")))
    }
}
