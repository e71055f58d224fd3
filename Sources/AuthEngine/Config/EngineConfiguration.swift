/// Settings of one running engine.
public struct EngineConfiguration: Sendable {
    /// The public base URL; a tenant's issuer is `<publicBaseURL>/<tenant>`. No trailing slash.
    public var publicBaseURL: String
    /// Default access-token lifetime for new clients, seconds.
    public var defaultAccessTokenLifetime: Int
    /// Upper bound an admin may set, seconds.
    public var maxAccessTokenLifetime: Int
    /// Lifetime of the signed introspection response (RFC 9701), seconds.
    public var introspectionJWTLifetime: Int

    public init(publicBaseURL: String, defaultAccessTokenLifetime: Int = 300, maxAccessTokenLifetime: Int = 86_400,
                introspectionJWTLifetime: Int = 60) {
        var base = publicBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.publicBaseURL = base
        self.defaultAccessTokenLifetime = defaultAccessTokenLifetime
        self.maxAccessTokenLifetime = maxAccessTokenLifetime
        self.introspectionJWTLifetime = introspectionJWTLifetime
    }

    public func issuer(for tenantID: String) -> String { "\(publicBaseURL)/\(tenantID)" }
}
