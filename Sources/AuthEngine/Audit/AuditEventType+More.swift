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

extension AuditEventType {
    /// A token design version was published (details: version, note, changes, forced reason).
    public static let designPublished = Self(rawValue: "design.published")
    /// A publish with breaking changes was refused by the contract gate (details: the APIs affected).
    public static let designPublishRefused = Self(rawValue: "design.publish_refused")
    /// Breaking changes were published anyway with `--force`: the reason and the APIs affected.
    public static let designGateOverridden = Self(rawValue: "design.gate_overridden")
    public static let designDraftSaved = Self(rawValue: "design.draft_saved")
    public static let designDraftDiscarded = Self(rawValue: "design.draft_discarded")
    /// A tenant's policy changed (`claimdeck tenant update`): `fields` names the settings.
    public static let tenantUpdated = Self(rawValue: "tenant.updated")
    /// Rows past a tenant's retention were deleted, with their counts per kind (audit events are kept).
    public static let retentionPruned = Self(rawValue: "retention.pruned")
}
