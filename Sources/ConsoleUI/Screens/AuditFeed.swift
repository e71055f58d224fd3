import AuthEngine
import Foundation

/// The `/` filter of the audit screen: `tenant:ID client:ID sub:SUBJECT type:token.issued outcome:success|failure token:ID`;
/// other words must appear somewhere in the event.
struct AuditViewFilter: Sendable, Hashable {
    var fields = AuditFilter()
    var words: [String] = []

    static let language = FilterLanguage(
        [
            FilterKey("client", "Events of this client", values: .clients),
            FilterKey("sub", "Events of this subject (user id)", placeholder: "SUBJECT", aliases: ["subject"]),
            FilterKey("type", "Events of this type", placeholder: "token.issued", values: .eventTypes),
            FilterKey("outcome", "success or failure", values: .fixed(["success", "failure"])),
            FilterKey("tenant", "Events of this tenant", values: .tenants),
            FilterKey("token", "Events of this token (its id)"),
        ],
        bare: "text anywhere in the event"
    )
    static var hint: String { language.hint }

    static func parse(_ text: String) -> Result<AuditViewFilter, AdminError> {
        var f = AuditViewFilter()
        for word in text.split(separator: " ").map(String.init) {
            let parts = word.split(separator: ":", maxSplits: 1).map(String.init)
            // `key:value` is a filter (a URL such as https://... stays text): an unknown key is a typo,
            // refused like the tokens filter refuses one, not a filter that silently matches nothing.
            guard parts.count == 2, parts[0].allSatisfy({ $0.isLetter && $0.isLowercase }), !parts[1].hasPrefix("//") else {
                f.words.append(word.lowercased())
                continue
            }
            guard language.key(parts[0]) != nil else {
                return .failure(.invalid(field: parts[0], "unknown filter; use \(hint)"))
            }
            switch parts[0] {
            case "tenant": f.fields.tenantID = parts[1]
            case "client": f.fields.clientID = parts[1]
            case "sub", "subject": f.fields.subject = parts[1]
            case "token": f.fields.tokenID = parts[1]
            case "type":
                let type = AuditEventType(rawValue: parts[1])
                guard AuditEventType.all.contains(type) else {
                    let family = parts[1].split(separator: ".").first.map(String.init) ?? ""
                    let near = AuditEventType.all.map(\.rawValue).filter { $0.hasPrefix(family + ".") }
                    return .failure(
                        .invalid(
                            field: "type",
                            "'\(parts[1])' is not an event type; "
                                + (near.isEmpty ? "types look like token.issued or login.failed" : "use one of \(near.joined(separator: ", "))")
                        )
                    )
                }
                f.fields.type = type
            default:
                guard let o = AuditOutcome(rawValue: parts[1]) else { return .failure(.invalid(field: "outcome", "use success or failure")) }
                f.fields.outcome = o
            }
        }
        return .success(f)
    }

    func matches(_ e: AuditEventDraft) -> Bool {
        let f = fields
        guard
            (f.tenantID == nil || f.tenantID == e.tenantID) && (f.clientID == nil || f.clientID == e.clientID)
                && (f.subject == nil || f.subject == e.subject) && (f.tokenID == nil || f.tokenID == e.tokenID)
                && (f.type == nil || f.type == e.type) && (f.outcome == nil || f.outcome == e.outcome)
        else { return false }
        if words.isEmpty { return true }
        let hay = [e.type.rawValue, e.clientID, e.subject, e.tokenID, e.reason, e.actor, e.tenantID].compactMap { $0 }.joined(separator: " ")
            .lowercased()
        return words.allSatisfy { hay.contains($0) }
    }
}

/// Counts of events per second of event time, for the sparkline and the rate.
struct RateWindow: Sendable {
    private(set) var buckets: [Int64: Int] = [:]
    let seconds: Int

    init(seconds: Int = 60) { self.seconds = seconds }

    mutating func add(_ time: Date, count: Int = 1) {
        buckets[Int64(time.timeIntervalSince1970.rounded(.down)), default: 0] += count
    }

    mutating func prune(now: Date) {
        let oldest = Int64(now.timeIntervalSince1970) - Int64(seconds)
        if buckets.count > seconds * 2 { buckets = buckets.filter { $0.key > oldest } }
    }

    /// The last `n` full seconds before `now`, oldest first.
    func series(_ n: Int, now: Date) -> [Int] {
        let end = Int64(now.timeIntervalSince1970.rounded(.down))
        return (0..<n).map { buckets[end - Int64(n - $0)] ?? 0 }
    }

    func total(last n: Int, now: Date) -> Int { series(n, now: now).reduce(0, +) }
}

/// The live audit feed: a bounded buffer of events in arrival order, what the filter shows, what a
/// pause holds back, the rate and the failed-client-authentication alarm. Pure state, no engine.
struct AuditFeed: Sendable {
    static let limit = 5000
    /// Failed client authentications within `spikeWindow` seconds that raise the alarm.
    static let spikeThreshold = 10
    static let spikeWindow = 10

    private(set) var shown: [AuditEvent] = []
    private(set) var held = 0
    private var heldEvents: [AuditEvent] = []
    private(set) var paused = false
    private(set) var filter = AuditViewFilter()
    private var all: [AuditEvent] = []
    private(set) var rate = RateWindow()
    private(set) var failedAuth = RateWindow(seconds: 60)
    private(set) var received = 0

    /// New events from the store, oldest first. Returns how many became visible.
    @discardableResult
    mutating func receive(_ events: [AuditEvent], now: Date) -> Int {
        received += events.count
        for e in events {
            rate.add(e.event.time)
            // A throttled caller's refusals come as one event per window that carries their count.
            if e.event.outcome == .failure && e.event.reason == "invalid_client" {
                failedAuth.add(e.event.time, count: e.event.details["aggregated"] == "true" ? Int(e.event.details["count"] ?? "") ?? 1 : 1)
            }
        }
        rate.prune(now: now)
        failedAuth.prune(now: now)
        if paused {
            heldEvents += events
            held += events.count
            if heldEvents.count > Self.limit { heldEvents.removeFirst(heldEvents.count - Self.limit) }
            return 0
        }
        return append(events)
    }

    private mutating func append(_ events: [AuditEvent]) -> Int {
        all += events
        if all.count > Self.limit { all.removeFirst(all.count - Self.limit) }
        let visible = events.filter { filter.matches($0.event) }
        shown += visible
        if shown.count > Self.limit { shown.removeFirst(shown.count - Self.limit) }
        return visible.count
    }

    mutating func setPaused(_ p: Bool) {
        guard p != paused else { return }
        paused = p
        if !p {
            _ = append(heldEvents)
            heldEvents = []
            held = 0
        }
    }

    mutating func setFilter(_ f: AuditViewFilter) {
        filter = f
        shown = all.filter { f.matches($0.event) }
    }

    /// Failed client authentications in the alarm window, if they spike.
    func spike(now: Date) -> Int? {
        let n = failedAuth.total(last: Self.spikeWindow, now: now.addingTimeInterval(1))
        return n >= Self.spikeThreshold ? n : nil
    }
}
