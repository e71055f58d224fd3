import AuthEngine
import CoreMetrics
import Foundation
import GRDB
import Logging

/// The embedded store: one SQLite file in WAL mode, read through a pool of connections and written
/// by one group-committing writer. Several processes may open the same file.
public final class SQLiteStore: Sendable {
    let pool: DatabasePool
    let writer: GroupCommitWriter
    let checkpointer: WALCheckpointer
    public let path: String
    /// WAL frames (pages) past which a commit checkpoints: about 16 MB of WAL.
    static let autocheckpointFrames = 4096

    /// Opens (creating if needed) the database at `path` and migrates it.
    ///
    /// - Parameter durable: `synchronous=FULL` (fsync at every commit). Tests may turn it off.
    public init(
        path: String,
        durable: Bool = true,
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        logger: Logger = Logger(label: "claimdeck.store")
    ) throws {
        self.path = path
        var config = Configuration()
        // Another process (the console beside `claimdeck serve`) may hold the write lock for a moment.
        config.busyMode = .timeout(10)
        config.maximumReaderCount = 8
        config.foreignKeysEnabled = true
        let synchronous = durable ? "FULL" : "NORMAL"
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            // WALCheckpointer copies the frames in the background; the writer's own checkpoint,
            // less often than SQLite's default 1,000 frames, only finishes the job and restarts the WAL.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.autocheckpointFrames)")
        }
        try DatabaseFileModes.prepare(path: path, logger: logger)
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try Migrations.migrator().migrate(pool)
        } catch let error as DatabaseError {
            throw StoreError("cannot open the database at \(path): \(error.message ?? "\(error.resultCode)")")
        }
        let recorder = Recorder(label: "claimdeck_writer_batch_size", dimensions: [], aggregate: true, factory: metricsFactory)
        writer = GroupCommitWriter(pool: pool, logger: logger) { size in recorder.record(size) }
        do {
            checkpointer = try WALCheckpointer(path: path, logger: logger)
        } catch let error as DatabaseError {
            throw StoreError("cannot open the database at \(path): \(error.message ?? "\(error.resultCode)")")
        }
    }

    deinit {
        writer.stop()
        checkpointer.stop()
    }

    /// Stops accepting writes and folds the WAL back into the database file, so a clean shutdown
    /// leaves one file. Pending group-commit jobs still complete.
    public func close() {
        writer.stop()
        checkpointer.stop()
        _ = try? pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
    }

    /// One SELECT on the calling thread (GRDB's synchronous API), for point lookups on hot paths.
    ///
    /// Without GRDB's explicit `BEGIN DEFERRED`/`COMMIT` around it: a single statement in autocommit
    /// mode is its own read transaction, as isolated as the explicit one, and the two extra statements
    /// cost more than the lookup (measured with bench/budget.py). `body` must run one statement only.
    func readOneStatement<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.unsafeRead(body)
    }

    /// The size of the database file and its WAL, in bytes.
    public func fileSize() -> Int64 {
        [path, path + "-wal"].reduce(0) { total, p in
            total + ((try? FileManager.default.attributesOfItem(atPath: p)[.size] as? Int64) ?? 0)
        }
    }
}

extension SQLiteStore: HealthCheckable {
    /// Reads answer, and writes do. While the writer's last write failed for a reason of the disk,
    /// readiness writes 64 KiB and deletes it in one transaction: the database must grow for that as it
    /// must for new tokens, so readiness returns as soon as space does, even when a load balancer has
    /// stopped sending the requests that would write.
    public func ping() async throws {
        if let failure = writer.currentFailure {
            do {
                try await writer.submit { db in
                    try db.execute(sql: "INSERT INTO write_probe (data) VALUES (zeroblob(65536)); DELETE FROM write_probe")
                }
            } catch {
                throw StoreError("writes fail since \(failure.since) (\(failure.failedWrites) so far): \(failure.reason)")
            }
        }
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }
}
