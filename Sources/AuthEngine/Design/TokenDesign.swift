import Foundation
import JOSE

/// A tenant's token design: its scopes, the claims they map and where each goes, and the APIs that
/// read the tokens with their contracts. What is published as a numbered version, diffed, linted,
/// exported and applied. Kept in a stable order (by name) so equal designs compare and print equal.
public struct TokenDesign: Sendable, Hashable, Codable {
    public var scopes: [ScopeDefinition]
    public var claims: [ClaimDefinition]
    public var apis: [APIResource]

    public init(scopes: [ScopeDefinition] = [], claims: [ClaimDefinition] = [], apis: [APIResource] = []) {
        self.scopes = scopes.sorted { $0.name < $1.name }
        self.claims = claims.map(Self.normalized).sorted { $0.name < $1.name }
        self.apis = apis.map(Self.normalized).sorted { $0.name < $1.name }
    }

    /// The design tokens of `tenantID` are issued under now.
    public static func live(tenantID: String, snapshot: ConfigSnapshot) -> TokenDesign {
        TokenDesign(
            scopes: Array((snapshot.scopes[tenantID] ?? [:]).values),
            claims: Array((snapshot.claims[tenantID] ?? [:]).values),
            apis: Array((snapshot.apis[tenantID] ?? [:]).values)
        )
    }

    public func claim(_ name: String) -> ClaimDefinition? { claims.first { $0.name == name } }
    public func api(_ name: String) -> APIResource? { apis.first { $0.name == name } }
    public func scope(_ name: String) -> ScopeDefinition? { scopes.first { $0.name == name } }

    /// The same design owned by `tenantID` (a file or an old version applied to a tenant).
    public func owned(by tenantID: String) -> TokenDesign {
        TokenDesign(
            scopes: scopes.map {
                var s = $0
                s.tenantID = tenantID
                return s
            },
            claims: claims.map {
                var c = $0
                c.tenantID = tenantID
                return c
            },
            apis: apis.map {
                var a = $0
                a.tenantID = tenantID
                return a
            }
        )
    }

    /// The configuration changes that turn `live` into this design: puts for what is new or changed,
    /// deletes for what is gone.
    func mutations(replacing live: TokenDesign, tenantID: String) -> [ConfigMutation] {
        var m: [ConfigMutation] = []
        for s in live.scopes where scope(s.name) == nil { m.append(.deleteScope(tenantID: tenantID, name: s.name)) }
        for c in live.claims where claim(c.name) == nil { m.append(.deleteClaim(tenantID: tenantID, name: c.name)) }
        for a in live.apis where api(a.name) == nil { m.append(.deleteAPI(tenantID: tenantID, name: a.name)) }
        for s in scopes where live.scope(s.name) != s { m.append(.putScope(s)) }
        for c in claims where live.claim(c.name) != c { m.append(.putClaim(c)) }
        for a in apis where live.api(a.name) != a { m.append(.putAPI(a)) }
        return m
    }

    /// Claims an access token or answer fills in itself; a design claim of the same name would
    /// collide with them.
    public static let reservedClaimNames: Set<String> = [
        "iss", "sub", "aud", "exp", "iat", "nbf", "jti", "client_id", "scope", "azp", "nonce", "at_hash", "c_hash", "sid",
        "cnf", "act", "may_act", "active", "token_type", "username",
    ]
    /// The JSON types a claim can declare.
    public static let claimTypes = ["string", "number", "boolean", "array", "object"]

    /// Checks every definition and every reference between them; errors name the field
    /// ("claims.account-nbr.scopes") and the fix. Standard OpenID scopes may be mapped without being defined.
    public func validate() throws(AdminError) {
        var seen = Set<String>()
        for s in scopes {
            guard ScopeDefinition.isValidName(s.name) else {
                throw .invalid(
                    field: "scopes.\(Validation.printable(s.name))",
                    "not a valid scope name (RFC 6749 section 3.3: printable ASCII, no space, quote or backslash)"
                )
            }
            guard seen.insert(s.name).inserted else { throw .invalid(field: "scopes.\(s.name)", "is defined twice") }
        }
        let known = seen.union(StandardScopes.all)
        seen = []
        for c in claims {
            let field = "claims.\(Validation.printable(c.name))"
            guard !c.name.isEmpty, c.name.utf8.count <= 128,
                c.name.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\" })
            else {
                throw .invalid(field: field, "a claim name is 1-128 printable ASCII characters without spaces, quotes or backslashes")
            }
            guard seen.insert(c.name).inserted else { throw .invalid(field: field, "is defined twice") }
            guard !Self.reservedClaimNames.contains(c.name) else {
                throw .invalid(field: field, "'\(c.name)' is set by the server itself; pick another name")
            }
            guard Self.claimTypes.contains(c.type) else {
                throw .invalid(field: field + ".type", "'\(Validation.printable(c.type))' is not one of \(Self.claimTypes.joined(separator: ", "))")
            }
            if case .constant(.null) = c.source {
                throw .invalid(field: field + ".constant", "a constant cannot be null; remove the claim instead")
            }
            if let given = ClaimResolver.fixedType(of: c.source), given != c.type {
                throw .invalid(
                    field: field + ".type",
                    "its source always gives \(given.withArticle) (\(ClaimResolver.describe(c.source))); declare type \(given)"
                )
            }
            for s in c.scopes where !known.contains(s) {
                throw .invalid(field: field + ".scopes", "scope '\(Validation.printable(s))' is not defined; add it under scopes or remove it here")
            }
            guard !c.destinations.isEmpty else {
                throw .invalid(
                    field: field + ".destinations",
                    "give at least one of \(ClaimDestination.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            switch c.source {
            case .userAttribute(let p), .clientAttribute(let p):
                guard !p.isEmpty else { throw .invalid(field: field, "the attribute path is empty") }
                if case .clientAttribute = c.source, !["id", "name", "type"].contains(p) {
                    throw .invalid(field: field + ".client_attribute", "'\(Validation.printable(p))' is not one of id, name, type")
                }
            case .authContext(let n):
                guard ["auth_time", "amr", "acr"].contains(n) else {
                    throw .invalid(field: field + ".auth_context", "'\(Validation.printable(n))' is not one of auth_time, amr, acr")
                }
            case .template(let t):
                guard t.contains("{") else { throw .invalid(field: field + ".template", "has no {attribute} placeholder; use a constant instead") }
            case .externalLookup(let l):
                try l.validate(field: field + ".external")
            case .constant:
                break
            }
        }
        seen = []
        var audiences = Set<String>()
        for a in apis {
            let field = "apis.\(Validation.printable(a.name))"
            try Validation.slug(a.name, field: field)
            guard seen.insert(a.name).inserted else { throw .invalid(field: field, "is defined twice") }
            guard !a.audience.isEmpty else { throw .invalid(field: field + ".audience", "is empty") }
            guard audiences.insert(a.audience).inserted else {
                throw .invalid(field: field + ".audience", "'\(a.audience)' is another API's audience")
            }
            for s in a.scopes where !known.contains(s) {
                throw .invalid(field: field + ".scopes", "scope '\(Validation.printable(s))' is not defined")
            }
            for (s, names) in a.requiredClaims.sorted(by: { $0.key < $1.key }) {
                guard a.scopes.contains(s) else {
                    throw .invalid(field: field + ".required_claims", "scope '\(Validation.printable(s))' is not one the API accepts")
                }
                for n in names where claim(n) == nil {
                    throw .invalid(field: field + ".required_claims.\(s)", "claim '\(Validation.printable(n))' is not defined")
                }
            }
        }
    }

    static func normalized(_ c: ClaimDefinition) -> ClaimDefinition {
        var c = c
        c.scopes = Array(Set(c.scopes)).sorted()
        c.destinations = ClaimDestination.allCases.filter(c.destinations.contains)
        return c
    }

    static func normalized(_ a: APIResource) -> APIResource {
        var a = a
        a.scopes = Array(Set(a.scopes)).sorted()
        a.requiredClaims = a.requiredClaims.mapValues { Array(Set($0)).sorted() }.filter { !$0.value.isEmpty }
        return a
    }
}
