import AsyncHTTPClient
import Foundation
import JOSE

/// Validates access tokens for one API and caches what it learns.
///
/// - A JWT (RFC 9068) is verified locally against the issuer's JWKS (`JWKSCache`).
/// - Anything else is an opaque token: introspected (RFC 7662, or RFC 9701 signed answers) with the
///   API's client credentials.
/// - The API's own claims (`extraClaims`) are looked up once per token, after validation.
///
/// The outcome is cached, keyed by the SHA-256 of the token (the token itself is never kept), in a
/// bounded LRU (`maximumCachedTokens`): an accepted token until its `exp` (an introspected one at most
/// `maximumIntrospectionCacheLifetime`), a refused one for `inactiveCacheLifetime`. Requests with the
/// same token while its validation runs wait for that one validation. A token revoked at the server
/// is therefore accepted here until its entry expires, unless a security event says otherwise
/// (`receiveSecurityEvent`); see the README's "Protecting a Swift API". Accepted entries are indexed by
/// subject and `jti`, so a CAEP token-claims-change evicts a subject's entries without scanning the cache.
public actor TokenValidator {
    /// The API's lookup of its own claims for a validated token (its database, its customer service):
    /// called once per token, and its answer cached with the token. A throw refuses nothing and caches nothing.
    public typealias ExtraClaimsLookup = @Sendable (Principal) async throws -> [String: JSONValue]

    private enum Outcome: Sendable {
        case accepted(Principal)
        case refused(TokenValidationError)
    }

    private struct Entry: Sendable {
        var outcome: Outcome
        /// Nil: not cached (the authorization server or the lookup failed; try again next time).
        var validUntil: Date?
    }

    private enum Slot: Sendable {
        case ready(Entry)
        case pending(Task<Entry, Never>)
    }

    /// What an accepted entry is found by when an event names it without its token: a CAEP
    /// token-claims-change names a subject or a `jti`.
    private enum CacheTag: Hashable, Sendable {
        case subject(String)
        case token(jti: String)

        static func tags(of entry: Entry) -> [CacheTag] {
            guard case .accepted(let principal) = entry.outcome else { return [] }
            return [.subject(principal.subject)] + (principal.tokenID.map { [.token(jti: $0)] } ?? [])
        }
    }

    /// The configuration it was made with.
    public nonisolated let configuration: ResourceServerConfiguration
    private nonisolated let clock: any ResourceServerClock
    private nonisolated let verifier: AccessTokenVerifier
    private nonisolated let introspector: TokenIntrospector
    private nonisolated let extraClaims: ExtraClaimsLookup?
    private let keys: JWKSCache
    private nonisolated let events: SecurityEventVerifier
    private var cache: LRUCache<Data, Slot, CacheTag>
    /// How many claims changes were received: a validation that ran across one is not kept, since the
    /// change may be about its token and it may have read the old claims.
    private var claimsChanges = 0
    private var revocations: RevocationList

    /// - Parameters:
    ///   - configuration: the issuer, the audience and the cache bounds.
    ///   - httpClient: how the authorization server is reached (`HTTPClient.shared` by default).
    ///   - clock: the time tokens and cache entries are checked against.
    ///   - extraClaims: the API's own claims lookup, if any.
    public init(
        configuration: ResourceServerConfiguration,
        httpClient: HTTPClient = .shared,
        clock: any ResourceServerClock = SystemResourceServerClock(),
        extraClaims: ExtraClaimsLookup? = nil
    ) {
        let client = AuthorizationServerClient(http: httpClient, timeout: configuration.requestTimeout)
        let endpoints = IssuerEndpoints(configuration: configuration, client: client)
        let keys = JWKSCache(configuration: configuration, client: client, endpoints: endpoints, clock: clock)
        let checks = ClaimChecks(configuration: configuration)
        self.configuration = configuration
        self.clock = clock
        self.keys = keys
        self.verifier = AccessTokenVerifier(configuration: configuration, keys: keys, checks: checks)
        self.introspector = TokenIntrospector(
            configuration: configuration,
            client: client,
            endpoints: endpoints,
            checks: checks,
            signed: SignedIntrospectionAnswer(configuration: configuration, keys: keys)
        )
        self.extraClaims = extraClaims
        self.cache = LRUCache(capacity: configuration.maximumCachedTokens)
        self.events = SecurityEventVerifier(
            issuer: configuration.eventIssuer,
            audience: configuration.eventAudience,
            tokenIssuer: configuration.issuer,
            allowedAlgorithms: configuration.allowedAlgorithms,
            keys: keys
        )
        self.revocations = RevocationList(memory: configuration.revocationMemory, maximumEntries: configuration.maximumRevocations)
    }

    /// The principal `token` speaks for, from the cache or freshly validated.
    public func validate(_ token: String) async throws(TokenValidationError) -> Principal {
        let key = SecretDigest.sha256(token)
        let entry: Entry
        switch cache.value(for: key) {
        case .ready(let cached) where cached.validUntil.map({ clock.now() < $0 }) ?? false:
            entry = cached
        case .pending(let task):
            entry = await task.value
        default:
            let changesBefore = claimsChanges
            let task = Task.detached { [self] in await self.compute(token) }
            cache.set(.pending(task), for: key)
            entry = await task.value
            // Only if the slot is still this validation's (it may have been evicted meanwhile).
            if case .pending = cache.peek(key) {
                if entry.validUntil != nil && claimsChanges == changesBefore {
                    cache.set(.ready(entry), for: key, tags: CacheTag.tags(of: entry))
                } else {
                    cache.removeValue(for: key)
                }
            }
        }
        switch entry.outcome {
        case .accepted(let principal):
            // An entry may outlive `exp` by no more than the leeway; re-check on every hit.
            guard clock.now() < principal.expiresAt.addingTimeInterval(configuration.leeway) else {
                throw .invalidToken(reason: "the token has expired")
            }
            // Checked on every hit: an event received after the token was cached refuses it.
            if let refusal = revocations.refusal(for: principal) { throw refusal }
            return principal
        case .refused(let error):
            throw error
        }
    }

    /// How many tokens the cache holds now (accepted, refused and in progress).
    public var cachedTokenCount: Int { cache.count }

    /// How many times the JWKS was fetched since this validator was made.
    public var jwksFetchCount: Int {
        get async { await keys.fetchCount }
    }

    /// Verifies a pushed Security Event Token (see `SecurityEvent`) and applies it: the revoked tokens
    /// leave the cache and are refused from now on, JWTs included; the tokens whose claims changed
    /// leave the cache and are validated afresh (introspected again, the extra claims looked up again)
    /// at their next request. Idempotent, so a SET delivered twice does no harm.
    @discardableResult
    public func receiveSecurityEvent(_ compact: String) async throws(SecurityEventError) -> SecurityEvent {
        let event = try await events.verify(compact)
        if let change = event.claimsChange {
            claimsChanges += 1
            switch change.target {
            case .subject(let subject): cache.removeAll(tagged: .subject(subject))
            case .token(let jti): cache.removeAll(tagged: .token(jti: jti))
            }
        }
        guard let revocation = event.revocation else { return event }
        let target: RevocationList.Target =
            switch revocation {
            case .token(let jti): .token(jti: jti)
            case .subject(let subject): .subject(subject)
            case .client(let client): .client(client)
            case .all: .all
            }
        revocations.revoke(target, at: event.time, now: clock.now())
        let list = revocations
        cache.removeAll { slot in
            guard case .ready(let entry) = slot, case .accepted(let principal) = entry.outcome else { return false }
            return list.refusal(for: principal) != nil
        }
        return event
    }

    /// Forgets every cached outcome (the JWKS stays).
    public func removeAllCachedTokens() {
        cache = LRUCache(capacity: configuration.maximumCachedTokens)
    }

    private nonisolated func compute(_ token: String) async -> Entry {
        do throws(TokenValidationError) {
            var principal: Principal
            let cacheUntil: Date
            if let jws = JWS.parse(token) {
                principal = try await verifier.verify(jws, at: clock.now())
                cacheUntil = principal.expiresAt
            } else {
                principal = try await introspector.introspect(token) { clock.now() }
                cacheUntil = min(principal.expiresAt, clock.now().addingTimeInterval(configuration.maximumIntrospectionCacheLifetime))
            }
            if let extraClaims {
                do {
                    principal.extraClaims = try await extraClaims(principal)
                } catch {
                    return Entry(outcome: .refused(.claimsLookupFailed(reason: "\(error)")), validUntil: nil)
                }
            }
            return Entry(outcome: .accepted(principal), validUntil: cacheUntil)
        } catch {
            switch error {
            case .authorizationServerUnavailable, .untrustedIntrospectionAnswer, .claimsLookupFailed:
                return Entry(outcome: .refused(error), validUntil: nil)
            case .invalidToken, .boundTokenPresentedAsBearer:
                return Entry(outcome: .refused(error), validUntil: clock.now().addingTimeInterval(configuration.inactiveCacheLifetime))
            }
        }
    }
}
