import GRDB

extension Migrations {
    /// RFC 9126 pushed authorization requests: the parameters as one form-encoded text, single use by
    /// `used_at`. Rows go with their tenant, and expired ones with the next push of the tenant.
    static func registerPushedRequests(_ m: inout DatabaseMigrator) {
        m.registerMigration("v10-pushed-requests") { db in
            try db.execute(
                sql: """
                    CREATE TABLE pushed_requests (
                        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        id TEXT NOT NULL,
                        client_id TEXT NOT NULL,
                        parameters TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        expires_at REAL NOT NULL,
                        used_at REAL,
                        PRIMARY KEY (tenant_id, id)) WITHOUT ROWID;
                    CREATE INDEX pushed_requests_by_expiry ON pushed_requests (tenant_id, expires_at);
                    """
            )
        }
    }
}
