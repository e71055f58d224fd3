import AuthEngine
import Foundation

extension MemoryStore: SecurityEventStore {
    public func createEventStream(_ stream: EventStream, audit: [AuditEventDraft]) async throws -> Bool {
        try locked { state in
            try state.requireTenant(stream.tenantID, table: "event_streams")
            guard state.eventStreams[stream.id] == nil else { throw MemoryStoreError.duplicate("event_streams.id") }
            guard !state.eventStreams.values.contains(where: { $0.tenantID == stream.tenantID && $0.clientID == stream.clientID }) else {
                return false
            }
            var stored = stream
            stored.lastAcknowledgedAt = nil
            state.eventStreams[stream.id] = stored
            state.append(audit)
            return true
        }
    }

    public func eventStreams(tenantID: String) async throws -> [EventStream] {
        locked { state in
            state.eventStreams.values.filter { $0.tenantID == tenantID }
                .sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        }
    }

    public func eventStream(tenantID: String, id: String) async throws -> EventStream? {
        locked { state in state.eventStreams[id].flatMap { $0.tenantID == tenantID ? $0 : nil } }
    }

    public func updateEventStream(_ stream: EventStream, audit: [AuditEventDraft]) async throws -> Bool {
        locked { state in
            guard let old = state.eventStreams[stream.id], old.tenantID == stream.tenantID else { return false }
            var stored = stream
            stored.lastAcknowledgedAt = old.lastAcknowledgedAt
            state.eventStreams[stream.id] = stored
            for key in state.outbox.keys where key.streamID == stream.id && state.outbox[key]!.nextAttemptAt > stream.updatedAt {
                state.outbox[key]!.nextAttemptAt = stream.updatedAt
            }
            state.append(audit)
            return true
        }
    }

    public func deleteEventStream(tenantID: String, id: String, audit: [AuditEventDraft]) async throws -> Bool {
        locked { state in
            guard let old = state.eventStreams[id], old.tenantID == tenantID else { return false }
            state.eventStreams[id] = nil
            state.outbox = state.outbox.filter { $0.key.streamID != id }
            state.append(audit)
            return true
        }
    }

    public func enqueueSecurityEvents(_ events: [SecurityEventDraft], expiresAt: Date) async throws {
        locked { state in state.enqueue(events, expiresAt: expiresAt) }
    }

    public func claimSecurityEvents(at now: Date, leaseUntil: Date, limit: Int) async throws -> [PendingSecurityEvent] {
        locked { state in
            state.outbox = state.outbox.filter { $0.value.pending.expiresAt > now }
            let due = state.outbox.filter { key, entry in
                guard let stream = state.eventStreams[key.streamID], stream.method == .push, stream.status == .enabled else { return false }
                return entry.nextAttemptAt <= now && entry.leaseUntil <= now
            }
            .sorted { $0.value.nextAttemptAt < $1.value.nextAttemptAt }
            .prefix(max(0, limit))
            for (key, _) in due { state.outbox[key]!.leaseUntil = leaseUntil }
            return due.map(\.value.pending)
        }
    }

    public func retrySecurityEvent(streamID: String, jti: String, at next: Date) async throws {
        locked { state in
            let key = MemoryStoreState.OutboxKey(streamID: streamID, jti: jti)
            guard state.outbox[key] != nil else { return }
            state.outbox[key]!.pending.attempts += 1
            state.outbox[key]!.leaseUntil = .distantPast
            state.outbox[key]!.nextAttemptAt = next
        }
    }

    @discardableResult
    public func finishSecurityEvents(streamID: String, jtis: [String], acknowledged: Bool, at now: Date) async throws -> Int {
        locked { state in
            var removed = 0
            for jti in Set(jtis) where state.outbox.removeValue(forKey: .init(streamID: streamID, jti: jti)) != nil { removed += 1 }
            if acknowledged && removed > 0 { state.eventStreams[streamID]?.lastAcknowledgedAt = now }
            return removed
        }
    }

    public func pendingSecurityEvents(streamID: String, limit: Int, at now: Date) async throws -> (events: [PendingSecurityEvent], more: Bool) {
        locked { state in
            let waiting = state.outbox.values.map(\.pending).filter { $0.streamID == streamID && $0.expiresAt > now }
                .sorted { ($0.event.time, $0.jti) < ($1.event.time, $1.jti) }
            return (Array(waiting.prefix(max(0, limit))), waiting.count > limit)
        }
    }
}

extension MemoryStoreState {
    /// The fan-out, in the caller's transaction.
    mutating func enqueue(_ events: [SecurityEventDraft], expiresAt: Date) {
        for entry in PendingSecurityEvent.fanOut(events, to: Array(eventStreams.values), expiresAt: expiresAt) {
            let key = OutboxKey(streamID: entry.streamID, jti: entry.jti)
            guard outbox[key] == nil else { continue }
            // Times as SQLite keeps them (REAL seconds): exact here.
            outbox[key] = OutboxEntry(pending: entry, nextAttemptAt: entry.event.time, leaseUntil: .distantPast)
        }
    }
}
