import CoreMetrics
import Foundation
import Hummingbird

/// Latency histograms per endpoint and status, through the injected metrics factory.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = ClaimdeckRequestContext
    let factory: any MetricsFactory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let endpoint = context.endpointPath ?? "unknown"
        Timer(label: "claimdeck_http_request_duration_seconds",
              dimensions: [("endpoint", endpoint), ("method", request.method.rawValue), ("status", String(response.status.code))],
              preferredDisplayUnit: .seconds, factory: factory)
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
