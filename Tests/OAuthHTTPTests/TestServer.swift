import AsyncHTTPClient
import AuthEngine
import ClaimLookupHTTP
import Foundation
import GRDB
import JOSE
import Logging
import NIOCore
import NIOHTTP1
import OAuthHTTP
import Prometheus
import SQLiteStore
import Synchronization
import TenantYAML
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real Claimdeck server for one test: its own SQLite file in a temporary directory holding the demo
/// tenant of `data/demo-sms.yaml`, Hummingbird on a loopback port, and an HTTP client.
///
/// Every test gets its own, so tests run in parallel without sharing state. Use `TestServer.with { ... }`,
/// which always stops the server and removes the directory.
final class TestServer: Sendable {
    let directory: URL
    let store: SQLiteStore
    let engine: ClaimdeckEngine
    let registry: PrometheusCollectorRegistry
    let port: Int
    /// `http://127.0.0.1:<port>`
    let baseURL: String
    let http: HTTPClient
    private let serverTask: Task<Void, Never>

    static let tenant = "sms"
    /// The demo tenant's issuer: `http://127.0.0.1:<port>/sms`.
    var issuer: String { baseURL + "/" + Self.tenant }
    var tokenEndpoint: String { issuer + "/token" }

    private init(directory: URL, store: SQLiteStore, engine: ClaimdeckEngine, registry: PrometheusCollectorRegistry,
                 port: Int, http: HTTPClient, serverTask: Task<Void, Never>) {
        self.directory = directory
        self.store = store
        self.engine = engine
        self.registry = registry
        self.port = port
        self.baseURL = "http://127.0.0.1:\(port)"
        self.http = http
        self.serverTask = serverTask
    }

    /// Runs `body` against a fresh server and always tears it down.
    ///
    /// - Parameter logs: when given, every log line of the store, engine and HTTP server goes there, at trace level.
    /// - Parameter clock: the engine's clock (a `ManualWallClock` for expiry and throttling tests).
    static func with<T: Sendable>(logs: LogCapture? = nil, clock: any WallClock = SystemWallClock(),
                                  _ body: (TestServer) async throws -> T) async throws -> T {
        let server = try await start(logs: logs, clock: clock)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// `data/demo-sms.yaml`, found from this file's location.
    static var demoFile: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("data/demo-sms.yaml").path
    }

    static func quietLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .error
        return logger
    }

    static func start(logs: LogCapture? = nil, clock: any WallClock = SystemWallClock()) async throws -> TestServer {
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
            let path = directory.appendingPathComponent("claimdeck.db").path
            try fm.copyItem(atPath: template.path, toPath: path)
            let registry = PrometheusCollectorRegistry()
            let factory = PrometheusMetricsFactory(registry: registry)
            let store = try SQLiteStore(path: path, durable: false, metricsFactory: factory, logger: logger("test.store"))

            // The issuer must name the port the server listens on, and the engine takes its public URL at
            // construction: pick a free port first, and if something takes it before the server binds,
            // start again on another one.
            var lastError: any Error = FixtureError("no attempt was made")
            for _ in 0..<8 {
                let port = try freeLoopbackPort()
                let engine = try await ClaimdeckEngine(
                    store: store, masterKey: template.masterKey,
                    configuration: EngineConfiguration(publicBaseURL: "http://127.0.0.1:\(port)", passwordCost: .testing), clock: clock,
                    metrics: EngineMetrics(factory: factory), logger: logger("test.engine"), claimLookup: HTTPClaimLookup())
                // Hummingbird logs the cancellation that stops it at error level.
                let httpLogger = logger("test.http", level: .critical)
                let server = ClaimdeckHTTPServer(engine: engine, registry: registry, host: "127.0.0.1", port: port, logger: httpLogger)
                let (events, continuation) = AsyncStream.makeStream(of: Result<Int, any Error>.self)
                let task = Task {
                    do {
                        try await server.run { bound in continuation.yield(.success(bound)) }
                        continuation.yield(.failure(FixtureError("the server stopped")))
                    } catch {
                        continuation.yield(.failure(error))
                    }
                    continuation.finish()
                }
                var iterator = events.makeAsyncIterator()
                switch await iterator.next() {
                case .success(let bound)?:
                    guard bound == port else {
                        task.cancel()
                        await task.value
                        throw FixtureError("the server bound port \(bound), not \(port)")
                    }
                    // Many requests at once on a loaded CI machine wait for one of the pool's connections:
                    // more connections, and a wait bounded by a minute rather than the default 10 s.
                    var pool = HTTPClient.Configuration.ConnectionPool()
                    pool.concurrentHTTP1ConnectionsPerHostSoftLimit = 32
                    let http = HTTPClient(eventLoopGroupProvider: .singleton,
                                          configuration: .init(timeout: .init(connect: .seconds(60)), connectionPool: pool))
                    return TestServer(directory: directory, store: store, engine: engine, registry: registry, port: port,
                                      http: http, serverTask: task)
                case .failure(let error)?:
                    lastError = error
                    await task.value
                case nil:
                    lastError = FixtureError("the server ended without a word")
                }
            }
            throw lastError
        } catch {
            try? fm.removeItem(at: directory)
            throw error
        }
    }

    /// Closes the client, stops the server and removes the temporary directory.
    func stop() async {
        try? await http.shutdown()
        serverTask.cancel()
        await serverTask.value
        try? FileManager.default.removeItem(at: directory)
    }

    /// Binds a TCP socket to 127.0.0.1:0, reads the port the kernel chose, and closes it.
    static func freeLoopbackPort() throws -> Int {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw FixtureError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw FixtureError("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw FixtureError("getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    // MARK: - HTTP

    /// Sends a request with the given raw body and headers.
    func send(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, headers: [(String, String)] = []) async throws -> HTTPResult {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await http.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 4 * 1024 * 1024)
        return HTTPResult(status: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView))
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

/// A demo client of `data/demo-sms.yaml`, with its demo secret.
struct DemoClient: Sendable {
    var id: String
    var secret: String
    var method: ClientAuthMethod

    static let billing = DemoClient(id: "billing-service", secret: "billing-demo-secret", method: .clientSecretBasic)
    static let partnerPortal = DemoClient(id: "partner-portal", secret: "partner-demo-secret", method: .clientSecretPost)
    static let apiGateway = DemoClient(id: "api-gateway", secret: "gateway-demo-secret", method: .clientSecretBasic)
    static let statusMonitor = DemoClient(id: "status-monitor", secret: "monitor-demo-secret", method: .clientSecretBasic)

    /// The same client presenting another secret.
    func withSecret(_ secret: String) -> DemoClient { DemoClient(id: id, secret: secret, method: method) }

    /// RFC 6749 §2.3.1: Basic over the form-encoded id and secret.
    var basicAuthorization: String {
        "Basic " + Data("\(FormEncoding.escape(id)):\(FormEncoding.escape(secret))".utf8).base64EncodedString()
    }

    /// The client_secret_post parameters.
    var postParameters: [(String, String)] { [("client_id", id), ("client_secret", secret)] }
}

/// The demo tenant's audiences.
enum Audience {
    static let invoices = "https://api.sms.example/invoices"
    static let sms = "https://api.sms.example/sms"
    static let status = "https://api.sms.example/status"
}

/// The tests encode forms and queries with the engine's `FormEncoding` (the same `%XX`, uppercase, over
/// everything but `A-Za-z0-9-._~`); `escape` is its name for one component in the tests.
extension FormEncoding {
    static func escape(_ s: String) -> String { encode(s) }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The demo tenant, loaded once per test process with `TenantLoader` into a real store, then copied as a
/// plain SQLite file for every test. Loading it costs seconds in a debug build (scrypt for the demo
/// users' passwords, RSA-2048 key generation for status-monitor); copying costs milliseconds.
/// The template's directory, for the exit handler.
private let templateDirectory = Mutex<String?>(nil)

actor DemoTemplate {
    static let shared = DemoTemplate()

    struct Database: Sendable {
        /// A self-contained SQLite file (no WAL beside it).
        var path: String
        /// The master key its signing keys are sealed under.
        var masterKey: Data
    }

    private var building: Task<Database, any Error>?

    func database() async throws -> Database {
        if let building { return try await building.value }
        let task = Task { try await Self.build() }
        building = task
        return try await task.value
    }

    private static func build() async throws -> Database {
        let fm = FileManager.default
        let directory = fm.temporaryDirectory.appendingPathComponent("claimdeck-http-template-\(UUID().uuidString)")
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        let masterKey = Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        let source = directory.appendingPathComponent("source.db").path
        do {
            let store = try SQLiteStore(path: source, durable: false, logger: TestServer.quietLogger("test.template"))
            let engine = try await ClaimdeckEngine(store: store, masterKey: masterKey,
                                                   configuration: EngineConfiguration(publicBaseURL: "http://127.0.0.1:1", passwordCost: .testing),
                                                   logger: TestServer.quietLogger("test.template"))
            let report = try await TenantLoader.load(file: TestServer.demoFile, into: engine, actor: "test")
            guard report.created, report.clients.count == 7 else {
                throw FixtureError("the demo tenant did not load as expected: \(report)")
            }
        }
        // A consistent single-file copy, whatever the store still holds in its WAL.
        let copy = directory.appendingPathComponent("demo-sms.db").path
        // The store closing its pool checkpoints the WAL under an exclusive lock: wait for it.
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let queue = try DatabaseQueue(path: source, configuration: configuration)
        try await queue.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [copy]) }
        try queue.close()
        for suffix in ["", "-wal", "-shm"] { try? fm.removeItem(atPath: source + suffix) }
        removeStaleTemplates(except: directory)
        templateDirectory.withLock { $0 = directory.path }
        atexit {
            if let path = templateDirectory.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
        }
        return Database(path: copy, masterKey: masterKey)
    }

    /// The template is removed when the test process exits; templates of runs that crashed are removed
    /// here once they are an hour old.
    private static func removeStaleTemplates(except current: URL) {
        let fm = FileManager.default
        let tmp = fm.temporaryDirectory
        guard let names = try? fm.contentsOfDirectory(atPath: tmp.path) else { return }
        for name in names where name.hasPrefix("claimdeck-http-template-") && name != current.lastPathComponent {
            let url = tmp.appendingPathComponent(name)
            if let modified = (try? fm.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date,
               modified < Date().addingTimeInterval(-3600) {
                try? fm.removeItem(at: url)
            }
        }
    }
}

/// Collects log lines (message, metadata, source) in memory, to check what the product logs.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    func handler(label: String) -> any LogHandler { Handler(label: label, capture: self) }

    struct Handler: LogHandler {
        let label: String
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            capture.append("\(event.level) \(label) \(event.source): \(event.message) \(fields) \(event.error.map { "error=\($0)" } ?? "")")
        }
    }
}
