import ClaimdeckTestSupport
import Foundation
import Hummingbird
import Synchronization

/// A real HTTP server on a loopback port standing for the system an external claim is looked up in
/// (a CRM): `/crm/<id>` answers `{"segment": "...", "id": "<id>"}`, `/slow` answers after thirty
/// seconds, `/broken` 500, `/text` plain text. Counts the requests it served.
final class LookupServer: Sendable {
    let port: Int
    private let task: Task<Void, any Error>
    private let hits: HitCounter

    var requests: [String] { hits.all }

    private init(port: Int, task: Task<Void, any Error>, hits: HitCounter) {
        self.port = port
        self.task = task
        self.hits = hits
    }

    static func start() async throws -> LookupServer {
        let counter = HitCounter()
        let router = Router()
        router.get("/crm/:id") { request, context -> Response in
            counter.add(request.uri.path)
            let id = context.parameters.get("id") ?? ""
            return json(#"{"segment": "retail-\#(id)", "id": "\#(id)"}"#)
        }
        router.get("/slow") { request, _ -> Response in
            counter.add(request.uri.path)
            try await Task.sleep(for: .seconds(30))
            return json(#"{"segment": "late"}"#)
        }
        router.get("/broken") { request, _ -> Response in
            counter.add(request.uri.path)
            return Response(status: .internalServerError)
        }
        router.get("/text") { request, _ -> Response in
            counter.add(request.uri.path)
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "hello")))
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: TestServer.quietLogger("test.lookup")
        )
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw FixtureError("the lookup server did not start") }
        return LookupServer(port: port, task: task, hits: counter)
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    private static func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

private final class HitCounter: Sendable {
    let hits = Mutex<[String]>([])
    func add(_ path: String) { hits.withLock { $0.append(path) } }
    var all: [String] { hits.withLock { $0 } }
}
