/// Errors of the SQLite store, for operators. Never contains token strings or secrets: GRDB keeps
/// statement arguments out of its error descriptions by default, and so do we.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    static let closed = StoreError("the store is closed")
}
