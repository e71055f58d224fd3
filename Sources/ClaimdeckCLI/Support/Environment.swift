import AuthEngine
import ClaimLookupHTTP
import CoreMetrics
import Foundation
import JOSE
import Logging
import PostgresStore
import SQLiteStore

/// Options every command that opens the store shares.
struct StoreOptions: Sendable {
    var db: String?
    /// `--public-url`: the base of every tenant's issuer (see `resolvedPublicURL`).
    var publicURL: String? = nil

    /// The one setting every command takes its issuers from: `--public-url`, else
    /// `CLAIMDECK_PUBLIC_URL`, else the command's own default (`serve`: its host and port; the
    /// console: its port; other commands: http://127.0.0.1:8080). A value that is not an absolute
    /// URL is refused, naming where it came from.
    func resolvedPublicURL(default fallback: String) throws -> String {
        let env = ProcessInfo.processInfo.environment["CLAIMDECK_PUBLIC_URL"].flatMap { $0.isEmpty ? nil : $0 }
        let (url, source) =
            publicURL.map { ($0, "--public-url") } ?? env.map { ($0, "CLAIMDECK_PUBLIC_URL") } ?? (fallback, "the default public URL")
        guard Validation.isAbsoluteURI(url), url.lowercased().hasPrefix("http") else {
            throw CommandFailure(
                message: "\(source): '\(Validation.printable(url))' is not an absolute http(s) URL such as https://auth.example.com",
                exitCode: 2
            )
        }
        return url
    }

    /// `--db`, else `CLAIMDECK_DB`, else `$XDG_DATA_HOME/claimdeck/claimdeck.db` (`~/.local/share/...`).
    /// A file path, or a `postgres://` / `postgresql://` URL.
    var resolvedPath: String {
        if let db { return db }
        let env = ProcessInfo.processInfo.environment
        if let db = env["CLAIMDECK_DB"], !db.isEmpty { return db }
        return Self.dataDirectory + "/claimdeck.db"
    }

    /// `$XDG_DATA_HOME/claimdeck` (`~/.local/share/claimdeck`).
    static var dataDirectory: String {
        let env = ProcessInfo.processInfo.environment
        let base =
            env["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (env["HOME"] ?? FileManager.default.currentDirectoryPath) + "/.local/share"
        return base + "/claimdeck"
    }

    /// Where the store is: a PostgreSQL URL (parsed; a bad one is refused without repeating it), or a file.
    func location() throws -> StoreLocation {
        let text = resolvedPath
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            do { return .postgres(try PostgresURL(text)) } catch { throw CommandFailure(message: "--db: \(error)", exitCode: 2) }
        }
        return .file(text)
    }

    /// Where the console writes its log while it owns the terminal: beside a SQLite file, else in the
    /// data directory (created 0700 if missing: on PostgreSQL nothing else creates it).
    func consoleLogPath() throws -> String {
        switch try location() {
        case .file(let path): return path + ".console.log"
        case .postgres:
            do {
                try FileManager.default.createDirectory(
                    atPath: Self.dataDirectory,
                    withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700]
                )
            } catch {
                throw CommandFailure(message: "cannot create \(Self.dataDirectory) for the console log: \(error.localizedDescription)", exitCode: 1)
            }
            return Self.dataDirectory + "/console.log"
        }
    }
}

/// The store `--db` names.
enum StoreLocation: Sendable {
    case file(String)
    case postgres(PostgresURL)
}

/// The store a command opened: how to name it to the operator (a path, or the URL without its
/// password) and how to close it.
struct OpenedStore: Sendable {
    let description: String
    let close: @Sendable () -> Void
}

/// Opens the store and the engine over it, as the CLI, the server and the console all do.
enum EngineFactory {
    static func open(
        _ options: StoreOptions,
        defaultPublicURL: String = "http://127.0.0.1:8080",
        metricsFactory: (any MetricsFactory)? = nil,
        logger: Logger = Logger(label: "claimdeck.engine")
    ) async throws -> (ClaimdeckEngine, OpenedStore) {
        let url = try options.resolvedPublicURL(default: defaultPublicURL)
        let metrics = metricsFactory ?? MetricsSystem.factory
        let store: any ClaimdeckStore
        let opened: OpenedStore
        let masterKey: Data
        // A key file this run creates is removed again if it does not fit the database's keys, so
        // that restoring the right file is not blocked by a stray new one.
        var createdKeyFile: String?
        switch try options.location() {
        case .file(let path):
            let sqlite = try SQLiteStore(path: path, metricsFactory: metrics, logger: logger)
            store = sqlite
            opened = OpenedStore(description: path, close: { sqlite.close() })
            let keyFile = MasterKeyFile.path(forDatabase: path)
            let hadKeyFile = FileManager.default.fileExists(atPath: keyFile)
            masterKey = try MasterKeyFile.load(databasePath: path)
            if !hadKeyFile, FileManager.default.fileExists(atPath: keyFile) { createdKeyFile = keyFile }
        case .postgres(let url):
            masterKey = try SharedMasterKey.load()
            let postgres = try await PostgresStore(url: url, metricsFactory: metrics, logger: logger)
            do { try await SharedMasterKey.check(masterKey, against: postgres) } catch {
                postgres.close()
                throw error
            }
            store = postgres
            opened = OpenedStore(description: url.description, close: { postgres.close() })
        }
        let engine = try await ClaimdeckEngine(
            store: store,
            masterKey: masterKey,
            configuration: EngineConfiguration(publicBaseURL: url),
            metrics: EngineMetrics(factory: metrics),
            logger: logger,
            claimLookup: HTTPClaimLookup()
        )
        do { try engine.checkMasterKey() } catch {
            if let createdKeyFile { try? FileManager.default.removeItem(atPath: createdKeyFile) }
            opened.close()
            throw error
        }
        return (engine, opened)
    }
}

/// Where the demo tenant file is: `--file`, else `data/demo-sms.yaml` beside the working directory
/// or beside the executable's package.
enum DemoData {
    static func defaultPath() -> String? {
        let fm = FileManager.default
        var candidates = [fm.currentDirectoryPath + "/data/demo-sms.yaml"]
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(dir.appendingPathComponent("data/demo-sms.yaml").path)
            dir = dir.deletingLastPathComponent()
        }
        if let env = ProcessInfo.processInfo.environment["CLAIMDECK_DATA"] { candidates.insert(env + "/demo-sms.yaml", at: 0) }
        return candidates.first { fm.fileExists(atPath: $0) }
    }
}
