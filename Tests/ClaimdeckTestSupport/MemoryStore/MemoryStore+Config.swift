import AuthEngine
import Foundation

extension MemoryStore: ConfigStore {
    public func loadSnapshot() async throws -> ConfigSnapshot {
        locked { state in
            // SQLite builds the snapshot from rows, so a tenant without clients (say) has no entry at all.
            var s = state.config
            s.version = state.configVersion
            s.clients = s.clients.filter { !$0.value.isEmpty }
            s.keys = s.keys.filter { !$0.value.isEmpty }
            s.scopes = s.scopes.filter { !$0.value.isEmpty }
            s.apis = s.apis.filter { !$0.value.isEmpty }
            s.claims = s.claims.filter { !$0.value.isEmpty }
            s.registrationTokens = s.registrationTokens.filter { !$0.value.isEmpty }
            s.tokenExchangePolicies = s.tokenExchangePolicies.filter { !$0.value.isEmpty }
            s.trustedIssuers = s.trustedIssuers.filter { !$0.value.isEmpty }
            return s
        }
    }

    public func configVersion() async throws -> Int64 {
        locked { $0.configVersion }
    }

    /// Applies the mutations in order on a copy of the state, with SQLite's constraints (a row needs its
    /// tenant, a token exchange policy its client, usernames are unique per tenant), and keeps the copy
    /// only if all of them went through. The version moves on every call, even an empty one.
    public func apply(_ mutations: [ConfigMutation], audit: [AuditEventDraft]) async throws {
        try transaction(audit: audit) { state in
            for m in mutations { try state.apply(m) }
            state.configVersion += 1
        }
    }

    public func users(tenantID: String) async throws -> [User] {
        locked { state in
            (state.users[tenantID] ?? [:]).values.sorted { StoredValues.binaryLess($0.username, $1.username) }
        }
    }

    public func user(tenantID: String, id: String) async throws -> User? {
        locked { $0.users[tenantID]?[id] }
    }

    public func user(tenantID: String, username: String) async throws -> User? {
        locked { state in state.users[tenantID]?.values.first { $0.username == username } }
    }
}

extension MemoryStore: DesignStore {
    public func designVersions(tenantID: String) async throws -> [DesignVersion] {
        locked { state in (state.designVersions[tenantID] ?? [:]).values.sorted { $0.number < $1.number } }
    }

    public func designVersion(tenantID: String, number: Int) async throws -> DesignVersion? {
        locked { $0.designVersions[tenantID]?[number] }
    }

    public func designDraft(tenantID: String) async throws -> DesignDraft? {
        locked { $0.designDrafts[tenantID] }
    }
}

extension MemoryStoreState {
    /// One mutation, as SQLiteStore's `apply` executes it; throws where a statement would fail.
    mutating func apply(_ m: ConfigMutation) throws {
        switch m {
        case .putTenant(let t):
            config.tenants[t.id] = t
        case .deleteTenant(let id):
            deleteTenant(id)
        case .putClient(let c):
            try requireTenant(c.tenantID, table: "clients")
            config.clients[c.tenantID, default: [:]][c.id] = c
        case .deleteClient(let t, let id):
            config.clients[t]?[id] = nil
            // ON DELETE CASCADE from the client's row.
            config.tokenExchangePolicies[t]?[id] = nil
        case .putKey(let k):
            try requireTenant(k.tenantID, table: "signing_keys")
            // An upsert keeps the row where it was: the snapshot lists keys in insertion order.
            if let i = config.keys[k.tenantID]?.firstIndex(where: { $0.kid == k.kid }) {
                config.keys[k.tenantID]![i] = k
            } else {
                config.keys[k.tenantID, default: []].append(k)
            }
        case .putScope(let s):
            try requireTenant(s.tenantID, table: "scopes")
            config.scopes[s.tenantID, default: [:]][s.name] = s
        case .deleteScope(let t, let name):
            config.scopes[t]?[name] = nil
        case .putAPI(let a):
            try requireTenant(a.tenantID, table: "apis")
            config.apis[a.tenantID, default: [:]][a.name] = a
        case .deleteAPI(let t, let name):
            config.apis[t]?[name] = nil
        case .putClaim(let c):
            try requireTenant(c.tenantID, table: "claims")
            config.claims[c.tenantID, default: [:]][c.name] = c
        case .deleteClaim(let t, let name):
            config.claims[t]?[name] = nil
        case .recordDesignVersion(let v):
            try requireTenant(v.tenantID, table: "design_versions")
            guard designVersions[v.tenantID]?[v.number] == nil else {
                throw AdminError.designPublishedMeanwhile(tenantID: v.tenantID, number: v.number)
            }
            designVersions[v.tenantID, default: [:]][v.number] = v
        case .putDesignDraft(let d):
            try requireTenant(d.tenantID, table: "design_drafts")
            designDrafts[d.tenantID] = d
        case .deleteDesignDraft(let t):
            designDrafts[t] = nil
        case .putUser(let u):
            try requireTenant(u.tenantID, table: "users")
            if users[u.tenantID]?.values.contains(where: { $0.username == u.username && $0.id != u.id }) == true {
                throw MemoryStoreError.duplicate("users.tenant_id, users.username")
            }
            users[u.tenantID, default: [:]][u.id] = u
        case .deleteUser(let t, let id):
            users[t]?[id] = nil
            consents = consents.filter { !($0.key.tenantID == t && $0.key.userID == id) }
            sessions = sessions.filter { !($0.value.tenantID == t && $0.value.userID == id) }
        case .putRegistrationToken(let r):
            try requireTenant(r.tenantID, table: "registration_tokens")
            config.registrationTokens[r.tenantID, default: [:]][r.id] = r
        case .consumeRegistrationToken(let t, let id, let now):
            guard var r = config.registrationTokens[t]?[id], r.usesLeft > 0,
                r.expiresAt.timeIntervalSince1970 > now.timeIntervalSince1970
            else {
                throw AdminError.registrationTokenSpent
            }
            r.usesLeft -= 1
            config.registrationTokens[t]![id] = r
        case .deleteRegistrationToken(let t, let id):
            config.registrationTokens[t]?[id] = nil
        case .putTokenExchangePolicy(let p):
            try requireTenant(p.tenantID, table: "token_exchange_policies")
            guard config.clients[p.tenantID]?[p.clientID] != nil else {
                throw MemoryStoreError("FOREIGN KEY constraint failed: token_exchange_policies.client_id names no client")
            }
            config.tokenExchangePolicies[p.tenantID, default: [:]][p.clientID] = p
        case .deleteTokenExchangePolicy(let t, let clientID):
            config.tokenExchangePolicies[t]?[clientID] = nil
        case .putTrustedIssuer(let i):
            try requireTenant(i.tenantID, table: "trusted_issuers")
            config.trustedIssuers[i.tenantID, default: [:]][i.issuer] = i
        case .deleteTrustedIssuer(let t, let issuer):
            config.trustedIssuers[t]?[issuer] = nil
        }
    }

    func requireTenant(_ id: String, table: String) throws {
        guard config.tenants[id] != nil else { throw MemoryStoreError.noTenant(table) }
    }

    /// Everything the tenant owns goes with it (SQLite: ON DELETE CASCADE, and tokens and used assertions
    /// explicitly); its audit events stay.
    private mutating func deleteTenant(_ id: String) {
        config.tenants[id] = nil
        config.clients[id] = nil
        config.keys[id] = nil
        config.scopes[id] = nil
        config.apis[id] = nil
        config.claims[id] = nil
        config.registrationTokens[id] = nil
        config.tokenExchangePolicies[id] = nil
        config.trustedIssuers[id] = nil
        users[id] = nil
        designVersions[id] = nil
        designDrafts[id] = nil
        tokens = tokens.filter { $0.value.tenantID != id }
        usedAssertions = usedAssertions.filter { $0.key.tenantID != id }
        sessions = sessions.filter { $0.value.tenantID != id }
        consents = consents.filter { $0.key.tenantID != id }
        devices = devices.filter { $0.value.tenantID != id }
        pushedRequests = pushedRequests.filter { $0.key.tenantID != id }
        let streams = Set(eventStreams.values.filter { $0.tenantID == id }.map(\.id))
        eventStreams = eventStreams.filter { $0.value.tenantID != id }
        outbox = outbox.filter { !streams.contains($0.key.streamID) }
    }
}
