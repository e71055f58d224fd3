import Foundation
import JOSE
import Synchronization

/// Settings of one running engine.
public struct EngineConfiguration: Sendable {
    /// The public base URL; a tenant's issuer is `<publicBaseURL>/<tenant>`. No trailing slash.
    public var publicBaseURL: String { base.value.withLock { $0 } }
    /// Shared by every copy, so that the port a server binds for `--port 0` reaches them all.
    private let base: PublicBase
    /// The base URL of the mutual-TLS listener (RFC 8705 §5), "" without one; shared like `base`.
    private let mtlsBase = PublicBase(value: Mutex(""))
    /// Default access-token lifetime for new clients, seconds.
    public var defaultAccessTokenLifetime: Int
    /// Upper bound an admin may set, seconds.
    public var maxAccessTokenLifetime: Int
    /// Lifetime of the signed introspection response (RFC 9701), seconds.
    public var introspectionJWTLifetime: Int
    /// How long a browser session (login) lasts, seconds.
    public var sessionLifetime: TimeInterval
    /// scrypt cost of new password hashes (verification uses the cost stored in each hash).
    public var passwordCost: ScryptCost
    /// Shared Signals delivery: retries, expiry, leases.
    public var securityEvents = SecurityEventPolicy()

    public init(
        publicBaseURL: String,
        defaultAccessTokenLifetime: Int = 300,
        maxAccessTokenLifetime: Int = 86_400,
        introspectionJWTLifetime: Int = 60,
        sessionLifetime: TimeInterval = 12 * 3600,
        passwordCost: ScryptCost = .interactive
    ) {
        var base = publicBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.base = PublicBase(value: Mutex(base))
        self.defaultAccessTokenLifetime = defaultAccessTokenLifetime
        self.maxAccessTokenLifetime = maxAccessTokenLifetime
        self.introspectionJWTLifetime = introspectionJWTLifetime
        self.sessionLifetime = sessionLifetime
        self.passwordCost = passwordCost
    }

    /// Whether cookies must carry `Secure`: the server is reached over https.
    public var secureCookies: Bool { publicBaseURL.lowercased().hasPrefix("https://") }

    public func issuer(for tenantID: String) -> String { "\(publicBaseURL)/\(tenantID)" }

    /// The base URL of the listener that asks for client certificates (`serve --mtls-port`), whose
    /// endpoints discovery names in `mtls_endpoint_aliases`; nil: no such listener.
    public var mtlsBaseURL: String? {
        let url = mtlsBase.value.withLock { $0 }
        return url.isEmpty ? nil : url
    }

    /// The URL of a tenant's endpoint (`token`, `par`, `userinfo`) as a request reached it: its
    /// `mtls_endpoint_aliases` URL (RFC 8705 §5) for a request of the mutual-TLS listener. What a DPoP
    /// proof's `htu` must name (RFC 9449 §4.3: the URI of the request it came with).
    public func endpointURL(_ path: String, tenantID: String, mutualTLS: Bool) -> String {
        if mutualTLS, let base = mtlsBaseURL { return "\(base)/\(tenantID)/\(path)" }
        return issuer(for: tenantID) + "/" + path
    }

    /// Sets the mutual-TLS listener's base URL (no trailing slash); a port of 0 is replaced by
    /// `useBoundMTLSPort`.
    public func useMTLSBaseURL(_ url: String) {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        mtlsBase.value.withLock { $0 = url }
    }

    /// The mutual-TLS listener bound `port`: a base URL naming port 0 takes it (as `useBoundPort`).
    public func useBoundMTLSPort(_ port: Int) {
        mtlsBase.value.withLock { url in
            if url.hasSuffix(":0") { url = String(url.dropLast(2)) + ":\(port)" }
        }
    }

    /// A server asked for port 0 (any free one) has bound `port`: a base URL that names port 0 (no
    /// public URL was configured) takes the real one, so issuers, discovery and tokens name the port
    /// clients reach. Call it before serving the first request.
    public func useBoundPort(_ port: Int) {
        base.value.withLock { url in
            if url.hasSuffix(":0") { url = String(url.dropLast(2)) + ":\(port)" }
        }
    }

    private final class PublicBase: Sendable {
        let value: Mutex<String>
        init(value: consuming Mutex<String>) { self.value = value }
    }
}
