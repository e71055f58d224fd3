import ArgumentParser
import AuthEngine
import ConsoleTerminal
import ConsoleUI
import Foundation
import Logging
import OAuthHTTP
import Prometheus
import TenantYAML

/// `claimdeck` with no subcommand: the terminal console over the embedded engine and its SQLite store,
/// with the OAuth endpoints served on loopback beside it (so a token a client asks for shows up live
/// on the audit screen). Without a terminal it serves headless, as `claimdeck serve` does.
struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Open the terminal console (the default), serving the OAuth endpoints on loopback beside it."
    )

    @Option(help: "The database: a SQLite file (created on first run) or a postgres:// URL.") var db: String?
    @Option(help: "Loopback port of the OAuth endpoints served beside the console (0: any free port).") var port = 8080
    @Option(
        name: .customLong("public-url"),
        help: "Base URL clients use: the issuer is <public-url>/<tenant> (default: CLAIMDECK_PUBLIC_URL, else http://127.0.0.1:<port>)."
    )
    var publicURL: String?
    @Flag(name: .customLong("no-serve"), help: "Only administer: do not serve the OAuth endpoints.") var noServe = false
    @Flag(help: "Load the demo tenant (data/demo-sms.yaml) if it is not there yet.") var demo = false
    @Flag(
        name: .customLong("read-only"),
        help: "Open the console with every write refused (revoke, delete, edit, publish); :readonly toggles it."
    )
    var readOnly = false
    @Option(name: .customLong("demo-file"), help: "Another tenant file to load with --demo.") var demoFile: String?
    @Option(help: "Colour theme from themes/ (default, light, high-contrast, mono); NO_COLOR is honoured.") var theme = "default"
    @Option(help: "Tenant to open (default: the first one).") var tenant: String?
    @Option(help: "Screen to open: tenants, clients, users, tokens, audit, keys or designer.") var screen = "audit"
    @Option(name: .customLong("log-file"), help: "Where logs and stderr go while the console runs (default: <db>.console.log).")
    var logFile: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "warning"
    @OptionGroup var tls: TLSOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        guard ScreenKind(rawValue: screen) != nil else {
            throw ValidationError("--screen must be one of \(ScreenKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        guard isatty(0) == 1 && isatty(1) == 1 else { return try await serveHeadless() }
        let options = StoreOptions(db: db, publicURL: publicURL)
        let logPath = try logFile ?? options.consoleLogPath()
        // Everything logs to stderr, which points at the log file while the console owns the terminal.
        var logger = Logger(label: "claimdeck", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
        let registry = PrometheusCollectorRegistry()
        let (engine, store) = try await EngineFactory.open(
            options,
            defaultPublicURL: "\(tls.scheme)://127.0.0.1:\(port)",
            metricsFactory: PrometheusMetricsFactory(registry: registry),
            logger: logger
        )
        defer { store.close() }
        if demo { try await loadDemo(into: engine) }
        let tenants = engine.tenantSummaries().map(\.tenant.id)
        if let tenant, !tenants.contains(tenant) {
            throw CommandFailure(
                message: "no tenant '\(tenant)'; tenants: \(tenants.isEmpty ? "none (try --demo)" : tenants.joined(separator: ", "))",
                exitCode: 2
            )
        }
        let startTenant = tenant ?? (tenants.contains("sms") ? "sms" : tenants.first ?? "")
        let themeDir = ThemeFiles.directory()
        let initialTheme =
            try themeDir.map { dir throws -> Theme in
                do { return try ThemeLoader.load(named: theme, from: dir).theme } catch {
                    throw CommandFailure(message: "--theme: \(error)", exitCode: 2)
                }
            } ?? Theme.builtIn
        let inbox = ConsoleInbox()
        let serve = !noServe
        let port = self.port
        let serverTLS = serve ? try tls.load(logger: logger) : nil
        let scheme = tls.scheme
        // The server says whether it is listening (nil) or why it could not start, before the console opens.
        let (started, startSignal) = AsyncStream<String?>.makeStream()
        let background = Task {
            await withTaskGroup(of: Void.self) { group in
                if !serve {
                    group.addTask { await engine.config.watch() }
                } else {
                    ConnectionLimits.raiseDescriptorLimit()
                    var server = ClaimdeckHTTPServer(engine: engine, registry: registry, host: "127.0.0.1", port: port, logger: logger)
                    server.tls = serverTLS
                    group.addTask {
                        do {
                            try await server.run { bound in
                                inbox.setServerURL("\(scheme)://127.0.0.1:\(bound)")
                                startSignal.yield(nil)
                            }
                            inbox.stop("the server stopped")
                        } catch {
                            let message = Self.startFailure(error, port: port)
                            startSignal.yield(message)
                            inbox.stop(message)
                        }
                    }
                }
                await group.waitForAll()
            }
        }
        defer { background.cancel() }
        if serve {
            // A console that cannot serve does not open: it says why and exits 1, as `serve` does.
            for await outcome in started {
                if let message = outcome { throw CommandFailure(message: message, exitCode: 1) }
                break
            }
        }
        let environment = ConsoleEnvironment(databasePath: store.description, serverURL: nil, themeDirectory: themeDir)
        let start = ScreenKind(rawValue: screen) ?? .audit
        let readOnly = self.readOnly
        // Logs keep going to the log file until the server has stopped: its shutdown messages must not
        // land on the terminal the user gets back.
        let keepLogs = try StderrRedirect(to: logPath)
        let reason: String?
        do {
            reason = try await TerminalConsole.run(engine: engine, inbox: inbox, logPath: logPath) { depth in
                var env = environment
                env.colorDepth = depth
                return ConsoleApp(
                    engine: engine,
                    clock: engine.clock,
                    tenantID: startTenant,
                    environment: env,
                    theme: initialTheme,
                    start: start,
                    readOnly: readOnly
                )
            }
        } catch {
            keepLogs.restore()
            throw error
        }
        // Stop the server and the config watch before the store closes (the deferred close): nothing
        // may read a closed pool on the way out.
        background.cancel()
        await background.value
        keepLogs.restore()
        if let reason { print("claimdeck console: \(reason)") }
    }

    /// Why the OAuth server beside the console could not start, with what to do.
    static func startFailure(_ error: any Error, port: Int) -> String {
        if ClaimdeckHTTPServer.isAddressInUse(error) {
            return "port \(port) on 127.0.0.1 is already in use; try another --port, or --no-serve"
        }
        return "the OAuth server could not start on 127.0.0.1:\(port) (\(error)); try another --port, or --no-serve"
    }

    private func loadDemo(into engine: ClaimdeckEngine) async throws {
        guard let file = demoFile ?? DemoData.defaultPath() else {
            throw CommandFailure(message: "--demo: cannot find data/demo-sms.yaml; run from the repository or give --demo-file")
        }
        _ = try await TenantLoader.load(file: file, into: engine, actor: "console")
    }

    /// No terminal (a pipe, a service manager): run exactly what `claimdeck serve` runs.
    private func serveHeadless() async throws {
        var arguments = ["--port", "\(port)", "--log-level", logLevel == "warning" ? "info" : logLevel]
        if let db { arguments += ["--db", db] }
        if demo { arguments.append("--demo") }
        if let demoFile { arguments += ["--demo-file", demoFile] }
        if let publicURL { arguments += ["--public-url", publicURL] }
        if let certificate = tls.certificate, let key = tls.key { arguments += ["--tls-cert", certificate, "--tls-key", key] }
        if noServe {
            throw CommandFailure(message: "--no-serve needs a terminal for the console; use the CLI commands (claimdeck --help)", exitCode: 2)
        }
        // Serving headless would write: refuse rather than serve with a promise it does not keep.
        if readOnly {
            throw CommandFailure(message: "--read-only is for the console and needs a terminal; without one nothing is read-only", exitCode: 2)
        }
        print("No terminal: serving without the console, as 'claimdeck serve' does.")
        let serve = try ServeCommand.parse(arguments)
        try await serve.run()
    }
}

/// Where `themes/` is: `$CLAIMDECK_THEMES`, else beside the working directory or the executable's package.
enum ThemeFiles {
    static func directory() -> String? {
        let fm = FileManager.default
        var candidates = [fm.currentDirectoryPath + "/themes"]
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(dir.appendingPathComponent("themes").path)
            dir = dir.deletingLastPathComponent()
        }
        if let env = ProcessInfo.processInfo.environment["CLAIMDECK_THEMES"] { candidates.insert(env, at: 0) }
        return candidates.first { fm.fileExists(atPath: $0 + "/default.yaml") }
    }
}
