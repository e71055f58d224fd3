import Foundation

/// A list that refreshes itself: every `interval` seconds of the injected clock while it is shown
/// and not paused (space pauses, as on the audit screen), keeping the selection on the same row;
/// the rows that arrived since the operator last opened the list are marked ✚ and counted.
struct LiveRefresh: Sendable {
    /// k9s's floor: often enough to see a revocation land, rarely enough not to load the store.
    static let interval: TimeInterval = 2
    static let marker = "✚ "

    private(set) var paused = false
    private var last = Date.distantPast
    private var inFlight = false
    /// The ids the operator has seen since opening the list (first load, pages, own reloads).
    private var seen: Set<String> = []
    private(set) var fresh: Set<String> = []

    static func binding<A: Sendable>(_ action: A) -> KeyBinding<A> {
        KeyBinding([.char(" ")], action, "Pause / resume the live refresh (every 2 s; new rows are marked ✚)")
    }

    /// True (and the refresh counts as started) when one is due at `now`.
    mutating func due(_ now: Date) -> Bool {
        guard !paused, !inFlight, now.timeIntervalSince(last) >= Self.interval else { return false }
        last = now
        inFlight = true
        return true
    }

    /// The operator opens the list: nothing is new yet.
    mutating func look(at now: Date) {
        seen = []
        fresh = []
        last = now
    }

    /// Rows the operator loaded (the list opening, a page, Ctrl-R): seen, not new.
    mutating func saw(_ ids: [String]) {
        seen.formUnion(ids)
        fresh.subtract(ids)
    }

    /// What a refresh brought (nil: it failed or was overtaken); rows not seen before are new.
    mutating func refreshed(_ ids: [String]?) {
        inFlight = false
        guard let ids else { return }
        fresh = Set(ids).subtracting(seen)
    }

    mutating func togglePause() { paused.toggle() }

    func isNew(_ id: String) -> Bool { fresh.contains(id) }

    /// For the breadcrumb: nil while live with nothing new.
    var state: String? {
        if paused { return "⏸ PAUSED · live refresh held (space resumes)" }
        return fresh.isEmpty ? nil : "✚ \(Present.count(fresh.count, "new row")) since you looked"
    }

    /// The cells with the one at `column` marked when the row is new.
    func mark(_ cells: [TableCell], id: String, column: Int = 0) -> [TableCell] {
        guard isNew(id), cells.indices.contains(column) else { return cells }
        var marked = cells
        marked[column].text = Self.marker + marked[column].text
        return marked
    }

    /// A breadcrumb with the live state after it.
    func crumb(_ base: String?) -> String? {
        let parts = [base, state].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }
}
