import Foundation

/// Which tokens an admin revocation reaches.
public enum RevocationSelector: Sendable, Hashable, CustomStringConvertible {
    case token(tenantID: String, tokenID: String)
    case subject(tenantID: String, subject: String)
    case client(tenantID: String, clientID: String)
    case tenant(tenantID: String)
    case family(tenantID: String, familyID: String)
    /// What a user granted one client: consent withdrawn.
    case grant(tenantID: String, subject: String, clientID: String)
    /// The tokens issued in one browser session to the given clients (RP-initiated logout).
    case session(tenantID: String, subject: String, sessionID: String, clientIDs: [String])

    public var tenantID: String {
        switch self {
        case .token(let t, _), .subject(let t, _), .client(let t, _), .tenant(let t), .family(let t, _), .grant(let t, _, _),
            .session(let t, _, _, _):
            return t
        }
    }

    public var description: String {
        switch self {
        case .token(let t, let id): return "token \(id) of tenant \(t)"
        case .subject(let t, let s): return "all tokens of subject \(s) in tenant \(t)"
        case .client(let t, let c): return "all tokens of client \(c) in tenant \(t)"
        case .tenant(let t): return "all tokens of tenant \(t)"
        case .family(let t, let f): return "refresh family \(f) in tenant \(t)"
        case .grant(let t, let s, let c): return "tokens of subject \(s) held by client \(c) in tenant \(t)"
        case .session(let t, let s, let sid, let c):
            return "tokens of session \(sid) of subject \(s) held by \(c.joined(separator: ", ")) in tenant \(t)"
        }
    }
}

/// What a revocation did (or, as a dry run, would do): how many tokens die and how long
/// already-issued JWTs stay usable at APIs that validate them locally without introspection.
public struct RevocationSummary: Sendable, Hashable, Codable {
    /// Tokens that were active and are now revoked.
    public var revoked: Int
    public var jwtCount: Int
    public var opaqueCount: Int
    /// The latest expiry among revoked JWTs: until then an API that does not introspect still accepts them.
    public var jwtUsableUntil: Date?
    public var clients: [String]
    public var subjects: [String]

    public init(
        revoked: Int = 0,
        jwtCount: Int = 0,
        opaqueCount: Int = 0,
        jwtUsableUntil: Date? = nil,
        clients: [String] = [],
        subjects: [String] = []
    ) {
        self.revoked = revoked
        self.jwtCount = jwtCount
        self.opaqueCount = opaqueCount
        self.jwtUsableUntil = jwtUsableUntil
        self.clients = clients
        self.subjects = subjects
    }
}

extension AuditEventDraft {
    /// The revocation's audit event with its counts, as every store records it.
    public func completed(with summary: RevocationSummary) -> AuditEventDraft {
        var event = self
        event.details["revoked"] = "\(summary.revoked)"
        event.details["jwt"] = "\(summary.jwtCount)"
        event.details["opaque"] = "\(summary.opaqueCount)"
        if let until = summary.jwtUsableUntil {
            event.details["jwt_usable_until"] = ISO8601DateFormatter().string(from: until)
        }
        return event
    }
}
