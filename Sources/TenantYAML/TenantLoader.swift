import AuthEngine
import Foundation
import JOSE
import Yams

/// Reads tenant definitions from YAML and applies them through the engine's admin use cases.
public enum TenantLoader {
    /// What a load did.
    public struct Report: Sendable {
        public var tenantID: String
        public var created: Bool
        public var clients: [String]
        public var users: [String]
    }

    /// Parses a definition; errors name the field and, where YAML knows it, the line.
    public static func parse(_ yaml: String, source: String = "input") throws(AdminError) -> TenantDefinition {
        do {
            return try YAMLDecoder().decode(TenantDefinition.self, from: yaml)
        } catch let error as DecodingError {
            throw AdminError.invalid(field: source, describe(error))
        } catch let error as YamlError {
            throw AdminError.invalid(field: source, "not valid YAML: \(error)")
        } catch {
            throw AdminError.invalid(field: source, "cannot be read: \(error)")
        }
    }

    public static func load(file: String, into engine: ClaimdeckEngine, actor: String) async throws(AdminError) -> Report {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw AdminError.invalid(field: "file", "cannot read '\(file)' as UTF-8 text")
        }
        return try await apply(try parse(text, source: file), to: engine, actor: actor)
    }

    /// Creates the tenant and everything it defines. A tenant that already exists is left as it is.
    public static func apply(_ def: TenantDefinition, to engine: ClaimdeckEngine, actor: String) async throws(AdminError) -> Report {
        let tid = def.tenant.id
        if engine.config.snapshot.tenants[tid] != nil {
            return Report(tenantID: tid, created: false, clients: [], users: [])
        }
        let alg = try algorithm(def.tenant.algorithm, field: "tenant.algorithm") ?? .es256
        let now = engine.clock.now()
        var mutations: [ConfigMutation] = []
        for s in def.scopes ?? [] {
            guard ScopeDefinition.isValidName(s.name) else { throw .invalid(field: "scopes.\(s.name)", "not a valid scope name") }
            mutations.append(.putScope(ScopeDefinition(tenantID: tid, name: s.name, description: s.description ?? "")))
        }
        for c in def.claims ?? [] {
            let source: ClaimDefinition.Source
            if let path = c.userAttribute { source = .userAttribute(path: path) }
            else if let path = c.clientAttribute { source = .clientAttribute(path: path) }
            else if let value = c.constant { source = .constant(value) }
            else if let template = c.template { source = .template(template) }
            else if let name = c.authContext {
                guard ["auth_time", "amr", "acr"].contains(name) else {
                    throw .invalid(field: "claims.\(c.name).auth_context", "'\(name)' is not one of auth_time, amr, acr")
                }
                source = .authContext(name)
            }
            else { throw .invalid(field: "claims.\(c.name)", "give a source: user_attribute, client_attribute, constant, template or auth_context") }
            var destinations = ClaimDestination.defaults
            if let names = c.destinations {
                destinations = []
                for name in names {
                    guard let d = ClaimDestination(rawValue: name) else {
                        throw .invalid(field: "claims.\(c.name).destinations", "'\(name)' is not one of \(ClaimDestination.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    destinations.append(d)
                }
            }
            mutations.append(.putClaim(ClaimDefinition(tenantID: tid, name: c.name, type: c.type, source: source,
                                                       isPII: c.pii ?? false, scopes: c.scopes ?? [], destinations: destinations)))
        }
        for a in def.apis ?? [] {
            mutations.append(.putAPI(APIResource(tenantID: tid, name: a.name, audience: a.audience, scopes: a.scopes,
                                                 requiredClaims: a.requiredClaims ?? [:])))
        }
        var users: [String] = []
        for u in def.users ?? [] {
            var hash: String?
            if let password = u.password {
                do { hash = try PasswordHasher.hash(password) } catch { throw .invalid(field: "users.\(u.id).password", "cannot be hashed") }
            }
            mutations.append(.putUser(User(tenantID: tid, id: u.id, username: u.username, attributes: u.attributes ?? [:],
                                           passwordHash: hash, createdAt: now)))
            users.append(u.username)
        }
        _ = try await engine.createTenant(id: tid, displayName: def.tenant.name, algorithm: alg, actor: actor)
        try await engine.applyConfiguration(mutations, actor: actor, summary: "loaded \(mutations.count) definitions")
        var clients: [String] = []
        for c in def.clients ?? [] {
            let field = "clients.\(c.id)"
            let spec = ClientSpec(
                id: c.id, name: c.name, type: try parse(c.type, ClientType.self, field: field + ".type") ?? .confidential,
                authMethod: try parse(c.authMethod, ClientAuthMethod.self, field: field + ".auth_method"),
                grantTypes: (c.grantTypes ?? ["client_credentials"]).map(GrantType.init(rawValue:)),
                scopes: c.scopes ?? [], audiences: c.audiences ?? [], redirectURIs: c.redirectURIs ?? [],
                tokenFormat: try parse(c.tokenFormat, TokenFormat.self, field: field + ".token_format") ?? .jwt,
                accessTokenLifetime: c.accessTokenLifetime,
                signingAlgorithm: try algorithm(c.signingAlgorithm, field: field + ".signing_alg"),
                thirdParty: c.thirdParty ?? false, requirePKCE: c.requirePKCE ?? true, refreshTokenLifetime: c.refreshTokenLifetime,
                refreshTokenAbsoluteLifetime: c.refreshTokenAbsoluteLifetime, postLogoutRedirectURIs: c.postLogoutRedirectURIs ?? [],
                revokeRefreshTokensOnLogout: c.revokeRefreshTokensOnLogout ?? false)
            _ = try await engine.registerClient(tenantID: tid, spec, actor: actor, presetSecret: c.secret)
            clients.append(c.id)
        }
        try await applyPartnerGrants(def, to: engine, actor: actor)
        return Report(tenantID: tid, created: true, clients: clients, users: users)
    }

    private static func parse<T: RawRepresentable>(_ raw: String?, _ type: T.Type, field: String) throws(AdminError) -> T? where T.RawValue == String {
        guard let raw else { return nil }
        guard let value = T(rawValue: raw) else { throw .invalid(field: field, "'\(raw)' is not a valid value") }
        return value
    }

    private static func algorithm(_ raw: String?, field: String) throws(AdminError) -> SigningAlgorithm? {
        guard let raw else { return nil }
        guard let alg = SigningAlgorithm(rawValue: raw) else {
            throw .invalid(field: field, "'\(raw)' is not supported; use \(SigningAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return alg
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? "(top level)" : p
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context)): missing field '\(key.stringValue)'"
        case .typeMismatch(let type, let context): return "\(path(context)): expected \(type): \(context.debugDescription)"
        case .valueNotFound(let type, let context): return "\(path(context)): expected a \(type) value"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
