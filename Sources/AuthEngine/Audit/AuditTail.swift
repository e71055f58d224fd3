import Foundation

extension AuditFilter {
    /// Whether an event passes the filter (what the store applies in SQL, for events already read).
    public func matches(_ e: AuditEventDraft) -> Bool {
        (tenantID == nil || tenantID == e.tenantID) && (clientID == nil || clientID == e.clientID)
            && (subject == nil || subject == e.subject) && (tokenID == nil || tokenID == e.tokenID)
            && (type == nil || type == e.type) && (outcome == nil || outcome == e.outcome)
    }
}

/// Where a reader of the live audit log is: the CLI's `audit tail` and the console's audit screen
/// both move one along. The first `poll` gives the last `backlog` events that match the filter; each
/// later one the matching events appended since, by this process or any other writing the store.
/// A value: a caller that runs polls off its own thread (the console) keeps the one a poll returns.
public struct AuditCursor: Sendable, Hashable {
    public let filter: AuditFilter
    public let backlog: Int
    /// Most events one poll reads; a full read sets `behind`.
    public let batch: Int
    /// The last sequence number read; nil before the first poll.
    public private(set) var sequence: Int64?
    /// More events were waiting when the last poll returned: poll again at once.
    public private(set) var behind = false

    public init(filter: AuditFilter = AuditFilter(), backlog: Int, batch: Int = 1000) {
        self.filter = filter
        self.backlog = max(0, backlog)
        self.batch = max(1, batch)
    }

    /// Reads what is new since the last poll (the backlog the first time) and moves the cursor past it.
    public mutating func poll(_ engine: ClaimdeckEngine) async throws(AdminError) -> [AuditEvent] {
        guard let after = sequence else { return try await start(engine) }
        let read = try await engine.auditEvents(after: after, limit: batch)
        if let last = read.last { sequence = last.sequence }
        behind = read.count == batch
        return read.filter { filter.matches($0.event) }
    }

    /// The last `backlog` matching events: reads back from the newest in chunks that grow fourfold
    /// (at most 100,000 events each), so a filter that matches rarely reads more and a common one little.
    /// Sequence numbers have no gaps, so a chunk (lower, upper] never holds more than upper - lower events.
    private mutating func start(_ engine: ClaimdeckEngine) async throws(AdminError) -> [AuditEvent] {
        let latest = try await engine.latestAuditSequence()
        sequence = latest
        var found: [AuditEvent] = []
        var upper = latest
        var size = min(Int64(backlog), Self.chunkLimit)
        while upper > 0 && found.count < backlog {
            let lower = max(0, upper - size)
            let chunk = try await engine.auditEvents(after: lower, limit: Int(upper - lower), filter: filter)
            found = chunk.filter { $0.sequence <= upper } + found
            upper = lower
            size = min(size * 4, Self.chunkLimit)
        }
        return Array(found.suffix(backlog))
    }

    static let chunkLimit: Int64 = 100_000
}

/// The live audit log as an `AsyncSequence` the engine owns (like GRDB's `ValueObservation.values`):
/// each element is the matching events that arrived since the previous one, oldest first, the first
/// one the backlog; between polls that found nothing it waits `interval` on the engine's clock. It
/// ends when its task is cancelled.
public struct AuditTail: AsyncSequence, Sendable {
    public typealias Element = [AuditEvent]
    let engine: ClaimdeckEngine
    let cursor: AuditCursor
    let interval: Duration

    public func makeAsyncIterator() -> Iterator { Iterator(engine: engine, cursor: cursor, interval: interval, first: true) }

    public struct Iterator: AsyncIteratorProtocol {
        let engine: ClaimdeckEngine
        var cursor: AuditCursor
        let interval: Duration
        var first: Bool

        public mutating func next() async throws(AdminError) -> [AuditEvent]? {
            while !Task.isCancelled {
                // Read before the poll: an append announced while it runs is not waited past.
                let seen = engine.changes?.audit.generation
                let events = try await cursor.poll(engine)
                // The backlog is an element even when empty, so a reader knows it has caught up.
                if !events.isEmpty || first {
                    first = false
                    return events
                }
                if !cursor.behind {
                    if let signal = engine.changes?.audit, let seen {
                        // Pushed: the next poll follows the announcement; `interval` is the fallback.
                        await signal.wait(after: seen, atMost: Swift.max(interval, .seconds(1)), clock: engine.timer)
                    } else {
                        do { try await engine.timer.sleep(for: interval) } catch { return nil }
                    }
                }
            }
            return nil
        }
    }
}

extension ClaimdeckEngine {
    /// The audit log live: the last `backlog` events matching `filter`, then each new one as it is
    /// appended, by this process or another. For `audit tail` and anything else that follows the log.
    public func auditTail(filter: AuditFilter = AuditFilter(), backlog: Int, interval: Duration = .milliseconds(200)) -> AuditTail {
        AuditTail(engine: self, cursor: AuditCursor(filter: filter, backlog: backlog), interval: interval)
    }

    /// Audit events with a sequence number above `sequence` that match `filter`, oldest first.
    public func auditEvents(after sequence: Int64 = 0, limit: Int, filter: AuditFilter = AuditFilter()) async throws(AdminError) -> [AuditEvent] {
        await flushDeferredAudit()
        return try await storeCall { try await store.events(after: sequence, limit: limit, filter: filter) }
    }

    /// The sequence number of the newest audit event (0: none yet).
    public func latestAuditSequence() async throws(AdminError) -> Int64 {
        await flushDeferredAudit()
        return try await storeCall { try await store.latestSequence() }
    }

    /// Recomputes the audit log's hash chain: whether any event was edited or deleted.
    public func verifyAuditChain() async throws(AdminError) -> AuditChainReport {
        await flushDeferredAudit()
        return try await storeCall { try await store.verifyChain() }
    }

    /// Whether the store answers (for `/readyz`).
    public func checkStore() async throws(AdminError) {
        try await storeCall { try await store.ping() }
    }
}
