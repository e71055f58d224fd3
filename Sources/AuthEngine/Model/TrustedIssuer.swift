import Foundation
import JOSE

/// A partner whose signed assertions the tenant accepts as authorization grants (RFC 7523 §2.1): the
/// assertion's `iss` names it, its keys verify the signature, and its mapping turns the assertion's
/// `sub` into the subject of the issued token.
public struct TrustedIssuer: Sendable, Hashable, Codable {
    public var tenantID: String
    /// The exact `iss` value of the partner's assertions.
    public var issuer: String
    /// The partner's public keys.
    public var jwks: JWKSet
    /// The JWS `alg` values accepted; never empty, each one matched by a key.
    public var algorithms: [SigningAlgorithm]
    /// How the assertion's `sub` becomes the token's subject.
    public var subjectMapping: SubjectMapping
    /// Scopes a token from this issuer's assertions may carry, intersected with the client's; never empty.
    public var scopes: [String]
    /// Audiences a token from this issuer's assertions may be for, intersected with the client's;
    /// empty: the client's.
    public var audiences: [String]
    /// Clients that may present this issuer's assertions; empty: any client allowed the jwt-bearer grant.
    public var clients: [String]
    /// Longest accepted assertion lifetime (`exp` minus now), seconds.
    public var maxAssertionLifetime: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(tenantID: String, issuer: String, jwks: JWKSet, algorithms: [SigningAlgorithm], subjectMapping: SubjectMapping,
                scopes: [String], audiences: [String] = [], clients: [String] = [],
                maxAssertionLifetime: Int = TrustedIssuer.defaultMaxAssertionLifetime, createdAt: Date, updatedAt: Date) {
        self.tenantID = tenantID
        self.issuer = issuer
        self.jwks = jwks
        self.algorithms = algorithms
        self.subjectMapping = subjectMapping
        self.scopes = scopes
        self.audiences = audiences
        self.clients = clients
        self.maxAssertionLifetime = maxAssertionLifetime
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Five minutes: an assertion is minted for one token request.
    public static let defaultMaxAssertionLifetime = 300
    /// The longest an admin may allow, as for client assertions.
    public static let maximumAssertionLifetime = 3600
}

/// How an assertion's `sub` becomes the subject of the issued token.
public enum SubjectMapping: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `sub` is the id of a local user of the tenant.
    case userID
    /// `sub` is the username of a local user.
    case username
    /// `sub` equals the string at this dotted path of a local user's attributes ("partner.acme_id").
    case userAttribute(path: String)
    /// `sub` is used as it is, after `prefix`; no local user is involved.
    case passThrough(prefix: String)

    /// Whether the subject is a local user, who must exist and be enabled.
    public var mapsToLocalUser: Bool {
        if case .passThrough = self { return false }
        return true
    }

    /// The form the CLI and YAML use: `user-id`, `username`, `attribute:<path>`, `pass-through`.
    public var description: String {
        switch self {
        case .userID: return "user-id"
        case .username: return "username"
        case .userAttribute(let path): return "attribute:\(path)"
        case .passThrough: return "pass-through"
        }
    }

    /// Parses the CLI/YAML form; `prefix` is only meaningful for `pass-through`.
    public static func parse(_ raw: String, prefix: String?) throws(AdminError) -> SubjectMapping {
        let field = "subject mapping"
        if prefix != nil && raw != "pass-through" {
            throw .invalid(field: "subject prefix", "a prefix only applies to the 'pass-through' subject mapping")
        }
        switch raw {
        case "user-id": return .userID
        case "username": return .username
        case "pass-through":
            let prefix = prefix ?? ""
            try Validation.utf8Text(prefix, field: "subject prefix")
            if prefix.utf8.count > 64 || prefix.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == " " }) {
                throw .invalid(field: "subject prefix", "must be at most 64 bytes without spaces or control characters")
            }
            return .passThrough(prefix: prefix)
        default:
            guard raw.hasPrefix("attribute:") else {
                throw .invalid(field: field, "'\(Validation.printable(raw))' is not valid; use user-id, username, attribute:<path> or pass-through")
            }
            let path = String(raw.dropFirst("attribute:".count))
            let segments = path.split(separator: ".", omittingEmptySubsequences: false)
            guard !path.isEmpty, path.utf8.count <= 200, segments.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) else {
                throw .invalid(field: field, "'\(Validation.printable(raw))' needs a dotted attribute path such as attribute:partner.acme_id")
            }
            return .userAttribute(path: path)
        }
    }
}
