import AuthEngine
import ClaimdeckTestSupport
import ConsoleUI
import Foundation
import JOSE
import SQLiteStore

/// The console over a real SQLite store in a temporary directory holding the demo tenant, driven by
/// keys and rendered into an in-memory cell grid. Jobs run to completion after every key, so each
/// frame is deterministic; time moves only when the test says so.
final class Harness {
    let dir: URL
    let store: SQLiteStore
    let engine: ClaimdeckEngine
    let clock: ManualWallClock
    let app: ConsoleApp
    var grid: CellGrid

    static let themes = RepoPaths.themes.path

    /// - Parameter demo: start from the demo tenant (a copy of the template loaded at the manual clock's
    ///   time), or from an empty database.
    init(
        width: Int = 80,
        height: Int = 24,
        start: ScreenKind = .audit,
        demo: Bool = true,
        colorDepth: ColorDepth = .c256,
        readOnly: Bool = false
    ) async throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("claimdeck-console-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        clock = ManualWallClock()
        let masterKey: Data
        if demo {
            let template = try await DemoTemplate.shared.database(loadedAt: clock.now())
            store = try SQLiteStore(path: try template.copy(into: dir, name: "c.db"), durable: false)
            masterKey = template.masterKey
        } else {
            store = try SQLiteStore(path: dir.appendingPathComponent("c.db").path, durable: false)
            masterKey = SecretBox.generateMasterKey()
        }
        engine = try await ClaimdeckEngine(
            store: store,
            masterKey: masterKey,
            configuration: EngineConfiguration(publicBaseURL: "http://127.0.0.1:8080"),
            clock: clock
        )
        app = ConsoleApp(
            engine: engine,
            clock: clock,
            tenantID: "sms",
            environment: ConsoleEnvironment(
                databasePath: "/tmp/c.db",
                serverURL: "http://127.0.0.1:8080",
                themeDirectory: Self.themes,
                colorDepth: colorDepth
            ),
            start: start,
            readOnly: readOnly
        )
        grid = CellGrid(width: width, height: height)
        app.start()
        await settle()
    }

    deinit {
        store.close()
        try? FileManager.default.removeItem(at: dir)
    }

    /// Runs every job the console started, delivering results, until none is left.
    func settle() async {
        for _ in 0..<100 {
            let jobs = app.takeJobs()
            if jobs.isEmpty { return }
            for job in jobs { app.deliver(await job.run(on: engine)) }
        }
    }

    func press(_ keys: Key...) async {
        for k in keys {
            app.handle(k)
            await settle()
        }
    }

    func type(_ text: String) async {
        for c in text { await press(.char(c)) }
    }

    /// Moves the clock and lets live screens poll.
    func tick(seconds: TimeInterval = 0.2) async {
        clock.advance(by: seconds)
        app.tick()
        await settle()
    }

    func resize(width: Int, height: Int) async {
        grid = CellGrid(width: width, height: height)
        await press(.resize)
    }

    var screen: String {
        app.render(into: &grid)
        return grid.text
    }

    /// The message on the bottom rows, its wrapped rows joined: a long flash grows upwards from the
    /// last row, each continuation row indented by two spaces.
    var message: String {
        app.render(into: &grid)
        var rows: [String] = []
        for y in stride(from: grid.height - 1, through: max(0, grid.height - 1 - grid.height / 3), by: -1) {
            let row = grid.row(y)
            rows.insert(row, at: 0)
            if !row.hasPrefix("  ") { break }
        }
        return rows.map { $0.hasPrefix("  ") ? String($0.dropFirst(2)) : $0 }.joined(separator: " ")
    }

    func line(_ y: Int) -> String {
        app.render(into: &grid)
        return grid.row(y)
    }

    func basic(_ id: String, _ secret: String) -> String { DemoClient.basicAuthorization(id: id, secret: secret) }

    /// A client_credentials token, as the HTTP endpoint issues it.
    /// The partner portal sends its secret in the form (client_secret_post), the others in the Basic header.
    /// - Parameter dpop: a key to prove possession of: the token is then DPoP-bound to it (RFC 9449).
    func issue(
        _ client: String = DemoClient.billing.id,
        secret: String = DemoClient.billing.secret,
        dpop: DPoPKey? = nil
    ) async throws -> TokenResponse {
        let post = client == DemoClient.partnerPortal.id
        let url = engine.configuration.endpointURL("token", tenantID: "sms", mutualTLS: false)
        return try await engine.token(
            TokenEndpointRequest(
                tenantID: "sms",
                form: FormParameters(
                    pairs: [("grant_type", "client_credentials")] + (post ? [("client_id", client), ("client_secret", secret)] : [])
                ),
                authorization: post ? nil : basic(client, secret),
                dpopProofs: try dpop.map { [try $0.proof(htu: url, iat: clock.now())] } ?? []
            )
        )
    }

    func failedAuth() async {
        _ = try? await engine.token(
            TokenEndpointRequest(
                tenantID: "sms",
                form: FormParameters(pairs: [("grant_type", "client_credentials")]),
                authorization: DemoClient.billing.withSecret("wrong").basicAuthorization
            )
        )
    }

    /// A throttled client's refusals are written as one event when their window (5 s) closes: close it.
    func closeRefusalWindows() async {
        clock.advance(by: 5)
        await engine.flushAggregatedRefusals()
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
