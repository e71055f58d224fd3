import Foundation
import JOSE
import Logging

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
    let random: any RandomSource
    let authenticator: ClientAuthenticator

    /// - Parameters:
    ///   - masterKey: 32 bytes that seal private signing keys at rest.
    public init(store: any ClaimdeckStore, masterKey: Data, configuration: EngineConfiguration,
                clock: any WallClock = SystemWallClock(), random: any RandomSource = SystemRandomSource(),
                metrics: EngineMetrics = EngineMetrics(), logger: Logger = Logger(label: "claimdeck.engine")) async throws {
        self.store = store
        self.config = try await ConfigCache(store: store)
        self.keyring = try Keyring(masterKey: masterKey)
        self.configuration = configuration
        self.clock = clock
        self.random = random
        self.ids = Identifiers(random: random)
        self.metrics = metrics
        self.logger = logger
        self.authenticator = ClientAuthenticator(store: store, configuration: configuration, clock: clock)
    }

    /// The tenant named in a request path, or a 404 `not_found` error.
    public func tenant(_ id: String) throws(OAuthError) -> (Tenant, ConfigSnapshot) {
        let snapshot = config.snapshot
        guard let tenant = snapshot.tenants[id] else {
            throw .notFound("no tenant '\(Validation.printable(id))' on this server")
        }
        return (tenant, snapshot)
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
