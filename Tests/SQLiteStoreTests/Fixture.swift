import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import SQLiteStore

/// A real SQLite file in a temporary directory and an engine over it, with a manual clock.
struct Fixture {
    let dir: URL
    let path: String
    let store: SQLiteStore
    let engine: ClaimdeckEngine
    let clock: ManualWallClock
    let masterKey: Data

    /// - Parameters:
    ///   - demo: start from the demo tenant (a copy of the template loaded at `clock`'s time), or empty.
    ///   - timer: the engine's timer (config watch, lookup timeouts); a `TestClock` to move it by hand.
    static func make(
        demo: Bool = true,
        clock: ManualWallClock = ManualWallClock(),
        claimLookup: (any ClaimLookupFetcher)? = nil,
        timer: any Clock<Duration> = ContinuousClock()
    ) async throws -> Fixture {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("claimdeck-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path: String
        let key: Data
        if demo {
            let template = try await DemoTemplate.shared.database(loadedAt: clock.now())
            path = try template.copy(into: dir, name: "test.db")
            key = template.masterKey
        } else {
            path = dir.appendingPathComponent("test.db").path
            key = SecretBox.generateMasterKey()
        }
        let store = try SQLiteStore(path: path, durable: false)
        let engine = try await ClaimdeckEngine(
            store: store,
            masterKey: key,
            configuration: EngineConfiguration(publicBaseURL: "http://127.0.0.1:1"),
            clock: clock,
            claimLookup: claimLookup,
            timer: timer
        )
        return Fixture(dir: dir, path: path, store: store, engine: engine, clock: clock, masterKey: key)
    }

    /// A second engine on the same file: what a second process sees.
    func secondEngine(timer: any Clock<Duration> = ContinuousClock()) async throws -> (ClaimdeckEngine, SQLiteStore) {
        let store = try SQLiteStore(path: path, durable: false)
        let engine = try await ClaimdeckEngine(
            store: store,
            masterKey: masterKey,
            configuration: EngineConfiguration(publicBaseURL: "http://127.0.0.1:1"),
            clock: clock,
            timer: timer
        )
        return (engine, store)
    }

    func cleanup() {
        try? FileManager.default.removeItem(at: dir)
    }

    func basic(_ id: String, _ secret: String) -> String { DemoClient.basicAuthorization(id: id, secret: secret) }

    /// A client_credentials token for a demo client.
    func issue(
        _ client: String = DemoClient.billing.id,
        secret: String = DemoClient.billing.secret,
        extra: [(String, String)] = []
    ) async throws -> TokenResponse {
        try await engine.token(
            TokenEndpointRequest(
                tenantID: "sms",
                form: FormParameters(pairs: [("grant_type", "client_credentials")] + extra),
                authorization: basic(client, secret)
            )
        )
    }

    func introspect(_ token: String) async throws -> IntrospectionResult {
        try await engine.introspect(
            TokenEndpointRequest(
                tenantID: "sms",
                form: FormParameters(pairs: [("token", token)]),
                authorization: DemoClient.apiGateway.basicAuthorization
            )
        )
    }
}
