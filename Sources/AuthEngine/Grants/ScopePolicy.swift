/// Least privilege for scopes: a request gets at most what the client is allowed.
enum ScopePolicy {
    /// The scopes to grant. Absent `scope`: the client's registered scopes (RFC 6749 §3.3 default).
    static func granted(requested: String?, client: Client) throws(OAuthError) -> [String] {
        guard let requested else { return client.scopes }
        var result: [String] = []
        for s in requested.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            guard ScopeDefinition.isValidName(s) else {
                throw .invalidScope("scope '\(Validation.printable(s))' has characters RFC 6749 section 3.3 does not allow")
            }
            guard client.scopes.contains(s) else {
                throw .invalidScope("scope '\(Validation.printable(s))' is not allowed for client '\(client.id)'")
            }
            if !result.contains(s) { result.append(s) }
        }
        if result.isEmpty { throw .invalidScope("scope is empty") }
        return result
    }
}

/// Audience restriction: a token for one API is rejected by another, and a client only gets
/// audiences it is allowed.
enum AudiencePolicy {
    /// - Parameter fallback: the audiences when neither the client nor an API gives one (the userinfo
    ///   endpoint, for a token that only carries `openid`).
    static func resolve(
        resources: [String],
        audience: String?,
        client: Client,
        scopes: [String],
        snapshot: ConfigSnapshot,
        fallback: [String] = []
    ) throws(OAuthError) -> [String] {
        let requested = try requested(resources: resources, audience: audience)
        var allowed = allowed(client: client, scopes: scopes, snapshot: snapshot)
        if allowed.isEmpty { allowed = fallback }
        if requested.isEmpty && allowed.isEmpty {
            throw .invalidTarget(
                "client '\(client.id)' has no allowed audience and no API accepts its scopes; register one with 'claimdeck client update --audience'"
            )
        }
        return try select(requested, allowed: allowed, owner: "client '\(client.id)'")
    }

    /// The targets a request names: RFC 8707 `resource` (absolute URIs) and `audience` (space-separated).
    static func requested(resources: [String], audience: String?) throws(OAuthError) -> [String] {
        var requested: [String] = []
        for r in resources {
            guard Validation.isAbsoluteURI(r) else {
                throw .invalidTarget("resource '\(Validation.printable(r))' must be an absolute URI without a fragment (RFC 8707)")
            }
            requested.append(r)
        }
        if let audience {
            requested += audience.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        }
        return requested
    }

    /// The client's registered audiences or, when it registered none, the APIs that accept one of the
    /// granted scopes.
    static func allowed(client: Client, scopes: [String], snapshot: ConfigSnapshot) -> [String] {
        client.audiences.isEmpty
            ? (snapshot.apis[client.tenantID] ?? [:]).values.filter { !Set($0.scopes).isDisjoint(with: scopes) }.map(\.audience).sorted()
            : client.audiences
    }

    /// The requested targets, each of which must be allowed (`invalid_target` naming `owner` otherwise);
    /// none requested: all the allowed ones.
    static func select(_ requested: [String], allowed: [String], owner: String) throws(OAuthError) -> [String] {
        if requested.isEmpty { return allowed }
        var result: [String] = []
        for a in requested where !result.contains(a) {
            guard allowed.contains(a) else {
                throw .invalidTarget("audience '\(Validation.printable(a))' is not allowed for \(owner)")
            }
            result.append(a)
        }
        return result
    }
}
