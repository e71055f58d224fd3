import CoreMetrics
import Foundation
import AuthEngine
import Hummingbird

/// Latency histograms per endpoint and status, through the injected metrics factory.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = ClaimdeckRequestContext
    let factory: any MetricsFactory
    let timers = MetricHandleCache<CoreMetrics.Timer>()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let endpoint = context.endpointPath ?? "unknown"
        let dimensions = [("endpoint", endpoint), ("method", request.method.rawValue), ("status", String(response.status.code))]
        timers.handle("claimdeck_http_request_duration_seconds", dimensions) {
            CoreMetrics.Timer(label: "claimdeck_http_request_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds, factory: factory)
        }
            .recordNanoseconds(Int64((ContinuousClock.now - start).nanoseconds))
        return response
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (s, atto) = components
        return s * 1_000_000_000 + atto / 1_000_000_000
    }
}
