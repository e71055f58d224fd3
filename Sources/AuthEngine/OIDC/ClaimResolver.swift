import JOSE

/// Resolves the tenant's claim definitions (`claims` in the tenant's design) for granted scopes.
enum ClaimResolver {
    /// The claims an access token for `user` carries for `scopes`: every claim definition mapped to one
    /// of the scopes whose source yields a value. A user attribute that is absent leaves the claim out.
    static func accessTokenClaims(user: User?, client: Client, scopes: [String], snapshot: ConfigSnapshot) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        let granted = Set(scopes)
        for definition in (snapshot.claims[client.tenantID] ?? [:]).values where !granted.isDisjoint(with: definition.scopes) {
            if let value = value(of: definition.source, user: user, client: client) { result[definition.name] = value }
        }
        return result
    }

    static func value(of source: ClaimDefinition.Source, user: User?, client: Client) -> JSONValue? {
        switch source {
        case .constant(let v): return v
        case .userAttribute(let path):
            guard let user else { return nil }
            return lookup(path, in: user.attributes)
        case .clientAttribute(let path):
            let attributes: [String: JSONValue] = ["id": .string(client.id), "name": .string(client.name),
                                                   "type": .string(client.type.rawValue)]
            return lookup(path, in: attributes)
        }
    }

    /// A dotted path ("account.number") into a JSON object.
    static func lookup(_ path: String, in object: [String: JSONValue]) -> JSONValue? {
        var current: JSONValue = .object(object)
        for part in path.split(separator: ".") {
            guard case .object(let o) = current, let next = o[String(part)] else { return nil }
            current = next
        }
        return current
    }
}
