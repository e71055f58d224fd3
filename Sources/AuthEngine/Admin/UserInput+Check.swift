import JOSE

extension ClaimdeckEngine {
    /// Runs the input checks of `createUser`, `updateUser` and `setUserPassword` (username, id,
    /// password), changing nothing and reading no store: for forms that validate as the admin types.
    /// Uniqueness is only known to the store and is still checked when the change is made. The error
    /// names the field at fault and never quotes a password.
    public func checkUserInput(tenantID: String, username: String? = nil, id: String? = nil, password: String? = nil) throws(AdminError) {
        guard config.snapshot.tenants[tenantID] != nil else { throw .notFound("no tenant '\(Validation.printable(tenantID))'") }
        try Self.checkUserFields(username: username, id: id, password: password)
    }

    /// The same checks without a tenant: for a tenant file, before its tenant exists.
    public static func checkUserFields(username: String? = nil, id: String? = nil, password: String? = nil) throws(AdminError) {
        if let username { try validateUsername(username) }
        if let id {
            do { try Validation.clientID(id) } catch { throw .invalid(field: "id", error.message) }
        }
        if let password { try validatePassword(password) }
    }

    /// The rules `hashPassword` applies before it hashes.
    static func validatePassword(_ password: String) throws(AdminError) {
        guard password.count >= minimumPasswordLength else {
            throw .invalid(field: "password", "must be at least \(minimumPasswordLength) characters")
        }
        try Validation.utf8Text(password, field: "password")
        guard password.utf8.count <= 1024 else { throw .invalid(field: "password", "must be at most 1024 bytes") }
    }

    /// User attributes typed as JSON text: a JSON object, or an error naming `field` and the byte
    /// where the JSON went wrong.
    public static func parseUserAttributes(_ text: String, field: String = "attributes") throws(AdminError) -> [String: JSONValue] {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: text)
        } catch let error as JOSEError {
            throw .invalid(field: field, "\(error.description); write a JSON object, e.g. {\"name\": \"Alice\", \"roles\": [\"admin\"]}")
        } catch {
            throw .invalid(field: field, "is not JSON")
        }
        guard case .object(let attributes) = value else {
            throw .invalid(field: field, "must be a JSON object ({...}), e.g. {\"name\": \"Alice\"}")
        }
        return attributes
    }
}
