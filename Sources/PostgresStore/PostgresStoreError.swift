import AuthEngine
import PostgresNIO

/// A failure of the PostgreSQL store, for operators. Never holds a password, a token or a bound
/// value: server errors are reduced to their SQLSTATE and message (PostgreSQL's `detail`, which can
/// quote row values, is left out).
public struct PostgresStoreError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }

    static let closed = PostgresStoreError("the store is closed")

    /// Errors a job throws on purpose (the engine's own) pass as they are; driver errors are reduced.
    static func wrap(_ error: any Error) -> any Error {
        switch error {
        case is AdminError, is PostgresStoreError: return error
        case let error as PostgresTransactionError:
            return wrap(error.closureError ?? error.commitError ?? error.beginError ?? error.rollbackError ?? error)
        case let error as PSQLError:
            if let info = error.serverInfo {
                return PostgresStoreError("PostgreSQL refused: \(info[.message] ?? "?") (SQLSTATE \(info[.sqlState] ?? "?"))")
            }
            return PostgresStoreError("PostgreSQL did not answer (\(error.code))")
        case is CancellationError:
            return error
        default:
            // postgres-nio's pool errors (no connection could be made, the pool shut down).
            return PostgresStoreError("PostgreSQL is unreachable (\(String(describing: type(of: error))))")
        }
    }
}
