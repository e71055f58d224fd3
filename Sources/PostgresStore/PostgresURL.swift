import Foundation

/// A `postgres://` or `postgresql://` URL taken apart, as libpq users write them:
/// `postgres://user:password@host:port/database?sslmode=require`.
///
/// Its `description` is the URL with the password replaced by `***`, so a URL can be shown in logs
/// and errors; the password itself is only handed to the connection.
public struct PostgresURL: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String?
    /// libpq's `sslmode` (`disable`, `prefer`, `require`, ...); nil when the URL names none.
    public var sslMode: String?
    /// libpq's `connect_timeout` in seconds: here also how long any store call may wait for an answer
    /// before it fails (the request then gets 503). Nil when the URL names none.
    public var connectTimeout: Int?
    /// `pool_max_conns` (as pgx names it): how many connections this node's pool may open; nil when
    /// the URL names none (the store's default then applies).
    public var poolMaxConnections: Int?

    /// Parses `string`; throws, without repeating the string (it may hold a password), if it is not one.
    public init(_ string: String) throws {
        guard let components = URLComponents(string: string), let scheme = components.scheme,
            scheme == "postgres" || scheme == "postgresql"
        else { throw PostgresStoreError("not a postgres:// or postgresql:// URL") }
        guard let host = components.host, !host.isEmpty else { throw PostgresStoreError("the PostgreSQL URL names no host") }
        self.host = host
        port = components.port ?? 5432
        username = components.user ?? "postgres"
        password = components.password
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? nil : path
        let parameter = { (name: String) in components.queryItems?.first { $0.name == name }?.value }
        sslMode = parameter("sslmode")
        connectTimeout = try Self.whole(parameter("connect_timeout"), in: 1...Int.max, "connect_timeout", "a whole number of seconds above 0")
        poolMaxConnections = try Self.whole(parameter("pool_max_conns"), in: 2...1000, "pool_max_conns", "a whole number from 2 to 1000")
    }

    /// A whole-number parameter's value, nil when absent; out of `range`, an error naming it and `rule`.
    private static func whole(_ text: String?, in range: ClosedRange<Int>, _ name: String, _ rule: String) throws -> Int? {
        guard let text else { return nil }
        guard let value = Int(text), range.contains(value) else { throw PostgresStoreError("\(name) in the PostgreSQL URL must be \(rule)") }
        return value
    }

    public var description: String {
        let credentials = password == nil ? username : "\(username):***"
        let parameters = [
            sslMode.map { "sslmode=\($0)" }, connectTimeout.map { "connect_timeout=\($0)" },
            poolMaxConnections.map { "pool_max_conns=\($0)" },
        ].compactMap { $0 }
        let query = parameters.isEmpty ? "" : "?" + parameters.joined(separator: "&")
        return "postgres://\(credentials)@\(host):\(port)/\(database ?? "")\(query)"
    }
}
