import JOSE

/// Where a claim goes: a token a client or an API reads, or an answer of an endpoint.
public enum ClaimDestination: String, Sendable, Hashable, Codable, CaseIterable {
    case accessToken = "access_token"
    case idToken = "id_token"
    case userinfo
    case introspection

    /// Where a claim goes when its definition does not say: what APIs read.
    public static let defaults: [ClaimDestination] = [.accessToken, .introspection]
}

/// A claim a tenant's tokens can carry, where its value comes from, where it goes, and whether it is
/// personal data.
public struct ClaimDefinition: Sendable, Hashable, Codable {
    public enum Source: Sendable, Hashable, Codable {
        /// A value from the user's attributes JSON, by a dotted path ("account.number").
        case userAttribute(path: String)
        /// A value from the client's settings ("id", "name", "type").
        case clientAttribute(path: String)
        case constant(JSONValue)
        /// A string built from user attributes: "{account.type}:{account.number}".
        case template(String)
        /// How the user authenticated: "auth_time", "amr" or "acr".
        case authContext(String)
        /// A value fetched from another system at issuance: an HTTP GET with a timeout and a cache.
        case externalLookup(ExternalLookup)

        /// Whether a value can only come from a signed-in user (a client_credentials token never has it).
        public var needsUser: Bool {
            switch self {
            case .userAttribute, .template, .authContext: return true
            case .clientAttribute, .constant: return false
            case .externalLookup(let l): return l.url.contains("{sub}") || l.url.contains("{user.")
            }
        }
    }

    public var tenantID: String
    public var name: String
    /// JSON type: string, number, boolean, array or object.
    public var type: String
    public var source: Source
    public var isPII: Bool
    /// A token whose scopes map this claim is not issued without it: issuance fails with
    /// `invalid_scope` rather than leave it out. A claim whose source needs a user is required of
    /// user tokens only.
    public var isRequired: Bool
    /// Scopes whose tokens carry this claim.
    public var scopes: [String]
    /// Where it goes (default: access token and introspection).
    public var destinations: [ClaimDestination]

    public init(
        tenantID: String,
        name: String,
        type: String,
        source: Source,
        isPII: Bool = false,
        isRequired: Bool = false,
        scopes: [String] = [],
        destinations: [ClaimDestination] = ClaimDestination.defaults
    ) {
        self.tenantID = tenantID
        self.name = name
        self.type = type
        self.source = source
        self.isPII = isPII
        self.isRequired = isRequired
        self.scopes = scopes
        self.destinations = destinations
    }

    enum CodingKeys: String, CodingKey { case tenantID, name, type, source, isPII, isRequired, scopes, destinations }

    /// Rows written before destinations and flags existed go to the defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            tenantID: try c.decode(String.self, forKey: .tenantID),
            name: try c.decode(String.self, forKey: .name),
            type: try c.decode(String.self, forKey: .type),
            source: try c.decode(Source.self, forKey: .source),
            isPII: try c.decodeIfPresent(Bool.self, forKey: .isPII) ?? false,
            isRequired: try c.decodeIfPresent(Bool.self, forKey: .isRequired) ?? false,
            scopes: try c.decodeIfPresent([String].self, forKey: .scopes) ?? [],
            destinations: try c.decodeIfPresent([ClaimDestination].self, forKey: .destinations) ?? ClaimDestination.defaults
        )
    }
}
