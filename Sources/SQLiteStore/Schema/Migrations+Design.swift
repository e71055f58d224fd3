import GRDB

extension Migrations {
    /// Published token design versions (immutable rows) and the one draft per tenant. Both die with
    /// their tenant; the audit trail of publishes stays.
    static func registerDesignVersions(_ m: inout DatabaseMigrator) {
        m.registerMigration("v5-design-versions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE design_versions (
                        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        number INTEGER NOT NULL, created_at REAL NOT NULL, data BLOB NOT NULL,
                        PRIMARY KEY (tenant_id, number));
                    CREATE TABLE design_drafts (
                        tenant_id TEXT NOT NULL PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
                        data BLOB NOT NULL);
                    """
            )
        }
    }
}
