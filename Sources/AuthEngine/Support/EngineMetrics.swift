import CoreMetrics

/// The engine's counters, created through an injected factory so that tests and several servers in
/// one process do not share global state.
public struct EngineMetrics: Sendable {
    private let factory: any MetricsFactory

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    public func issued(tenant: String, grant: GrantType, format: TokenFormat) {
        Counter(label: "claimdeck_tokens_issued_total",
                dimensions: [("tenant", tenant), ("grant", grant.rawValue), ("format", format.rawValue)],
                factory: factory).increment()
    }

    public func refused(tenant: String, grant: String, reason: String) {
        Counter(label: "claimdeck_tokens_refused_total",
                dimensions: [("tenant", tenant), ("grant", grant), ("reason", reason)], factory: factory).increment()
    }

    public func revoked(tenant: String, via: String, count: Int) {
        guard count > 0 else { return }
        Counter(label: "claimdeck_tokens_revoked_total", dimensions: [("tenant", tenant), ("via", via)], factory: factory)
            .increment(by: count)
    }

    public func introspected(tenant: String, active: Bool) {
        Counter(label: "claimdeck_introspections_total",
                dimensions: [("tenant", tenant), ("active", active ? "true" : "false")], factory: factory).increment()
    }
}
