import AuthEngine
import CoreMetrics
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Prometheus

/// The HTTP face of the engine: Hummingbird 2 serving the OAuth endpoints of every tenant, health
/// and metrics. Runs until its task is cancelled or the process gets SIGINT/SIGTERM.
public struct ClaimdeckHTTPServer: Sendable {
    public let engine: ClaimdeckEngine
    public let registry: PrometheusCollectorRegistry
    public let metricsFactory: any MetricsFactory
    public var host: String
    public var port: Int
    public var logger: Logger
    /// Timeouts and the connection cap (defaults: 10 s per request, 60 s idle, the open-file limit less a reserve).
    public var limits: ConnectionLimits
    /// Where health, readiness and metrics are served instead of beside the OAuth endpoints (which
    /// then keep only `/healthz`); nil: all on the one listener.
    public var operations: (host: String, port: Int)?
    /// The proxies whose `X-Forwarded-For` names the client (none by default).
    public var trustedProxies = TrustedProxies()
    /// HTTPS on every listener with this certificate, reloaded when its files change; nil: plain HTTP.
    public var tls: ServerTLS?
    /// RFC 8705: a second HTTPS listener on this port (same host, same certificate) that asks for
    /// client certificates; the main one never does, so browsers see no certificate prompt. Needs `tls`.
    public var mtlsPort: Int?
    /// How client certificates are read: the trust anchors of `tls_client_auth`, and the header a
    /// trusted proxy forwards them in.
    public var clientCertificates = ClientCertificateSource()

    public init(
        engine: ClaimdeckEngine,
        registry: PrometheusCollectorRegistry,
        host: String = "127.0.0.1",
        port: Int = 8080,
        limits: ConnectionLimits = ConnectionLimits(),
        logger: Logger = Logger(label: "claimdeck.http")
    ) {
        self.engine = engine
        self.registry = registry
        self.metricsFactory = PrometheusMetricsFactory(registry: registry)
        self.host = host
        self.port = port
        self.limits = limits
        self.logger = logger
    }

    /// Whether `error` is the server's failure to bind because another process listens on the port.
    public static func isAddressInUse(_ error: any Error) -> Bool {
        (error as? IOError)?.errnoCode == EADDRINUSE
    }

    /// The router with every route and middleware; also what tests drive.
    public func makeRouter(mtls: Bool = false) -> Router<ClaimdeckRequestContext> {
        let router = Router(context: ClaimdeckRequestContext.self)
        router.middlewares.add(RequestMetricsMiddleware(factory: metricsFactory))
        router.middlewares.add(ErrorMiddleware())
        OperationsRoutes(engine: engine, registry: registry).register(on: router, probesAndMetrics: operations == nil)
        var certificates = clientCertificates
        certificates.fromHandshake = mtls
        OAuthRoutes(engine: engine, proxies: trustedProxies, certificates: certificates).register(on: router)
        BrowserRoutes(engine: engine, proxies: trustedProxies).register(on: router)
        SharedSignalsRoutes(engine: engine).register(on: router)
        return router
    }

    /// The Hummingbird application over `makeRouter()`, bound to `host:port`, without the config watch
    /// that `run` adds: what `run` serves, and what tests drive in HummingbirdTesting's router mode.
    /// `onRunning` receives the bound port (useful with port 0).
    public func makeApplication(
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    )
        -> Application<RouterResponder<ClaimdeckRequestContext>>
    {
        oauthApplication(port: port, clientCertificates: nil) { port in
            engine.configuration.useBoundPort(port)
            await onRunning(port)
        }
    }

    /// The mutual-TLS listener's application (every route, TLS asking for a client certificate), when
    /// `mtlsPort` and `tls` are set.
    public func makeMTLSApplication(
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> Application<RouterResponder<ClaimdeckRequestContext>>? {
        guard let mtlsPort, tls != nil else { return nil }
        let reader = clientCertificates.reader ?? ClientCertificateReader(now: { [engine] in engine.clock.now() })
        return oauthApplication(port: mtlsPort, clientCertificates: reader) { port in
            engine.configuration.useBoundMTLSPort(port)
            await onRunning(port)
        }
    }

    /// Every OAuth route on `host:port`; with `clientCertificates`, TLS asks for client certificates.
    private func oauthApplication(
        port: Int,
        clientCertificates: ClientCertificateReader?,
        onBound: @escaping @Sendable (Int) async -> Void
    ) -> Application<RouterResponder<ClaimdeckRequestContext>> {
        let registry = ConnectionRegistry(limits: limits, logger: logger)
        return Application(
            router: makeRouter(mtls: clientCertificates != nil),
            server: HTTPServerBuilder { [tls] responder in
                GuardedHTTP1Channel(responder: responder, registry: registry, tls: tls, clientCertificates: clientCertificates)
            },
            configuration: .init(address: .hostname(host, port: port), serverName: "claimdeck"),
            onServerRunning: { channel in await onBound(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// The operations listener's application (health, readiness, metrics), when `operations` is set.
    public func makeOperationsApplication(
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> Application<RouterResponder<ClaimdeckRequestContext>>? {
        guard let operations else { return nil }
        let router = Router(context: ClaimdeckRequestContext.self)
        router.middlewares.add(ErrorMiddleware())
        OperationsRoutes(engine: engine, registry: registry).register(on: router)
        let registry = ConnectionRegistry(limits: limits, logger: logger)
        return Application(
            router: router,
            server: HTTPServerBuilder { responder in GuardedHTTP1Channel(responder: responder, registry: registry, tls: tls) },
            configuration: .init(address: .hostname(operations.host, port: operations.port), serverName: "claimdeck"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// Serves until cancelled. `onRunning` receives the bound port (useful with port 0), and
    /// `onOperationsRunning` the operations listener's, `onMTLSRunning` the mutual-TLS listener's.
    public func run(
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        onOperationsRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        onMTLSRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let app = makeApplication(onRunning: onRunning)
        let mtlsApp = makeMTLSApplication(onRunning: onMTLSRunning)
        let operationsApp = makeOperationsApplication(onRunning: onOperationsRunning)
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Configuration changed by another process (the CLI, a console beside this server) applies within 10 ms.
            group.addTask { await engine.config.watch() }
            // A renewed certificate is served to new connections within 2 s (SIGHUP: at once, `ServeCommand`).
            if let tls { group.addTask { await tls.watch() } }
            // Failed sign-ins and client authentications other nodes count (PostgreSQL) throttle here too.
            if engine.followsOtherNodes { group.addTask { await engine.watchSharedThrottles() } }
            group.addTask {
                // Throttled callers' refusals are written as one event per window; write each closed one.
                while !Task.isCancelled {
                    try? await engine.timer.sleep(for: .seconds(1))
                    await engine.flushAggregatedRefusals()
                }
            }
            group.addTask {
                // Introspection's audit events that no other write took along, appended on their own.
                while !Task.isCancelled {
                    try? await engine.timer.sleep(for: ClaimdeckEngine.deferredAuditInterval)
                    await engine.flushDeferredAudit()
                }
            }
            // Rows past each tenant's retention are deleted in small batches, every minute.
            group.addTask { await engine.runJanitor() }
            group.addTask { try await app.runService() }
            if let operationsApp { group.addTask { try await operationsApp.runService() } }
            if let mtlsApp { group.addTask { try await mtlsApp.runService() } }
            try await group.next()
            group.cancelAll()
        }
        await engine.flushAggregatedRefusals(everything: true)
        await engine.flushDeferredAudit()
    }
}
