import AuthEngine
import CoreMetrics
import Foundation
import Hummingbird

/// Latency histograms per endpoint and status, through the injected metrics factory.
///
/// Errors are timed too: an `OAuthError` leaves the route as a thrown `HTTPResponseError` and only
/// becomes a response in the router, outside this middleware, so its status is read from the error.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = ClaimdeckRequestContext
    let factory: any MetricsFactory
    let timers = MetricHandleCache<CoreMetrics.Timer>()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, status: response.status, since: start)
            return response
        } catch {
            record(request, context, status: (error as? any HTTPResponseError)?.status ?? .internalServerError, since: start)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: HTTPResponse.Status, since start: ContinuousClock.Instant) {
        let endpoint = context.endpointPath ?? "unknown"
        let dimensions = [("endpoint", endpoint), ("method", request.method.rawValue), ("status", String(status.code))]
        timers.handle("claimdeck_http_request_duration_seconds", dimensions) {
            CoreMetrics.Timer(
                label: "claimdeck_http_request_duration_seconds",
                dimensions: dimensions,
                preferredDisplayUnit: .seconds,
                factory: factory
            )
        }
        .recordNanoseconds(Int64((ContinuousClock.now - start).nanoseconds))
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (s, atto) = components
        return s * 1_000_000_000 + atto / 1_000_000_000
    }
}
