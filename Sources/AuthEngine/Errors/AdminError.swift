/// An error of an administrative use case (CLI, console, admin API), with a message that names the
/// field and the fix. Never contains a secret.
public struct AdminError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// Bad input: the CLI exits 2.
        case invalid
        case notFound
        /// The act would break something (a tenant with clients, a duplicate id); it needs `--force` or another name.
        case conflict
        /// The store failed.
        case storage
    }

    public var code: Code
    /// The field or argument at fault, if one is.
    public var field: String?
    public var message: String

    public init(code: Code, field: String? = nil, message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String {
        if let field { return "\(field): \(message)" }
        return message
    }

    public static func invalid(field: String, _ message: String) -> Self { .init(code: .invalid, field: field, message: message) }
    public static func notFound(_ message: String) -> Self { .init(code: .notFound, message: message) }
    public static func conflict(_ message: String) -> Self { .init(code: .conflict, message: message) }
    public static func storage(_ message: String) -> Self { .init(code: .storage, message: message) }

    /// A store lost a race: another writer published design version `number` first.
    public static func designPublishedMeanwhile(tenantID: String, number: Int) -> Self {
        AdminError(
            code: .conflict,
            field: "design",
            message:
                "version \(number) of tenant '\(tenantID)' was published meanwhile by someone else; look at 'claimdeck design versions' and try again"
        )
    }

    /// A store found the initial access token spent when it came to consume it.
    public static let registrationTokenSpent = AdminError(
        code: .conflict,
        field: "initial access token",
        message: "the initial access token has expired or is used up"
    )

    static func noClient(tenantID: String, clientID: String) -> Self {
        .notFound(
            "no client '\(Validation.printable(clientID))' in tenant '\(Validation.printable(tenantID))'; 'claimdeck client list --tenant \(Validation.printable(tenantID))' shows them"
        )
    }
}
