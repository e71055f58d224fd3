import Foundation
import Synchronization

/// Folds the refusals of a throttled client or address into one audit event per window. Refused
/// client authentications are unauthenticated writes: once a caller is throttled, a row for each of
/// its attempts (one client sent 1,984 in 5 s) would let it fill the disk. Nothing is lost from the
/// count: the window's event carries it, with the first and last time and the reasons.
///
/// In memory per process: a window still open when the process is killed is lost with it (a clean
/// stop flushes it). Shared state can back it once several nodes exist.
final class RefusalAggregator: Sendable {
    struct Window {
        var draft: AuditEventDraft
        var count: Int
        var first: Date
        var last: Date
        var reasons: Set<String>
    }

    /// How long one aggregated event collects refusals.
    let window: TimeInterval
    private let open = Mutex<[String: Window]>([:])

    init(window: TimeInterval = 5) {
        self.window = window
    }

    /// Counts `draft` (a refusal of a throttled caller) under `key`; returns the events to write now:
    /// the closed windows of every key (this one's when its window has passed).
    func add(_ draft: AuditEventDraft, key: String, now: Date) -> [AuditEventDraft] {
        open.withLock { open in
            var due = Self.close(&open, before: now.addingTimeInterval(-window))
            if var current = open[key] {
                current.count += 1
                current.last = now
                if let reason = draft.reason { current.reasons.insert(reason) }
                open[key] = current
            } else {
                open[key] = Window(draft: draft, count: 1, first: now, last: now, reasons: Set([draft.reason].compactMap { $0 }))
            }
            due.sort { $0.time < $1.time }
            return due
        }
    }

    /// The events of windows that have closed by `now` (`everything`: of every window, for a stop).
    func flush(now: Date, everything: Bool = false) -> [AuditEventDraft] {
        open.withLock { open in
            Self.close(&open, before: everything ? .distantFuture : now.addingTimeInterval(-window))
        }
    }

    private static func close(_ open: inout [String: Window], before start: Date) -> [AuditEventDraft] {
        var events: [AuditEventDraft] = []
        for (key, w) in open where w.first <= start {
            open.removeValue(forKey: key)
            var event = w.draft
            event.time = w.last
            event.details["aggregated"] = "true"
            event.details["count"] = "\(w.count)"
            event.details["first"] = ISO8601DateFormatter().string(from: w.first)
            event.details["last"] = ISO8601DateFormatter().string(from: w.last)
            event.details["reasons"] = w.reasons.sorted().joined(separator: ",")
            events.append(event)
        }
        return events
    }
}
