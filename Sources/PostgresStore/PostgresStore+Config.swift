import AuthEngine
import Foundation
import PostgresNIO

extension PostgresStore: ConfigStore {
    public func loadSnapshot() async throws -> ConfigSnapshot {
        // One statement reads every table: a statement sees one point in time, so the snapshot is
        // consistent without a transaction (and costs one round trip).
        let tables = ["tenants", "clients", "signing_keys", "scopes", "apis", "claims", "token_exchange_policies", "trusted_issuers"]
        let sql =
            "SELECT 'config_version' AS t, NULL::bytea AS data, value AS n FROM meta WHERE key = 'config_version'"
            + tables.map { " UNION ALL SELECT '\($0)', data, NULL FROM \($0)" }.joined()
            // The column is the truth for the uses left: a registration decrements it alone.
            + " UNION ALL SELECT 'registration_tokens', data, uses_left FROM registration_tokens"
        let decoder = JSONDecoder()
        var s = ConfigSnapshot()
        for row in try await rows(PostgresQuery(unsafeSQL: sql)) {
            let (table, data, n) = try row.decode((String, Data?, Int64?).self)
            func value<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decode(T.self, from: data ?? Data()) }
            switch table {
            case "config_version": s.version = n ?? 0
            case "tenants":
                let t = try value(Tenant.self)
                s.tenants[t.id] = t
            case "clients":
                let c = try value(Client.self)
                s.clients[c.tenantID, default: [:]][c.id] = c
            case "signing_keys":
                let k = try value(SigningKeyRecord.self)
                s.keys[k.tenantID, default: []].append(k)
            case "scopes":
                let x = try value(ScopeDefinition.self)
                s.scopes[x.tenantID, default: [:]][x.name] = x
            case "apis":
                let a = try value(APIResource.self)
                s.apis[a.tenantID, default: [:]][a.name] = a
            case "claims":
                let c = try value(ClaimDefinition.self)
                s.claims[c.tenantID, default: [:]][c.name] = c
            case "token_exchange_policies":
                let p = try value(TokenExchangePolicy.self)
                s.tokenExchangePolicies[p.tenantID, default: [:]][p.clientID] = p
            case "trusted_issuers":
                let i = try value(TrustedIssuer.self)
                s.trustedIssuers[i.tenantID, default: [:]][i.issuer] = i
            default:
                var r = try value(RegistrationToken.self)
                r.usesLeft = Int(n ?? 0)
                s.registrationTokens[r.tenantID, default: [:]][r.id] = r
            }
        }
        return s
    }

    public func configVersion() async throws -> Int64 {
        try await rows("SELECT value FROM meta WHERE key = 'config_version'").first?.decode(Int64.self) ?? 0
    }

    public func apply(_ mutations: [ConfigMutation], audit: [AuditEventDraft]) async throws {
        try await writer.submit { write in
            for m in mutations { try await Self.apply(m, in: write) }
            try await write.rows("UPDATE meta SET value = value + 1 WHERE key = 'config_version'")
            write.notify(.config)
            write.append(audit)
        }
    }

    private static func json(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try encoder.encode(value)
    }

    // One case per mutation, as SQLiteStore's `apply`.
    // swift-format-ignore: FunctionBodyLength
    private static func apply(_ m: ConfigMutation, in write: PostgresWrite) async throws {
        switch m {
        case .putTenant(let t):
            try await write.rows(
                "INSERT INTO tenants (id, data) VALUES (\(t.id), \(try json(t))) ON CONFLICT (id) DO UPDATE SET data = excluded.data"
            )
        case .deleteTenant(let id):
            try await write.rows("DELETE FROM tokens WHERE tenant_id = \(id)")
            try await write.rows("DELETE FROM used_assertions WHERE tenant_id = \(id)")
            try await write.rows("DELETE FROM tenants WHERE id = \(id)")
        case .putClient(let c):
            try await put(write, "clients", ["tenant_id": c.tenantID, "id": c.id], try json(c))
        case .deleteClient(let t, let id):
            try await write.rows("DELETE FROM clients WHERE tenant_id = \(t) AND id = \(id)")
        case .putKey(let k):
            try await write.rows(
                """
                INSERT INTO signing_keys (tenant_id, kid, state, data) VALUES (\(k.tenantID), \(k.kid), \(k.state.rawValue), \(try json(k)))
                ON CONFLICT (tenant_id, kid) DO UPDATE SET state = excluded.state, data = excluded.data
                """
            )
        case .putScope(let s):
            try await put(write, "scopes", ["tenant_id": s.tenantID, "name": s.name], try json(s))
        case .deleteScope(let t, let name):
            try await write.rows("DELETE FROM scopes WHERE tenant_id = \(t) AND name = \(name)")
        case .putAPI(let a):
            try await put(write, "apis", ["tenant_id": a.tenantID, "name": a.name], try json(a))
        case .deleteAPI(let t, let name):
            try await write.rows("DELETE FROM apis WHERE tenant_id = \(t) AND name = \(name)")
        case .putClaim(let c):
            try await put(write, "claims", ["tenant_id": c.tenantID, "name": c.name], try json(c))
        case .deleteClaim(let t, let name):
            try await write.rows("DELETE FROM claims WHERE tenant_id = \(t) AND name = \(name)")
        case .recordDesignVersion(let v):
            let inserted = try await write.changed(
                """
                INSERT INTO design_versions (tenant_id, number, created_at, data)
                VALUES (\(v.tenantID), \(v.number), \(v.createdAt.timeIntervalSince1970), \(try json(v))) ON CONFLICT DO NOTHING RETURNING 1
                """
            )
            if inserted == 0 { throw AdminError.designPublishedMeanwhile(tenantID: v.tenantID, number: v.number) }
        case .putDesignDraft(let d):
            try await write.rows(
                "INSERT INTO design_drafts (tenant_id, data) VALUES (\(d.tenantID), \(try json(d))) ON CONFLICT (tenant_id) DO UPDATE SET data = excluded.data"
            )
        case .deleteDesignDraft(let t):
            try await write.rows("DELETE FROM design_drafts WHERE tenant_id = \(t)")
        case .putUser(let u):
            try await write.rows(
                """
                INSERT INTO users (tenant_id, id, username, data) VALUES (\(u.tenantID), \(u.id), \(u.username), \(try json(u)))
                ON CONFLICT (tenant_id, id) DO UPDATE SET username = excluded.username, data = excluded.data
                """
            )
        case .deleteUser(let t, let id):
            try await write.rows("DELETE FROM users WHERE tenant_id = \(t) AND id = \(id)")
            try await write.rows("DELETE FROM consents WHERE tenant_id = \(t) AND user_id = \(id)")
            try await write.rows("DELETE FROM sessions WHERE tenant_id = \(t) AND user_id = \(id)")
        case .putRegistrationToken(let r):
            try await write.rows(
                """
                INSERT INTO registration_tokens (tenant_id, id, uses_left, expires_at, data)
                VALUES (\(r.tenantID), \(r.id), \(r.usesLeft), \(r.expiresAt.timeIntervalSince1970), \(try json(r)))
                ON CONFLICT (tenant_id, id) DO UPDATE SET uses_left = excluded.uses_left, expires_at = excluded.expires_at, data = excluded.data
                """
            )
        case .consumeRegistrationToken(let t, let id, let now):
            // The check and the decrement are one statement: two nodes cannot both take the last use.
            let taken = try await write.changed(
                """
                UPDATE registration_tokens SET uses_left = uses_left - 1
                WHERE tenant_id = \(t) AND id = \(id) AND uses_left > 0 AND expires_at > \(now.timeIntervalSince1970) RETURNING 1
                """
            )
            if taken == 0 { throw AdminError.registrationTokenSpent }
        case .deleteRegistrationToken(let t, let id):
            try await write.rows("DELETE FROM registration_tokens WHERE tenant_id = \(t) AND id = \(id)")
        case .putTokenExchangePolicy(let p):
            try await put(write, "token_exchange_policies", ["tenant_id": p.tenantID, "client_id": p.clientID], try json(p))
        case .deleteTokenExchangePolicy(let t, let clientID):
            try await write.rows("DELETE FROM token_exchange_policies WHERE tenant_id = \(t) AND client_id = \(clientID)")
        case .putTrustedIssuer(let i):
            try await put(write, "trusted_issuers", ["tenant_id": i.tenantID, "issuer": i.issuer], try json(i))
        case .deleteTrustedIssuer(let t, let issuer):
            try await write.rows("DELETE FROM trusted_issuers WHERE tenant_id = \(t) AND issuer = \(issuer)")
        }
    }

    private static func put(_ write: PostgresWrite, _ table: String, _ keys: KeyValuePairs<String, String>, _ data: Data) async throws {
        var sql = SQL()
        let columns = keys.map(\.key).joined(separator: ", ")
        let values = keys.map { sql.bind($0.value) } + [sql.bind(ByteBuffer(bytes: data))]
        sql.text =
            "INSERT INTO \(table) (\(columns), data) VALUES (\(values.joined(separator: ", "))) "
            + "ON CONFLICT (\(columns)) DO UPDATE SET data = excluded.data"
        try await write.rows(sql)
    }

    public func users(tenantID: String) async throws -> [User] {
        try await rows("SELECT data FROM users WHERE tenant_id = \(tenantID) ORDER BY username COLLATE \"C\"").decoded(User.self)
    }

    public func user(tenantID: String, id: String) async throws -> User? {
        try await rows("SELECT data FROM users WHERE tenant_id = \(tenantID) AND id = \(id)").decoded(User.self).first
    }

    public func user(tenantID: String, username: String) async throws -> User? {
        try await rows("SELECT data FROM users WHERE tenant_id = \(tenantID) AND username = \(username)").decoded(User.self).first
    }
}
