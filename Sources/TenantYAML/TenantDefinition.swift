import AuthEngine
import Foundation
import JOSE

/// A tenant described in YAML: the demo tenant in `data/`, and config as code (`claimdeck design
/// export` writes one, `design apply` reads one). Fields are encoded in declaration order and lists
/// sorted by name, so an export is stable and diffs well in version control.
public struct TenantDefinition: Codable, Sendable {
    public struct TenantInfo: Codable, Sendable {
        public var id: String
        public var name: String?
        public var algorithm: String?
        /// `fapi2`: every client of the tenant is under the FAPI 2.0 Security Profile.
        public var profile: String?
        /// What `claimdeck tenant update` sets; absent settings keep their defaults.
        public var policy: Policy?
    }

    /// The tenant's policy (`TenantPolicy`) in a file: retention, introspection auditing, PAR and DPoP nonces.
    public struct Policy: Codable, Sendable {
        /// Seconds a token's row is kept after it expired or was revoked.
        public var tokenRetention: Int?
        /// 0: an audit event per introspection; N: one per token and caller per N seconds.
        public var introspectionAuditWindow: Int?
        public var requirePushedAuthorizationRequests: Bool?
        public var requireDPoPNonce: Bool?

        enum CodingKeys: String, CodingKey {
            case tokenRetention = "token_retention"
            case introspectionAuditWindow = "introspection_audit_window"
            case requirePushedAuthorizationRequests = "require_pushed_authorization_requests"
            case requireDPoPNonce = "require_dpop_nonce"
        }

        /// The settings of `p` that differ from the defaults; nil when none does.
        init?(_ p: TenantPolicy) {
            let d = TenantPolicy()
            tokenRetention = p.tokenRetention == d.tokenRetention ? nil : p.tokenRetention
            introspectionAuditWindow = p.introspectionAuditWindow == d.introspectionAuditWindow ? nil : p.introspectionAuditWindow
            requirePushedAuthorizationRequests = p.requirePushedAuthorizationRequests ? true : nil
            requireDPoPNonce = p.requireDPoPNonce ? true : nil
            if tokenRetention == nil && introspectionAuditWindow == nil && requirePushedAuthorizationRequests == nil && requireDPoPNonce == nil {
                return nil
            }
        }

        /// Writes the settings given onto `p`.
        func apply(to p: inout TenantPolicy) {
            if let tokenRetention { p.tokenRetention = tokenRetention }
            if let introspectionAuditWindow { p.introspectionAuditWindow = introspectionAuditWindow }
            if let requirePushedAuthorizationRequests { p.requirePushedAuthorizationRequests = requirePushedAuthorizationRequests }
            if let requireDPoPNonce { p.requireDPoPNonce = requireDPoPNonce }
        }
    }

    public struct Scope: Codable, Sendable {
        public var name: String
        public var description: String?
        /// true: its clients should get sender-constrained tokens (the lint says so when they do not).
        public var sensitive: Bool?
    }

    public struct Claim: Codable, Sendable {
        public var name: String
        public var type: String
        public var userAttribute: String?
        public var clientAttribute: String?
        public var constant: JSONValue?
        public var template: String?
        public var authContext: String?
        public var external: External?
        public var pii: Bool?
        /// Issuance fails rather than leave the claim out.
        public var required: Bool?
        public var scopes: [String]?
        /// access_token, id_token, userinfo, introspection (default: access_token and introspection).
        public var destinations: [String]?

        // Declaration order is the order an export writes.
        enum CodingKeys: String, CodingKey {
            case name, type
            case userAttribute = "user_attribute"
            case clientAttribute = "client_attribute"
            case constant, template
            case authContext = "auth_context"
            case external, pii, required, scopes, destinations
        }
    }

    /// `external:` source of a claim: an HTTP GET at issuance.
    public struct External: Codable, Sendable {
        public var url: String
        public var path: String?
        public var timeoutMs: Int?
        public var cacheSeconds: Int?
        /// omit (default) or fail.
        public var onFailure: String?

        enum CodingKeys: String, CodingKey {
            case url, path
            case timeoutMs = "timeout_ms"
            case cacheSeconds = "cache_seconds"
            case onFailure = "on_failure"
        }
    }

    public struct API: Codable, Sendable {
        public var name: String
        public var audience: String
        public var scopes: [String]
        public var requiredClaims: [String: [String]]?

        enum CodingKeys: String, CodingKey {
            case name, audience, scopes
            case requiredClaims = "required_claims"
        }

        /// Writes `required_claims` sorted by scope: a dictionary's own order changes from run to run.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(audience, forKey: .audience)
            try c.encode(scopes, forKey: .scopes)
            if let requiredClaims {
                var nested = c.nestedContainer(keyedBy: NameKey.self, forKey: .requiredClaims)
                for scope in requiredClaims.keys.sorted() { try nested.encode(requiredClaims[scope]!, forKey: NameKey(scope)) }
            }
        }
    }

    public struct UserEntry: Codable, Sendable {
        public var id: String
        public var username: String
        /// Demo data only: hashed with scrypt on load.
        public var password: String?
        public var attributes: [String: JSONValue]?
    }

    /// `clients:` entry: the client's id and its settings (`ClientSpec`'s keys, in one mapping).
    public struct ClientEntry: Codable, Sendable {
        public var id: String
        public var spec: ClientSpec
        /// Demo data only: a known secret so examples can be copied. Stored as its SHA-256 like any other.
        public var secret: String?

        public init(id: String, spec: ClientSpec, secret: String? = nil) {
            self.id = id
            self.spec = spec
            self.secret = secret
        }

        enum CodingKeys: String, CodingKey {
            case id, secret
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                id: try c.decode(String.self, forKey: .id),
                spec: try ClientSpec(from: decoder),
                secret: try c.decodeIfPresent(String.self, forKey: .secret)
            )
        }

        /// `id` first, then the settings, so an export reads top-down.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try spec.encode(to: encoder)
            try c.encodeIfPresent(secret, forKey: .secret)
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

/// A coding key for names only known at run time (scopes as keys).
struct NameKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
