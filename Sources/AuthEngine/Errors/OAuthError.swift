/// An OAuth error as RFC 6749 §5.2 (and RFC 7009, 7591, 7662, 8707) define it: a code, a
/// description for the developer, and the HTTP status it travels with.
///
/// Descriptions never contain a secret or a token.
public struct OAuthError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: String
    public var errorDescription: String
    public var status: Int
    /// For 401 answers: the `WWW-Authenticate` challenge.
    public var challenge: String?

    public init(code: String, description: String, status: Int = 400, challenge: String? = nil) {
        self.code = code
        self.errorDescription = description
        self.status = status
        self.challenge = challenge
    }

    public var description: String { "\(code): \(errorDescription)" }

    public static func invalidRequest(_ d: String) -> Self { .init(code: "invalid_request", description: d) }
    /// Failed client authentication: 401 with a challenge for the tenant's realm.
    public static func invalidClient(_ d: String, realm: String, scheme: String = "Basic") -> Self {
        .init(code: "invalid_client", description: d, status: 401, challenge: "\(scheme) realm=\"\(realm)\"")
    }
    public static func invalidGrant(_ d: String) -> Self { .init(code: "invalid_grant", description: d) }
    public static func unauthorizedClient(_ d: String) -> Self { .init(code: "unauthorized_client", description: d) }
    public static func unsupportedGrantType(_ d: String) -> Self { .init(code: "unsupported_grant_type", description: d) }
    public static func invalidScope(_ d: String) -> Self { .init(code: "invalid_scope", description: d) }
    /// RFC 8707 §2: the requested resource or audience is not allowed.
    public static func invalidTarget(_ d: String) -> Self { .init(code: "invalid_target", description: d) }
    /// RFC 7009 §2.2.1.
    public static func unsupportedTokenType(_ d: String) -> Self { .init(code: "unsupported_token_type", description: d) }
    /// RFC 7591 §3.2.2.
    public static func invalidClientMetadata(_ d: String) -> Self { .init(code: "invalid_client_metadata", description: d) }
    public static func invalidRedirectURI(_ d: String) -> Self { .init(code: "invalid_redirect_uri", description: d) }
    /// RFC 6750 §3.1: a bad bearer token (the registration endpoint's initial access token).
    public static func invalidToken(_ d: String) -> Self {
        .init(code: "invalid_token", description: d, status: 401, challenge: "Bearer error=\"invalid_token\"")
    }
    public static func notFound(_ d: String) -> Self { .init(code: "not_found", description: d, status: 404) }
    public static func temporarilyUnavailable(_ d: String) -> Self {
        .init(code: "temporarily_unavailable", description: d, status: 503)
    }
}
