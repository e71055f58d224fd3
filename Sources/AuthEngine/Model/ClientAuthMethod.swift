/// How a client proves its identity at the token, introspection and revocation endpoints (RFC 7591 names).
public enum ClientAuthMethod: String, Sendable, Hashable, Codable, CaseIterable {
    case clientSecretBasic = "client_secret_basic"
    case clientSecretPost = "client_secret_post"
    case privateKeyJWT = "private_key_jwt"
    /// RFC 8705 §2.1: a certificate from a trusted CA whose subject DN or SAN is the registered one.
    case tlsClientAuth = "tls_client_auth"
    /// RFC 8705 §2.2: a self-signed certificate whose public key is in the client's registered JWKS.
    case selfSignedTLSClientAuth = "self_signed_tls_client_auth"
    /// Public clients: no authentication.
    case none = "none"

    public var usesSecret: Bool { self == .clientSecretBasic || self == .clientSecretPost }
    /// Whether the client authenticates with the certificate of its TLS connection (RFC 8705 §2).
    public var usesCertificate: Bool { self == .tlsClientAuth || self == .selfSignedTLSClientAuth }
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
