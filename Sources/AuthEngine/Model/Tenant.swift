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
    /// The published version of the token design (scopes, claims, APIs) tokens are issued under;
    /// 0 until the first publish.
    public var designVersion: Int
    /// Retention and introspection auditing (`claimdeck tenant update`).
    public var policy: TenantPolicy

    public init(
        id: String,
        displayName: String,
        createdAt: Date,
        defaultAlgorithm: SigningAlgorithm = .es256,
        designVersion: Int = 0,
        policy: TenantPolicy = TenantPolicy()
    ) {
        self.id = id
        self.displayName = displayName
        self.createdAt = createdAt
        self.defaultAlgorithm = defaultAlgorithm
        self.designVersion = designVersion
        self.policy = policy
    }

    enum CodingKeys: String, CodingKey { case id, displayName, createdAt, defaultAlgorithm, designVersion, policy }

    /// Rows written before design versions existed are at version 0; before policies, the defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(String.self, forKey: .id),
            displayName: try c.decode(String.self, forKey: .displayName),
            createdAt: try c.decode(Date.self, forKey: .createdAt),
            defaultAlgorithm: try c.decode(SigningAlgorithm.self, forKey: .defaultAlgorithm),
            designVersion: try c.decodeIfPresent(Int.self, forKey: .designVersion) ?? 0,
            policy: try c.decodeIfPresent(TenantPolicy.self, forKey: .policy) ?? TenantPolicy()
        )
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
