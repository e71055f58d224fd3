import AuthEngine
import Foundation
import JOSE
import Yams

/// Config as code: a tenant's token design and clients as a YAML document, read from and written to
/// the same `TenantDefinition` shape the demo file uses.
public enum DesignDocument {
    /// The token design a definition describes (scopes, claims with their mappings, APIs).
    public static func design(_ def: TenantDefinition) throws(AdminError) -> TokenDesign {
        let tid = def.tenant.id
        var claims: [ClaimDefinition] = []
        for c in def.claims ?? [] {
            let field = "claims.\(c.name)"
            var sources: [ClaimDefinition.Source] = []
            if let path = c.userAttribute { sources.append(.userAttribute(path: path)) }
            if let path = c.clientAttribute { sources.append(.clientAttribute(path: path)) }
            if let value = c.constant { sources.append(.constant(value)) }
            if let template = c.template { sources.append(.template(template)) }
            if let name = c.authContext { sources.append(.authContext(name)) }
            if let e = c.external {
                var policy = ExternalLookup.FailurePolicy.omit
                if let raw = e.onFailure {
                    guard let p = ExternalLookup.FailurePolicy(rawValue: raw) else {
                        throw .invalid(field: field + ".external.on_failure", "'\(raw)' is not one of omit, fail")
                    }
                    policy = p
                }
                sources.append(
                    .externalLookup(
                        ExternalLookup(
                            url: e.url,
                            path: e.path,
                            timeoutMilliseconds: e.timeoutMs ?? 500,
                            cacheSeconds: e.cacheSeconds ?? 60,
                            onFailure: policy
                        )
                    )
                )
            }
            guard sources.count == 1, let source = sources.first else {
                throw .invalid(
                    field: field,
                    "give exactly one source: user_attribute, client_attribute, constant, template, auth_context or external"
                )
            }
            var destinations = ClaimDestination.defaults
            if let names = c.destinations {
                destinations = []
                for name in names {
                    guard let d = ClaimDestination(rawValue: name) else {
                        throw .invalid(
                            field: field + ".destinations",
                            "'\(name)' is not one of \(ClaimDestination.allCases.map(\.rawValue).joined(separator: ", "))"
                        )
                    }
                    destinations.append(d)
                }
            }
            claims.append(
                ClaimDefinition(
                    tenantID: tid,
                    name: c.name,
                    type: c.type,
                    source: source,
                    isPII: c.pii ?? false,
                    isRequired: c.required ?? false,
                    scopes: c.scopes ?? [],
                    destinations: destinations
                )
            )
        }
        let design = TokenDesign(
            scopes: (def.scopes ?? []).map {
                ScopeDefinition(tenantID: tid, name: $0.name, description: $0.description ?? "", sensitive: $0.sensitive ?? false)
            },
            claims: claims,
            apis: (def.apis ?? []).map {
                APIResource(tenantID: tid, name: $0.name, audience: $0.audience, scopes: $0.scopes, requiredClaims: $0.requiredClaims ?? [:])
            }
        )
        try design.validate()
        return design
    }

    /// The clients a definition describes, with their ids.
    public static func clients(_ def: TenantDefinition) -> [DeclaredClient] {
        (def.clients ?? []).map { DeclaredClient(id: $0.id, spec: $0.spec) }
    }

    /// The tenant's design (live, or a version) and its clients, without secrets, as YAML.
    public static func export(tenant: Tenant, design: TokenDesign, clients: [Client], version: Int) throws(AdminError) -> String {
        let def = TenantDefinition(
            tenant: .init(
                id: tenant.id,
                name: tenant.displayName,
                algorithm: tenant.defaultAlgorithm.rawValue,
                profile: tenant.policy.profile == .plain ? nil : tenant.policy.profile.rawValue,
                policy: TenantDefinition.Policy(tenant.policy)
            ),
            scopes: design.scopes.map {
                .init(name: $0.name, description: $0.description.isEmpty ? nil : $0.description, sensitive: $0.sensitive ? true : nil)
            },
            claims: design.claims.map(entry),
            apis: design.apis.map(entry),
            users: nil,
            clients: clients.sorted { $0.id < $1.id }.map(entry)
        )
        let body: String
        do { body = try YAMLEncoder().encode(def, userInfo: [ClientSpec.omitsDefaults: true]) } catch {
            throw .storage("the design could not be written as YAML: \(error)")
        }
        return "# Token design of tenant \(tenant.id), version \(version). Apply with: claimdeck design apply -f FILE --tenant \(tenant.id)\n"
            + "# Clients are listed without secrets; apply creates the missing ones (secrets shown once) and updates the others.\n" + body
    }

    static func entry(_ c: ClaimDefinition) -> TenantDefinition.Claim {
        var e = TenantDefinition.Claim(name: c.name, type: c.type)
        switch c.source {
        case .userAttribute(let p): e.userAttribute = p
        case .clientAttribute(let p): e.clientAttribute = p
        case .constant(let v): e.constant = v
        case .template(let t): e.template = t
        case .authContext(let n): e.authContext = n
        case .externalLookup(let l):
            e.external = .init(
                url: l.url,
                path: l.path,
                timeoutMs: l.timeoutMilliseconds,
                cacheSeconds: l.cacheSeconds,
                onFailure: l.onFailure.rawValue
            )
        }
        e.pii = c.isPII ? true : nil
        e.required = c.isRequired ? true : nil
        e.scopes = c.scopes
        e.destinations = c.destinations == ClaimDestination.defaults ? nil : c.destinations.map(\.rawValue)
        return e
    }

    static func entry(_ a: APIResource) -> TenantDefinition.API {
        .init(name: a.name, audience: a.audience, scopes: a.scopes, requiredClaims: a.requiredClaims.isEmpty ? nil : a.requiredClaims)
    }

    static func entry(_ c: Client) -> TenantDefinition.ClientEntry {
        var spec = c.spec
        // Refresh-token lifetimes mean something only to a client that gets refresh tokens.
        if !spec.grantTypes.contains(.refreshToken) {
            spec.refreshTokenLifetime = nil
            spec.refreshTokenAbsoluteLifetime = nil
        }
        return TenantDefinition.ClientEntry(id: c.id, spec: spec)
    }

    static func profile(_ raw: String?, field: String) throws(AdminError) -> SecurityProfile? {
        guard let raw else { return nil }
        return try SecurityProfile.parse(raw, field: field)
    }

    static func algorithm(_ raw: String?, field: String) throws(AdminError) -> SigningAlgorithm? {
        guard let raw else { return nil }
        guard let alg = SigningAlgorithm(rawValue: raw) else {
            throw .invalid(field: field, "'\(raw)' is not supported; use \(SigningAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return alg
    }
}
