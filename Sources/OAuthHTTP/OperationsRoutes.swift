import AuthEngine
import Hummingbird
import NIOCore
import Prometheus

/// Liveness, readiness and Prometheus metrics. `/metrics` names every tenant and `/readyz` says how the
/// store is: with `--ops-port` they move to a listener of their own (loopback by default).
struct OperationsRoutes {
    let engine: ClaimdeckEngine
    let registry: PrometheusCollectorRegistry

    /// - Parameter probesAndMetrics: also `/readyz` and `/metrics`; without them only `/healthz`, which
    ///   stays open on the public listener when the others have a listener of their own.
    func register(on router: Router<ClaimdeckRequestContext>, probesAndMetrics: Bool = true) {
        router.getAndHead("healthz") { _, _ in HTTPResponses.json(Array(#"{"status":"ok"}"#.utf8)) }
        guard probesAndMetrics else { return }
        router.getAndHead("readyz") { _, _ in
            do {
                try await engine.checkStore()
            } catch {
                // The store's error stays in the server: the probe only learns that it is not ready.
                throw OAuthError.temporarilyUnavailable("the store does not answer")
            }
            return HTTPResponses.json(Array(#"{"status":"ready"}"#.utf8))
        }
        router.getAndHead("metrics") { _, _ in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16 * 1024)
            registry.emit(into: &buffer)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer))
            )
        }
    }
}
