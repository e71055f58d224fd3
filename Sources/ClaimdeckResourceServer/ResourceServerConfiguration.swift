import Foundation
import JOSE

/// What an API tells the library about itself and its authorization server.
public struct ResourceServerConfiguration: Sendable {
    /// The issuer exactly as tokens carry it in `iss`, e.g. `https://id.sms.example/sms`.
    public var issuer: String
    /// This API's audience: a token is accepted only if its `aud` contains it (RFC 9068 §4).
    public var audience: String
    /// The JWKS location; nil: the `jwks_uri` of the issuer's discovery document.
    public var jwksURL: String?
    /// The introspection endpoint for opaque tokens (RFC 7662); nil: the discovery document's
    /// `introspection_endpoint`. Used only when `introspectionClient` is set.
    public var introspectionURL: String?
    /// The API's own client credentials for introspection; nil: opaque tokens are refused.
    public var introspectionClient: ClientCredentials?
    /// What the introspection endpoint is asked to answer: plain JSON (RFC 7662) or a JWT signed by
    /// the issuer (RFC 9701).
    public var introspectionFormat: IntrospectionFormat
    /// The `realm` of the `WWW-Authenticate` challenges (RFC 6750 §3).
    public var realm: String
    /// The JWS algorithms accepted; the header's `alg` must be one of them and equal its key's.
    /// There is no `none` and no HMAC in `SigningAlgorithm`, so neither can be allowed.
    public var allowedAlgorithms: Set<SigningAlgorithm>
    /// Tolerated clock skew for `exp`, `nbf` and `iat`, in seconds.
    public var leeway: TimeInterval
    /// The least time between two JWKS fetches caused by an unknown `kid`, so a stream of tokens with
    /// invented key ids cannot make the API hammer the issuer.
    public var jwksRefetchInterval: TimeInterval
    /// How long a JWKS is kept when its response has no `Cache-Control: max-age`.
    public var defaultJWKSLifetime: TimeInterval
    /// The longest an active introspection answer is cached, even if the token lives longer. A token
    /// revoked at the server stays accepted here until its entry expires: this bounds that exposure.
    public var maximumIntrospectionCacheLifetime: TimeInterval
    /// How long an "active": false answer is cached, so a replayed dead token does not cost a call each time.
    public var inactiveCacheLifetime: TimeInterval
    /// Most tokens the validation cache holds; the least recently used goes first.
    public var maximumCachedTokens: Int
    /// Timeout of each call to the authorization server.
    public var requestTimeout: TimeInterval
    /// The `iss` of the security events this API accepts (`SecurityEventReceiver`); Claimdeck's
    /// transmitter signs them with the tenant's keys, so by default the tokens' issuer and its JWKS.
    public var eventIssuer: String
    /// The `aud` a security event must name: by default this API's audience.
    public var eventAudience: String
    /// How long a revocation is remembered: longer than any token lifetime at the issuer, so no token
    /// it refuses outlives it.
    public var revocationMemory: TimeInterval
    /// Most revocations of each kind (tokens, subjects, clients) remembered; the oldest goes first.
    public var maximumRevocations: Int

    /// The form of the introspection endpoint's answers.
    public enum IntrospectionFormat: Sendable, Hashable {
        /// RFC 7662 §2.2: a JSON object, trusted because it came over the connection to the issuer.
        case json
        /// RFC 9701: `Accept: application/token-introspection+jwt`, and only an answer signed with the
        /// issuer's keys, for this API (`aud`), is accepted. A plain JSON answer is then refused, so a
        /// proxy or a misconfigured server cannot downgrade it.
        case signed
    }

    /// A client id and secret sent as HTTP Basic (RFC 6749 §2.3.1) to the introspection endpoint.
    public struct ClientCredentials: Sendable, Hashable {
        /// The API's client id at the authorization server.
        public var id: String
        /// Its secret; never logged.
        public var secret: String

        /// The credentials.
        public init(id: String, secret: String) {
            self.id = id
            self.secret = secret
        }
    }

    /// The configuration with the library's defaults: plain JSON introspection answers, every algorithm Claimdeck signs with, 30 s of
    /// leeway, a JWKS refetch at most every 10 s, introspection answers cached up to 5 min (inactive
    /// ones 10 s), 10,000 cached tokens, revocations remembered a day.
    public init(
        issuer: String,
        audience: String,
        jwksURL: String? = nil,
        introspectionURL: String? = nil,
        introspectionClient: ClientCredentials? = nil,
        introspectionFormat: IntrospectionFormat = .json,
        realm: String? = nil,
        allowedAlgorithms: Set<SigningAlgorithm> = Set(SigningAlgorithm.allCases),
        leeway: TimeInterval = 30,
        jwksRefetchInterval: TimeInterval = 10,
        defaultJWKSLifetime: TimeInterval = 300,
        maximumIntrospectionCacheLifetime: TimeInterval = 300,
        inactiveCacheLifetime: TimeInterval = 10,
        maximumCachedTokens: Int = 10_000,
        requestTimeout: TimeInterval = 10,
        eventIssuer: String? = nil,
        eventAudience: String? = nil,
        revocationMemory: TimeInterval = 86_400,
        maximumRevocations: Int = 100_000
    ) {
        self.issuer = issuer
        self.audience = audience
        self.jwksURL = jwksURL
        self.introspectionURL = introspectionURL
        self.introspectionClient = introspectionClient
        self.introspectionFormat = introspectionFormat
        self.realm = realm ?? audience
        self.allowedAlgorithms = allowedAlgorithms
        self.leeway = leeway
        self.jwksRefetchInterval = jwksRefetchInterval
        self.defaultJWKSLifetime = defaultJWKSLifetime
        self.maximumIntrospectionCacheLifetime = maximumIntrospectionCacheLifetime
        self.inactiveCacheLifetime = inactiveCacheLifetime
        self.maximumCachedTokens = max(1, maximumCachedTokens)
        self.requestTimeout = requestTimeout
        self.eventIssuer = eventIssuer ?? issuer
        self.eventAudience = eventAudience ?? audience
        self.revocationMemory = revocationMemory
        self.maximumRevocations = maximumRevocations
    }
}
