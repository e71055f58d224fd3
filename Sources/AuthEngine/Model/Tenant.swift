import Foundation
import JOSE

/// An isolated authorization domain: its own issuer URL, keys, clients, users and design.
public struct Tenant: Sendable, Hashable, Codable {
    /// URL-safe slug; the issuer is `<base URL>/<id>`.
    public var id: String
    public var displayName: String
    public var createdAt: Date
    /// The algorithm used for clients that do not ask for another one.
    public var defaultAlgorithm: SigningAlgorithm

    public init(id: String, displayName: String, createdAt: Date, defaultAlgorithm: SigningAlgorithm = .es256) {
        self.id = id
        self.displayName = displayName
        self.createdAt = createdAt
        self.defaultAlgorithm = defaultAlgorithm
    }

    /// Checks that `id` is usable as a path segment of the issuer URL.
    public static func validateID(_ id: String) throws(AdminError) {
        try Validation.slug(id, field: "tenant id")
        if Tenant.reservedIDs.contains(id) {
            throw AdminError.invalid(field: "tenant id", "'\(id)' is reserved for the server's own endpoints; pick another name")
        }
    }

    /// Path segments the HTTP server uses at its root.
    public static let reservedIDs: Set<String> = ["healthz", "readyz", "metrics", ".well-known", "admin", "static"]
}
