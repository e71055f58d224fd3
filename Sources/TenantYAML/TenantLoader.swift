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
            let context: DecodingError.Context? =
                switch error {
                case .keyNotFound(_, let c), .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): c
                @unknown default: nil
                }
            let path = (context?.codingPath ?? []).map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            throw AdminError.invalid(field: source + (YAMLLocator.line(of: path, in: yaml).map { ":\($0)" } ?? ""), describe(error))
        } catch let error as YamlError {
            throw AdminError.invalid(field: source, "not valid YAML: \(error)")
        } catch {
            throw AdminError.invalid(field: source, "cannot be read: \(error)")
        }
    }

    /// The same error with the file and the line of its field: "design.yaml:14: claims.x.type: ...".
    public static func located(_ error: AdminError, in yaml: String, source: String) -> AdminError {
        guard let field = error.field, !field.hasPrefix(source) else { return error }
        let line = YAMLLocator.line(of: field, in: yaml).map { ":\($0)" } ?? ""
        return AdminError(code: error.code, field: "\(source)\(line): \(field)", message: error.message)
    }

    public static func load(file: String, into engine: ClaimdeckEngine, actor: String) async throws(AdminError) -> Report {
        let text = try TextFile.read(file, field: "file")
        do {
            return try await apply(try parse(text, source: file), to: engine, actor: actor)
        } catch {
            throw located(error, in: text, source: file)
        }
    }

    /// Creates the tenant and everything it defines: the design is published as version 1, then the
    /// users and clients are added. A tenant that already exists is left as it is.
    public static func apply(_ def: TenantDefinition, to engine: ClaimdeckEngine, actor: String) async throws(AdminError) -> Report {
        let tid = def.tenant.id
        if engine.config.snapshot.tenants[tid] != nil {
            return Report(tenantID: tid, created: false, clients: [], users: [])
        }
        let alg = try DesignDocument.algorithm(def.tenant.algorithm, field: "tenant.algorithm") ?? .es256
        var policy = TenantPolicy()
        def.tenant.policy?.apply(to: &policy)
        policy.profile = try DesignDocument.profile(def.tenant.profile, field: "tenant.profile") ?? .plain
        do { try policy.validate() } catch {
            throw AdminError(code: error.code, field: "tenant.policy." + (error.field ?? ""), message: error.message)
        }
        let design = try DesignDocument.design(def)
        let users = def.users ?? []
        // Refuse a bad user before anything is created; uniqueness is checked as each one is added.
        for u in users {
            do { try ClaimdeckEngine.checkUserFields(username: u.username, id: u.id, password: u.password) } catch {
                throw AdminError(code: error.code, field: "users.\(u.id)" + (error.field.map { ".\($0)" } ?? ""), message: error.message)
            }
        }
        _ = try await engine.createTenant(id: tid, displayName: def.tenant.name, algorithm: alg, actor: actor)
        if policy != TenantPolicy() {
            // Before the clients, so that each is registered under the profile (and refused if it does not meet it).
            try await engine.updateTenantPolicy(tid, actor: actor) { $0 = policy }
        }
        if design != TokenDesign() {
            _ = try await engine.publishDesign(PublishRequest(tenantID: tid, design: design, note: "loaded from a tenant file"), actor: actor)
        }
        for u in users {
            _ = try await engine.createUser(
                tenantID: tid,
                username: u.username,
                id: u.id,
                attributes: u.attributes ?? [:],
                password: u.password,
                actor: actor
            )
        }
        var clients: [String] = []
        for entry in def.clients ?? [] {
            _ = try await engine.registerClient(tenantID: tid, id: entry.id, entry.spec, actor: actor, presetSecret: entry.secret)
            clients.append(entry.id)
        }
        try await applyPartnerGrants(def, to: engine, actor: actor)
        return Report(tenantID: tid, created: true, clients: clients, users: users.map(\.username))
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
