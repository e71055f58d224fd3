import Foundation

/// One change to a tenant's configuration. The store applies a list of them in one transaction,
/// together with their audit events, and bumps the configuration version other processes watch.
public enum ConfigMutation: Sendable, Hashable {
    case putTenant(Tenant)
    /// Deletes the tenant and everything it owns (clients, keys, users, tokens); audit events stay.
    case deleteTenant(id: String)
    case putClient(Client)
    case deleteClient(tenantID: String, clientID: String)
    case putKey(SigningKeyRecord)
    case putScope(ScopeDefinition)
    case deleteScope(tenantID: String, name: String)
    case putAPI(APIResource)
    case deleteAPI(tenantID: String, name: String)
    case putClaim(ClaimDefinition)
    case deleteClaim(tenantID: String, name: String)
    /// Records a published design version. Versions are immutable: if the number is taken (another
    /// publish won a race), the whole transaction fails with `AdminError.conflict`.
    case recordDesignVersion(DesignVersion)
    case putDesignDraft(DesignDraft)
    case deleteDesignDraft(tenantID: String)
    case putUser(User)
    case deleteUser(tenantID: String, id: String)
    case putRegistrationToken(RegistrationToken)
    /// Takes one use of an initial access token, atomically: if it has none left or has expired at
    /// `now`, the whole transaction fails with `AdminError.conflict` on field "initial access token".
    case consumeRegistrationToken(tenantID: String, id: String, now: Date)
    case deleteRegistrationToken(tenantID: String, id: String)
    /// Creates or replaces a client's token exchange policy (RFC 8693).
    case putTokenExchangePolicy(TokenExchangePolicy)
    case deleteTokenExchangePolicy(tenantID: String, clientID: String)
    /// Creates or replaces a trusted assertion issuer (RFC 7523 §2.1).
    case putTrustedIssuer(TrustedIssuer)
    case deleteTrustedIssuer(tenantID: String, issuer: String)
}
