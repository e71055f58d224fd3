/// How a client proves its identity at the token, introspection and revocation endpoints (RFC 7591 names).
public enum ClientAuthMethod: String, Sendable, Hashable, Codable, CaseIterable {
    case clientSecretBasic = "client_secret_basic"
    case clientSecretPost = "client_secret_post"
    case privateKeyJWT = "private_key_jwt"
    /// Public clients: no authentication.
    case none = "none"

    public var usesSecret: Bool { self == .clientSecretBasic || self == .clientSecretPost }
}

/// Whether the client can keep a secret (RFC 6749 §2.1).
public enum ClientType: String, Sendable, Hashable, Codable, CaseIterable {
    case confidential
    case `public`
}

/// How access tokens are handed to a client: a self-contained JWT (for services inside) or an opaque
/// reference (for clients outside; a gateway introspects it: the phantom-token pattern).
public enum TokenFormat: String, Sendable, Hashable, Codable, CaseIterable {
    case jwt
    case opaque
}
