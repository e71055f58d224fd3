import Foundation

/// Everything the hot path needs to know about configuration, read at once from the store and then
/// served from memory; reloaded when the store's configuration version moves.
public struct ConfigSnapshot: Sendable {
    public var version: Int64
    public var tenants: [String: Tenant]
    /// tenant -> client id -> client
    public var clients: [String: [String: Client]]
    /// tenant -> keys
    public var keys: [String: [SigningKeyRecord]]
    public var scopes: [String: [String: ScopeDefinition]]
    public var apis: [String: [String: APIResource]]
    public var claims: [String: [String: ClaimDefinition]]
    public var registrationTokens: [String: [String: RegistrationToken]]
    /// tenant -> client id -> token exchange policy
    public var tokenExchangePolicies: [String: [String: TokenExchangePolicy]] = [:]
    /// tenant -> `iss` -> trusted assertion issuer
    public var trustedIssuers: [String: [String: TrustedIssuer]] = [:]

    public init(
        version: Int64 = 0,
        tenants: [String: Tenant] = [:],
        clients: [String: [String: Client]] = [:],
        keys: [String: [SigningKeyRecord]] = [:],
        scopes: [String: [String: ScopeDefinition]] = [:],
        apis: [String: [String: APIResource]] = [:],
        claims: [String: [String: ClaimDefinition]] = [:],
        registrationTokens: [String: [String: RegistrationToken]] = [:]
    ) {
        self.version = version
        self.tenants = tenants
        self.clients = clients
        self.keys = keys
        self.scopes = scopes
        self.apis = apis
        self.claims = claims
        self.registrationTokens = registrationTokens
    }

    public func client(_ tenantID: String, _ clientID: String) -> Client? { clients[tenantID]?[clientID] }

    /// This configuration with `design` as the tenant's scopes, claims and APIs: what a draft would
    /// issue, for previews and the lint.
    public func with(_ design: TokenDesign, tenantID: String) -> ConfigSnapshot {
        var s = self
        s.scopes[tenantID] = Dictionary(design.scopes.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        s.claims[tenantID] = Dictionary(design.claims.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        s.apis[tenantID] = Dictionary(design.apis.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        return s
    }
}
