import Foundation
import Synchronization

/// Folds like audit events into one per key and window, carrying their count, first and last time
/// and reasons (`aggregated`, `count`, `first`, `last`, `reasons`). Two uses:
/// - the refusals of a throttled client or address: refused client authentications are
///   unauthenticated writes, and a row for each attempt of a throttled caller (one client sent
///   1,984 in 5 s) would let it fill the disk;
/// - introspections, for a tenant that asks for it (`TenantPolicy.introspectionAuditWindow`): one
///   event per token, caller and answer per window instead of one per call.
/// Nothing is lost from the count. In memory per process: a window still open when the process is
/// killed is lost with it (a clean stop flushes it).
final class AuditAggregator: Sendable {
    struct Window {
        var draft: AuditEventDraft
        var count: Int
        var first: Date
        var last: Date
        var reasons: Set<String>
        var length: TimeInterval
    }

    /// How long one aggregated event collects, unless `add` says otherwise.
    let window: TimeInterval
    private let open = Mutex<[String: Window]>([:])

    init(window: TimeInterval = 5) {
        self.window = window
    }

    /// Counts `draft` under `key`, in a window of `length` (the default `window`); returns the events
    /// to write now: the closed windows of every key (this one's when its window has passed).
    func add(_ draft: AuditEventDraft, key: String, now: Date, length: TimeInterval? = nil) -> [AuditEventDraft] {
        open.withLock { open in
            var due = Self.close(&open, at: now)
            if var current = open[key] {
                current.count += 1
                current.last = now
                if let reason = draft.reason { current.reasons.insert(reason) }
                open[key] = current
            } else {
                open[key] = Window(
                    draft: draft,
                    count: 1,
                    first: now,
                    last: now,
                    reasons: Set([draft.reason].compactMap { $0 }),
                    length: length ?? window
                )
            }
            due.sort { $0.time < $1.time }
            return due
        }
    }

    /// The events of windows that have closed by `now` (`everything`: of every window, for a stop).
    func flush(now: Date, everything: Bool = false) -> [AuditEventDraft] {
        open.withLock { open in
            Self.close(&open, at: everything ? .distantFuture : now)
        }
    }

    private static func close(_ open: inout [String: Window], at now: Date) -> [AuditEventDraft] {
        var events: [AuditEventDraft] = []
        for (key, w) in open where w.first.addingTimeInterval(w.length) <= now {
            open.removeValue(forKey: key)
            var event = w.draft
            event.time = w.last
            event.details["aggregated"] = "true"
            event.details["count"] = "\(w.count)"
            event.details["first"] = ISO8601DateFormatter().string(from: w.first)
            event.details["last"] = ISO8601DateFormatter().string(from: w.last)
            if !w.reasons.isEmpty { event.details["reasons"] = w.reasons.sorted().joined(separator: ",") }
            events.append(event)
        }
        return events
    }
}
