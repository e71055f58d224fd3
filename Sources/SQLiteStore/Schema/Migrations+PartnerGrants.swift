import GRDB

extension Migrations {
    /// Token exchange policies (RFC 8693) and trusted assertion issuers (RFC 7523), as configuration
    /// rows: identity in columns, the record as JSON. A policy dies with its client, both with their tenant.
    static func registerPartnerGrants(_ m: inout DatabaseMigrator) {
        m.registerMigration("v4-partner-grants") { db in
            try db.execute(
                sql: """
                    CREATE TABLE token_exchange_policies (
                        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        client_id TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (tenant_id, client_id),
                        FOREIGN KEY (tenant_id, client_id) REFERENCES clients(tenant_id, id) ON DELETE CASCADE);
                    CREATE TABLE trusted_issuers (
                        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                        issuer TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (tenant_id, issuer));
                    """
            )
        }
    }
}
