import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Group commit on PostgreSQL: jobs submitted while a transaction runs join the next one, so many
/// requests share one commit (and one wait for the chain lock). A job's caller resumes only after the
/// transaction holding its rows has committed. A failing job fails alone: its batch is rolled back and
/// replayed job by job, as SQLiteStore's writer does.
final class PostgresWriter: Sendable {
    private struct Job: Sendable {
        let work: @Sendable (PostgresWrite) async throws -> Void
        let succeed: @Sendable () -> Void
        let fail: @Sendable (any Error) -> Void
    }

    private struct State {
        var pending: [Job] = []
        var running = false
        var stopped = false
    }

    private let client: PostgresClient
    private let logger: Logger
    private let state = Mutex(State())
    private let maxBatch = 2048
    private let onBatch: @Sendable (Int) -> Void

    /// The key of the advisory lock that orders appends to the audit chain across nodes.
    static let chainLockKey: Int64 = 0x636c_6169_6d63_6861

    init(client: PostgresClient, logger: Logger, onBatch: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.client = client
        self.logger = logger
        self.onBatch = onBatch
    }

    /// Runs `work` in the next group transaction and returns its result once that transaction has committed.
    func submit<T: Sendable>(_ work: @escaping @Sendable (PostgresWrite) async throws -> T) async throws -> T {
        let box = Mutex<T?>(nil)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                work: { write in
                    let value = try await work(write)
                    box.withLock { $0 = value }
                },
                succeed: { continuation.resume(returning: box.withLock { $0! }) },
                fail: { continuation.resume(throwing: $0) }
            )
            let start = state.withLock { s -> Bool? in
                if s.stopped { return nil }
                s.pending.append(job)
                if s.running { return false }
                s.running = true
                return true
            }
            switch start {
            case nil: continuation.resume(throwing: PostgresStoreError.closed)
            case true?: Task { await self.drain() }
            case false?: break
            }
        }
    }

    /// Refuses new jobs; those queued still run.
    func stop() {
        state.withLock { $0.stopped = true }
    }

    private func drain() async {
        while true {
            let batch = state.withLock { s -> [Job] in
                let take = Array(s.pending.prefix(maxBatch))
                s.pending.removeFirst(take.count)
                if take.isEmpty { s.running = false }
                return take
            }
            if batch.isEmpty { return }
            await execute(batch)
        }
    }

    private func execute(_ batch: [Job]) async {
        do {
            try await transaction { write in
                for job in batch { try await job.work(write) }
            }
        } catch {
            if batch.count > 1 {
                for job in batch { await execute([job]) }
            } else {
                batch[0].fail(PostgresStoreError.wrap(error))
            }
            return
        }
        onBatch(batch.count)
        for job in batch { job.succeed() }
    }

    private func transaction(_ body: (PostgresWrite) async throws -> Void) async throws {
        try await client.withConnection { connection in
            let write = PostgresWrite(connection: connection, logger: logger)
            try await write.rows("BEGIN")
            do {
                try await write.rows("SELECT pg_advisory_xact_lock(\(Self.chainLockKey))")
                try await body(write)
                try await write.flush()
                try await write.rows("COMMIT")
            } catch {
                _ = try? await write.rows("ROLLBACK")
                throw error
            }
        }
    }
}
