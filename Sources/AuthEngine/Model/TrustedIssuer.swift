import Foundation
import JOSE

/// A partner whose signed assertions the tenant accepts as authorization grants (RFC 7523 §2.1): the
/// assertion's `iss` names it, its keys verify the signature, and its mapping turns the assertion's
/// `sub` into the subject of the issued token. Its settings are one `TrustedIssuerSpec`, validated
/// and normalized (read through this type: `issuer.scopes` is `issuer.spec.scopes`).
@dynamicMemberLookup
public struct TrustedIssuer: Sendable, Hashable, Codable {
    public var tenantID: String
    public var spec: TrustedIssuerSpec
    public var createdAt: Date
    public var updatedAt: Date

    public init(tenantID: String, spec: TrustedIssuerSpec, createdAt: Date, updatedAt: Date) {
        self.tenantID = tenantID
        self.spec = spec
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public subscript<T>(dynamicMember keyPath: WritableKeyPath<TrustedIssuerSpec, T>) -> T {
        get { spec[keyPath: keyPath] }
        set { spec[keyPath: keyPath] = newValue }
    }

    /// Longest accepted assertion lifetime (`exp` minus now), seconds.
    public var maxAssertionLifetime: Int { spec.maxAssertionLifetime ?? Self.defaultMaxAssertionLifetime }

    /// Five minutes: an assertion is minted for one token request.
    public static let defaultMaxAssertionLifetime = 300
    /// The longest an admin may allow, as for client assertions.
    public static let maximumAssertionLifetime = 3600

    /// The stored row: these keys beside the spec's own (snake_case) keys, in one object.
    enum CodingKeys: String, CodingKey {
        case tenantID, createdAt, updatedAt
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            tenantID: try c.decode(String.self, forKey: .tenantID),
            spec: try TrustedIssuerSpec(from: decoder),
            createdAt: try c.decode(Date.self, forKey: .createdAt),
            updatedAt: try c.decode(Date.self, forKey: .updatedAt)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tenantID, forKey: .tenantID)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try spec.encode(to: encoder)
    }
}

/// How an assertion's `sub` becomes the subject of the issued token.
public enum SubjectMapping: Sendable, Hashable, CustomStringConvertible {
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
