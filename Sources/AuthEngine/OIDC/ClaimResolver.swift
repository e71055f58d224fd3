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

/// Resolves the tenant's claim definitions for granted scopes and a destination. Issuance, userinfo
/// and the preview all call this, so a preview cannot drift from what is issued.
enum ClaimResolver {
    /// Every claim of the tenant's design for `destination`, with provenance, sorted by name. Absent
    /// values (a user attribute the user does not have) leave the claim out.
    static func resolve(_ destination: ClaimDestination, user: User?, client: Client, scopes: [String], context: AuthContext?,
                        snapshot: ConfigSnapshot) -> [ResolvedClaim] {
        let granted = Set(scopes)
        var result: [ResolvedClaim] = []
        for definition in (snapshot.claims[client.tenantID] ?? [:]).values.sorted(by: { $0.name < $1.name })
        where definition.destinations.contains(destination) && !granted.isDisjoint(with: definition.scopes) {
            guard let value = value(of: definition.source, user: user, client: client, context: context) else { continue }
            result.append(ResolvedClaim(name: definition.name, value: value, scopes: definition.scopes.filter(granted.contains),
                                        source: describe(definition.source)))
        }
        return result
    }

    /// The claims an access token for `user` carries for `scopes`.
    static func accessTokenClaims(user: User?, client: Client, scopes: [String], context: AuthContext? = nil,
                                  snapshot: ConfigSnapshot) -> [String: JSONValue] {
        dictionary(resolve(.accessToken, user: user, client: client, scopes: scopes, context: context, snapshot: snapshot))
    }

    /// What the ID token or userinfo says of the user: the standard claims of the granted scopes, then
    /// the design's claims for that destination (which win over a standard claim of the same name).
    static func userClaims(_ destination: ClaimDestination, user: User, client: Client, scopes: [String], context: AuthContext?,
                           snapshot: ConfigSnapshot) -> [ResolvedClaim] {
        let standard = StandardScopes.userClaims(for: user, scopes: scopes)
        var byName: [String: ResolvedClaim] = [:]
        for (name, value) in standard {
            let scope = StandardScopes.claims.first { $0.value.contains(name) && scopes.contains($0.key) }?.key ?? ""
            byName[name] = ResolvedClaim(name: name, value: value, scopes: [scope], source: "standard claim (\(scope))")
        }
        for var claim in resolve(destination, user: user, client: client, scopes: scopes, context: context, snapshot: snapshot) {
            if let replaced = byName[claim.name] { claim.overrode = replaced.source }
            byName[claim.name] = claim
        }
        return byName.values.sorted { $0.name < $1.name }
    }

    static func dictionary(_ claims: [ResolvedClaim]) -> [String: JSONValue] {
        Dictionary(claims.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    static func value(of source: ClaimDefinition.Source, user: User?, client: Client, context: AuthContext?) -> JSONValue? {
        switch source {
        case .constant(let v): return v
        case .userAttribute(let path):
            guard let user else { return nil }
            return lookup(path, in: user.attributes)
        case .clientAttribute(let path):
            return lookup(path, in: clientAttributes(client))
        case .template(let template):
            guard let user else { return nil }
            return render(template, attributes: user.attributes)
        case .authContext(let name):
            guard let context else { return nil }
            switch name {
            case "auth_time": return .number(context.authTime.timeIntervalSince1970.rounded(.down))
            case "amr": return .array(context.amr.map(JSONValue.string))
            case "acr": return context.acr.map(JSONValue.string)
            default: return nil
            }
        }
    }

    static func describe(_ source: ClaimDefinition.Source) -> String {
        switch source {
        case .constant(let v): return "constant \(String(decoding: v.serialized(), as: UTF8.self))"
        case .userAttribute(let path): return "user attribute \(path)"
        case .clientAttribute(let path): return "client attribute \(path)"
        case .template(let t): return "template \"\(t)\""
        case .authContext(let name): return "authentication context \(name)"
        }
    }

    static func clientAttributes(_ client: Client) -> [String: JSONValue] {
        ["id": .string(client.id), "name": .string(client.name), "type": .string(client.type.rawValue)]
    }

    /// Fills `{path}` placeholders from the attributes; nil if any is missing (the claim is left out
    /// rather than issued half-filled).
    static func render(_ template: String, attributes: [String: JSONValue]) -> JSONValue? {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { return nil }
            let path = String(rest[rest.index(after: open)..<close])
            guard let value = lookup(path, in: attributes) else { return nil }
            switch value {
            case .string(let s): out += s
            default: out += String(decoding: value.serialized(), as: UTF8.self)
            }
            rest = rest[rest.index(after: close)...]
        }
        return .string(out + rest)
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
