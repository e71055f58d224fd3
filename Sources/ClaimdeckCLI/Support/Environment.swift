import AuthEngine
import ClaimLookupHTTP
import CoreMetrics
import Foundation
import JOSE
import Logging
import SQLiteStore

/// Options every command that opens the store shares.
struct StoreOptions: Sendable {
    var db: String?

    /// `--db`, else `CLAIMDECK_DB`, else `$XDG_DATA_HOME/claimdeck/claimdeck.db` (`~/.local/share/...`).
    var resolvedPath: String {
        if let db { return db }
        let env = ProcessInfo.processInfo.environment
        if let db = env["CLAIMDECK_DB"], !db.isEmpty { return db }
        let base =
            env["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (env["HOME"] ?? FileManager.default.currentDirectoryPath) + "/.local/share"
        return base + "/claimdeck/claimdeck.db"
    }
}

/// Opens the store and the engine over it, as the CLI, the server and the console all do.
enum EngineFactory {
    static func open(
        _ options: StoreOptions,
        publicURL: String? = nil,
        metricsFactory: (any MetricsFactory)? = nil,
        logger: Logger = Logger(label: "claimdeck.engine")
    ) async throws -> (ClaimdeckEngine, SQLiteStore) {
        let path = options.resolvedPath
        let store = try SQLiteStore(path: path, metricsFactory: metricsFactory ?? MetricsSystem.factory, logger: logger)
        let masterKey = try MasterKeyFile.load(databasePath: path)
        let url = publicURL ?? ProcessInfo.processInfo.environment["CLAIMDECK_PUBLIC_URL"] ?? "http://127.0.0.1:8080"
        let engine = try await ClaimdeckEngine(
            store: store,
            masterKey: masterKey,
            configuration: EngineConfiguration(publicBaseURL: url),
            metrics: EngineMetrics(factory: metricsFactory ?? MetricsSystem.factory),
            logger: logger,
            claimLookup: HTTPClaimLookup()
        )
        return (engine, store)
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
