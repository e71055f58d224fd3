import AsyncHTTPClient
import AuthEngine
import ClaimdeckResourceServer
import ClaimdeckTestSupport
import Foundation
import JOSE
import NIOCore
import OAuthHTTP
import Prometheus
import SQLiteStore

/// A real Claimdeck server for one test, on a loopback port, with the demo tenant of data/demo-sms.yaml
/// in its own SQLite file: the issuer the resource-server library is tested against.
///
/// Unlike OAuthHTTPTests' `TestServer`, its public URL is where it really listens, so the discovery
/// document's `jwks_uri` and `introspection_endpoint` are reachable as a deployed API would reach them.
final class LiveClaimdeck: Sendable {
    let engine: ClaimdeckEngine
    let port: Int
    private let directory: URL
    private let task: Task<Void, any Error>

    /// `http://127.0.0.1:<port>/sms`, as tokens carry it in `iss`.
    var issuer: String { "http://127.0.0.1:\(port)/sms" }

    private init(engine: ClaimdeckEngine, port: Int, directory: URL, task: Task<Void, any Error>) {
        self.engine = engine
        self.port = port
        self.directory = directory
        self.task = task
    }

    /// Runs `body` against a fresh server and always stops it; `clock` is the engine's (its tokens' `iat`).
    static func with<T: Sendable>(clock: any WallClock = SystemWallClock(), _ body: (LiveClaimdeck) async throws -> T) async throws -> T {
        let server = try await start(clock: clock)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    private static func start(clock: any WallClock) async throws -> LiveClaimdeck {
        let fm = FileManager.default
        let template = try await DemoTemplate.shared.database()
        let directory = fm.temporaryDirectory.appendingPathComponent("claimdeck-rs-tests-\(UUID().uuidString)")
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            // Port 0: the kernel picks a free one as the server binds (a port probed free beforehand can be
            // taken by another test's connection in between); the issuer takes the bound port then
            // (`EngineConfiguration.useBoundPort`).
            let (engine, _) = try await template.openEngine(
                in: directory,
                publicBaseURL: "http://127.0.0.1:0",
                clock: clock,
                logger: DemoTemplate.quietLogger
            )
            var logger = DemoTemplate.quietLogger("rs.http")
            logger.logLevel = .critical
            let server = ClaimdeckHTTPServer(engine: engine, registry: PrometheusCollectorRegistry(), port: 0, logger: logger)
            let (bound, continuation) = AsyncStream.makeStream(of: Int.self)
            let task = Task {
                defer { continuation.finish() }
                try await server.run { continuation.yield($0) }
            }
            var iterator = bound.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                task.cancel()
                throw FixtureError("the Claimdeck server did not start: \(String(describing: await task.result))")
            }
            return LiveClaimdeck(engine: engine, port: port, directory: directory, task: task)
        } catch {
            try? fm.removeItem(at: directory)
            throw error
        }
    }

    func stop() async {
        task.cancel()
        _ = await task.result
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: - Tokens over HTTP

    /// POSTs a form to the tenant's `endpoint` (token, revoke), authenticating as `client` its registered way.
    func post(
        _ endpoint: String,
        _ form: [(String, String)],
        as client: DemoClient,
        headers: [(String, String)] = []
    ) async throws
        -> (status: Int, body: [String: JSONValue])
    {
        var request = HTTPClientRequest(url: issuer + "/" + endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        var fields = form
        if client.method == .clientSecretPost {
            fields += client.postParameters
        } else {
            request.headers.add(name: "Authorization", value: client.basicAuthorization)
        }
        request.body = .bytes(ByteBuffer(string: FormEncoding.encode(fields)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1024 * 1024)
        let json = body.readableBytes == 0 ? [:] : (try JSONValue(parsing: Data(body.readableBytesView)).objectValue ?? [:])
        return (Int(response.status.code), json)
    }

    /// A client_credentials access token for a demo client.
    func accessToken(_ client: DemoClient, scope: String? = nil) async throws -> String {
        var form = [("grant_type", "client_credentials")]
        if let scope { form.append(("scope", scope)) }
        let answer = try await post("token", form, as: client)
        guard answer.status == 200, let token = answer.body["access_token"]?.stringValue else {
            throw FixtureError("token request for \(client.id) failed: \(answer.status) \(answer.body)")
        }
        return token
    }

    /// Revokes `token` at the server (RFC 7009) as the client it was issued to.
    func revoke(_ token: String, as client: DemoClient) async throws {
        let answer = try await post("revoke", [("token", token)], as: client)
        guard answer.status == 200 else { throw FixtureError("revocation failed: \(answer.status) \(answer.body)") }
    }
}

/// The library's clock in tests: the engine's manual clock, which already has the same `now()`.
extension ManualWallClock: ResourceServerClock {}

extension ManualWallClock {
    /// Moves the clock to `date` (forward or back).
    func set(_ date: Date) {
        advance(by: date.timeIntervalSince(now()))
    }
}
