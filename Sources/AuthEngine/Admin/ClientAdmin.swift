import Foundation
import JOSE

/// A client registered or given a new secret; the secret is shown this once and never again.
public struct ClientWithSecret: Sendable {
    public var client: Client
    public var secret: String?
}

extension ClaimdeckEngine {
    /// Registers a client. A confidential client with a secret method gets a generated 256-bit secret,
    /// returned once and stored only as its SHA-256.
    ///
    /// - Parameter presetSecret: only for demo data loaded from a file; admins never choose secrets.
    public func registerClient(
        tenantID: String,
        id: String? = nil,
        _ spec: ClientSpec,
        actor: String,
        presetSecret: String? = nil,
        extraMutations: [ConfigMutation] = []
    ) async throws(AdminError) -> ClientWithSecret {
        let snapshot = config.snapshot
        guard snapshot.tenants[tenantID] != nil else {
            throw .notFound(
                "no tenant '\(Validation.printable(tenantID))'; create it with 'claimdeck tenant create \(Validation.printable(tenantID))'"
            )
        }
        let new = try newClient(tenantID: tenantID, id: id, spec, presetSecret: presetSecret, snapshot: snapshot, actor: actor)
        try await applyConfig(extraMutations + new.mutations, audit: [new.event])
        return new.registered
    }

    /// A client to register, validated against `snapshot`: the client with its secret (shown once),
    /// the mutations that store it (with keys for its algorithm if the tenant has none) and its audit
    /// event. Shared by registration and `design apply`.
    ///
    /// - Parameter id: the `client_id`; nil: generated from the name.
    func newClient(
        tenantID: String,
        id: String?,
        _ spec: ClientSpec,
        presetSecret: String? = nil,
        snapshot: ConfigSnapshot,
        actor: String
    ) throws(AdminError) -> (registered: ClientWithSecret, mutations: [ConfigMutation], event: AuditEventDraft) {
        if let id { try Validation.clientID(id) }
        try spec.validate(tenantID: tenantID, snapshot: snapshot, configuration: configuration)
        let id = id ?? generatedClientID(name: spec.name, tenantID: tenantID, snapshot: snapshot)
        if snapshot.client(tenantID, id) != nil { throw .conflict("client '\(id)' already exists in tenant '\(tenantID)'") }
        let resolved = spec.resolved(defaultAccessTokenLifetime: configuration.defaultAccessTokenLifetime)
        let method = resolved.resolvedAuthMethod
        let secret = method.usesSecret ? (presetSecret ?? ids.secret(bytes: 32)) : nil
        let now = clock.now()
        let client = Client(
            tenantID: tenantID,
            id: id,
            spec: resolved,
            secretDigest: secret.map { SecretDigest.sha256($0) },
            createdAt: now,
            updatedAt: now
        )
        let keys = try keysNeeded(for: client, snapshot: snapshot, now: now)
        let event = AuditEventDraft(
            time: now,
            type: .clientRegistered,
            tenantID: tenantID,
            clientID: id,
            actor: actor,
            details: [
                "type": client.type.rawValue, "auth_method": method.rawValue, "format": client.tokenFormat.rawValue,
                "scopes": client.scopes.joined(separator: " "), "grant_types": client.grantTypes.map(\.rawValue).joined(separator: " "),
            ]
        )
        return (ClientWithSecret(client: client, secret: secret), keys.map(ConfigMutation.putKey) + [.putClient(client)], event)
    }

    /// The tenant's clients, sorted by `client_id`.
    public func clients(tenantID: String) throws(AdminError) -> [Client] {
        let snapshot = config.snapshot
        guard snapshot.tenants[tenantID] != nil else { throw .notFound("no tenant '\(Validation.printable(tenantID))'") }
        return (snapshot.clients[tenantID] ?? [:]).values.sorted { $0.id < $1.id }
    }

    /// One client; `noClient` (naming the list command) otherwise.
    public func client(tenantID: String, clientID: String) throws(AdminError) -> Client {
        guard let c = config.snapshot.client(tenantID, clientID) else { throw .noClient(tenantID: tenantID, clientID: clientID) }
        return c
    }

    /// Changes a client's settings: `modify` edits a copy of its spec; the result is validated as a
    /// registration is, and the audit event names the settings that really changed (as GRDB's
    /// `updateChanges(_:modify:)` compares before and after). A client's type and authentication method
    /// cannot change. Nothing changed: nothing is written and the client is returned as it is.
    public func updateClient(
        tenantID: String,
        clientID: String,
        actor: String,
        _ modify: (inout ClientSpec) -> Void
    ) async throws(AdminError) -> Client {
        let existing = try client(tenantID: tenantID, clientID: clientID)
        var spec = existing.spec
        modify(&spec)
        guard let updated = try changedClient(existing, to: spec, field: nil) else { return existing }
        let snapshot = config.snapshot
        let keys = try keysNeeded(for: updated.client, snapshot: snapshot, now: updated.client.updatedAt)
        try await applyConfig(
            keys.map(ConfigMutation.putKey) + [.putClient(updated.client)],
            audit: [
                AuditEventDraft(
                    time: updated.client.updatedAt,
                    type: .clientUpdated,
                    tenantID: tenantID,
                    clientID: clientID,
                    actor: actor,
                    details: ["fields": updated.fields.joined(separator: " ")]
                )
            ]
        )
        return updated.client
    }

    /// `existing` with `spec` as its settings, validated, and the keys that changed; nil when none did.
    /// `field` prefixes the names of refused fields (`clients.<id>` for `design apply`).
    func changedClient(
        _ existing: Client,
        to spec: ClientSpec,
        field: String?,
        snapshot: ConfigSnapshot? = nil
    ) throws(AdminError) -> (client: Client, fields: [String])? {
        let prefix = field.map { $0 + "." } ?? ""
        guard spec.type == existing.type else {
            throw .invalid(field: prefix + "type", "a client's type cannot change (\(existing.type.rawValue)); delete and register it again")
        }
        guard spec.resolvedAuthMethod == existing.authMethod else {
            throw .invalid(field: prefix + "auth_method", "a client's authentication method cannot change here (\(existing.authMethod.rawValue))")
        }
        try spec.validate(tenantID: existing.tenantID, snapshot: snapshot ?? config.snapshot, configuration: configuration)
        var client = existing
        client.spec = spec.resolved(defaultAccessTokenLifetime: existing.accessTokenLifetime)
        let fields = ClientSpec.changedKeys(from: existing.spec, to: client.spec)
        if fields.isEmpty { return nil }
        client.updatedAt = clock.now()
        return (client, fields)
    }

    /// Disables or enables a client. A disabled client cannot authenticate and its tokens introspect
    /// as inactive at once.
    public func setClientDisabled(tenantID: String, clientID: String, disabled: Bool, actor: String) async throws(AdminError) -> Client {
        var client = try client(tenantID: tenantID, clientID: clientID)
        let now = clock.now()
        client.disabled = disabled
        client.updatedAt = now
        try await applyConfig(
            [.putClient(client)],
            audit: [
                AuditEventDraft(time: now, type: disabled ? .clientDisabled : .clientEnabled, tenantID: tenantID, clientID: clientID, actor: actor)
            ]
        )
        if disabled { await emitSecurityEvent(.client(tenantID: tenantID, clientID: clientID), reason: "client disabled") }
        return client
    }

    /// Replaces the client's secret; the old one stops working at once.
    public func rotateClientSecret(tenantID: String, clientID: String, actor: String) async throws(AdminError) -> ClientWithSecret {
        var client = try client(tenantID: tenantID, clientID: clientID)
        guard client.authMethod.usesSecret else {
            throw .invalid(field: "client", "client '\(clientID)' authenticates with \(client.authMethod.rawValue), not a secret")
        }
        let secret = ids.secret(bytes: 32)
        let now = clock.now()
        client.secretDigest = SecretDigest.sha256(secret)
        client.updatedAt = now
        try await applyConfig(
            [.putClient(client)],
            audit: [
                AuditEventDraft(time: now, type: .clientSecretRotated, tenantID: tenantID, clientID: clientID, actor: actor)
            ]
        )
        return ClientWithSecret(client: client, secret: secret)
    }

    /// Deletes a client and revokes its tokens in the same transaction.
    public func deleteClient(tenantID: String, clientID: String, actor: String) async throws(AdminError) -> RevocationSummary {
        _ = try client(tenantID: tenantID, clientID: clientID)
        let summary = try await revokeTokens(.client(tenantID: tenantID, clientID: clientID), reason: "client deleted", actor: actor)
        try await applyConfig(
            [.deleteClient(tenantID: tenantID, clientID: clientID)],
            audit: [
                AuditEventDraft(
                    time: clock.now(),
                    type: .clientDeleted,
                    tenantID: tenantID,
                    clientID: clientID,
                    actor: actor,
                    details: ["tokens_revoked": "\(summary.revoked)"]
                )
            ]
        )
        return summary
    }

    /// Mints an initial access token for RFC 7591 dynamic registration at `/<tenant>/register`.
    public func createRegistrationToken(
        tenantID: String,
        lifetime: Int,
        uses: Int,
        actor: String
    ) async throws(AdminError) -> (token: String, record: RegistrationToken) {
        guard config.snapshot.tenants[tenantID] != nil else { throw .notFound("no tenant '\(Validation.printable(tenantID))'") }
        guard (60...31_536_000).contains(lifetime) else { throw .invalid(field: "ttl", "must be 60 seconds to 365 days") }
        guard (1...100_000).contains(uses) else { throw .invalid(field: "uses", "must be 1 to 100000") }
        let now = clock.now()
        let id = ids.timeOrdered(at: now)
        let token = RegistrationTokenFormat.prefix + id + ids.secret(bytes: 32)
        let record = RegistrationToken(
            tenantID: tenantID,
            id: id,
            digest: SecretDigest.sha256(token),
            expiresAt: now.addingTimeInterval(TimeInterval(lifetime)),
            usesLeft: uses,
            createdAt: now
        )
        try await applyConfig(
            [.putRegistrationToken(record)],
            audit: [
                AuditEventDraft(
                    time: now,
                    type: .registrationTokenCreated,
                    tenantID: tenantID,
                    tokenID: id,
                    actor: actor,
                    details: ["uses": "\(uses)", "expires_at": ISO8601DateFormatter().string(from: record.expiresAt)]
                )
            ]
        )
        return (token, record)
    }

    /// Keys for a client's algorithm when the tenant has none yet.
    func keysNeeded(for client: Client, snapshot: ConfigSnapshot, now: Date) throws(AdminError) -> [SigningKeyRecord] {
        guard let alg = client.signingAlgorithm,
            !(snapshot.keys[client.tenantID] ?? []).contains(where: { $0.algorithm == alg && $0.state == .active })
        else { return [] }
        return try generateKeyPairForRotation(tenantID: client.tenantID, algorithm: alg, now: now)
    }

    private func generatedClientID(name: String, tenantID: String, snapshot: ConfigSnapshot) -> String {
        let base = String(name.lowercased().map { $0.isLetter && $0.isASCII || $0.isNumber && $0.isASCII ? $0 : "-" }.prefix(40))
            .split(separator: "-").joined(separator: "-")
        return (base.isEmpty ? "client" : base) + "-" + ids.shortID(length: 6)
    }
}

/// Initial access tokens carry their id, like opaque access tokens.
enum RegistrationTokenFormat {
    static let prefix = "cdi_"
}
