import Foundation

/// The kind of an audit event, dotted ("token.issued").
public struct AuditEventType: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let tokenIssued = Self(rawValue: "token.issued")
    public static let tokenRefused = Self(rawValue: "token.refused")
    public static let tokenIntrospected = Self(rawValue: "token.introspected")
    public static let tokenRevoked = Self(rawValue: "token.revoked")
    public static let tenantCreated = Self(rawValue: "tenant.created")
    public static let tenantDeleted = Self(rawValue: "tenant.deleted")
    public static let clientRegistered = Self(rawValue: "client.registered")
    public static let clientUpdated = Self(rawValue: "client.updated")
    public static let clientDisabled = Self(rawValue: "client.disabled")
    public static let clientEnabled = Self(rawValue: "client.enabled")
    public static let clientDeleted = Self(rawValue: "client.deleted")
    public static let clientSecretRotated = Self(rawValue: "client.secret_rotated")
    public static let registrationRefused = Self(rawValue: "client.registration_refused")
    public static let registrationTokenCreated = Self(rawValue: "client.registration_token_created")
    public static let keyCreated = Self(rawValue: "key.created")
    public static let keyRotated = Self(rawValue: "key.rotated")
    public static let keyRetired = Self(rawValue: "key.retired")
    public static let configLoaded = Self(rawValue: "config.loaded")
    public static let userCreated = Self(rawValue: "user.created")
    public static let userUpdated = Self(rawValue: "user.updated")
    public static let userPasswordSet = Self(rawValue: "user.password_set")
    public static let userDisabled = Self(rawValue: "user.disabled")
    public static let userEnabled = Self(rawValue: "user.enabled")
    public static let userDeleted = Self(rawValue: "user.deleted")
    public static let tokenRefreshed = Self(rawValue: "token.refreshed")
    /// A used authorization code or rotated refresh token came back: its family is revoked.
    public static let tokenReuseDetected = Self(rawValue: "token.reuse_detected")
    public static let authorizationCodeIssued = Self(rawValue: "authorization.code_issued")
    public static let authorizationRefused = Self(rawValue: "authorization.refused")
    /// A client pushed an authorization request (RFC 9126) and got its `request_uri`.
    public static let authorizationPushed = Self(rawValue: "authorization.pushed")
    public static let loginSucceeded = Self(rawValue: "login.succeeded")
    public static let loginFailed = Self(rawValue: "login.failed")
    public static let loginThrottled = Self(rawValue: "login.throttled")
    public static let consentGranted = Self(rawValue: "consent.granted")
    public static let consentDenied = Self(rawValue: "consent.denied")
    public static let consentRevoked = Self(rawValue: "consent.revoked")
    public static let sessionEnded = Self(rawValue: "session.ended")
    public static let logoutRefused = Self(rawValue: "logout.refused")
    public static let userinfoServed = Self(rawValue: "userinfo.served")
    public static let userinfoRefused = Self(rawValue: "userinfo.refused")
    public static let deviceAuthorizationStarted = Self(rawValue: "device.authorization_started")
    public static let deviceApproved = Self(rawValue: "device.approved")
    public static let deviceDenied = Self(rawValue: "device.denied")

    /// Every type the engine writes, for filters that must refuse a typo instead of matching nothing.
    /// (A test checks that each type declared here and in AuditEventType+More.swift is listed.)
    public static let all: [AuditEventType] = [
        .tokenIssued,
        .tokenRefused,
        .tokenIntrospected,
        .tokenRevoked,
        .tenantCreated,
        .tenantDeleted,
        .clientRegistered,
        .clientUpdated,
        .clientDisabled,
        .clientEnabled,
        .clientDeleted,
        .clientSecretRotated,
        .registrationRefused,
        .registrationTokenCreated,
        .keyCreated,
        .keyRotated,
        .keyRetired,
        .configLoaded,
        .userCreated,
        .userUpdated,
        .userPasswordSet,
        .userDisabled,
        .userEnabled,
        .userDeleted,
        .tokenRefreshed,
        .tokenReuseDetected,
        .authorizationCodeIssued,
        .authorizationRefused,
        .authorizationPushed,
        .loginSucceeded,
        .loginFailed,
        .loginThrottled,
        .consentGranted,
        .consentDenied,
        .consentRevoked,
        .sessionEnded,
        .logoutRefused,
        .userinfoServed,
        .userinfoRefused,
        .deviceAuthorizationStarted,
        .deviceApproved,
        .deviceDenied,
        .exchangePolicySet,
        .exchangePolicyCleared,
        .trustedIssuerAdded,
        .trustedIssuerUpdated,
        .trustedIssuerRemoved,
        .designPublished,
        .designPublishRefused,
        .designGateOverridden,
        .designDraftSaved,
        .designDraftDiscarded,
        .tenantUpdated,
        .retentionPruned,
        .streamCreated,
        .streamUpdated,
        .streamDeleted,
        .securityEventFailed,
    ]
}

/// Success or failure of the audited act.
public enum AuditOutcome: String, Sendable, Hashable, Codable {
    case success
    case failure
}

/// An audit event before the store gives it a sequence number and a place in the hash chain.
///
/// - Warning: never put a secret, a password or a token string in any field; token *ids* only.
public struct AuditEventDraft: Sendable, Hashable, Codable {
    public var time: Date
    public var type: AuditEventType
    public var outcome: AuditOutcome
    public var tenantID: String?
    public var clientID: String?
    public var subject: String?
    public var tokenID: String?
    /// Machine-readable reason of a failure or a revocation ("invalid_client: wrong secret").
    public var reason: String?
    /// Who acted: "client:<id>", "cli", "console", "http".
    public var actor: String?
    public var details: [String: String]

    public init(
        time: Date,
        type: AuditEventType,
        outcome: AuditOutcome = .success,
        tenantID: String? = nil,
        clientID: String? = nil,
        subject: String? = nil,
        tokenID: String? = nil,
        reason: String? = nil,
        actor: String? = nil,
        details: [String: String] = [:]
    ) {
        self.time = time
        self.type = type
        self.outcome = outcome
        self.tenantID = tenantID
        self.clientID = clientID
        self.subject = subject
        self.tokenID = tokenID
        self.reason = reason
        self.actor = actor
        self.details = details
    }
}

/// A stored audit event: append-only, numbered, and chained by SHA-256 to its predecessor so that a
/// deleted or edited event is detected by `audit verify`.
public struct AuditEvent: Sendable, Hashable, Codable {
    public var sequence: Int64
    public var event: AuditEventDraft
    /// SHA-256 over the previous hash and this event's canonical bytes, hex.
    public var hash: String

    public init(sequence: Int64, event: AuditEventDraft, hash: String) {
        self.sequence = sequence
        self.event = event
        self.hash = hash
    }
}
