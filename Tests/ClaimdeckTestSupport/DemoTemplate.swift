import AuthEngine
import Foundation
import GRDB
import JOSE
import Logging
import Metrics
import SQLiteStore
import Synchronization
import TenantYAML

/// The demo tenant of `data/demo-sms.yaml`, loaded once per test process with `TenantLoader` into a real
/// store, then copied as a plain SQLite file for every test that starts from it. Loading costs seconds in
/// a debug build (scrypt for the demo users' passwords, RSA-2048 key generation for status-monitor);
/// copying costs milliseconds. Tests about loading itself still call `TenantLoader` on their own.
///
/// The loader hashes the demo users' passwords at the interactive scrypt cost whatever the engine is
/// configured with, and every sign-in in a test would pay it again (half the CPU of the HTTP tests):
/// the template stores them at the test cost instead, each the hash of the same password.
///
/// The load's timestamps (created_at, key and audit times) come from the clock it ran under, and tests on
/// a manual clock compare times with them: so there is one template per load time, `nil` meaning the
/// system clock at the moment the template is built.
public actor DemoTemplate {
    public static let shared = DemoTemplate()

    /// A template database.
    public struct Database: Sendable {
        /// A self-contained SQLite file (no WAL beside it). Copy it; never open it.
        public var path: String
        /// The master key its signing keys are sealed under.
        public var masterKey: Data

        /// Copies the template to `directory/name` (the directory must exist) and returns the copy's path.
        public func copy(into directory: URL, name: String) throws -> String {
            let destination = directory.appendingPathComponent(name).path
            try FileManager.default.copyItem(atPath: path, toPath: destination)
            return destination
        }

        /// A copy of the template in `directory` (which must exist), and an engine over it: what a
        /// test server runs (the HTTP tests' and the resource-server tests').
        ///
        /// - Parameter publicBaseURL: ending in `:0`, it takes the server's bound port (`useBoundPort`).
        public func openEngine(
            in directory: URL,
            publicBaseURL: String,
            clock: any WallClock,
            metricsFactory: any MetricsFactory = MetricsSystem.factory,
            claimLookup: (any ClaimLookupFetcher)? = nil,
            securityEvents: SecurityEventPolicy = SecurityEventPolicy(),
            logger: (String) -> Logger
        ) async throws -> (engine: ClaimdeckEngine, store: SQLiteStore) {
            var configuration = EngineConfiguration(publicBaseURL: publicBaseURL, passwordCost: .testing)
            configuration.securityEvents = securityEvents
            let path = try copy(into: directory, name: "claimdeck.db")
            let store = try SQLiteStore(path: path, durable: false, metricsFactory: metricsFactory, logger: logger("test.store"))
            let engine = try await ClaimdeckEngine(
                store: store,
                masterKey: masterKey,
                configuration: configuration,
                clock: clock,
                metrics: EngineMetrics(factory: metricsFactory),
                logger: logger("test.engine"),
                claimLookup: claimLookup
            )
            return (engine, store)
        }
    }

    private var building: [Date?: Task<Database, any Error>] = [:]

    /// The template loaded under the system clock (`loadedAt: nil`) or under a `ManualWallClock` standing at
    /// `loadedAt`; built on first use, shared by every later caller.
    public func database(loadedAt: Date? = nil) async throws -> Database {
        if let task = building[loadedAt] { return try await task.value }
        let task = Task { try await Self.build(loadedAt: loadedAt) }
        building[loadedAt] = task
        return try await task.value
    }

    /// A logger that only lets errors through.
    public static func quietLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .error
        return logger
    }

    private static func build(loadedAt: Date?) async throws -> Database {
        let fm = FileManager.default
        let directory = fm.temporaryDirectory.appendingPathComponent("\(directoryPrefix)\(UUID().uuidString)")
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        removeStaleTemplates(except: directory)
        templateDirectories.withLock { $0.append(directory.path) }
        registerExitCleanup
        let masterKey = SecretBox.generateMasterKey()
        let source = directory.appendingPathComponent("source.db").path
        do {
            let store = try SQLiteStore(path: source, durable: false, logger: quietLogger("test.template"))
            let clock: any WallClock = loadedAt.map { ManualWallClock($0) } ?? SystemWallClock()
            // The test cost: what is measured here is the fixture, not scrypt. The loader creates the
            // demo users through `createUser`, which hashes at the configured cost; logins verify
            // whatever cost the stored hash names.
            let engine = try await ClaimdeckEngine(
                store: store,
                masterKey: masterKey,
                configuration: EngineConfiguration(publicBaseURL: "http://127.0.0.1:1", passwordCost: .testing),
                clock: clock,
                logger: quietLogger("test.template")
            )
            let report = try await TenantLoader.load(file: RepoPaths.demoTenantFile, into: engine, actor: "test")
            guard report.created, report.clients.count == 7 else {
                throw FixtureError("the demo tenant did not load as expected: \(report)")
            }
        }
        // A consistent single-file copy, whatever the store still holds in its WAL.
        let copy = directory.appendingPathComponent("demo-sms.db").path
        // The store closing its pool checkpoints the WAL under an exclusive lock: wait for it.
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let queue = try DatabaseQueue(path: source, configuration: configuration)
        try await queue.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [copy]) }
        try queue.close()
        for suffix in ["", "-wal", "-shm"] { try? fm.removeItem(atPath: source + suffix) }
        return Database(path: copy, masterKey: masterKey)
    }

    private static let directoryPrefix = "claimdeck-test-template-"

    /// The templates are removed when the test process exits.
    private static let templateDirectories = Mutex<[String]>([])

    private static let registerExitCleanup: Void = {
        atexit {
            for path in DemoTemplate.templateDirectories.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
        }
    }()

    /// Templates of runs that crashed are removed here once they are an hour old.
    private static func removeStaleTemplates(except current: URL) {
        let fm = FileManager.default
        let tmp = fm.temporaryDirectory
        guard let names = try? fm.contentsOfDirectory(atPath: tmp.path) else { return }
        for name in names where name.hasPrefix(directoryPrefix) && name != current.lastPathComponent {
            let url = tmp.appendingPathComponent(name)
            if let modified = (try? fm.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date,
                modified < Date().addingTimeInterval(-3600)
            {
                try? fm.removeItem(at: url)
            }
        }
    }
}
