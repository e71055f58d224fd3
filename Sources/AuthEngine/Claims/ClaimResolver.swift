import Foundation
import JOSE

/// A claim value and where it came from: the provenance a token preview shows.
public struct ResolvedClaim: Sendable, Hashable {
    public var name: String
    public var value: JSONValue
    /// The granted scopes that map it.
    public var scopes: [String]
    /// "user attribute account.number", "standard claim (profile)", ...
    public var source: String
    /// What it replaced: a standard claim of the same name.
    public var overrode: String?
}

/// How the user signed in, for `auth_context` sources.
public struct AuthContext: Sendable, Hashable {
    public var authTime: Date
    public var amr: [String]
    public var acr: String?
}

/// What a claim's value can come from at one issuance: the user (none for client_credentials), the
/// client, how the user signed in, and the external lookups already fetched for it; with the granted
/// scopes and the definitions they map, worked out once per issuance.
struct ClaimInputs: Sendable {
    var user: User?
    var client: Client
    var context: AuthContext?
    /// The scopes granted for this token.
    let scopes: [String]
    /// The tenant's claim definitions those scopes map, sorted by name.
    let granted: [ClaimDefinition]
    /// Claim name -> value fetched by its external lookup.
    var external: [String: JSONValue] = [:]
    /// Claim name -> why its external lookup failed (the claim was left out under the omit policy).
    var lookupFailures: [String: String] = [:]

    /// The granted claims left out although their source gave a value, and why: the lookup failed, or
    /// the value is not of the type the design declares. The reasons name the failure or the type,
    /// never a value or a URL filled in with user data.
    var leftOut: [(claim: String, reason: String)] {
        var out = lookupFailures.map { (claim: $0.key, reason: "its external lookup failed (\($0.value))") }
        for definition in granted {
            guard let value = ClaimResolver.sourceValue(of: definition, self), value.claimType != definition.type else { continue }
            out.append((definition.name, "its value is \(value.claimType.withArticle), but the design declares \(definition.type.withArticle)"))
        }
        return out.sorted { $0.claim < $1.claim }
    }

    /// For the audit event of the issuance: `leftOut`, if any.
    var auditDetails: [String: String] {
        let left = leftOut
        guard !left.isEmpty else { return [:] }
        return ["claims_left_out": left.map { "\($0.claim): \($0.reason)" }.joined(separator: "; ")]
    }

    init(
        user: User?,
        client: Client,
        context: AuthContext? = nil,
        scopes: [String],
        snapshot: ConfigSnapshot,
        external: [String: JSONValue] = [:]
    ) {
        self.user = user
        self.client = client
        self.context = context
        self.scopes = scopes
        self.granted = ClaimResolver.granted(scopes, tenantID: client.tenantID, snapshot: snapshot)
        self.external = external
    }
}

/// Resolves the tenant's claim definitions for granted scopes and a destination. Issuance, userinfo
/// and the preview all call this, so a preview cannot drift from what is issued.
enum ClaimResolver {
    /// The definitions the granted scopes map, sorted by name.
    static func granted(_ scopes: [String], tenantID: String, snapshot: ConfigSnapshot) -> [ClaimDefinition] {
        let granted = Set(scopes)
        return (snapshot.claims[tenantID] ?? [:]).values.filter { !granted.isDisjoint(with: $0.scopes) }.sorted { $0.name < $1.name }
    }

    /// Every claim of the tenant's design for `destination`, with provenance, sorted by name. Absent
    /// values (a user attribute the user does not have) leave the claim out.
    static func resolve(_ destination: ClaimDestination, _ inputs: ClaimInputs) -> [ResolvedClaim] {
        var result: [ResolvedClaim] = []
        for definition in inputs.granted where definition.destinations.contains(destination) {
            guard let value = value(of: definition, inputs) else { continue }
            result.append(
                ResolvedClaim(
                    name: definition.name,
                    value: value,
                    scopes: definition.scopes.filter(inputs.scopes.contains),
                    source: describe(definition.source)
                )
            )
        }
        return result
    }

    /// The claims an access token carries for `scopes`.
    static func accessTokenClaims(_ inputs: ClaimInputs) -> [String: JSONValue] {
        dictionary(resolve(.accessToken, inputs))
    }

    /// What the ID token or userinfo says of the user: the standard claims of the granted scopes, then
    /// the design's claims for that destination (which win over a standard claim of the same name).
    static func userClaims(_ destination: ClaimDestination, _ inputs: ClaimInputs) -> [ResolvedClaim] {
        let scopes = inputs.scopes
        guard let user = inputs.user else { return resolve(destination, inputs) }
        let standard = StandardScopes.userClaims(for: user, scopes: scopes)
        var byName: [String: ResolvedClaim] = [:]
        for (name, value) in standard {
            let scope = StandardScopes.claims.first { $0.value.contains(name) && scopes.contains($0.key) }?.key ?? ""
            byName[name] = ResolvedClaim(name: name, value: value, scopes: [scope], source: "standard claim (\(scope))")
        }
        for var claim in resolve(destination, inputs) {
            if let replaced = byName[claim.name] { claim.overrode = replaced.source }
            byName[claim.name] = claim
        }
        return byName.values.sorted { $0.name < $1.name }
    }

    /// Refuses issuance when a required claim of the granted scopes has no value: `invalid_scope`,
    /// naming the scope and the claim (never the value). Claims whose source needs a user are
    /// required of user tokens only.
    static func checkRequired(_ inputs: ClaimInputs) throws(OAuthError) {
        for definition in inputs.granted where definition.isRequired {
            if definition.source.needsUser && inputs.user == nil { continue }
            if value(of: definition, inputs) != nil { continue }
            let scope = definition.scopes.first(where: inputs.scopes.contains) ?? ""
            let whose = inputs.user == nil ? "client '\(inputs.client.id)'" : "this user"
            if let wrong = sourceValue(of: definition, inputs) {
                throw .invalidScope(
                    "scope '\(scope)' requires claim '\(definition.name)', whose value for \(whose) is \(wrong.claimType.withArticle), "
                        + "not \(definition.type.withArticle)"
                )
            }
            throw .invalidScope("scope '\(scope)' requires claim '\(definition.name)', which has no value for \(whose)")
        }
    }

    static func dictionary(_ claims: [ResolvedClaim]) -> [String: JSONValue] {
        Dictionary(claims.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    /// The claim's value, if its source gives one of the declared type: a token never carries a claim
    /// of another type than its design (APIs rely on it), so a mismatch leaves the claim out.
    static func value(of definition: ClaimDefinition, _ inputs: ClaimInputs) -> JSONValue? {
        guard let value = sourceValue(of: definition, inputs), value.claimType == definition.type else { return nil }
        return value
    }

    /// What the claim's source gives, whatever its type.
    static func sourceValue(of definition: ClaimDefinition, _ inputs: ClaimInputs) -> JSONValue? {
        switch definition.source {
        case .constant(let v): return v
        case .userAttribute(let path):
            guard let user = inputs.user else { return nil }
            return lookup(path, in: user.attributes)
        case .clientAttribute(let path):
            return lookup(path, in: clientAttributes(inputs.client))
        case .template(let template):
            guard let user = inputs.user else { return nil }
            return render(template, attributes: user.attributes)
        case .authContext(let name):
            guard let context = inputs.context else { return nil }
            switch name {
            case "auth_time": return .number(context.authTime.timeIntervalSince1970.rounded(.down))
            case "amr": return .array(context.amr.map(JSONValue.string))
            case "acr": return context.acr.map(JSONValue.string)
            default: return nil
            }
        case .externalLookup:
            return inputs.external[definition.name]
        }
    }

    static func describe(_ source: ClaimDefinition.Source) -> String {
        switch source {
        case .constant(let v): return "constant \(String(decoding: v.serialized(), as: UTF8.self))"
        case .userAttribute(let path): return "user attribute \(path)"
        case .clientAttribute(let path): return "client attribute \(path)"
        case .template(let t): return "template \"\(t)\""
        case .authContext(let name): return "authentication context \(name)"
        case .externalLookup(let l): return "external lookup \(l.url)" + (l.path.map { " at \($0)" } ?? "")
        }
    }

    /// The JSON type a source gives whatever the user or the lookup holds; nil when it depends on them.
    static func fixedType(of source: ClaimDefinition.Source) -> String? {
        switch source {
        case .constant(let v): return v.claimType
        case .clientAttribute, .template: return "string"
        case .authContext(let name): return name == "auth_time" ? "number" : name == "amr" ? "array" : "string"
        case .userAttribute, .externalLookup: return nil
        }
    }

    static func clientAttributes(_ client: Client) -> [String: JSONValue] {
        ["id": .string(client.id), "name": .string(client.name), "type": .string(client.type.rawValue)]
    }

    /// Fills `{path}` placeholders from the attributes; nil if any is missing (the claim is left out
    /// rather than issued half-filled).
    static func render(_ template: String, attributes: [String: JSONValue]) -> JSONValue? {
        Placeholders.fill(template) { lookup($0, in: attributes).map(Placeholders.text) }.map(JSONValue.string)
    }

    /// A dotted path ("account.number") into a JSON object.
    static func lookup(_ path: String, in object: [String: JSONValue]) -> JSONValue? {
        var current: JSONValue = .object(object)
        for part in path.split(separator: ".") {
            guard case .object(let o) = current, let next = o[String(part)] else { return nil }
            current = next
        }
        return current
    }
}

extension JSONValue {
    /// The claim type this value is: string, number, boolean, array, object (or null).
    var claimType: String {
        switch self {
        case .string: return "string"
        case .number: return "number"
        case .bool: return "boolean"
        case .array: return "array"
        case .object: return "object"
        case .null: return "null"
        }
    }
}

extension String {
    /// "a string", "an array", "an object".
    var withArticle: String { (first.map { "aeiou".contains($0) } == true ? "an " : "a ") + self }
}
