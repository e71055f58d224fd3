import GRDB

/// The schema, versioned in code. Configuration rows keep their identity in columns and the whole
/// record as JSON; tokens and audit events are plain columns because they are hot and queried.
enum Migrations {
    static func migrator() -> DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL);
                    INSERT INTO meta (key, value) VALUES ('config_version', 1);

                    CREATE TABLE tenants (id TEXT PRIMARY KEY NOT NULL, data BLOB NOT NULL);
                    CREATE TABLE clients (
                        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        id TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (tenant_id, id));
                    CREATE TABLE signing_keys (
                        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        kid TEXT NOT NULL, state TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (tenant_id, kid));
                    CREATE TABLE scopes (
                        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        name TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (tenant_id, name));
                    CREATE TABLE apis (
                        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        name TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (tenant_id, name));
                    CREATE TABLE claims (
                        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        name TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (tenant_id, name));
                    CREATE TABLE users (
                        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        id TEXT NOT NULL, username TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (tenant_id, id),
                        UNIQUE (tenant_id, username));
                    CREATE TABLE registration_tokens (
                        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        id TEXT NOT NULL, uses_left INTEGER NOT NULL, expires_at REAL NOT NULL, data BLOB NOT NULL,
                        PRIMARY KEY (tenant_id, id));

                    -- Every issued token, JWTs too; ids are time-ordered so inserts append.
                    CREATE TABLE tokens (
                        id TEXT PRIMARY KEY NOT NULL,
                        tenant_id TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        format TEXT NOT NULL,
                        client_id TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        scopes TEXT NOT NULL,
                        audiences TEXT NOT NULL,
                        issued_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        digest BLOB NOT NULL,
                        kid TEXT,
                        grant_type TEXT NOT NULL,
                        family_id TEXT,
                        revoked_at REAL,
                        revocation_reason TEXT,
                        claims TEXT
                    ) WITHOUT ROWID;
                    CREATE INDEX tokens_by_client ON tokens (tenant_id, client_id);
                    CREATE INDEX tokens_by_subject ON tokens (tenant_id, subject);
                    CREATE INDEX tokens_by_family ON tokens (family_id) WHERE family_id IS NOT NULL;

                    CREATE TABLE used_assertions (
                        tenant_id TEXT NOT NULL, client_id TEXT NOT NULL, jti TEXT NOT NULL, expires_at REAL NOT NULL,
                        PRIMARY KEY (tenant_id, client_id, jti)) WITHOUT ROWID;

                    -- Append-only, numbered, hash-chained.
                    CREATE TABLE audit_events (
                        seq INTEGER PRIMARY KEY,
                        time INTEGER NOT NULL,
                        type TEXT NOT NULL,
                        outcome TEXT NOT NULL,
                        tenant_id TEXT,
                        client_id TEXT,
                        subject TEXT,
                        token_id TEXT,
                        reason TEXT,
                        actor TEXT,
                        details TEXT NOT NULL,
                        hash TEXT NOT NULL);
                    CREATE INDEX audit_by_token ON audit_events (token_id) WHERE token_id IS NOT NULL;
                    CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
                        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
                    CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
                        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
                    """
            )
        }
        m.registerMigration("v2-user-flows") { db in
            try db.execute(
                sql: """
                    -- Browser sessions: the cookie holds id + secret; only the SHA-256 of the whole value is kept.
                    CREATE TABLE sessions (
                        id TEXT PRIMARY KEY NOT NULL,
                        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        user_id TEXT NOT NULL,
                        digest BLOB NOT NULL,
                        auth_time REAL NOT NULL,
                        amr TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        expires_at REAL NOT NULL,
                        ended_at REAL);
                    CREATE INDEX sessions_by_user ON sessions (tenant_id, user_id);

                    CREATE TABLE consents (
                        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        user_id TEXT NOT NULL,
                        client_id TEXT NOT NULL,
                        scopes TEXT NOT NULL,
                        granted_at REAL NOT NULL,
                        PRIMARY KEY (tenant_id, user_id, client_id)) WITHOUT ROWID;

                    -- RFC 8628 device authorizations: the device code is kept as a SHA-256 only.
                    CREATE TABLE device_authorizations (
                        id TEXT PRIMARY KEY NOT NULL,
                        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        client_id TEXT NOT NULL,
                        device_digest BLOB NOT NULL,
                        user_code TEXT NOT NULL,
                        scopes TEXT NOT NULL,
                        audiences TEXT NOT NULL,
                        interval INTEGER NOT NULL,
                        created_at REAL NOT NULL,
                        expires_at REAL NOT NULL,
                        last_polled_at REAL,
                        status TEXT NOT NULL,
                        user_id TEXT,
                        session_id TEXT,
                        auth_time REAL,
                        UNIQUE (tenant_id, user_code));
                    """
            )
        }
        m.registerMigration("v3-console") { db in
            // The console's token list pages a tenant newest first: in a WITHOUT ROWID table this index is
            // (tenant_id, id), so a page is an index range read instead of sorting every token of the tenant.
            try db.execute(sql: "CREATE INDEX tokens_by_tenant ON tokens (tenant_id)")
        }
        registerPartnerGrants(&m)
        registerDesignVersions(&m)
        m.registerMigration("v6-token-status") { db in
            // The same order as v3's index, with the expiry a status filter reads: `status:expired`
            // walks the newest tokens (mostly still active) and now tests each in the index, reading
            // only the rows that have expired, instead of every token row it passes over. (Not
            // revoked_at: a mass revocation would then rewrite this index too.)
            try db.execute(
                sql: """
                    DROP INDEX tokens_by_tenant;
                    CREATE INDEX tokens_by_tenant ON tokens (tenant_id, id, expires_at);
                    """
            )
        }
        registerSpecKeys(&m)
        m.registerMigration("v8-write-probe") { db in
            // Readiness's write while writes fail: rows are written and deleted in one transaction, so
            // the table stays empty (see `SQLiteStore.ping`).
            try db.execute(sql: "CREATE TABLE write_probe (data BLOB NOT NULL)")
        }
        m.registerMigration("v9-throttle") { db in
            // Failed sign-ins and client authentications per key (`ThrottleStore`): what several
            // nodes share on PostgreSQL; the same table here, so both stores are alike.
            try db.execute(
                sql: """
                    CREATE TABLE throttle_failures (key TEXT PRIMARY KEY, failures INTEGER NOT NULL, changed_at REAL NOT NULL);
                    CREATE INDEX throttle_failures_by_change ON throttle_failures (changed_at);
                    """
            )
        }
        registerPushedRequests(&m)
        registerSecurityEvents(&m)
        return m
    }
}
