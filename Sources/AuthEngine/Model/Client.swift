import Foundation
import JOSE

/// A registered OAuth client of one tenant: its identity, secret digest, status and timestamps, and
/// its settings as one `ClientSpec` (read through this type: `client.scopes` is `client.spec.scopes`).
@dynamicMemberLookup
public struct Client: Sendable, Hashable, Codable {
    public var tenantID: String
    /// The `client_id`.
    public var id: String
    /// Every setting, with the defaulted ones written out at registration (`authMethod`, lifetimes).
    public var spec: ClientSpec
    /// SHA-256 of the generated secret; the secret itself is never stored.
    public var secretDigest: Data?
    public var disabled: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public static let defaultRefreshTokenLifetime = 14 * 86_400
    public static let defaultRefreshTokenAbsoluteLifetime = 90 * 86_400
    /// What a spec without a lifetime gets when it was not resolved by the engine (never at registration).
    static let fallbackAccessTokenLifetime = 300

    public init(
        tenantID: String,
        id: String,
        spec: ClientSpec,
        secretDigest: Data? = nil,
        disabled: Bool = false,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.tenantID = tenantID
        self.id = id
        self.spec = spec
        self.secretDigest = secretDigest
        self.disabled = disabled
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The client's settings, read and written as if they were its own properties.
    public subscript<T>(dynamicMember keyPath: WritableKeyPath<ClientSpec, T>) -> T {
        get { spec[keyPath: keyPath] }
        set { spec[keyPath: keyPath] = newValue }
    }

    public var authMethod: ClientAuthMethod { spec.resolvedAuthMethod }
    /// Access-token lifetime in seconds.
    public var accessTokenLifetime: Int { spec.accessTokenLifetime ?? Self.fallbackAccessTokenLifetime }
    public var refreshTokenLifetime: Int { spec.refreshTokenLifetime ?? Self.defaultRefreshTokenLifetime }
    public var refreshTokenAbsoluteLifetime: Int { spec.refreshTokenAbsoluteLifetime ?? Self.defaultRefreshTokenAbsoluteLifetime }

    /// Whether a code flow of this client must carry a PKCE challenge.
    public var mustUsePKCE: Bool { spec.requirePKCE || spec.type == .public }

    /// The stored row: these keys beside the spec's own (snake_case) keys, in one object.
    enum CodingKeys: String, CodingKey {
        case tenantID, id, secretDigest, disabled, createdAt, updatedAt
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            tenantID: try c.decode(String.self, forKey: .tenantID),
            id: try c.decode(String.self, forKey: .id),
            spec: try ClientSpec(from: decoder),
            secretDigest: try c.decodeIfPresent(Data.self, forKey: .secretDigest),
            disabled: try c.decodeIfPresent(Bool.self, forKey: .disabled) ?? false,
            createdAt: try c.decode(Date.self, forKey: .createdAt),
            updatedAt: try c.decode(Date.self, forKey: .updatedAt)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tenantID, forKey: .tenantID)
        try c.encode(id, forKey: .id)
        try c.encodeIfPresent(secretDigest, forKey: .secretDigest)
        try c.encode(disabled, forKey: .disabled)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try spec.encode(to: encoder)
    }
}
