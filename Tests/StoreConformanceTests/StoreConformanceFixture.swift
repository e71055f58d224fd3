import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import PostgresStore
import SQLiteStore
import Testing

/// A fresh store of one kind and an engine over it, on a manual clock at a whole second (token times
/// are stored in whole seconds, so tests can say exactly what is active when).
struct ConformanceFixture: Sendable {
    static let tenant = "t1"
    static let audience = "https://api.t1.example/a"

    let store: any ClaimdeckStore
    let engine: ClaimdeckEngine
    let clock: ManualWallClock
    /// The SQLite file's directory, removed by `cleanup`.
    let directory: URL?
    /// Closes a PostgreSQL store's connections.
    let closer: @Sendable () -> Void

    static func make(_ kind: StoreKind) async throws -> ConformanceFixture {
        let store: any ClaimdeckStore
        var directory: URL?
        var closer: @Sendable () -> Void = {}
        switch kind {
        case .memory:
            store = MemoryStore()
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("claimdeck-conformance-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            directory = dir
            store = try SQLiteStore(path: dir.appendingPathComponent("test.db").path, durable: false)
        case .postgres:
            // A generous deadline: these tests pin semantics, and on a loaded machine 200 concurrent writes
            // were seen to pass the default 5 s (their callers then get an error, by design).
            let postgres = try await PostgresStore(url: PostgresURL(TestPostgres.freshDatabase()), maximumConnections: 4)
            store = postgres
            closer = { postgres.close() }
        }
        let clock = ManualWallClock()
        let engine = try await ClaimdeckEngine(
            store: store,
            masterKey: SecretBox.generateMasterKey(),
            configuration: EngineConfiguration(publicBaseURL: "http://127.0.0.1:1", passwordCost: .testing),
            clock: clock
        )
        return ConformanceFixture(store: store, engine: engine, clock: clock, directory: directory, closer: closer)
    }

    func cleanup() {
        closer()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    func createTenant() async throws {
        try await engine.createTenant(id: Self.tenant, actor: "test")
    }

    /// A confidential client_credentials client; returns its secret.
    func registerService(_ id: String, format: TokenFormat = .jwt) async throws -> String {
        let spec = ClientSpec(name: id, audiences: [Self.audience], tokenFormat: format)
        return try #require(try await engine.registerClient(tenantID: Self.tenant, id: id, spec, actor: "test").secret)
    }

    func basic(_ id: String, _ secret: String) -> String {
        "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()
    }

    func tokenRequest(_ pairs: [(String, String)], client: String, secret: String) -> TokenEndpointRequest {
        TokenEndpointRequest(tenantID: Self.tenant, form: FormParameters(pairs: pairs), authorization: basic(client, secret))
    }

    func issue(_ client: String, secret: String) async throws -> TokenResponse {
        try await engine.token(tokenRequest([("grant_type", "client_credentials")], client: client, secret: secret))
    }

    func isActive(_ token: String, caller: String, secret: String) async throws -> Bool {
        try await engine.introspect(tokenRequest([("token", token)], client: caller, secret: secret)).active
    }

    /// A token as the engine would record it, `issued` seconds after the clock's start.
    func record(
        _ id: String,
        client: String = "c1",
        subject: String = "s1",
        kind: TokenKind = .access,
        format: TokenFormat = .opaque,
        issued: Double = 0,
        lifetime: Double = 300,
        family: String? = nil,
        keyID: String? = nil
    ) -> TokenRecord {
        let at = clock.now().addingTimeInterval(issued)
        return TokenRecord(
            id: id,
            tenantID: Self.tenant,
            kind: kind,
            format: format,
            clientID: client,
            subject: subject,
            scopes: ["a"],
            audiences: [Self.audience],
            issuedAt: at,
            expiresAt: at.addingTimeInterval(lifetime),
            digest: SecretDigest.sha256(id),
            keyID: keyID,
            grantType: .clientCredentials,
            familyID: family
        )
    }

    func event(_ type: AuditEventType = .tokenIssued, tokenID: String? = nil) -> AuditEventDraft {
        AuditEventDraft(time: clock.now(), type: type, tenantID: Self.tenant, tokenID: tokenID, actor: "test")
    }

    /// The OAuth error code `body` throws, nil if it succeeds.
    func oauthErrorCode(_ body: () async throws -> Void) async -> String? {
        do {
            try await body()
            return nil
        } catch {
            return (error as? OAuthError)?.code ?? "\(error)"
        }
    }
}
