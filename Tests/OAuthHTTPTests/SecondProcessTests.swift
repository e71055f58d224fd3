import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import SQLiteStore
import Testing

/// A console beside `claimdeck serve`: a second store and engine on the same SQLite file (as another
/// process would open it). What it changes reaches the serving engine over HTTP within a second.
/// A real server (`.live`): its config watch, which `claimdeck serve` runs, is what carries the change.
@Suite("a second engine on the same database")
struct SecondProcessTests {
    static func console(beside server: TestServer) async throws -> (ClaimdeckEngine, SQLiteStore) {
        let store = try SQLiteStore(path: server.store.path, durable: false, logger: TestServer.quietLogger("test.console"))
        let template = try await DemoTemplate.shared.database()
        let engine = try await ClaimdeckEngine(
            store: store,
            masterKey: template.masterKey,
            configuration: EngineConfiguration(publicBaseURL: server.baseURL),
            logger: TestServer.quietLogger("test.console")
        )
        return (engine, store)
    }

    /// Polls `condition` for up to `limit`.
    /// The product polls every 250 ms; the bound is loose so that a starved CI machine, which delays
    /// the polling task, does not make the test flaky. The real binary gets a bound of the same kind in
    /// ClaimdeckCLITests.
    static let propagationBound: Duration = .seconds(10)

    static func eventually(within limit: Duration, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    @Test("a client disabled by the console is refused by the server once its watcher polls")
    func disableFromConsole() async throws {
        try await TestServer.with(mode: .live) { server in
            let (console, _) = try await Self.console(beside: server)
            let token = try await server.accessToken(.billing)
            _ = try await console.setClientDisabled(tenantID: "sms", clientID: "billing-service", disabled: true, actor: "console")
            let refused = try await Self.eventually(within: Self.propagationBound) {
                try await server.tokenRequest([("grant_type", "client_credentials")], basic: .billing).status == 401
            }
            #expect(refused)
            #expect(try await server.isActive(token) == false)
        }
    }

    @Test("a revocation by the console is seen by introspection at once")
    func revokeFromConsole() async throws {
        try await TestServer.with(mode: .live) { server in
            let (console, _) = try await Self.console(beside: server)
            let token = try await server.accessToken(.partnerPortal)
            let summary = try await console.revokeTokens(.client(tenantID: "sms", clientID: "partner-portal"), reason: "incident", actor: "console")
            #expect(summary.revoked == 1)
            #expect(try await server.isActive(token) == false)
        }
    }

    @Test("a key rotated by the console signs the server's next tokens once its watcher polls")
    func rotateFromConsole() async throws {
        try await TestServer.with(mode: .live) { server in
            let (console, _) = try await Self.console(beside: server)
            let change = try await console.rotateKey(tenantID: "sms", actor: "console")
            let rotated = try await Self.eventually(within: Self.propagationBound) {
                JWS.parse(try await server.accessToken(.billing))?.keyID == change.activated
            }
            #expect(rotated)
            #expect(try await server.jwks().key(kid: change.next) != nil)
        }
    }

    @Test("both engines issuing at once: no 'database is locked', every token stored")
    func concurrentWriters() async throws {
        try await TestServer.with(mode: .live) { server in
            let (console, consoleStore) = try await Self.console(beside: server)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for _ in 0..<40 { _ = try await server.accessToken(.billing) }
                }
                group.addTask {
                    for i in 0..<20 {
                        _ = try await console.registerClient(
                            tenantID: "sms",
                            id: "console-\(i)",
                            .init(name: "Console \(i)", scopes: ["status"]),
                            actor: "console"
                        )
                    }
                }
                try await group.waitForAll()
            }
            let issued = try await consoleStore.events(after: 0, limit: 1000, filter: .init(tenantID: "sms", type: .tokenIssued))
            #expect(issued.count == 40)
            #expect(try await server.store.verifyChain().isIntact)
        }
    }
}
