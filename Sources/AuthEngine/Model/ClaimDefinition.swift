import JOSE

/// A claim a tenant's tokens can carry, where its value comes from, and whether it is personal data.
public struct ClaimDefinition: Sendable, Hashable, Codable {
    public enum Source: Sendable, Hashable, Codable {
        /// A value from the user's attributes JSON, by a dotted path ("account.number").
        case userAttribute(path: String)
        /// A value from the client's settings.
        case clientAttribute(path: String)
        case constant(JSONValue)
    }

    public var tenantID: String
    public var name: String
    /// JSON type: string, number, boolean, array or object.
    public var type: String
    public var source: Source
    public var isPII: Bool
    /// Scopes whose tokens carry this claim.
    public var scopes: [String]

    public init(tenantID: String, name: String, type: String, source: Source, isPII: Bool = false, scopes: [String] = []) {
        self.tenantID = tenantID
        self.name = name
        self.type = type
        self.source = source
        self.isPII = isPII
        self.scopes = scopes
    }
}
