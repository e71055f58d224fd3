extension AuditEventType {
    /// A client's token exchange policy was created or replaced.
    public static let exchangePolicySet = Self(rawValue: "client.exchange_policy_set")
    /// A client's token exchange policy was removed; it can no longer exchange tokens.
    public static let exchangePolicyCleared = Self(rawValue: "client.exchange_policy_cleared")
    /// A partner was registered as a trusted assertion issuer (RFC 7523).
    public static let trustedIssuerAdded = Self(rawValue: "issuer.added")
    /// A trusted assertion issuer's definition (keys, mapping, scopes, ...) was replaced.
    public static let trustedIssuerUpdated = Self(rawValue: "issuer.updated")
    /// A trusted assertion issuer was removed; its assertions are refused from now on.
    public static let trustedIssuerRemoved = Self(rawValue: "issuer.removed")
}
