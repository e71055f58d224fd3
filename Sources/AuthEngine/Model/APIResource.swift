/// An API (resource server) that reads tokens: its audience identifier, the scopes it accepts and,
/// per scope, the claims it requires. That is its contract with the server.
public struct APIResource: Sendable, Hashable, Codable {
    public var tenantID: String
    /// Short name ("invoices").
    public var name: String
    /// The audience value (`aud`), usually an absolute URI.
    public var audience: String
    public var scopes: [String]
    /// Claims the API requires, per scope.
    public var requiredClaims: [String: [String]]

    public init(tenantID: String, name: String, audience: String, scopes: [String], requiredClaims: [String: [String]] = [:]) {
        self.tenantID = tenantID
        self.name = name
        self.audience = audience
        self.scopes = scopes
        self.requiredClaims = requiredClaims
    }
}
