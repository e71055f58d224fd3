import AuthEngine
import Foundation

extension MemoryStore: InteractionStore {
    public func createSession(_ s: LoginSession, audit: [AuditEventDraft]) async throws {
        try locked { state in
            try state.requireTenant(s.tenantID, table: "sessions")
            guard state.sessions[s.id] == nil else { throw MemoryStoreError.duplicate("sessions.id") }
            var stored = s
            stored.amr = StoredValues.spaceJoined(s.amr)
            state.sessions[s.id] = stored
            state.append(audit)
        }
    }

    public func session(id: String) async throws -> LoginSession? {
        locked { $0.sessions[id] }
    }

    public func endSession(tenantID: String, id: String, at now: Date, audit: [AuditEventDraft]) async throws -> Bool {
        locked { state in
            guard let s = state.sessions[id], s.tenantID == tenantID, s.isActive(at: now) else { return false }
            state.sessions[id]!.endedAt = now
            state.append(audit)
            return true
        }
    }

    /// Ends every session of the user not ended yet, expired ones included (as the SQL does).
    public func endSessions(tenantID: String, userID: String, at now: Date) async throws -> Int {
        locked { state in
            let ids = state.sessions.values.filter { $0.tenantID == tenantID && $0.userID == userID && $0.endedAt == nil }.map(\.id)
            for id in ids { state.sessions[id]!.endedAt = now }
            return ids.count
        }
    }

    public func consent(tenantID: String, userID: String, clientID: String) async throws -> Consent? {
        locked { $0.consents[MemoryStoreState.ConsentKey(tenantID: tenantID, userID: userID, clientID: clientID)] }
    }

    /// Ordered by client id.
    public func consents(tenantID: String, userID: String) async throws -> [Consent] {
        locked { state in
            state.consents.values.filter { $0.tenantID == tenantID && $0.userID == userID }
                .sorted { StoredValues.binaryLess($0.clientID, $1.clientID) }
        }
    }

    public func putConsent(_ c: Consent, audit: [AuditEventDraft]) async throws {
        try locked { state in
            try state.requireTenant(c.tenantID, table: "consents")
            var stored = c
            stored.scopes = StoredValues.spaceJoined(c.scopes)
            state.consents[MemoryStoreState.ConsentKey(tenantID: c.tenantID, userID: c.userID, clientID: c.clientID)] = stored
            state.append(audit)
        }
    }

    public func deleteConsent(tenantID: String, userID: String, clientID: String, audit: [AuditEventDraft]) async throws -> Bool {
        locked { state in
            let key = MemoryStoreState.ConsentKey(tenantID: tenantID, userID: userID, clientID: clientID)
            guard state.consents.removeValue(forKey: key) != nil else { return false }
            state.append(audit)
            return true
        }
    }

    /// Stores what SQLite's INSERT stores: the poll time, the decision and its user start empty whatever
    /// `d` says. A taken id or user code answers false; a missing tenant throws.
    public func createDeviceAuthorization(_ d: DeviceAuthorization, audit: [AuditEventDraft]) async throws -> Bool {
        try locked { state in
            if state.devices[d.id] != nil || state.devices.values.contains(where: { $0.tenantID == d.tenantID && $0.userCode == d.userCode }) {
                return false
            }
            try state.requireTenant(d.tenantID, table: "device_authorizations")
            state.devices[d.id] = DeviceAuthorization(
                id: d.id,
                tenantID: d.tenantID,
                clientID: d.clientID,
                deviceDigest: d.deviceDigest,
                userCode: d.userCode,
                scopes: StoredValues.spaceJoined(d.scopes),
                audiences: StoredValues.spaceJoined(d.audiences),
                interval: d.interval,
                createdAt: d.createdAt,
                expiresAt: d.expiresAt,
                status: d.status
            )
            state.append(audit)
            return true
        }
    }

    public func deviceAuthorization(id: String) async throws -> DeviceAuthorization? {
        locked { $0.devices[id] }
    }

    public func deviceAuthorization(tenantID: String, userCode: String) async throws -> DeviceAuthorization? {
        locked { state in state.devices.values.first { $0.tenantID == tenantID && $0.userCode == userCode } }
    }

    public func decideDeviceAuthorization(
        tenantID: String,
        id: String,
        approved: Bool,
        userID: String,
        sessionID: String?,
        authTime: Date,
        at now: Date,
        audit: [AuditEventDraft]
    ) async throws -> Bool {
        locked { state in
            guard var d = state.devices[id], d.tenantID == tenantID, d.status == .pending, d.expiresAt > now else { return false }
            d.status = approved ? .approved : .denied
            d.userID = userID
            d.sessionID = sessionID
            d.authTime = authTime
            state.devices[id] = d
            state.append(audit)
            return true
        }
    }

    /// Nil for the first poll, and for an authorization that does not exist (nothing is recorded then).
    public func recordDevicePoll(tenantID: String, id: String, at now: Date, slowDownBy: Int) async throws -> Date? {
        locked { state in
            guard var d = state.devices[id], d.tenantID == tenantID else { return nil }
            let previous = d.lastPolledAt
            d.lastPolledAt = now
            d.interval += slowDownBy
            state.devices[id] = d
            return previous
        }
    }

    public func consumeDeviceAuthorization(
        tenantID: String,
        id: String,
        issuing tokens: [TokenRecord],
        audit: [AuditEventDraft]
    ) async throws -> Bool {
        try locked { state in
            guard let d = state.devices[id], d.tenantID == tenantID, d.status == .approved else { return false }
            try state.checkNew(tokens)
            state.devices[id]!.status = .consumed
            state.insert(tokens)
            state.append(audit)
            return true
        }
    }
}
