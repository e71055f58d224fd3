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
/// (bench/scale.sh). This runs a PASSIVE checkpoint, which waits for no reader or writer, every
/// `interval`, so that the writer's own automatic checkpoint (kept, at a higher threshold: see
/// `SQLiteStore.autocheckpointFrames`) finds almost every frame already copied. The writer's is still
/// needed: only a checkpoint that completes on the writer's connection between two of its
/// transactions lets the next one start the WAL again from its beginning; with PASSIVE checkpoints
/// alone the file grew without end (2.4 GB in 30 s of client_credentials). A RESTART checkpoint from
/// here bounds it too, but waits for every reader while holding writers off: p99 715 ms.
final class WALCheckpointer: Sendable {
    private let stopped = Mutex(false)
    private let wake = NSCondition()

    init(path: String, interval: TimeInterval = 0.05, logger: Logger) throws {
        var config = Configuration()
        config.busyMode = .timeout(10)
        let connection = try DatabaseQueue(path: path, configuration: config)
        let thread = Thread { [self] in
            while !self.stopped.withLock({ $0 }) {
                self.wake.lock()
                _ = self.wake.wait(until: Date(timeIntervalSinceNow: interval))
                self.wake.unlock()
                do {
                    try connection.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
                } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                    // Another connection (the writer's own checkpoint, another process's store) is
                    // checkpointing right now: what it copies is copied; try again next time.
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
