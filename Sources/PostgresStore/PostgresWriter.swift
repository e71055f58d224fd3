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
        /// Set when the caller stopped waiting (the deadline passed): a job not yet begun is dropped,
        /// so a request answered 503 does not take effect later (a refresh token used up unseen, say).
        let abandoned: Flag
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
    private let timeout: Duration
    private let logger: Logger
    private let state = Mutex(State())
    private let maxBatch = 2048
    private let onBatch: @Sendable (Int) -> Void

    /// The key of the advisory lock that orders appends to the audit chain across nodes.
    static let chainLockKey: Int64 = 0x636c_6169_6d63_6861

    init(client: PostgresClient, timeout: Duration, logger: Logger, onBatch: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.client = client
        self.timeout = timeout
        self.logger = logger
        self.onBatch = onBatch
    }

    /// Runs `work` in the next group transaction and returns its result once that transaction has
    /// committed; fails after the store's timeout if PostgreSQL does not answer by then.
    ///
    /// - Parameter bounded: false for a job that may rightly take long (a whole installation copied).
    func submit<T: Sendable>(bounded: Bool = true, _ work: @escaping @Sendable (PostgresWrite) async throws -> T) async throws -> T {
        let waiter = Waiter<T>()
        let deadline = Task { [timeout] in
            guard bounded else { return }
            try await Task.sleep(for: timeout)
            waiter.abandoned.set()
            waiter.finish(.failure(PostgresStoreError("PostgreSQL did not commit within \(timeout.components.seconds) s")))
        }
        defer { deadline.cancel() }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            waiter.wait(continuation)
            let job = Job(
                abandoned: waiter.abandoned,
                work: { write in waiter.keep(try await work(write)) },
                succeed: { waiter.finishWithKept() },
                fail: { waiter.finish(.failure($0)) }
            )
            let start = state.withLock { s -> Bool? in
                if s.stopped { return nil }
                s.pending.append(job)
                if s.running { return false }
                s.running = true
                return true
            }
            switch start {
            case nil: waiter.finish(.failure(PostgresStoreError.closed))
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
            let taken = state.withLock { s -> [Job]? in
                let take = Array(s.pending.prefix(maxBatch))
                s.pending.removeFirst(take.count)
                if take.isEmpty { s.running = false }
                return take.isEmpty ? nil : take
            }
            guard let taken else { return }
            let batch = taken.filter { !$0.abandoned.isSet }
            if !batch.isEmpty { await execute(batch) }
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
            do {
                write.begin(["BEGIN", "SELECT pg_advisory_xact_lock(\(Self.chainLockKey))"])
                try await body(write)
                try await write.commit()
            } catch {
                await write.rollback()
                throw error
            }
        }
    }
}

/// A flag set once, read from any thread.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

/// One caller of `submit`: its job's result, and whichever comes first (the commit or the deadline)
/// resumes it; the other finds nothing to resume.
private final class Waiter<T: Sendable>: Sendable {
    let abandoned = Flag()
    private let state = Mutex<(continuation: CheckedContinuation<T, any Error>?, kept: T?)>((nil, nil))

    func wait(_ continuation: CheckedContinuation<T, any Error>) {
        state.withLock { $0.continuation = continuation }
        // A deadline that passed before the caller got here.
        if abandoned.isSet { finish(.failure(PostgresStoreError("PostgreSQL did not commit in time"))) }
    }

    func keep(_ value: T) { state.withLock { $0.kept = value } }

    func finishWithKept() {
        state.withLock { s in
            if let kept = s.kept { s.continuation?.resume(returning: kept) }
            s.continuation = nil
        }
    }

    func finish(_ result: Result<T, any Error>) {
        state.withLock { s in
            s.continuation?.resume(with: result)
            s.continuation = nil
        }
    }
}
