import Foundation
import JOSE
import Logging
import Synchronization

/// The authorization server: every use case the HTTP endpoints, the CLI and the console call.
/// There is no second code path: an admin revocation from the console and one from the CLI run the
/// same function, and so do a token preview and a real issuance.
public final class ClaimdeckEngine: Sendable {
    /// The only door to storage is the engine's use cases: callers never read or write it directly.
    let store: any ClaimdeckStore
    public let config: ConfigCache
    public let keyring: Keyring
    public let configuration: EngineConfiguration
    public let clock: any WallClock
    /// What the engine waits on (the config watch's polls, external lookups' timeouts, the live audit
    /// tail's polls); a test clock makes waits exact.
    public let timer: any Clock<Duration>
    /// The store's announced changes (PostgreSQL), nil for a store that is polled.
    let changes: ChangeSignals?
    public let ids: Identifiers
    public let metrics: EngineMetrics
    public let logger: Logger
    /// The engine's errors that can repeat per request (a full disk): one line per interval, with a count.
    let errorLog: RepeatedErrorLog
    /// Slows down password guessing on the login page.
    public let throttle: LoginThrottle
    /// Slows down secret guessing at the endpoints that authenticate clients (per client and address).
    let clientThrottle: LoginThrottle
    /// Folds the refusals of throttled callers into one audit event per window.
    let refusals = AuditAggregator()
    /// Folds introspections per token, caller and answer, for tenants that ask for it (`TenantPolicy`).
    let introspections = AuditAggregator()
    /// Introspection's audit events, appended without making the request wait (`DeferredAudit`).
    let deferredAudit = DeferredAudit()
    let random: any RandomSource
    let decoyHash = Mutex<String?>(nil)
    let authenticator: ClientAuthenticator
    let externalClaims: ExternalClaimLookup

    /// - Parameters:
    ///   - masterKey: 32 bytes that seal private signing keys at rest.
    ///   - clock: the dates the engine stamps and compares (issuance, expiry, throttling).
    ///   - claimLookup: the HTTP client of external claim lookups; nil: every lookup fails (and its
    ///     claim's failure policy applies).
    ///   - timer: what the engine waits on: the config watch's polls, external lookups' timeouts, the audit tail's polls.
    ///     Tests pass a clock they move by hand.
    public init(
        store: any ClaimdeckStore,
        masterKey: Data,
        configuration: EngineConfiguration,
        clock: any WallClock = SystemWallClock(),
        random: any RandomSource = SystemRandomSource(),
        metrics: EngineMetrics = EngineMetrics(),
        logger: Logger = Logger(label: "claimdeck.engine"),
        throttle: LoginThrottle = LoginThrottle(),
        clientThrottle: LoginThrottle = LoginThrottle(policy: .clientAuthentication, scope: "client"),
        claimLookup: (any ClaimLookupFetcher)? = nil,
        timer: any Clock<Duration> = ContinuousClock()
    ) async throws {
        self.store = store
        let changes = (store as? any ChangeFeed).map(ChangeSignals.init(feed:))
        self.changes = changes
        self.config = try await ConfigCache(store: store, clock: timer, signal: changes?.config)
        self.keyring = try Keyring(masterKey: masterKey)
        self.configuration = configuration
        self.clock = clock
        self.timer = timer
        self.random = random
        self.ids = Identifiers(random: random)
        self.metrics = metrics
        self.logger = logger
        self.errorLog = RepeatedErrorLog(logger: logger, clock: clock)
        self.throttle = throttle
        self.clientThrottle = clientThrottle
        self.authenticator = ClientAuthenticator(store: store, configuration: configuration, clock: clock)
        self.externalClaims = ExternalClaimLookup(fetcher: claimLookup, clock: clock, timer: timer)
    }

    /// The tenant named in a request path, or a 404 `not_found` error.
    public func tenant(_ id: String) throws(OAuthError) -> (Tenant, ConfigSnapshot) {
        let snapshot = config.snapshot
        guard let tenant = snapshot.tenants[id] else {
            throw .notFound("no tenant '\(Validation.printable(id))' on this server")
        }
        return (tenant, snapshot)
    }
}
