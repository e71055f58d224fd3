import Foundation
import JOSE

/// A registered OAuth client of one tenant.
public struct Client: Sendable, Hashable, Codable {
    public var tenantID: String
    /// The `client_id`.
    public var id: String
    public var name: String
    public var type: ClientType
    public var authMethod: ClientAuthMethod
    public var grantTypes: [GrantType]
    /// Scopes the client may ask for; a request outside them is refused with `invalid_scope`.
    public var scopes: [String]
    /// Audiences (API identifiers) the client may ask tokens for; outside them: `invalid_target`.
    public var audiences: [String]
    public var redirectURIs: [String]
    public var tokenFormat: TokenFormat
    /// Access-token lifetime in seconds.
    public var accessTokenLifetime: Int
    /// nil: the tenant's default algorithm.
    public var signingAlgorithm: SigningAlgorithm?
    /// SHA-256 of the generated secret; the secret itself is never stored.
    public var secretDigest: Data?
    /// Public keys for `private_key_jwt`.
    public var jwks: JWKSet?
    public var disabled: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        tenantID: String, id: String, name: String, type: ClientType, authMethod: ClientAuthMethod,
        grantTypes: [GrantType], scopes: [String], audiences: [String], redirectURIs: [String] = [],
        tokenFormat: TokenFormat = .jwt, accessTokenLifetime: Int = 300, signingAlgorithm: SigningAlgorithm? = nil,
        secretDigest: Data? = nil, jwks: JWKSet? = nil, disabled: Bool = false, createdAt: Date, updatedAt: Date
    ) {
        self.tenantID = tenantID
        self.id = id
        self.name = name
        self.type = type
        self.authMethod = authMethod
        self.grantTypes = grantTypes
        self.scopes = scopes
        self.audiences = audiences
        self.redirectURIs = redirectURIs
        self.tokenFormat = tokenFormat
        self.accessTokenLifetime = accessTokenLifetime
        self.signingAlgorithm = signingAlgorithm
        self.secretDigest = secretDigest
        self.jwks = jwks
        self.disabled = disabled
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
