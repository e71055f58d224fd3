/// Bounds a store call: an unreachable or stalled server fails the call after `timeout` instead of
/// holding the request (postgres-nio's pool otherwise waits for a connection indefinitely while it
/// retries). The operation is cancelled when the deadline passes.
enum Deadline {
    static func run<T: Sendable>(
        _ timeout: Duration,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw PostgresStoreError("PostgreSQL did not answer within \(timeout.components.seconds) s")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}
