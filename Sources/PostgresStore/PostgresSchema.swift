/// The tables, as in SQLiteStore's migrations: configuration rows are JSON in a `data` column
/// (BYTEA, the same bytes SQLiteStore stores), tokens and audit events have plain columns.
/// Times of tokens are whole seconds (BIGINT) as on SQLite.
enum PostgresSchema {
    static let v1: [String] = [
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL)",
        "INSERT INTO meta (key, value) VALUES ('config_version', 1)",
        "CREATE TABLE tenants (id TEXT PRIMARY KEY, data BYTEA NOT NULL)",
        configTable("clients", key: "id"),
        """
        CREATE TABLE signing_keys (tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            kid TEXT NOT NULL, state TEXT NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (tenant_id, kid))
        """,
        configTable("scopes", key: "name"),
        configTable("apis", key: "name"),
        configTable("claims", key: "name"),
        """
        CREATE TABLE users (tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            id TEXT NOT NULL, username TEXT NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (tenant_id, id),
            UNIQUE (tenant_id, username))
        """,
        """
        CREATE TABLE registration_tokens (tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            id TEXT NOT NULL, uses_left INTEGER NOT NULL, expires_at DOUBLE PRECISION NOT NULL, data BYTEA NOT NULL,
            PRIMARY KEY (tenant_id, id))
        """,
        """
        CREATE TABLE tokens (id TEXT COLLATE "C" PRIMARY KEY, tenant_id TEXT NOT NULL, kind TEXT NOT NULL, format TEXT NOT NULL,
            client_id TEXT NOT NULL, subject TEXT NOT NULL, scopes TEXT NOT NULL, audiences TEXT NOT NULL,
            issued_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, digest BYTEA NOT NULL, kid TEXT,
            grant_type TEXT NOT NULL, family_id TEXT, revoked_at DOUBLE PRECISION, revocation_reason TEXT, claims TEXT)
        """,
        "CREATE INDEX tokens_by_client ON tokens (tenant_id, client_id)",
        "CREATE INDEX tokens_by_subject ON tokens (tenant_id, subject)",
        "CREATE INDEX tokens_by_family ON tokens (family_id) WHERE family_id IS NOT NULL",
        "CREATE INDEX tokens_by_tenant ON tokens (tenant_id, id, expires_at)",
        """
        CREATE TABLE used_assertions (tenant_id TEXT NOT NULL, client_id TEXT NOT NULL, jti TEXT NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (tenant_id, client_id, jti))
        """,
        """
        CREATE TABLE audit_events (seq BIGINT PRIMARY KEY, time BIGINT NOT NULL, type TEXT NOT NULL,
            outcome TEXT NOT NULL, tenant_id TEXT, client_id TEXT, subject TEXT, token_id TEXT, reason TEXT,
            actor TEXT, details TEXT NOT NULL, hash TEXT NOT NULL)
        """,
        "CREATE INDEX audit_by_token ON audit_events (token_id) WHERE token_id IS NOT NULL",
        // Append-only, as SQLite's triggers make it.
        """
        CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$
        """,
        """
        CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
            FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
        """,
    ]

    /// What SQLite's v2–v5 migrations added: the user-facing flows, partner grants, token designs;
    /// and the installation's settings (the master key's check value).
    static let v2: [String] = [
        """
        CREATE TABLE sessions (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            user_id TEXT NOT NULL, digest BYTEA NOT NULL, auth_time DOUBLE PRECISION NOT NULL, amr TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION NOT NULL, ended_at DOUBLE PRECISION)
        """,
        "CREATE INDEX sessions_by_user ON sessions (tenant_id, user_id)",
        """
        CREATE TABLE consents (tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE, user_id TEXT NOT NULL,
            client_id TEXT NOT NULL, scopes TEXT NOT NULL, granted_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (tenant_id, user_id, client_id))
        """,
        """
        CREATE TABLE device_authorizations (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            client_id TEXT NOT NULL, device_digest BYTEA NOT NULL, user_code TEXT NOT NULL, scopes TEXT NOT NULL,
            audiences TEXT NOT NULL, interval INTEGER NOT NULL, created_at DOUBLE PRECISION NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL, last_polled_at DOUBLE PRECISION, status TEXT NOT NULL, user_id TEXT,
            session_id TEXT, auth_time DOUBLE PRECISION, UNIQUE (tenant_id, user_code))
        """,
        """
        CREATE TABLE token_exchange_policies (tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            client_id TEXT NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (tenant_id, client_id),
            FOREIGN KEY (tenant_id, client_id) REFERENCES clients(tenant_id, id) ON DELETE CASCADE)
        """,
        configTable("trusted_issuers", key: "issuer"),
        """
        CREATE TABLE design_versions (tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            number INTEGER NOT NULL, created_at DOUBLE PRECISION NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (tenant_id, number))
        """,
        "CREATE TABLE design_drafts (tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE, data BYTEA NOT NULL)",
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ]

    /// Failed sign-ins and client authentications per key, shared by every node (`ThrottleStore`).
    static let v3: [String] = [
        "CREATE TABLE throttle_failures (key TEXT PRIMARY KEY, failures INTEGER NOT NULL, changed_at DOUBLE PRECISION NOT NULL)",
        "CREATE INDEX throttle_failures_by_change ON throttle_failures (changed_at)",
    ]

    /// RFC 9126 pushed authorization requests, single use by `used_at`; expired rows go with the
    /// tenant's next push.
    static let v4: [String] = [
        """
        CREATE TABLE pushed_requests (tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE, id TEXT NOT NULL,
            client_id TEXT NOT NULL, parameters TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL, used_at DOUBLE PRECISION, PRIMARY KEY (tenant_id, id))
        """,
        "CREATE INDEX pushed_requests_by_expiry ON pushed_requests (tenant_id, expires_at)",
    ]

    /// Shared Signals streams (the configuration as JSON, with the columns the outbox queries read)
    /// and their outbox: one row per event and stream until acknowledged or expired.
    static let v5: [String] = [
        """
        CREATE TABLE event_streams (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            client_id TEXT NOT NULL, method TEXT NOT NULL, status TEXT NOT NULL, data BYTEA NOT NULL,
            created_at DOUBLE PRECISION NOT NULL, last_ack_at DOUBLE PRECISION, UNIQUE (tenant_id, client_id))
        """,
        """
        CREATE TABLE security_events (stream_id TEXT NOT NULL REFERENCES event_streams(id) ON DELETE CASCADE,
            jti TEXT COLLATE "C" NOT NULL, event_id TEXT NOT NULL, data TEXT NOT NULL, event_time DOUBLE PRECISION NOT NULL,
            target_stream TEXT, expires_at DOUBLE PRECISION NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at DOUBLE PRECISION NOT NULL, lease_until DOUBLE PRECISION NOT NULL DEFAULT 0, PRIMARY KEY (stream_id, jti))
        """,
        "CREATE INDEX security_events_due ON security_events (next_attempt_at)",
        "CREATE INDEX security_events_by_stream ON security_events (stream_id, event_time)",
    ]

    private static func configTable(_ name: String, key: String) -> String {
        """
        CREATE TABLE \(name) (tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
            \(key) TEXT NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (tenant_id, \(key)))
        """
    }
}
