/// A JWK Set (RFC 7517 §5), the document served at `jwks_uri`.
public struct JWKSet: Codable, Sendable, Hashable {
    /// The keys, current signing key first by convention.
    public var keys: [JWK]

    /// Wraps `keys`.
    public init(keys: [JWK]) {
        self.keys = keys
    }

    /// The key a JWS header's `kid` selects: the first key with that `kid`; with no `kid`,
    /// the only key if there is exactly one (otherwise the choice would be a guess, so `nil`).
    public func key(kid: String?) -> JWK? {
        guard let kid else { return keys.count == 1 ? keys.first : nil }
        return keys.first { $0.kid == kid }
    }
}
