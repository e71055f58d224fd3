import CoreMetrics
import Synchronization

/// The engine's counters, created through an injected factory so that tests and several servers in
/// one process do not share global state. Handles are cached per label set: asking the factory on
/// every request costs more than the increment.
public struct EngineMetrics: Sendable {
    private let factory: any MetricsFactory
    private let cache: MetricHandleCache<Counter>

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        self.cache = MetricHandleCache()
    }

    public func issued(tenant: String, grant: GrantType, format: TokenFormat) {
        counter("claimdeck_tokens_issued_total", [("tenant", tenant), ("grant", grant.rawValue), ("format", format.rawValue)]).increment()
    }

    public func refused(tenant: String, grant: String, reason: String) {
        counter("claimdeck_tokens_refused_total", [("tenant", tenant), ("grant", grant), ("reason", reason)]).increment()
    }

    public func revoked(tenant: String, via: String, count: Int) {
        guard count > 0 else { return }
        counter("claimdeck_tokens_revoked_total", [("tenant", tenant), ("via", via)]).increment(by: count)
    }

    public func introspected(tenant: String, active: Bool) {
        counter("claimdeck_introspections_total", [("tenant", tenant), ("active", active ? "true" : "false")]).increment()
    }

    /// Audit events the store could not record (a full disk): the act happened, its event is lost.
    public func auditUnrecorded(_ events: [AuditEventDraft]) {
        for (type, group) in Dictionary(grouping: events, by: \.type.rawValue) {
            counter("claimdeck_audit_events_unrecorded_total", [("type", type)]).increment(by: group.count)
        }
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        cache.handle(label, dimensions) { Counter(label: label, dimensions: dimensions, factory: factory) }
    }
}

/// Metric handles by label and dimensions.
public final class MetricHandleCache<Handle: Sendable>: Sendable {
    private let handles = Mutex<[String: Handle]>([:])

    public init() {}

    public func handle(_ label: String, _ dimensions: [(String, String)], make: () -> Handle) -> Handle {
        var key = label
        for (k, v) in dimensions {
            key += "\u{1}" + k + "=" + v
        }
        if let h = handles.withLock({ $0[key] }) { return h }
        let h = make()
        handles.withLock { $0[key] = h }
        return h
    }
}
