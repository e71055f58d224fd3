import AuthEngine
import Foundation
import PostgresNIO

extension PostgresStore: SecurityEventStore {
    public func createEventStream(_ stream: EventStream, audit: [AuditEventDraft]) async throws -> Bool {
        let data = ByteBuffer(bytes: try JSONEncoder().encode(stream))
        return try await writer.submit { write in
            let created = try await write.changed(
                """
                INSERT INTO event_streams (id, tenant_id, client_id, method, status, data, created_at)
                VALUES (\(stream.id), \(stream.tenantID), \(stream.clientID), \(stream.method.rawValue), \(stream.status.rawValue), \(data),
                    \(stream.createdAt.timeIntervalSince1970))
                ON CONFLICT (tenant_id, client_id) DO NOTHING RETURNING 1
                """
            )
            guard created == 1 else { return false }
            write.append(audit)
            return true
        }
    }

    public func eventStreams(tenantID: String) async throws -> [EventStream] {
        try await rows("SELECT data, last_ack_at FROM event_streams WHERE tenant_id = \(tenantID) ORDER BY created_at, id").map(Self.stream(from:))
    }

    public func eventStream(tenantID: String, id: String) async throws -> EventStream? {
        try await rows("SELECT data, last_ack_at FROM event_streams WHERE tenant_id = \(tenantID) AND id = \(id)").first.map(Self.stream(from:))
    }

    public func updateEventStream(_ stream: EventStream, audit: [AuditEventDraft]) async throws -> Bool {
        let data = ByteBuffer(bytes: try JSONEncoder().encode(stream))
        return try await writer.submit { write in
            let updated = try await write.changed(
                """
                UPDATE event_streams SET method = \(stream.method.rawValue), status = \(stream.status.rawValue), data = \(data)
                WHERE tenant_id = \(stream.tenantID) AND id = \(stream.id) RETURNING 1
                """
            )
            guard updated == 1 else { return false }
            let due = stream.updatedAt.timeIntervalSince1970
            try await write.rows("UPDATE security_events SET next_attempt_at = \(due) WHERE stream_id = \(stream.id) AND next_attempt_at > \(due)")
            write.append(audit)
            return true
        }
    }

    public func deleteEventStream(tenantID: String, id: String, audit: [AuditEventDraft]) async throws -> Bool {
        try await writer.submit { write in
            guard try await write.changed("DELETE FROM event_streams WHERE tenant_id = \(tenantID) AND id = \(id) RETURNING 1") == 1 else {
                return false
            }
            write.append(audit)
            return true
        }
    }

    public func enqueueSecurityEvents(_ events: [SecurityEventDraft], expiresAt: Date) async throws {
        guard !events.isEmpty else { return }
        try await writer.submit { write in try await Self.enqueue(events, expiresAt: expiresAt, in: write) }
    }

    public func claimSecurityEvents(at now: Date, leaseUntil: Date, limit: Int) async throws -> [PendingSecurityEvent] {
        let t = now.timeIntervalSince1970
        let lease = leaseUntil.timeIntervalSince1970
        // Every node asks several times a second: an idle outbox costs a read, not a write transaction
        // (which would take the audit chain's lock every writer of every node waits for).
        let due = try await rows(
            """
            SELECT 1 FROM security_events e JOIN event_streams s ON s.id = e.stream_id
            WHERE (e.next_attempt_at <= \(t) AND e.lease_until <= \(t) AND s.method = \(EventStream.Method.push.rawValue)
                AND s.status = \(EventStream.Status.enabled.rawValue)) OR e.expires_at <= \(t) LIMIT 1
            """
        )
        guard !due.isEmpty else { return [] }
        return try await writer.submit { write in
            try await write.rows("DELETE FROM security_events WHERE expires_at <= \(t)")
            // Write transactions of every node are serialized by the audit chain's lock (`PostgresWrite`),
            // and the lease is taken in the same statement: two nodes never claim one event at once.
            let rows = try await write.rows(
                """
                WITH due AS (
                    SELECT e.stream_id, e.jti FROM security_events e JOIN event_streams s ON s.id = e.stream_id
                    WHERE e.next_attempt_at <= \(t) AND e.lease_until <= \(t)
                        AND s.method = \(EventStream.Method.push.rawValue) AND s.status = \(EventStream.Status.enabled.rawValue)
                    ORDER BY e.next_attempt_at LIMIT \(limit) FOR UPDATE OF e SKIP LOCKED)
                UPDATE security_events e SET lease_until = \(lease) FROM due, event_streams s
                WHERE e.stream_id = due.stream_id AND e.jti = due.jti AND s.id = e.stream_id
                RETURNING e.*, s.tenant_id
                """
            )
            return try rows.map(Self.pending(from:))
        }
    }

    public func retrySecurityEvent(streamID: String, jti: String, at next: Date) async throws {
        try await writer.submit { write in
            try await write.rows(
                """
                UPDATE security_events SET attempts = attempts + 1, lease_until = 0, next_attempt_at = \(next.timeIntervalSince1970)
                WHERE stream_id = \(streamID) AND jti = \(jti)
                """
            )
        }
    }

    @discardableResult
    public func finishSecurityEvents(streamID: String, jtis: [String], acknowledged: Bool, at now: Date) async throws -> Int {
        guard !jtis.isEmpty else { return 0 }
        return try await writer.submit { write in
            let removed = try await write.changed(
                "DELETE FROM security_events WHERE stream_id = \(streamID) AND jti = ANY(\(jtis)) RETURNING 1"
            )
            if acknowledged && removed > 0 {
                try await write.rows("UPDATE event_streams SET last_ack_at = \(now.timeIntervalSince1970) WHERE id = \(streamID)")
            }
            return removed
        }
    }

    public func pendingSecurityEvents(streamID: String, limit: Int, at now: Date) async throws -> (events: [PendingSecurityEvent], more: Bool) {
        let rows = try await rows(
            """
            SELECT e.*, s.tenant_id FROM security_events e JOIN event_streams s ON s.id = e.stream_id
            WHERE e.stream_id = \(streamID) AND e.expires_at > \(now.timeIntervalSince1970) ORDER BY e.event_time, e.jti LIMIT \(limit + 1)
            """
        )
        return (try rows.prefix(limit).map(Self.pending(from:)), rows.count > limit)
    }

    /// The fan-out, inside the caller's transaction (an enqueue, or a revocation's).
    static func enqueue(_ events: [SecurityEventDraft], expiresAt: Date, in write: PostgresWrite) async throws {
        var streams: [EventStream] = []
        for tenant in Set(events.map(\.tenantID)) {
            streams += try await write.rows("SELECT data, last_ack_at FROM event_streams WHERE tenant_id = \(tenant)").map(Self.stream(from:))
        }
        let entries = PendingSecurityEvent.fanOut(events, to: streams, expiresAt: expiresAt)
        guard !entries.isEmpty else { return }
        var sql = SQL()
        let values = entries.map { e in
            sql.row([
                e.streamID, e.jti, e.event.id, e.event.stored, e.event.time.timeIntervalSince1970, e.event.streamID,
                expiresAt.timeIntervalSince1970, e.event.time.timeIntervalSince1970,
            ])
        }
        sql.text = """
            INSERT INTO security_events (stream_id, jti, event_id, data, event_time, target_stream, expires_at, next_attempt_at)
            VALUES \(values.joined(separator: ", ")) ON CONFLICT DO NOTHING
            """
        try await write.rows(sql)
    }

    static func stream(from row: PostgresRow) throws -> EventStream {
        let c = Columns(row)
        var stream = try JSONDecoder().decode(EventStream.self, from: c.data("data"))
        stream.lastAcknowledgedAt = try c.date("last_ack_at")
        return stream
    }

    static func pending(from row: PostgresRow) throws -> PendingSecurityEvent {
        let c = Columns(row)
        let streamID: String = try c("stream_id")
        guard
            let event = SecurityEventDraft.fromStored(
                try c("data"),
                id: try c("event_id"),
                tenantID: try c("tenant_id"),
                time: try c.date("event_time"),
                streamID: try c("target_stream")
            )
        else { throw PostgresStoreError("security_events row of stream \(streamID): its data is not an event") }
        return PendingSecurityEvent(
            streamID: streamID,
            jti: try c("jti"),
            event: event,
            attempts: Int(try c("attempts", as: Int32.self)),
            expiresAt: try c.date("expires_at")
        )
    }
}
