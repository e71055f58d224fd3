import AsyncHTTPClient
import AuthEngine
import ClaimLookupHTTP
import ClaimdeckTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JOSE
import Logging
import NIOCore
import NIOHTTP1
import OAuthHTTP
import Prometheus
import SQLiteStore

/// A Claimdeck server for one test: its own SQLite file in a temporary directory holding the demo tenant
/// of `data/demo-sms.yaml`, and the HTTP face over it, reached one of two ways:
/// - `.router` (the default): HummingbirdTesting sends each request straight to the router, in process,
///   without a socket. The peer address is unknown there (`ClaimdeckRequestContext.remoteAddress` is nil).
/// - `.live`: `ClaimdeckHTTPServer.run` on a loopback port, with its config watch, and AsyncHTTPClient:
///   for tests where the connection, the peer address or the server's own behaviour is the point.
///
/// The issuer is the same in both, `http://127.0.0.1:8080/sms`: the engine's public URL is only a name,
/// and `send` maps absolute URLs of it to wherever the server is really reached.
///
/// Every test gets its own, so tests run in parallel without sharing state. Use `TestServer.with { ... }`,
/// which always stops the server and removes the directory.
final class TestServer: Sendable {
    /// How requests reach the routes.
    enum Mode: Sendable {
        case router
        case live
    }

    let directory: URL
    let store: SQLiteStore
    let engine: ClaimdeckEngine
    let registry: PrometheusCollectorRegistry
    /// The engine's public base URL: `http://127.0.0.1:8080`, whatever the mode.
    let baseURL: String
    private let transport: Transport
    private let task: Task<Void, Never>
    /// Ends the router-mode test client's run.
    private let finish: AsyncStream<Void>.Continuation

    private enum Transport: Sendable {
        case router(any TestClientProtocol)
        case live(port: Int, http: HTTPClient)
    }

    static let tenant = "sms"
    static let publicBaseURL = "http://127.0.0.1:8080"
    /// The demo tenant's issuer: `http://127.0.0.1:8080/sms`.
    var issuer: String { baseURL + "/" + Self.tenant }
    var tokenEndpoint: String { issuer + "/token" }

    /// `http://127.0.0.1:<port>`, where a `.live` server really listens; nil in router mode.
    var liveURL: String? {
        guard case .live(let port, _) = transport else { return nil }
        return "http://127.0.0.1:\(port)"
    }

    /// The client of a `.live` server, for requests `send` cannot make (streamed bodies); nil in router mode.
    var http: HTTPClient? {
        guard case .live(_, let http) = transport else { return nil }
        return http
    }

    private init(
        directory: URL,
        store: SQLiteStore,
        engine: ClaimdeckEngine,
        registry: PrometheusCollectorRegistry,
        transport: Transport,
        task: Task<Void, Never>,
        finish: AsyncStream<Void>.Continuation
    ) {
        self.directory = directory
        self.store = store
        self.engine = engine
        self.registry = registry
        self.baseURL = Self.publicBaseURL
        self.transport = transport
        self.task = task
        self.finish = finish
    }

    /// Runs `body` against a fresh server and always tears it down.
    ///
    /// - Parameter mode: `.router` unless the test needs a socket.
    /// - Parameter logs: when given, every log line of the store, engine and HTTP server goes there, at trace level.
    /// - Parameter clock: the engine's clock (a `ManualWallClock` for expiry and throttling tests).
    /// - Parameter tls: HTTPS with this certificate (`.live` only; `send` then cannot reach it).
    /// - Parameter configure: changes the server before it starts (a mutual-TLS listener, trusted proxies).
    /// - Parameter securityEvents: the Shared Signals policy (limits a test wants to reach).
    static func with<T: Sendable>(
        mode: Mode = .router,
        logs: LogCapture? = nil,
        clock: any WallClock = SystemWallClock(),
        tls: ServerTLS? = nil,
        securityEvents: SecurityEventPolicy = SecurityEventPolicy(),
        configure: (inout ClaimdeckHTTPServer) -> Void = { _ in },
        _ body: (TestServer) async throws -> T
    ) async throws -> T {
        let server = try await start(mode: mode, logs: logs, clock: clock, tls: tls, securityEvents: securityEvents, configure: configure)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// `data/demo-sms.yaml`.
    static var demoFile: String { RepoPaths.demoTenantFile }

    static func quietLogger(_ label: String) -> Logger { DemoTemplate.quietLogger(label) }

    static func start(
        mode: Mode = .router,
        logs: LogCapture? = nil,
        clock: any WallClock = SystemWallClock(),
        tls: ServerTLS? = nil,
        securityEvents: SecurityEventPolicy = SecurityEventPolicy(),
        configure: (inout ClaimdeckHTTPServer) -> Void = { _ in }
    ) async throws -> TestServer {
        func logger(_ label: String, level: Logger.Level = .error) -> Logger {
            guard let logs else {
                var logger = quietLogger(label)
                logger.logLevel = level
                return logger
            }
            var logger = Logger(label: label) { label in logs.handler(label: label) }
            logger.logLevel = .trace
            return logger
        }
        let fm = FileManager.default
        let template = try await DemoTemplate.shared.database()
        let directory = fm.temporaryDirectory.appendingPathComponent("claimdeck-http-tests-\(UUID().uuidString)")
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            let registry = PrometheusCollectorRegistry()
            let (engine, store) = try await template.openEngine(
                in: directory,
                publicBaseURL: publicBaseURL,
                clock: clock,
                metricsFactory: PrometheusMetricsFactory(registry: registry),
                claimLookup: HTTPClaimLookup(),
                securityEvents: securityEvents,
                logger: { logger($0) }
            )
            // Hummingbird logs the cancellation that stops it at error level.
            let httpLogger = logger("test.http", level: .critical)
            // Port 0: the kernel picks a free one, and nothing else needs to know it in advance.
            var server = ClaimdeckHTTPServer(engine: engine, registry: registry, host: "127.0.0.1", port: 0, logger: httpLogger)
            server.tls = tls
            configure(&server)
            if server.mtlsPort != nil { engine.configuration.useMTLSBaseURL("https://127.0.0.1:0") }
            let (finished, finish) = AsyncStream.makeStream(of: Void.self)
            let (transport, task) =
                switch mode {
                case .router: try await routed(server, until: finished)
                case .live: try await served(server)
                }
            return TestServer(
                directory: directory,
                store: store,
                engine: engine,
                registry: registry,
                transport: transport,
                task: task,
                finish: finish
            )
        } catch {
            try? fm.removeItem(at: directory)
            throw error
        }
    }

    /// HummingbirdTesting's router mode, its test client handed out of the closure that owns it; the
    /// closure (and so the client's life) lasts until `finished` ends.
    private static func routed(_ server: ClaimdeckHTTPServer, until finished: AsyncStream<Void>) async throws -> (Transport, Task<Void, Never>) {
        let app = server.makeApplication()
        let (clients, continuation) = AsyncStream.makeStream(of: Result<any TestClientProtocol, any Error>.self)
        let task = Task {
            do {
                try await app.test(.router) { client in
                    continuation.yield(.success(client))
                    for await _ in finished {}
                }
            } catch {
                continuation.yield(.failure(error))
            }
            continuation.finish()
        }
        var iterator = clients.makeAsyncIterator()
        guard let client = try await iterator.next()?.get() else { throw FixtureError("the router test client did not start") }
        return (.router(client), task)
    }

    /// The real server on a loopback port, as `claimdeck serve` runs it.
    private static func served(_ server: ClaimdeckHTTPServer) async throws -> (Transport, Task<Void, Never>) {
        let (events, continuation) = AsyncStream.makeStream(of: Result<Int, any Error>.self)
        let (mtlsEvents, mtlsContinuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task {
            do {
                try await server.run(
                    onRunning: { bound in continuation.yield(.success(bound)) },
                    onMTLSRunning: { _ in mtlsContinuation.yield(0) }
                )
                continuation.yield(.failure(FixtureError("the server stopped")))
            } catch {
                continuation.yield(.failure(error))
            }
            continuation.finish()
            mtlsContinuation.finish()
        }
        var iterator = events.makeAsyncIterator()
        guard let port = try await iterator.next()?.get(), port > 0 else {
            task.cancel()
            await task.value
            throw FixtureError("the server did not start")
        }
        // The mutual-TLS listener too, before a test reaches for it (`engine.configuration.mtlsBaseURL`).
        if server.mtlsPort != nil {
            var mtls = mtlsEvents.makeAsyncIterator()
            _ = await mtls.next()
        }
        // Many requests at once on a loaded CI machine wait for one of the pool's connections:
        // more connections, and a wait bounded by a minute rather than the default 10 s. Redirects are
        // answers to inspect (the browser follows them hop by hop), as in router mode.
        var pool = HTTPClient.Configuration.ConnectionPool()
        pool.concurrentHTTP1ConnectionsPerHostSoftLimit = 32
        let http = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(60)), connectionPool: pool)
        )
        return (.live(port: port, http: http), task)
    }

    /// Closes the client, stops the server and removes the temporary directory.
    func stop() async {
        if case .live(_, let http) = transport { try? await http.shutdown() }
        finish.finish()
        task.cancel()
        await task.value
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: - HTTP

    /// Sends a request with the given raw body and headers. `target` is a path, or an absolute URL under
    /// the public base URL (a Location, a form action, a discovery document's endpoint).
    func send(_ method: HTTPMethod, _ target: String, body: [UInt8]? = nil, headers: [(String, String)] = []) async throws -> HTTPResult {
        let path: String
        if target.hasPrefix(baseURL) {
            path = String(target.dropFirst(baseURL.count))
        } else if target.hasPrefix("/") {
            path = target
        } else {
            throw FixtureError("\(target) is not on this server")
        }
        switch transport {
        case .router(let client):
            var fields = HTTPFields()
            for (name, value) in headers {
                guard let name = HTTPField.Name(name) else { throw FixtureError("not a header name: \(name)") }
                fields.append(HTTPField(name: name, value: value))
            }
            guard let routerMethod = HTTPRequest.Method(method.rawValue) else { throw FixtureError("not a method: \(method)") }
            let response = try await client.executeRequest(uri: path, method: routerMethod, headers: fields, body: body.map { ByteBuffer(bytes: $0) })
            var converted = HTTPHeaders()
            for field in response.headers { converted.add(name: field.name.rawName, value: field.value) }
            return HTTPResult(status: response.status.code, headers: converted, body: Array(response.body.readableBytesView))
        case .live(let port, let http):
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)" + path)
            request.method = method
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
            let response = try await http.execute(request, timeout: .seconds(30))
            let buffer = try await response.body.collect(upTo: 4 * 1024 * 1024)
            return HTTPResult(status: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView))
        }
    }

    func get(_ path: String, headers: [(String, String)] = []) async throws -> HTTPResult {
        try await send(.GET, path, headers: headers)
    }

    /// POSTs an `application/x-www-form-urlencoded` body, with optional Basic client authentication.
    func postForm(_ path: String, _ form: [(String, String)], basic: DemoClient? = nil, headers: [(String, String)] = []) async throws -> HTTPResult {
        var all = [("Content-Type", "application/x-www-form-urlencoded")]
        if let basic { all.append(("Authorization", basic.basicAuthorization)) }
        return try await send(.POST, path, body: Array(FormEncoding.encode(form).utf8), headers: all + headers)
    }

    /// A token request to the demo tenant's token endpoint.
    func tokenRequest(_ form: [(String, String)], basic: DemoClient? = nil, headers: [(String, String)] = []) async throws -> HTTPResult {
        try await postForm("/sms/token", form, basic: basic, headers: headers)
    }

    /// A client_credentials token for a demo client (each one in its registered way); fails the test otherwise.
    func accessToken(_ client: DemoClient, _ extra: [(String, String)] = []) async throws -> String {
        let form = [("grant_type", "client_credentials")] + extra
        let result: HTTPResult
        switch client.method {
        case .clientSecretPost:
            result = try await tokenRequest(form + [("client_id", client.id), ("client_secret", client.secret)])
        default:
            result = try await tokenRequest(form, basic: client)
        }
        guard result.status == 200, let token = try result.json()["access_token"]?.stringValue else {
            throw FixtureError("token request for \(client.id) failed: \(result.status) \(result.text)")
        }
        return token
    }

    /// Introspects `token` as the API gateway.
    func introspect(_ token: String, as caller: DemoClient = .apiGateway, headers: [(String, String)] = []) async throws -> HTTPResult {
        try await postForm("/sms/introspect", [("token", token)], basic: caller, headers: headers)
    }

    /// Whether the gateway's introspection says `active`.
    func isActive(_ token: String) async throws -> Bool {
        let result = try await introspect(token)
        guard result.status == 200, let active = try result.json()["active"]?.boolValue else {
            throw FixtureError("introspection failed: \(result.status) \(result.text)")
        }
        return active
    }

    /// The tenant's JWKS as served over HTTP.
    func jwks() async throws -> JWKSet {
        let result = try await get("/sms/jwks")
        guard result.status == 200 else { throw FixtureError("GET /sms/jwks: \(result.status) \(result.text)") }
        return try JSONDecoder().decode(JWKSet.self, from: Data(result.body))
    }

    /// Parses `jwt` and checks its signature with the key its `kid` names in the JWKS served now.
    func verifiedJWS(_ jwt: String) async throws -> ParsedJWS {
        guard let jws = JWS.parse(jwt) else { throw FixtureError("not a compact JWS: \(jwt.prefix(40))") }
        let set = try await jwks()
        guard let jwk = set.key(kid: jws.keyID) else { throw FixtureError("kid \(jws.keyID ?? "-") is not in the JWKS") }
        guard jws.verify(with: try VerificationKey(jwk: jwk)) else { throw FixtureError("signature does not verify (kid \(jws.keyID ?? "-"))") }
        return jws
    }
}

/// What a request answered.
struct HTTPResult: Sendable, CustomStringConvertible {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? { headers.first(name: name) }

    /// The body as a JSON object.
    func json() throws -> [String: JSONValue] {
        guard case .object(let object) = try JSONValue(parsing: Data(body)) else {
            throw FixtureError("the body is not a JSON object: \(text.prefix(200))")
        }
        return object
    }

    var description: String { "HTTP \(status) \(text.prefix(300))" }
}

/// The tests encode forms and queries with the engine's `FormEncoding` (the same `%XX`, uppercase, over
/// everything but `A-Za-z0-9-._~`); `escape` is its name for one component in the tests.
extension FormEncoding {
    static func escape(_ s: String) -> String { encode(s) }
}
