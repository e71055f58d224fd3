import AuthEngine
import Foundation
import JOSE

/// A tenant described in YAML: the demo tenant in `data/`, and later config as code.
public struct TenantDefinition: Decodable, Sendable {
    public struct TenantInfo: Decodable, Sendable {
        public var id: String
        public var name: String?
        public var algorithm: String?
    }

    public struct Scope: Decodable, Sendable {
        public var name: String
        public var description: String?
    }

    public struct Claim: Decodable, Sendable {
        public var name: String
        public var type: String
        public var userAttribute: String?
        public var clientAttribute: String?
        public var constant: JSONValue?
        public var template: String?
        public var authContext: String?
        public var pii: Bool?
        public var scopes: [String]?
        /// access_token, id_token, userinfo, introspection (default: access_token and introspection).
        public var destinations: [String]?

        enum CodingKeys: String, CodingKey {
            case name, type, pii, scopes, constant, template, destinations
            case authContext = "auth_context"
            case userAttribute = "user_attribute"
            case clientAttribute = "client_attribute"
        }
    }

    public struct API: Decodable, Sendable {
        public var name: String
        public var audience: String
        public var scopes: [String]
        public var requiredClaims: [String: [String]]?

        enum CodingKeys: String, CodingKey {
            case name, audience, scopes
            case requiredClaims = "required_claims"
        }
    }

    public struct UserEntry: Decodable, Sendable {
        public var id: String
        public var username: String
        /// Demo data only: hashed with scrypt on load.
        public var password: String?
        public var attributes: [String: JSONValue]?
    }

    public struct ClientEntry: Decodable, Sendable {
        public var id: String
        public var name: String
        public var type: String?
        public var authMethod: String?
        public var grantTypes: [String]?
        public var scopes: [String]?
        public var audiences: [String]?
        public var redirectURIs: [String]?
        public var tokenFormat: String?
        public var accessTokenLifetime: Int?
        public var signingAlgorithm: String?
        /// Demo data only: a known secret so examples can be copied. Stored as its SHA-256 like any other.
        public var secret: String?
        public var thirdParty: Bool?
        public var requirePKCE: Bool?
        public var refreshTokenLifetime: Int?
        public var refreshTokenAbsoluteLifetime: Int?
        public var postLogoutRedirectURIs: [String]?
        public var revokeRefreshTokensOnLogout: Bool?

        enum CodingKeys: String, CodingKey {
            case id, name, type, scopes, audiences, secret
            case thirdParty = "third_party"
            case requirePKCE = "require_pkce"
            case refreshTokenLifetime = "refresh_token_lifetime"
            case refreshTokenAbsoluteLifetime = "refresh_token_absolute_lifetime"
            case postLogoutRedirectURIs = "post_logout_redirect_uris"
            case revokeRefreshTokensOnLogout = "revoke_refresh_tokens_on_logout"
            case authMethod = "auth_method"
            case grantTypes = "grant_types"
            case redirectURIs = "redirect_uris"
            case tokenFormat = "token_format"
            case accessTokenLifetime = "access_token_lifetime"
            case signingAlgorithm = "signing_alg"
        }
    }

    public var tenant: TenantInfo
    public var scopes: [Scope]?
    public var claims: [Claim]?
    public var apis: [API]?
    public var users: [UserEntry]?
    public var clients: [ClientEntry]?
    public var tokenExchangePolicies: [ExchangePolicyEntry]?
    public var trustedIssuers: [TrustedIssuerEntry]?

    enum CodingKeys: String, CodingKey {
        case tenant, scopes, claims, apis, users, clients
        case tokenExchangePolicies = "token_exchange_policies"
        case trustedIssuers = "trusted_issuers"
    }
}
