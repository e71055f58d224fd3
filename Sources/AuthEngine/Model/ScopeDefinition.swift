/// A scope of a tenant: a coarse, stable business area ("invoice-read"), not a claim.
public struct ScopeDefinition: Sendable, Hashable, Codable {
    public var tenantID: String
    public var name: String
    public var description: String
    /// What the scope gives access to is sensitive (payments, health records): the lint asks that the
    /// clients holding it get sender-constrained tokens (DPoP, mTLS, the fapi2 profile).
    public var sensitive: Bool

    public init(tenantID: String, name: String, description: String = "", sensitive: Bool = false) {
        self.tenantID = tenantID
        self.name = name
        self.description = description
        self.sensitive = sensitive
    }

    enum CodingKeys: String, CodingKey { case tenantID, name, description, sensitive }

    /// Rows and design versions written before `sensitive` existed are not sensitive.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            tenantID: try c.decode(String.self, forKey: .tenantID),
            name: try c.decode(String.self, forKey: .name),
            description: try c.decodeIfPresent(String.self, forKey: .description) ?? "",
            sensitive: try c.decodeIfPresent(Bool.self, forKey: .sensitive) ?? false
        )
    }

    /// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 128
            && name.utf8.allSatisfy { $0 == 0x21 || (0x23...0x5B).contains($0) || (0x5D...0x7E).contains($0) }
    }
}
