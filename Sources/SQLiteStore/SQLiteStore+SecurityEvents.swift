import AuthEngine
import Foundation
import GRDB

extension SQLiteStore: SecurityEventStore {
    public func createEventStream(_ stream: EventStream, audit: [AuditEventDraft]) async throws -> Bool {
        let data = try JSONEncoder().encode(stream)
        return try await writer.submit { db in
            try db.execute(
                sql: """
                    INSERT INTO event_streams (id, tenant_id, client_id, method, status, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (tenant_id, client_id) DO NOTHING
                    """,
                arguments: [
                    stream.id, stream.tenantID, stream.clientID, stream.method.rawValue, stream.status.rawValue, data,
                    stream.createdAt.timeIntervalSince1970,
                ]
            )
            guard db.changesCount == 1 else { return false }
            try AuditWriter.append(audit, in: db)
            return true
        }
    }

    public func eventStreams(tenantID: String) async throws -> [EventStream] {
        try await pool.read { db in try Self.streams(db, tenantID: tenantID) }
    }

    public func eventStream(tenantID: String, id: String) async throws -> EventStream? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT data, last_ack_at FROM event_streams WHERE tenant_id = ? AND id = ?", arguments: [tenantID, id])
                .map(Self.stream(from:))
        }
    }

    public func updateEventStream(_ stream: EventStream, audit: [AuditEventDraft]) async throws -> Bool {
        let data = try JSONEncoder().encode(stream)
        return try await writer.submit { db in
            try db.execute(
                sql: "UPDATE event_streams SET method = ?, status = ?, data = ? WHERE tenant_id = ? AND id = ?",
                arguments: [stream.method.rawValue, stream.status.rawValue, data, stream.tenantID, stream.id]
            )
            guard db.changesCount == 1 else { return false }
            try db.execute(
                sql: "UPDATE security_events SET next_attempt_at = ? WHERE stream_id = ? AND next_attempt_at > ?",
                arguments: [stream.updatedAt.timeIntervalSince1970, stream.id, stream.updatedAt.timeIntervalSince1970]
            )
            try AuditWriter.append(audit, in: db)
            return true
        }
    }

    public func deleteEventStream(tenantID: String, id: String, audit: [AuditEventDraft]) async throws -> Bool {
        try await writer.submit { db in
            try db.execute(sql: "DELETE FROM event_streams WHERE tenant_id = ? AND id = ?", arguments: [tenantID, id])
            guard db.changesCount == 1 else { return false }
            try AuditWriter.append(audit, in: db)
            return true
        }
    }

    public func enqueueSecurityEvents(_ events: [SecurityEventDraft], expiresAt: Date) async throws {
        guard !events.isEmpty else { return }
        try await writer.submit { db in try Self.enqueue(events, expiresAt: expiresAt, in: db) }
    }

    public func claimSecurityEvents(at now: Date, leaseUntil: Date, limit: Int) async throws -> [PendingSecurityEvent] {
        let t = now.timeIntervalSince1970
        // The delivery loop asks several times a second: an idle outbox costs a read, not a write transaction.
        let anything = try await pool.read { db in
            try Bool.fetchOne(
                db,
                sql: """
                    SELECT EXISTS (SELECT 1 FROM security_events e JOIN event_streams s ON s.id = e.stream_id
                        WHERE (e.next_attempt_at <= ? AND e.lease_until <= ? AND s.method = ? AND s.status = ?) OR e.expires_at <= ?)
                    """,
                arguments: [t, t, EventStream.Method.push.rawValue, EventStream.Status.enabled.rawValue, t]
            )
        }
        guard anything == true else { return [] }
        return try await writer.submit { db in
            try db.execute(sql: "DELETE FROM security_events WHERE expires_at <= ?", arguments: [t])
            // One writer: the select and the lease are one transaction, so no other process claims these.
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT e.*, s.tenant_id FROM security_events e JOIN event_streams s ON s.id = e.stream_id
                    WHERE e.next_attempt_at <= ? AND e.lease_until <= ? AND s.method = ? AND s.status = ?
                    ORDER BY e.next_attempt_at LIMIT ?
                    """,
                arguments: [t, t, EventStream.Method.push.rawValue, EventStream.Status.enabled.rawValue, limit]
            )
            for row in rows {
                try db.execute(
                    sql: "UPDATE security_events SET lease_until = ? WHERE stream_id = ? AND jti = ?",
                    arguments: [leaseUntil.timeIntervalSince1970, row["stream_id"] as String, row["jti"] as String]
                )
            }
            return try rows.map(Self.pending(from:))
        }
    }

    public func retrySecurityEvent(streamID: String, jti: String, at next: Date) async throws {
        try await writer.submit { db in
            try db.execute(
                sql: "UPDATE security_events SET attempts = attempts + 1, lease_until = 0, next_attempt_at = ? WHERE stream_id = ? AND jti = ?",
                arguments: [next.timeIntervalSince1970, streamID, jti]
            )
        }
    }

    @discardableResult
    public func finishSecurityEvents(streamID: String, jtis: [String], acknowledged: Bool, at now: Date) async throws -> Int {
        guard !jtis.isEmpty else { return 0 }
        return try await writer.submit { db in
            var removed = 0
            for jti in jtis {
                try db.execute(sql: "DELETE FROM security_events WHERE stream_id = ? AND jti = ?", arguments: [streamID, jti])
                removed += db.changesCount
            }
            if acknowledged && removed > 0 {
                try db.execute(sql: "UPDATE event_streams SET last_ack_at = ? WHERE id = ?", arguments: [now.timeIntervalSince1970, streamID])
            }
            return removed
        }
    }

    public func pendingSecurityEvents(streamID: String, limit: Int, at now: Date) async throws -> (events: [PendingSecurityEvent], more: Bool) {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT e.*, s.tenant_id FROM security_events e JOIN event_streams s ON s.id = e.stream_id
                    WHERE e.stream_id = ? AND e.expires_at > ? ORDER BY e.event_time, e.jti LIMIT ?
                    """,
                arguments: [streamID, now.timeIntervalSince1970, limit + 1]
            )
            return (try rows.prefix(limit).map(Self.pending(from:)), rows.count > limit)
        }
    }

    /// The fan-out, inside the caller's transaction (an enqueue, or a revocation's).
    static func enqueue(_ events: [SecurityEventDraft], expiresAt: Date, in db: Database) throws {
        var streams: [String: [EventStream]] = [:]
        for tenant in Set(events.map(\.tenantID)) { streams[tenant] = try Self.streams(db, tenantID: tenant) }
        let entries = PendingSecurityEvent.fanOut(events, to: streams.values.flatMap { $0 }, expiresAt: expiresAt)
        for entry in entries {
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO security_events (stream_id, jti, event_id, data, event_time, target_stream, expires_at, next_attempt_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    entry.streamID, entry.jti, entry.event.id, entry.event.stored, entry.event.time.timeIntervalSince1970, entry.event.streamID,
                    expiresAt.timeIntervalSince1970, entry.event.time.timeIntervalSince1970,
                ]
            )
        }
    }

    static func streams(_ db: Database, tenantID: String) throws -> [EventStream] {
        try Row.fetchAll(db, sql: "SELECT data, last_ack_at FROM event_streams WHERE tenant_id = ? ORDER BY created_at, id", arguments: [tenantID])
            .map(stream(from:))
    }

    static func stream(from row: Row) throws -> EventStream {
        var stream = try JSONDecoder().decode(EventStream.self, from: row["data"] as Data)
        stream.lastAcknowledgedAt = (row["last_ack_at"] as Double?).map(Date.init(timeIntervalSince1970:))
        return stream
    }

    static func pending(from row: Row) throws -> PendingSecurityEvent {
        let streamID: String = row["stream_id"]
        guard
            let event = SecurityEventDraft.fromStored(
                row["data"],
                id: row["event_id"],
                tenantID: row["tenant_id"],
                time: Date(timeIntervalSince1970: row["event_time"]),
                streamID: row["target_stream"]
            )
        else { throw StoreError("security_events row of stream \(streamID): its data is not an event") }
        return PendingSecurityEvent(
            streamID: streamID,
            jti: row["jti"],
            event: event,
            attempts: row["attempts"],
            expiresAt: Date(timeIntervalSince1970: row["expires_at"])
        )
    }
}
