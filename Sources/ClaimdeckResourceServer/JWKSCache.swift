import Foundation
import JOSE

/// The issuer's signing keys, fetched from its JWKS and kept as long as the response's
/// `Cache-Control: max-age` says (or `defaultJWKSLifetime`).
///
/// An unknown `kid` refetches at once, but at most once per `jwksRefetchInterval`: that is how a key
/// the issuer started signing with after the last fetch is picked up without a restart, while a
/// stream of invented key ids costs the issuer one request per interval. A failed refetch keeps the
/// keys already known (an issuer that is briefly down does not take the API down with it).
actor JWKSCache {
    private let configuration: ResourceServerConfiguration
    private let client: AuthorizationServerClient
    private let endpoints: IssuerEndpoints
    private let clock: any ResourceServerClock

    private var keys: [String: VerificationKey] = [:]
    /// Keys without a `kid`: usable only when they are the only key.
    private var anonymous: [VerificationKey] = []
    private var expiresAt: Date?
    private var lastFetch: Date?
    private var inFlight: Task<Void, any Error>?
    /// Why the last fetch failed, answered while no key at all is known.
    private var lastError: TokenValidationError?
    /// How many times the JWKS was fetched (tests and metrics read it).
    private(set) var fetchCount = 0

    init(configuration: ResourceServerConfiguration, client: AuthorizationServerClient, endpoints: IssuerEndpoints, clock: any ResourceServerClock) {
        self.configuration = configuration
        self.client = client
        self.endpoints = endpoints
        self.clock = clock
    }

    /// The key `kid` selects, fetching the JWKS when the cache is empty or stale, or when `kid` is
    /// unknown; either fetch at most once per `jwksRefetchInterval`. Nil: no such key even after the
    /// fetch allowed now.
    func key(kid: String?) async throws(TokenValidationError) -> VerificationKey? {
        let now = clock.now()
        let stale = expiresAt.map { now >= $0 } ?? true
        let mayFetch = lastFetch.map { now.timeIntervalSince($0) >= configuration.jwksRefetchInterval } ?? true
        if mayFetch && (stale || lookup(kid) == nil) {
            await refresh()
        }
        if let key = lookup(kid) { return key }
        if keys.isEmpty && anonymous.isEmpty, let lastError { throw lastError }
        return nil
    }

    private func lookup(_ kid: String?) -> VerificationKey? {
        guard let kid else { return keys.isEmpty && anonymous.count == 1 ? anonymous.first : nil }
        return keys[kid]
    }

    /// One fetch at a time: concurrent callers wait for the fetch under way. A failure keeps the keys
    /// already known and is retried after the refetch interval, not on every request.
    private func refresh() async {
        if let inFlight {
            try? await inFlight.value
            return
        }
        let task = Task { try await self.fetch() }
        inFlight = task
        defer { inFlight = nil }
        do {
            try await task.value
            lastError = nil
        } catch {
            lastError = (error as? TokenValidationError) ?? .authorizationServerUnavailable(reason: "\(error)")
            lastFetch = clock.now()
            if expiresAt.map({ clock.now() >= $0 }) ?? true {
                expiresAt = clock.now().addingTimeInterval(configuration.jwksRefetchInterval)
            }
        }
    }

    private func fetch() async throws(TokenValidationError) {
        let url = try await endpoints.endpoints().jwksURL
        fetchCount += 1
        let answer = try await client.get(url)
        guard answer.status == 200 else { throw .authorizationServerUnavailable(reason: "\(url) answered HTTP \(answer.status)") }
        guard let set = try? JSONDecoder().decode(JWKSet.self, from: Data(answer.body.readableBytesView)) else {
            throw .authorizationServerUnavailable(reason: "\(url) did not answer a JWK Set")
        }
        var byID: [String: VerificationKey] = [:]
        var withoutID: [VerificationKey] = []
        // A key this library cannot use (another type, `use: enc`, too short) is skipped, not fatal:
        // the issuer may publish keys for other consumers.
        for jwk in set.keys {
            guard let key = try? VerificationKey(jwk: jwk), configuration.allowedAlgorithms.contains(key.algorithm) else { continue }
            if let kid = jwk.kid { byID[kid] = key } else { withoutID.append(key) }
        }
        let now = clock.now()
        keys = byID
        anonymous = withoutID
        lastFetch = now
        let lifetime = CacheControl.maxAge(answer.headers[canonicalForm: "Cache-Control"].map(String.init)) ?? configuration.defaultJWKSLifetime
        // max-age=0 or no-store would mean a fetch per token; the refetch interval is the floor.
        expiresAt = now.addingTimeInterval(max(lifetime, configuration.jwksRefetchInterval))
    }
}

/// The part of `Cache-Control` (RFC 9111 §5.2) the JWKS cache reads.
enum CacheControl {
    /// `max-age` in seconds; 0 for `no-store` or `no-cache`; nil when absent or unreadable.
    static func maxAge(_ directives: [String]) -> TimeInterval? {
        var maxAge: TimeInterval?
        for directive in directives {
            let parts = directive.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let name = parts.first else { continue }
            switch name {
            case "no-store", "no-cache": return 0
            case "max-age":
                if parts.count == 2, let seconds = Int(parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))), seconds >= 0 {
                    maxAge = TimeInterval(seconds)
                }
            default: continue
            }
        }
        return maxAge
    }
}
