import ClaimdeckTestSupport
import Foundation
import Hummingbird

/// A Hummingbird router served over real HTTP on a loopback port picked by the kernel, for one test:
/// the library's peers that are not Claimdeck (a receiver's endpoint, a hand-made issuer).
enum LoopbackServer {
    /// Serves `router` on `127.0.0.1`, runs `body` with the bound port, and always stops the server.
    static func with<T: Sendable>(
        _ router: Router<BasicRequestContext>,
        label: String = "rs.loopback",
        _ body: (Int) async throws -> T
    ) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = DemoTemplate.quietLogger(label)
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) },
            logger: logger
        )
        let running = Task { try await app.runService(gracefulShutdownSignals: []) }
        defer { running.cancel() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw FixtureError("the loopback server did not start") }
        return try await body(port)
    }
}
