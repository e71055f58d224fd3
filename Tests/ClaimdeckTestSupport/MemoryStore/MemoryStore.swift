import AuthEngine
import Foundation
import Synchronization

/// The engine's store in memory, for tests: every requirement of `ClaimdeckStore` with the semantics
/// of `SQLiteStore` (the conformance suite in SQLiteStoreTests runs the same scenarios over both).
///
/// One `Mutex` guards all state and every call runs under it from start to end, so a call is one
/// transaction: of two concurrent redemptions of a code exactly one wins. A call checks everything
/// it could refuse before it changes anything (`apply`, which may refuse its tenth mutation, works
/// on a copy and stores it only when every mutation went through), so a refused call changes nothing.
///
/// Values are kept as SQLite gives them back, so a test cannot pass here and fail there: token
/// issue and expiry times are whole seconds, audit times whole milliseconds, space-joined lists
/// (scopes, audiences, `amr`) lose empty entries, and a fresh store is at configuration version 1.
///
/// It lives in one process: tests of a second process on the same file, of the group-commit writer
/// and its `claimdeck_writer_batch_size` metric, or of rows edited behind the store's back stay on
/// SQLiteStore.
public final class MemoryStore: Sendable {
    let state = Mutex(MemoryStoreState())

    /// An empty store: no tenant, no token, no audit event.
    public init() {}

    /// Runs `body` on a copy of the state and keeps the copy, with `audit` appended, only if `body`
    /// returns: all or nothing, for calls that change several kinds of rows and may refuse late
    /// (`apply`). Each collection `body` changes is copied once, which is nothing at the sizes tests
    /// use; the audit log, which only grows, is appended after the copy is kept, so it is never copied.
    func transaction<T: Sendable>(audit: [AuditEventDraft], _ body: (inout MemoryStoreState) throws -> T) throws -> T {
        try state.withLock { current in
            var work = current
            let result = try body(&work)
            // `consume`: no second reference to the log is left, so the append does not copy it.
            current = consume work
            current.append(audit)
            return result
        }
    }

    /// Runs `body` on the state itself, for calls that check before they change. Typed throws: a body
    /// that cannot fail makes a call that needs no `try`.
    func locked<T: Sendable, E: Error>(_ body: (inout MemoryStoreState) throws(E) -> T) throws(E) -> T {
        try state.withLock { (s: inout MemoryStoreState) throws(E) -> T in try body(&s) }
    }
}

extension MemoryStore: HealthCheckable {
    /// Always answers: there is nothing to be unreachable.
    public func ping() async throws {}
}

/// Why a `MemoryStore` refused a call: the constraint SQLite would have enforced. Names tables and
/// keys, never a value that could be a secret.
public struct MemoryStoreError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    /// A row whose tenant does not exist (SQLite: `FOREIGN KEY constraint failed`).
    static func noTenant(_ table: String) -> MemoryStoreError {
        MemoryStoreError("FOREIGN KEY constraint failed: \(table).tenant_id names no tenant")
    }

    /// A second row with the same key (SQLite: `UNIQUE constraint failed`).
    static func duplicate(_ columns: String) -> MemoryStoreError {
        MemoryStoreError("UNIQUE constraint failed: \(columns)")
    }
}
