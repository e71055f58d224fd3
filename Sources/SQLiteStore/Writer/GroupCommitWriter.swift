import Foundation
import GRDB
import Logging
import Synchronization

/// One writer thread with group commit: every write job submitted while a transaction is running
/// joins the next one, so many requests share one fsync. A failing job fails alone: its batch is
/// rolled back and replayed job by job.
///
/// A job's caller resumes only after the transaction holding its rows has committed: a client never
/// holds a token the store lost.
final class GroupCommitWriter: @unchecked Sendable {
    // Confinement: `pending` and `stopped` are guarded by `condition`; jobs run only on the writer thread.
    private struct Job {
        /// Runs inside the group transaction.
        let work: (Database) throws -> Void
        /// Called after commit.
        let succeed: () -> Void
        let fail: (any Error) -> Void
    }

    private let pool: DatabasePool
    private let condition = NSCondition()
    private var pending: [Job] = []
    private var stopped = false
    private let maxBatch: Int
    private let onBatch: @Sendable (Int) -> Void
    private let logger: Logger
    /// Set while writes fail for a reason of the disk (full, I/O error, read-only), cleared by the next
    /// commit: what readiness reports.
    private let failure = Mutex<WriteFailure?>(nil)

    /// Why writes fail, since when, and how many have.
    struct WriteFailure: Sendable {
        var since: Date
        var reason: String
        var failedWrites: Int
    }

    init(pool: DatabasePool, maxBatch: Int = 4096, logger: Logger, onBatch: @escaping @Sendable (Int) -> Void) {
        self.pool = pool
        self.maxBatch = maxBatch
        self.onBatch = onBatch
        self.logger = logger
        let thread = Thread { [self] in self.run() }
        thread.name = "claimdeck-writer"
        thread.start()
    }

    /// Runs `work` in the next group transaction and returns its result once that transaction is durable.
    func submit<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let box = ResultBox<T>()
            let job = Job(
                work: { db in box.value = try work(db) },
                succeed: { continuation.resume(returning: box.value!) },
                fail: { error in continuation.resume(throwing: error) }
            )
            condition.lock()
            if stopped {
                condition.unlock()
                continuation.resume(throwing: StoreError.closed)
                return
            }
            pending.append(job)
            condition.signal()
            condition.unlock()
        }
    }

    /// The disk's failure while writes fail, nil once a write has committed again.
    var currentFailure: WriteFailure? { failure.withLock { $0 } }

    /// Stops the thread once the queue is drained.
    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private final class ResultBox<T>: @unchecked Sendable {
        var value: T?
    }

    private func run() {
        while true {
            condition.lock()
            while pending.isEmpty && !stopped { condition.wait() }
            if pending.isEmpty && stopped {
                condition.unlock()
                return
            }
            let take = min(pending.count, maxBatch)
            let batch = Array(pending.prefix(take))
            pending.removeFirst(take)
            condition.unlock()
            execute(batch)
        }
    }

    /// Runs a batch in one transaction. Optimistic: no savepoint per job (two more statements each);
    /// if any job fails, the transaction is rolled back and every job runs again alone, so one bad job
    /// fails only itself.
    private func execute(_ batch: [Job]) {
        do {
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    for job in batch { try job.work(db) }
                    return .commit
                }
            }
        } catch {
            if batch.count > 1 {
                for job in batch { execute([job]) }
            } else {
                noteFailure(error)
                batch[0].fail(error)
            }
            return
        }
        if let recovered = failure.withLock({ state in
            defer { state = nil }
            return state
        }) {
            logger.notice("writes succeed again", metadata: ["failed_writes": "\(recovered.failedWrites)", "since": "\(recovered.since)"])
        }
        onBatch(batch.count)
        for job in batch { job.succeed() }
    }

    /// A failure of the disk (not of one job's data) is remembered and logged once when it starts; the
    /// engine logs each refused request, rate-limited.
    private func noteFailure(_ error: any Error) {
        guard let error = error as? DatabaseError, Self.diskFailures.contains(error.resultCode) else { return }
        let started = failure.withLock { state -> Bool in
            if state == nil {
                state = WriteFailure(since: Date(), reason: error.message ?? "\(error.resultCode)", failedWrites: 1)
                return true
            }
            state?.failedWrites += 1
            return false
        }
        if started {
            logger.error("writes fail; the store reports not ready until one succeeds", metadata: ["reason": "\(error.resultCode)"])
        }
    }

    /// SQLite's answers that say the disk, not the data, is the trouble.
    private static let diskFailures: [ResultCode] = [.SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN]
}
