import GRDB

extension Migrations {
    /// Shared Signals streams (the configuration as JSON, with the columns the outbox queries read)
    /// and the outbox: one row per event and stream until the receiver acknowledges it or it expires.
    /// A stream goes with its tenant, its events with their stream.
    static func registerSecurityEvents(_ m: inout DatabaseMigrator) {
        m.registerMigration("v11-security-events") { db in
            try db.execute(
                sql: """
                    CREATE TABLE event_streams (
                        id TEXT PRIMARY KEY NOT NULL,
                        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        client_id TEXT NOT NULL,
                        method TEXT NOT NULL,
                        status TEXT NOT NULL,
                        data BLOB NOT NULL,
                        created_at REAL NOT NULL,
                        last_ack_at REAL,
                        UNIQUE (tenant_id, client_id));
                    CREATE TABLE security_events (
                        stream_id TEXT NOT NULL REFERENCES event_streams(id) ON DELETE CASCADE,
                        jti TEXT NOT NULL,
                        event_id TEXT NOT NULL,
                        data TEXT NOT NULL,
                        event_time REAL NOT NULL,
                        target_stream TEXT,
                        expires_at REAL NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at REAL NOT NULL,
                        lease_until REAL NOT NULL DEFAULT 0,
                        PRIMARY KEY (stream_id, jti)) WITHOUT ROWID;
                    CREATE INDEX security_events_due ON security_events (next_attempt_at);
                    CREATE INDEX security_events_by_stream ON security_events (stream_id, event_time);
                    """
            )
        }
    }
}
