import ArgumentParser
import AuthEngine
import ClaimLookupHTTP
import Foundation
import Logging
import OAuthHTTP
import Prometheus
import SQLiteStore
import TenantYAML

/// `claimdeck serve`: the engine headless, for production.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve the OAuth endpoints of every tenant over HTTP(S).")

    @Option(help: "The database: a SQLite file (created on first run) or a postgres:// URL.") var db: String?
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port).") var port = 8080
    @Option(
        name: .customLong("public-url"),
        help: "Base URL clients use (issuer = <public-url>/<tenant>). Default: CLAIMDECK_PUBLIC_URL, else http(s)://<host>:<port>."
    )
    var publicURL: String?
    @Flag(help: "Load the demo tenant (data/demo-sms.yaml) if it is not there yet.") var demo = false
    @Option(name: .customLong("demo-file"), help: "Another tenant file to load with --demo.") var demoFile: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"
    @Option(name: .customLong("request-timeout"), help: "Seconds a client has to send a whole request (head and body); then 408.")
    var requestTimeout: Double = 10
    @Option(name: .customLong("idle-timeout"), help: "Seconds a keep-alive connection may stay idle.") var idleTimeout: Double = 60
    @Option(
        name: .customLong("max-connections"),
        help: "Open connections at most (default: the open-file limit, raised to its hard limit at start, less 64)."
    )
    var maxConnections: Int?
    @Option(name: .customLong("ops-port"), help: "Serve /healthz, /readyz and /metrics on this port instead (0: any free one).")
    var opsPort: Int?
    @Option(name: .customLong("ops-host"), help: "Address of the --ops-port listener.") var opsHost = "127.0.0.1"
    @Option(
        name: .customLong("trusted-proxy"),
        help: "A load balancer or proxy (address or CIDR network, repeatable) whose X-Forwarded-For names the client."
    )
    var trustedProxy: [String] = []
    @OptionGroup var tls: TLSOptions
    @OptionGroup var mtls: MTLSOptions

    /// The limits asked for, once the open-file limit has been raised.
    func connectionLimits() -> ConnectionLimits {
        ConnectionLimits(requestTimeout: requestTimeout, idleTimeout: idleTimeout, maxConnections: maxConnections)
    }

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        if let publicURL, !Validation.isAbsoluteURI(publicURL) {
            throw ValidationError("--public-url must be an absolute URL such as https://auth.example.com")
        }
        if let opsPort {
            guard (0...65535).contains(opsPort) else { throw ValidationError("--ops-port must be 0 to 65535") }
            guard opsPort == 0 || opsPort != port || opsHost != host else { throw ValidationError("--ops-port must differ from --port") }
        }
        ConnectionLimits.raiseDescriptorLimit()
        if let problem = connectionLimits().problem() { throw ValidationError(problem) }
        do { _ = try TrustedProxies(trustedProxy) } catch { throw ValidationError("--trusted-proxy: \(error)") }
        try mtls.validate(hasTLS: tls.certificate != nil, hasTrustedProxy: !trustedProxy.isEmpty, mainPort: port)
    }

    func run() async throws {
        var logger = Logger(label: "claimdeck")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let options = StoreOptions(db: db, publicURL: publicURL)
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        let hostForURL = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
        let serverTLS = try tls.load(logger: logger)
        let scheme = tls.scheme
        // With --port 0 the base names port 0 until the server has bound; it then takes the real port.
        let (engine, store) = try await EngineFactory.open(
            options,
            defaultPublicURL: "\(scheme)://\(hostForURL):\(port)",
            metricsFactory: factory,
            logger: logger
        )
        if demo {
            guard let file = demoFile ?? DemoData.defaultPath() else {
                throw CommandFailure(message: "--demo: cannot find data/demo-sms.yaml; run from the repository or give --demo-file")
            }
            let report = try await TenantLoader.load(file: file, into: engine, actor: "cli")
            print(
                report.created
                    ? "Loaded demo tenant '\(report.tenantID)' (\(report.clients.count) clients, \(report.users.count) users) from \(file)"
                    : "Demo tenant '\(report.tenantID)' is already loaded"
            )
        }
        print("Claimdeck database: \(store.description)")
        var server = ClaimdeckHTTPServer(engine: engine, registry: registry, host: host, port: port, limits: connectionLimits(), logger: logger)
        let opsHost = self.opsHost
        server.operations = opsPort.map { (opsHost, $0) }
        server.trustedProxies = try TrustedProxies(trustedProxy)
        server.tls = serverTLS
        if let serverTLS { print("TLS certificate: \(serverTLS.summary)") }
        server.clientCertificates = try mtls.source(clock: engine.clock)
        server.mtlsPort = mtls.port
        if let mtlsPort = mtls.port {
            // With --mtls-port 0 the base names port 0 until the listener has bound.
            engine.configuration.useMTLSBaseURL(mtls.publicURL ?? "https://\(hostForURL):\(mtlsPort)")
        }
        // Shared Signals push delivery (RFC 8935) from the store's outbox. On a shared PostgreSQL store
        // every node runs it: a claimed event is leased to one node, so none is pushed twice at once.
        let delivery = Task { await engine.runSecurityEventDelivery(using: HTTPSecurityEventPusher()) }
        defer { delivery.cancel() }
        try await server.run(
            onRunning: { bound in
                print("Claimdeck serving on \(scheme)://\(hostForURL):\(bound)")
                for t in engine.tenantSummaries() {
                    print("  tenant \(t.tenant.id): issuer \(t.issuer), discovery \(t.issuer)/.well-known/openid-configuration")
                }
                Output.flush()
            },
            onOperationsRunning: { bound in
                print("Operations (health, readiness, metrics) on \(scheme)://\(opsHost):\(bound)")
                Output.flush()
            },
            onMTLSRunning: { bound in
                print("Mutual TLS (client certificates, RFC 8705) on https://\(hostForURL):\(bound)")
                Output.flush()
            }
        )
        // SIGINT/SIGTERM end `run` gracefully; a SQLite database is left as one checkpointed file.
        store.close()
    }
}

/// `claimdeck demo load`.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Demo data.", subcommands: [Load.self])

    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load the demo tenant (SMS service) into the database.")
        @Option(help: "The database: a SQLite file or a postgres:// URL.") var db: String?
        @Option(help: "Tenant file (default: data/demo-sms.yaml).") var file: String?
        @Flag(help: "JSON output.") var json = false

        func run() async throws {
            guard let path = file ?? DemoData.defaultPath() else {
                throw CommandFailure(message: "cannot find data/demo-sms.yaml; give --file", exitCode: 2)
            }
            let (engine, _) = try await EngineFactory.open(StoreOptions(db: db))
            let report = try await TenantLoader.load(file: path, into: engine, actor: "cli")
            Output(json: json).emit(
                .object([
                    "tenant": .string(report.tenantID), "created": .bool(report.created),
                    "clients": .array(report.clients.map { .string($0) }), "users": .array(report.users.map { .string($0) }),
                ]),
                human: report.created
                    ? "Loaded tenant '\(report.tenantID)': clients \(report.clients.joined(separator: ", ")); users \(report.users.joined(separator: ", "))"
                    : "Tenant '\(report.tenantID)' already exists; nothing loaded"
            )
        }
    }
}
