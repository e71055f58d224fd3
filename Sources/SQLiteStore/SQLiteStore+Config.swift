import AuthEngine
import Foundation
import GRDB

extension SQLiteStore: ConfigStore {
    public func loadSnapshot() async throws -> ConfigSnapshot {
        try await pool.read { db in
            let decoder = JSONDecoder()
            func rows<T: Decodable>(_ table: String, _ type: T.Type) throws -> [T] {
                try Data.fetchAll(db, sql: "SELECT data FROM \(table)").map { try decoder.decode(T.self, from: $0) }
            }
            var s = ConfigSnapshot()
            s.version = try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'config_version'") ?? 0
            for t in try rows("tenants", Tenant.self) { s.tenants[t.id] = t }
            for c in try rows("clients", Client.self) { s.clients[c.tenantID, default: [:]][c.id] = c }
            for k in try rows("signing_keys", SigningKeyRecord.self) { s.keys[k.tenantID, default: []].append(k) }
            for x in try rows("scopes", ScopeDefinition.self) { s.scopes[x.tenantID, default: [:]][x.name] = x }
            for a in try rows("apis", APIResource.self) { s.apis[a.tenantID, default: [:]][a.name] = a }
            for c in try rows("claims", ClaimDefinition.self) { s.claims[c.tenantID, default: [:]][c.name] = c }
            for r in try rows("registration_tokens", RegistrationToken.self) { s.registrationTokens[r.tenantID, default: [:]][r.id] = r }
            for p in try rows("token_exchange_policies", TokenExchangePolicy.self) {
                s.tokenExchangePolicies[p.tenantID, default: [:]][p.clientID] = p
            }
            for i in try rows("trusted_issuers", TrustedIssuer.self) { s.trustedIssuers[i.tenantID, default: [:]][i.issuer] = i }
            return s
        }
    }

    public func configVersion() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'config_version'") ?? 0 }
    }

    public func apply(_ mutations: [ConfigMutation], audit: [AuditEventDraft]) async throws {
        try await writer.submit { db in
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            for m in mutations {
                switch m {
                case .putTenant(let t):
                    try db.execute(
                        sql: "INSERT INTO tenants (id, data) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data",
                        arguments: [t.id, try encoder.encode(t)]
                    )
                case .deleteTenant(let id):
                    try db.execute(sql: "DELETE FROM tokens WHERE tenant_id = ?", arguments: [id])
                    try db.execute(sql: "DELETE FROM used_assertions WHERE tenant_id = ?", arguments: [id])
                    try db.execute(sql: "DELETE FROM tenants WHERE id = ?", arguments: [id])
                case .putClient(let c):
                    try Self.put(db, "clients", keys: ["tenant_id": c.tenantID, "id": c.id], data: try encoder.encode(c))
                case .deleteClient(let t, let id):
                    try db.execute(sql: "DELETE FROM clients WHERE tenant_id = ? AND id = ?", arguments: [t, id])
                case .putKey(let k):
                    try db.execute(
                        sql: """
                            INSERT INTO signing_keys (tenant_id, kid, state, data) VALUES (?, ?, ?, ?)
                            ON CONFLICT(tenant_id, kid) DO UPDATE SET state = excluded.state, data = excluded.data
                            """,
                        arguments: [k.tenantID, k.kid, k.state.rawValue, try encoder.encode(k)]
                    )
                case .putScope(let s):
                    try Self.put(db, "scopes", keys: ["tenant_id": s.tenantID, "name": s.name], data: try encoder.encode(s))
                case .deleteScope(let t, let name):
                    try db.execute(sql: "DELETE FROM scopes WHERE tenant_id = ? AND name = ?", arguments: [t, name])
                case .putAPI(let a):
                    try Self.put(db, "apis", keys: ["tenant_id": a.tenantID, "name": a.name], data: try encoder.encode(a))
                case .deleteAPI(let t, let name):
                    try db.execute(sql: "DELETE FROM apis WHERE tenant_id = ? AND name = ?", arguments: [t, name])
                case .putClaim(let c):
                    try Self.put(db, "claims", keys: ["tenant_id": c.tenantID, "name": c.name], data: try encoder.encode(c))
                case .deleteClaim(let t, let name):
                    try db.execute(sql: "DELETE FROM claims WHERE tenant_id = ? AND name = ?", arguments: [t, name])
                case .recordDesignVersion(let v):
                    try db.execute(
                        sql: "INSERT INTO design_versions (tenant_id, number, created_at, data) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                        arguments: [v.tenantID, v.number, v.createdAt.timeIntervalSince1970, try encoder.encode(v)]
                    )
                    if db.changesCount == 0 {
                        throw AdminError.designPublishedMeanwhile(tenantID: v.tenantID, number: v.number)
                    }
                case .putDesignDraft(let d):
                    try db.execute(
                        sql: "INSERT INTO design_drafts (tenant_id, data) VALUES (?, ?) ON CONFLICT(tenant_id) DO UPDATE SET data = excluded.data",
                        arguments: [d.tenantID, try encoder.encode(d)]
                    )
                case .deleteDesignDraft(let t):
                    try db.execute(sql: "DELETE FROM design_drafts WHERE tenant_id = ?", arguments: [t])
                case .putUser(let u):
                    try db.execute(
                        sql: """
                            INSERT INTO users (tenant_id, id, username, data) VALUES (?, ?, ?, ?)
                            ON CONFLICT(tenant_id, id) DO UPDATE SET username = excluded.username, data = excluded.data
                            """,
                        arguments: [u.tenantID, u.id, u.username, try encoder.encode(u)]
                    )
                case .deleteUser(let t, let id):
                    try db.execute(sql: "DELETE FROM users WHERE tenant_id = ? AND id = ?", arguments: [t, id])
                    try db.execute(sql: "DELETE FROM consents WHERE tenant_id = ? AND user_id = ?", arguments: [t, id])
                    try db.execute(sql: "DELETE FROM sessions WHERE tenant_id = ? AND user_id = ?", arguments: [t, id])
                case .putRegistrationToken(let r):
                    try db.execute(
                        sql: """
                            INSERT INTO registration_tokens (tenant_id, id, uses_left, expires_at, data) VALUES (?, ?, ?, ?, ?)
                            ON CONFLICT(tenant_id, id) DO UPDATE SET uses_left = excluded.uses_left, expires_at = excluded.expires_at, data = excluded.data
                            """,
                        arguments: [r.tenantID, r.id, r.usesLeft, r.expiresAt.timeIntervalSince1970, try encoder.encode(r)]
                    )
                case .consumeRegistrationToken(let t, let id, let now):
                    // The check and the decrement are one statement: concurrent registrations (or another
                    // process) cannot both take the last use.
                    try db.execute(
                        sql: """
                            UPDATE registration_tokens SET uses_left = uses_left - 1, data = json_set(data, '$.usesLeft', uses_left - 1)
                            WHERE tenant_id = ? AND id = ? AND uses_left > 0 AND expires_at > ?
                            """,
                        arguments: [t, id, now.timeIntervalSince1970]
                    )
                    if db.changesCount == 0 {
                        throw AdminError.registrationTokenSpent
                    }
                case .deleteRegistrationToken(let t, let id):
                    try db.execute(sql: "DELETE FROM registration_tokens WHERE tenant_id = ? AND id = ?", arguments: [t, id])
                case .putTokenExchangePolicy(let p):
                    try Self.put(
                        db,
                        "token_exchange_policies",
                        keys: ["tenant_id": p.tenantID, "client_id": p.clientID],
                        data: try encoder.encode(p)
                    )
                case .deleteTokenExchangePolicy(let t, let clientID):
                    try db.execute(sql: "DELETE FROM token_exchange_policies WHERE tenant_id = ? AND client_id = ?", arguments: [t, clientID])
                case .putTrustedIssuer(let i):
                    try Self.put(db, "trusted_issuers", keys: ["tenant_id": i.tenantID, "issuer": i.issuer], data: try encoder.encode(i))
                case .deleteTrustedIssuer(let t, let issuer):
                    try db.execute(sql: "DELETE FROM trusted_issuers WHERE tenant_id = ? AND issuer = ?", arguments: [t, issuer])
                }
            }
            try db.execute(sql: "UPDATE meta SET value = value + 1 WHERE key = 'config_version'")
            try AuditWriter.append(audit, in: db)
        }
    }

    public func users(tenantID: String) async throws -> [User] {
        try await pool.read { db in
            try Data.fetchAll(db, sql: "SELECT data FROM users WHERE tenant_id = ? ORDER BY username", arguments: [tenantID])
                .map { try JSONDecoder().decode(User.self, from: $0) }
        }
    }

    public func user(tenantID: String, id: String) async throws -> User? {
        try await pool.read { db in
            try Data.fetchOne(db, sql: "SELECT data FROM users WHERE tenant_id = ? AND id = ?", arguments: [tenantID, id])
                .map { try JSONDecoder().decode(User.self, from: $0) }
        }
    }

    public func user(tenantID: String, username: String) async throws -> User? {
        try await pool.read { db in
            try Data.fetchOne(db, sql: "SELECT data FROM users WHERE tenant_id = ? AND username = ?", arguments: [tenantID, username])
                .map { try JSONDecoder().decode(User.self, from: $0) }
        }
    }

    private static func put(_ db: Database, _ table: String, keys: KeyValuePairs<String, String>, data: Data) throws {
        let columns = keys.map(\.key)
        let sql =
            "INSERT INTO \(table) (\(columns.joined(separator: ", ")), data) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")), ?) "
            + "ON CONFLICT(\(columns.joined(separator: ", "))) DO UPDATE SET data = excluded.data"
        var args = StatementArguments(keys.map(\.value))
        args += [data]
        try db.execute(sql: sql, arguments: args)
    }
}
