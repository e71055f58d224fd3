/// A scope of a tenant: a coarse, stable business area ("invoice-read"), not a claim.
public struct ScopeDefinition: Sendable, Hashable, Codable {
    public var tenantID: String
    public var name: String
    public var description: String

    public init(tenantID: String, name: String, description: String = "") {
        self.tenantID = tenantID
        self.name = name
        self.description = description
    }

    /// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 128
            && name.utf8.allSatisfy { $0 == 0x21 || (0x23...0x5B).contains($0) || (0x5D...0x7E).contains($0) }
    }
}
