/// The event types Claimdeck's transmitter emits (the `events` member names of its SETs).
///
/// Where no CAEP or RISC event fits, Claimdeck uses clearly named extension events under
/// `https://claimdeck.dev/secevent/event-type/` (SSF allows any event type URI).
public enum SecurityEventType {
    /// CAEP 1.0: a subject's sessions (here: tokens) were revoked.
    public static let sessionRevoked = "https://schemas.openid.net/secevent/caep/event-type/session-revoked"
    /// CAEP 1.0: a subject's credential changed (password set).
    public static let credentialChange = "https://schemas.openid.net/secevent/caep/event-type/credential-change"
    /// CAEP 1.0: claims in tokens changed (a token design published that changes claims).
    public static let tokenClaimsChange = "https://schemas.openid.net/secevent/caep/event-type/token-claims-change"
    /// RISC 1.0: an account was disabled.
    public static let accountDisabled = "https://schemas.openid.net/secevent/risc/event-type/account-disabled"
    /// Extension: one token revoked, `sub_id` format `jwt_id` (no standard event names one token).
    public static let tokenRevoked = "https://claimdeck.dev/secevent/event-type/token-revoked"
    /// Extension: a client's tokens revoked or the client disabled, `sub_id` `opaque` = the client id.
    public static let clientRevoked = "https://claimdeck.dev/secevent/event-type/client-revoked"
    /// Extension: every token of the tenant revoked, `sub_id` `opaque` = the issuer.
    public static let tenantRevoked = "https://claimdeck.dev/secevent/event-type/tenant-revoked"
    /// SSF 1.0 §8.1.4: the verification event, sent on the receiver's request.
    public static let verification = "https://schemas.openid.net/secevent/ssf/event-type/verification"
    /// SSF 1.0 §8.1.5: the stream's status changed.
    public static let streamUpdated = "https://schemas.openid.net/secevent/ssf/event-type/stream-updated"

    /// `events_supported` of every stream.
    public static let supported = [
        sessionRevoked, credentialChange, tokenClaimsChange, accountDisabled, tokenRevoked, clientRevoked, tenantRevoked,
    ]
}
