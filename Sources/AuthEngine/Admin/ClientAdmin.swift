import Foundation
import JOSE

/// A client registered or given a new secret; the secret is shown this once and never again.
public struct ClientWithSecret: Sendable {
    public var client: Client
    public var secret: String?
}

/// Changes to an existing client; nil fields stay as they are.
public struct ClientPatch: Sendable, Hashable {
    public var name: String?
    public var scopes: [String]?
    public var audiences: [String]?
    public var grantTypes: [GrantType]?
    public var redirectURIs: [String]?
    public var tokenFormat: TokenFormat?
    public var accessTokenLifetime: Int?
    public var signingAlgorithm: SigningAlgorithm?
    public var thirdParty: Bool?
    public var requirePKCE: Bool?
    public var refreshTokenLifetime: Int?
    public var refreshTokenAbsoluteLifetime: Int?
    public var postLogoutRedirectURIs: [String]?
    public var revokeRefreshTokensOnLogout: Bool?

    public init(name: String? = nil, scopes: [String]? = nil, audiences: [String]? = nil, grantTypes: [GrantType]? = nil,
                redirectURIs: [String]? = nil, tokenFormat: TokenFormat? = nil, accessTokenLifetime: Int? = nil,
                signingAlgorithm: SigningAlgorithm? = nil, thirdParty: Bool? = nil, requirePKCE: Bool? = nil,
                refreshTokenLifetime: Int? = nil, refreshTokenAbsoluteLifetime: Int? = nil, postLogoutRedirectURIs: [String]? = nil,
                revokeRefreshTokensOnLogout: Bool? = nil) {
        self.name = name
        self.scopes = scopes
        self.audiences = audiences
        self.grantTypes = grantTypes
        self.redirectURIs = redirectURIs
        self.tokenFormat = tokenFormat
        self.accessTokenLifetime = accessTokenLifetime
        self.signingAlgorithm = signingAlgorithm
        self.thirdParty = thirdParty
        self.requirePKCE = requirePKCE
        self.refreshTokenLifetime = refreshTokenLifetime
        self.refreshTokenAbsoluteLifetime = refreshTokenAbsoluteLifetime
        self.postLogoutRedirectURIs = postLogoutRedirectURIs
        self.revokeRefreshTokensOnLogout = revokeRefreshTokensOnLogout
    }

    /// The spec that results from applying this patch to `client`.
    func applied(to client: Client) -> ClientSpec {
        var s = ClientSpec(client)
        if let name { s.name = name }
        if let scopes { s.scopes = scopes }
        if let audiences { s.audiences = audiences }
        if let grantTypes { s.grantTypes = grantTypes }
        if let redirectURIs { s.redirectURIs = redirectURIs }
        if let tokenFormat { s.tokenFormat = tokenFormat }
        if let accessTokenLifetime { s.accessTokenLifetime = accessTokenLifetime }
        if let signingAlgorithm { s.signingAlgorithm = signingAlgorithm }
        if let thirdParty { s.thirdParty = thirdParty }
        if let requirePKCE { s.requirePKCE = requirePKCE }
        if let refreshTokenLifetime { s.refreshTokenLifetime = refreshTokenLifetime }
        if let refreshTokenAbsoluteLifetime { s.refreshTokenAbsoluteLifetime = refreshTokenAbsoluteLifetime }
        if let postLogoutRedirectURIs { s.postLogoutRedirectURIs = postLogoutRedirectURIs }
        if let revokeRefreshTokensOnLogout { s.revokeRefreshTokensOnLogout = revokeRefreshTokensOnLogout }
        return s
    }

    public var isEmpty: Bool { self == ClientPatch() }
}

extension ClaimdeckEngine {
    /// Registers a client. A confidential client with a secret method gets a generated 256-bit secret,
    /// returned once and stored only as its SHA-256.
    ///
    /// - Parameter presetSecret: only for demo data loaded from a file; admins never choose secrets.
    public func registerClient(tenantID: String, _ spec: ClientSpec, actor: String, presetSecret: String? = nil,
                               extraMutations: [ConfigMutation] = []) async throws(AdminError) -> ClientWithSecret {
        let snapshot = config.snapshot
        guard snapshot.tenants[tenantID] != nil else {
            throw .notFound("no tenant '\(Validation.printable(tenantID))'; create it with 'claimdeck tenant create \(Validation.printable(tenantID))'")
        }
        let new = try newClient(tenantID: tenantID, spec, presetSecret: presetSecret, snapshot: snapshot, actor: actor)
        try await applyConfig(extraMutations + new.mutations, audit: [new.event])
        return new.registered
    }

    /// A client to register, validated against `snapshot`: the client with its secret (shown once),
    /// the mutations that store it (with keys for its algorithm if the tenant has none) and its audit
    /// event. Shared by registration and `design apply`.
    func newClient(tenantID: String, _ spec: ClientSpec, presetSecret: String? = nil, snapshot: ConfigSnapshot,
                   actor: String) throws(AdminError) -> (registered: ClientWithSecret, mutations: [ConfigMutation], event: AuditEventDraft) {
        try spec.validate(tenantID: tenantID, snapshot: snapshot, configuration: configuration)
        let id = spec.id ?? generatedClientID(name: spec.name, tenantID: tenantID, snapshot: snapshot)
        if snapshot.client(tenantID, id) != nil { throw .conflict("client '\(id)' already exists in tenant '\(tenantID)'") }
        let method = spec.resolvedAuthMethod
        let secret = method.usesSecret ? (presetSecret ?? ids.secret(bytes: 32)) : nil
        let now = clock.now()
        var client = Client(
            tenantID: tenantID, id: id, name: spec.name, type: spec.type, authMethod: method, grantTypes: spec.grantTypes,
            scopes: spec.scopes, audiences: spec.audiences, redirectURIs: spec.redirectURIs, tokenFormat: spec.tokenFormat,
            accessTokenLifetime: spec.accessTokenLifetime ?? configuration.defaultAccessTokenLifetime,
            signingAlgorithm: spec.signingAlgorithm, secretDigest: secret.map { SecretDigest.sha256($0) }, jwks: spec.jwks,
            createdAt: now, updatedAt: now)
        client.apply(spec)
        let keys = try keysNeeded(for: client, snapshot: snapshot, now: now)
        let event = AuditEventDraft(time: now, type: .clientRegistered, tenantID: tenantID, clientID: id, actor: actor,
                                    details: ["type": client.type.rawValue, "auth_method": method.rawValue, "format": client.tokenFormat.rawValue,
                                              "scopes": client.scopes.joined(separator: " "), "grant_types": client.grantTypes.map(\.rawValue).joined(separator: " ")])
        return (ClientWithSecret(client: client, secret: secret), keys.map(ConfigMutation.putKey) + [.putClient(client)], event)
    }

    public func clients(tenantID: String) throws(AdminError) -> [Client] {
        let snapshot = config.snapshot
        guard snapshot.tenants[tenantID] != nil else { throw .notFound("no tenant '\(Validation.printable(tenantID))'") }
        return (snapshot.clients[tenantID] ?? [:]).values.sorted { $0.id < $1.id }
    }

    public func client(tenantID: String, clientID: String) throws(AdminError) -> Client {
        guard let c = config.snapshot.client(tenantID, clientID) else { throw .noClient(tenantID: tenantID, clientID: clientID) }
        return c
    }

    public func updateClient(tenantID: String, clientID: String, _ patch: ClientPatch, actor: String) async throws(AdminError) -> Client {
        var client = try client(tenantID: tenantID, clientID: clientID)
        if patch.isEmpty { throw .invalid(field: "changes", "nothing to change: give at least one option") }
        let spec = patch.applied(to: client)
        let snapshot = config.snapshot
        try spec.validate(tenantID: tenantID, snapshot: snapshot, configuration: configuration)
        let now = clock.now()
        client.apply(spec)
        client.updatedAt = now
        let keys = try keysNeeded(for: client, snapshot: snapshot, now: now)
        try await applyConfig(keys.map(ConfigMutation.putKey) + [.putClient(client)], audit: [
            AuditEventDraft(time: now, type: .clientUpdated, tenantID: tenantID, clientID: clientID, actor: actor,
                            details: ["fields": changedFields(patch)]),
        ])
        return client
    }

    /// Disables or enables a client. A disabled client cannot authenticate and its tokens introspect
    /// as inactive at once.
    public func setClientDisabled(tenantID: String, clientID: String, disabled: Bool, actor: String) async throws(AdminError) -> Client {
        var client = try client(tenantID: tenantID, clientID: clientID)
        let now = clock.now()
        client.disabled = disabled
        client.updatedAt = now
        try await applyConfig([.putClient(client)], audit: [
            AuditEventDraft(time: now, type: disabled ? .clientDisabled : .clientEnabled, tenantID: tenantID, clientID: clientID, actor: actor),
        ])
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
        try await applyConfig([.putClient(client)], audit: [
            AuditEventDraft(time: now, type: .clientSecretRotated, tenantID: tenantID, clientID: clientID, actor: actor),
        ])
        return ClientWithSecret(client: client, secret: secret)
    }

    /// Deletes a client and revokes its tokens in the same transaction.
    public func deleteClient(tenantID: String, clientID: String, actor: String) async throws(AdminError) -> RevocationSummary {
        _ = try client(tenantID: tenantID, clientID: clientID)
        let summary = try await revokeTokens(.client(tenantID: tenantID, clientID: clientID), reason: "client deleted", actor: actor)
        try await applyConfig([.deleteClient(tenantID: tenantID, clientID: clientID)], audit: [
            AuditEventDraft(time: clock.now(), type: .clientDeleted, tenantID: tenantID, clientID: clientID, actor: actor,
                            details: ["tokens_revoked": "\(summary.revoked)"]),
        ])
        return summary
    }

    /// Mints an initial access token for RFC 7591 dynamic registration at `/<tenant>/register`.
    public func createRegistrationToken(tenantID: String, lifetime: Int, uses: Int, actor: String) async throws(AdminError) -> (token: String, record: RegistrationToken) {
        guard config.snapshot.tenants[tenantID] != nil else { throw .notFound("no tenant '\(Validation.printable(tenantID))'") }
        guard (60...31_536_000).contains(lifetime) else { throw .invalid(field: "ttl", "must be 60 seconds to 365 days") }
        guard (1...100_000).contains(uses) else { throw .invalid(field: "uses", "must be 1 to 100000") }
        let now = clock.now()
        let id = ids.timeOrdered(at: now)
        let token = RegistrationTokenFormat.prefix + id + ids.secret(bytes: 32)
        let record = RegistrationToken(tenantID: tenantID, id: id, digest: SecretDigest.sha256(token),
                                       expiresAt: now.addingTimeInterval(TimeInterval(lifetime)), usesLeft: uses, createdAt: now)
        try await applyConfig([.putRegistrationToken(record)], audit: [
            AuditEventDraft(time: now, type: .registrationTokenCreated, tenantID: tenantID, tokenID: id, actor: actor,
                            details: ["uses": "\(uses)", "expires_at": ISO8601DateFormatter().string(from: record.expiresAt)]),
        ])
        return (token, record)
    }

    /// Keys for a client's algorithm when the tenant has none yet.
    func keysNeeded(for client: Client, snapshot: ConfigSnapshot, now: Date) throws(AdminError) -> [SigningKeyRecord] {
        guard let alg = client.signingAlgorithm,
              !(snapshot.keys[client.tenantID] ?? []).contains(where: { $0.algorithm == alg && $0.state == .active }) else { return [] }
        return try generateKeyPairForRotation(tenantID: client.tenantID, algorithm: alg, now: now)
    }

    private func generatedClientID(name: String, tenantID: String, snapshot: ConfigSnapshot) -> String {
        let base = String(name.lowercased().map { $0.isLetter && $0.isASCII || $0.isNumber && $0.isASCII ? $0 : "-" }.prefix(40))
            .split(separator: "-").joined(separator: "-")
        return (base.isEmpty ? "client" : base) + "-" + ids.shortID(length: 6)
    }

    private func changedFields(_ p: ClientPatch) -> String {
        var f: [String] = []
        if p.name != nil { f.append("name") }
        if p.scopes != nil { f.append("scopes") }
        if p.audiences != nil { f.append("audiences") }
        if p.grantTypes != nil { f.append("grant_types") }
        if p.redirectURIs != nil { f.append("redirect_uris") }
        if p.tokenFormat != nil { f.append("token_format") }
        if p.accessTokenLifetime != nil { f.append("access_token_lifetime") }
        if p.signingAlgorithm != nil { f.append("signing_alg") }
        if p.thirdParty != nil { f.append("third_party") }
        if p.requirePKCE != nil { f.append("require_pkce") }
        if p.refreshTokenLifetime != nil { f.append("refresh_token_lifetime") }
        if p.refreshTokenAbsoluteLifetime != nil { f.append("refresh_token_absolute_lifetime") }
        if p.postLogoutRedirectURIs != nil { f.append("post_logout_redirect_uris") }
        if p.revokeRefreshTokensOnLogout != nil { f.append("revoke_refresh_tokens_on_logout") }
        return f.joined(separator: " ")
    }
}

extension Client {
    /// Takes the settable fields of a validated spec (not id, type, auth method or keys).
    mutating func apply(_ spec: ClientSpec) {
        name = spec.name
        grantTypes = spec.grantTypes
        scopes = spec.scopes
        audiences = spec.audiences
        redirectURIs = spec.redirectURIs
        tokenFormat = spec.tokenFormat
        if let lifetime = spec.accessTokenLifetime { accessTokenLifetime = lifetime }
        signingAlgorithm = spec.signingAlgorithm
        thirdParty = spec.thirdParty
        requirePKCE = spec.requirePKCE
        refreshTokenLifetime = spec.refreshTokenLifetime ?? Client.defaultRefreshTokenLifetime
        refreshTokenAbsoluteLifetime = spec.refreshTokenAbsoluteLifetime ?? Client.defaultRefreshTokenAbsoluteLifetime
        postLogoutRedirectURIs = spec.postLogoutRedirectURIs
        revokeRefreshTokensOnLogout = spec.revokeRefreshTokensOnLogout
    }
}

/// Initial access tokens carry their id, like opaque access tokens.
enum RegistrationTokenFormat {
    static let prefix = "cdi_"
}
