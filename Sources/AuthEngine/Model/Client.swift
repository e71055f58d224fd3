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
    /// A third-party client must get the user's consent for its scopes; first-party clients skip it.
    public var thirdParty: Bool
    /// PKCE (S256) on the code flow. Always on for public clients; on by default for every client.
    public var requirePKCE: Bool
    /// Refresh tokens: each use rotates the token; the new one lives `refreshTokenLifetime` seconds
    /// (sliding), never past `refreshTokenAbsoluteLifetime` after the original authorization.
    public var refreshTokenLifetime: Int
    public var refreshTokenAbsoluteLifetime: Int
    /// Where RP-initiated logout may send the browser back to.
    public var postLogoutRedirectURIs: [String]
    /// Whether logging out of a session also revokes this client's refresh tokens of that session.
    public var revokeRefreshTokensOnLogout: Bool

    public static let defaultRefreshTokenLifetime = 14 * 86_400
    public static let defaultRefreshTokenAbsoluteLifetime = 90 * 86_400

    public init(
        tenantID: String, id: String, name: String, type: ClientType, authMethod: ClientAuthMethod,
        grantTypes: [GrantType], scopes: [String], audiences: [String], redirectURIs: [String] = [],
        tokenFormat: TokenFormat = .jwt, accessTokenLifetime: Int = 300, signingAlgorithm: SigningAlgorithm? = nil,
        secretDigest: Data? = nil, jwks: JWKSet? = nil, disabled: Bool = false, createdAt: Date, updatedAt: Date,
        thirdParty: Bool = false, requirePKCE: Bool = true, refreshTokenLifetime: Int = Client.defaultRefreshTokenLifetime,
        refreshTokenAbsoluteLifetime: Int = Client.defaultRefreshTokenAbsoluteLifetime, postLogoutRedirectURIs: [String] = [],
        revokeRefreshTokensOnLogout: Bool = false
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
        self.thirdParty = thirdParty
        self.requirePKCE = requirePKCE
        self.refreshTokenLifetime = refreshTokenLifetime
        self.refreshTokenAbsoluteLifetime = refreshTokenAbsoluteLifetime
        self.postLogoutRedirectURIs = postLogoutRedirectURIs
        self.revokeRefreshTokensOnLogout = revokeRefreshTokensOnLogout
    }

    /// Whether a code flow of this client must carry a PKCE challenge.
    public var mustUsePKCE: Bool { requirePKCE || type == .public }

    enum CodingKeys: String, CodingKey {
        case tenantID, id, name, type, authMethod, grantTypes, scopes, audiences, redirectURIs, tokenFormat
        case accessTokenLifetime, signingAlgorithm, secretDigest, jwks, disabled, createdAt, updatedAt
        case thirdParty, requirePKCE, refreshTokenLifetime, refreshTokenAbsoluteLifetime, postLogoutRedirectURIs
        case revokeRefreshTokensOnLogout
    }

    /// Rows written before a field existed decode with that field's default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            tenantID: try c.decode(String.self, forKey: .tenantID), id: try c.decode(String.self, forKey: .id),
            name: try c.decode(String.self, forKey: .name), type: try c.decode(ClientType.self, forKey: .type),
            authMethod: try c.decode(ClientAuthMethod.self, forKey: .authMethod),
            grantTypes: try c.decode([GrantType].self, forKey: .grantTypes), scopes: try c.decode([String].self, forKey: .scopes),
            audiences: try c.decode([String].self, forKey: .audiences),
            redirectURIs: try c.decodeIfPresent([String].self, forKey: .redirectURIs) ?? [],
            tokenFormat: try c.decode(TokenFormat.self, forKey: .tokenFormat),
            accessTokenLifetime: try c.decode(Int.self, forKey: .accessTokenLifetime),
            signingAlgorithm: try c.decodeIfPresent(SigningAlgorithm.self, forKey: .signingAlgorithm),
            secretDigest: try c.decodeIfPresent(Data.self, forKey: .secretDigest), jwks: try c.decodeIfPresent(JWKSet.self, forKey: .jwks),
            disabled: try c.decodeIfPresent(Bool.self, forKey: .disabled) ?? false,
            createdAt: try c.decode(Date.self, forKey: .createdAt), updatedAt: try c.decode(Date.self, forKey: .updatedAt),
            thirdParty: try c.decodeIfPresent(Bool.self, forKey: .thirdParty) ?? false,
            requirePKCE: try c.decodeIfPresent(Bool.self, forKey: .requirePKCE) ?? true,
            refreshTokenLifetime: try c.decodeIfPresent(Int.self, forKey: .refreshTokenLifetime) ?? Client.defaultRefreshTokenLifetime,
            refreshTokenAbsoluteLifetime: try c.decodeIfPresent(Int.self, forKey: .refreshTokenAbsoluteLifetime)
                ?? Client.defaultRefreshTokenAbsoluteLifetime,
            postLogoutRedirectURIs: try c.decodeIfPresent([String].self, forKey: .postLogoutRedirectURIs) ?? [],
            revokeRefreshTokensOnLogout: try c.decodeIfPresent(Bool.self, forKey: .revokeRefreshTokensOnLogout) ?? false)
    }
}
