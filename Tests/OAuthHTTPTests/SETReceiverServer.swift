import ClaimdeckTestSupport
import Foundation
import Hummingbird
import Synchronization

/// A real HTTP server on a loopback port standing for an API that receives pushed SETs (RFC 8935):
/// `POST /events` records the request and answers the next scripted status (202 when the script is
/// empty), 400 with an RFC 8935 error body when scripted so.
final class SETReceiverServer: Sendable {
    /// One push as the receiver saw it.
    struct Push: Sendable {
        var contentType: String?
        var authorization: String?
        var body: String
    }

    let port: Int
    private let task: Task<Void, any Error>
    private let box: Box

    private init(port: Int, task: Task<Void, any Error>, box: Box) {
        self.port = port
        self.task = task
        self.box = box
    }

    var url: String { "http://127.0.0.1:\(port)/events" }
    var pushes: [Push] { box.state.withLock { $0.pushes } }

    /// The statuses of the next pushes, in order.
    func answer(_ statuses: Int...) { box.state.withLock { $0.script += statuses } }

    static func start() async throws -> SETReceiverServer {
        let box = Box()
        let router = Router()
        router.post("/events") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 64 * 1024)
            let push = Push(contentType: request.headers[.contentType], authorization: request.headers[.authorization], body: String(buffer: body))
            let status = box.record(push)
            guard status == 400 else { return Response(status: .init(code: status)) }
            return Response(
                status: .badRequest,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"err":"invalid_audience","description":"not for us"}"#))
            )
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        // Hummingbird logs the cancellation that stops it at error level.
        var logger = TestServer.quietLogger("test.set-receiver")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw FixtureError("the SET receiver did not start") }
        return SETReceiverServer(port: port, task: task, box: box)
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    /// Shared between the router's handler and the server object.
    private final class Box: Sendable {
        let state = Mutex<(pushes: [Push], script: [Int])>(([], []))

        func record(_ push: Push) -> Int {
            state.withLock { s in
                s.pushes.append(push)
                return s.script.isEmpty ? 202 : s.script.removeFirst()
            }
        }
    }
}
