import Foundation
import GRDB
import Logging
import Synchronization

/// Folds the WAL back into the database file on a connection and a thread of its own.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold, so the writer,
/// and every request waiting for that group commit, waits for pages to be copied and the database
/// file to be fsynced. Deletions (the retention janitor) dirty pages all over the file, which made
/// those checkpoints long: client_credentials p99 went from 14 ms to 169 ms while the janitor worked
/// (bench/scale.sh). The store turns the automatic checkpoint off on its connections; this runs a
/// PASSIVE checkpoint, which waits for no reader or writer, every `interval`. SQLite restarts the WAL
/// from its beginning once everything in it is checkpointed, so the file does not grow without end.
final class WALCheckpointer: Sendable {
    private let stopped = Mutex(false)
    private let wake = NSCondition()

    init(path: String, interval: TimeInterval = 0.2, logger: Logger) throws {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        let connection = try DatabaseQueue(path: path, configuration: config)
        let thread = Thread { [self] in
            while !self.stopped.withLock({ $0 }) {
                self.wake.lock()
                _ = self.wake.wait(until: Date(timeIntervalSinceNow: interval))
                self.wake.unlock()
                do {
                    try connection.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
                } catch {
                    logger.warning("WAL checkpoint failed", metadata: ["error": "\(error)"])
                }
            }
        }
        thread.name = "claimdeck-checkpoint"
        thread.start()
    }

    /// Stops the thread after its current checkpoint.
    func stop() {
        stopped.withLock { $0 = true }
        wake.lock()
        wake.signal()
        wake.unlock()
    }
}
