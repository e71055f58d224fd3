import Foundation
import JOSE
import Logging
import Synchronization

/// The authorization server: every use case the HTTP endpoints, the CLI and the console call.
/// There is no second code path: an admin revocation from the console and one from the CLI run the
/// same function, and so do a token preview and a real issuance.
public final class ClaimdeckEngine: Sendable {
    public let store: any ClaimdeckStore
    public let config: ConfigCache
    public let keyring: Keyring
    public let configuration: EngineConfiguration
    public let clock: any WallClock
    public let ids: Identifiers
    public let metrics: EngineMetrics
    public let logger: Logger
    /// Slows down password guessing on the login page.
    public let throttle: LoginThrottle
    let random: any RandomSource
    let decoyHash = Mutex<String?>(nil)
    let authenticator: ClientAuthenticator
    let externalClaims: ExternalClaimLookup

    /// - Parameters:
    ///   - masterKey: 32 bytes that seal private signing keys at rest.
    ///   - clock: the dates the engine stamps and compares (issuance, expiry, throttling).
    ///   - claimLookup: the HTTP client of external claim lookups; nil: every lookup fails (and its
    ///     claim's failure policy applies).
    ///   - timer: what the engine waits on: the config watch's polls and external lookups' timeouts.
    ///     Tests pass a clock they move by hand.
    public init(store: any ClaimdeckStore, masterKey: Data, configuration: EngineConfiguration,
                clock: any WallClock = SystemWallClock(), random: any RandomSource = SystemRandomSource(),
                metrics: EngineMetrics = EngineMetrics(), logger: Logger = Logger(label: "claimdeck.engine"),
                throttle: LoginThrottle = LoginThrottle(), claimLookup: (any ClaimLookupFetcher)? = nil,
                timer: any Clock<Duration> = ContinuousClock()) async throws {
        self.store = store
        self.config = try await ConfigCache(store: store, clock: timer)
        self.keyring = try Keyring(masterKey: masterKey)
        self.configuration = configuration
        self.clock = clock
        self.random = random
        self.ids = Identifiers(random: random)
        self.metrics = metrics
        self.logger = logger
        self.throttle = throttle
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

    /// Authenticates the client calling an endpoint (introspection, revocation); a failure is audited
    /// as `failedEvent` with the reason, never the credential, and rethrown.
    func authenticateCaller(_ request: TokenEndpointRequest, tenant: Tenant, snapshot: ConfigSnapshot, endpoint: String,
                            allowPublic: Bool, failedEvent: AuditEventType) async throws(OAuthError) -> Client {
        let credentials = try PresentedClientCredentials.from(authorization: request.authorization, form: request.form, realm: tenant.id)
        do {
            return try await authenticator.authenticate(credentials, tenant: tenant, snapshot: snapshot,
                                                        endpointURL: configuration.issuer(for: tenant.id) + "/" + endpoint,
                                                        allowPublic: allowPublic)
        } catch {
            await audit([AuditEventDraft(time: clock.now(), type: failedEvent, outcome: .failure, tenantID: tenant.id,
                                         clientID: credentials.claimedClientID.map { Validation.printable($0, limit: 128) },
                                         reason: error.code, actor: "http", details: ["description": error.errorDescription])])
            throw error
        }
    }

    /// Appends audit events without failing the caller: the act they describe already happened or was
    /// refused; a store failure is logged.
    func audit(_ events: [AuditEventDraft]) async {
        do {
            try await store.append(events)
        } catch {
            logger.error("audit append failed", metadata: ["error": "\(error)"])
        }
    }
}
