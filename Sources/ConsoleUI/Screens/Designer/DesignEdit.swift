import AuthEngine
import Foundation
import JOSE

/// The designer's edits as pure functions from one design to the next. The screen validates the
/// result (`TokenDesign.validate()`) before it changes its draft, so an invalid edit changes nothing.
enum DesignEdit {
    /// Maps the claim to the scope, or unmaps it.
    static func toggleScope(_ d: TokenDesign, claim: String, scope: String) -> TokenDesign {
        updateClaim(d, claim) { c in
            if let i = c.scopes.firstIndex(of: scope) { c.scopes.remove(at: i) } else { c.scopes.append(scope) }
        }
    }

    /// Sends the claim to the destination, or stops sending it there (for every scope that maps it).
    static func toggleDestination(_ d: TokenDesign, claim: String, _ destination: ClaimDestination) -> TokenDesign {
        updateClaim(d, claim) { c in
            if let i = c.destinations.firstIndex(of: destination) { c.destinations.remove(at: i) } else { c.destinations.append(destination) }
        }
    }

    /// Puts a new or edited claim; a renamed claim keeps its place in the APIs' required claims.
    static func replaceClaim(_ d: TokenDesign, original: String?, with claim: ClaimDefinition) -> TokenDesign {
        var claims = d.claims.filter { $0.name != (original ?? claim.name) }
        claims.append(claim)
        var apis = d.apis
        if let original, original != claim.name {
            for i in apis.indices {
                apis[i].requiredClaims = apis[i].requiredClaims.mapValues { $0.map { $0 == original ? claim.name : $0 } }
            }
        }
        return TokenDesign(scopes: d.scopes, claims: claims, apis: apis)
    }

    /// Removes a claim. APIs that require it keep requiring it, so validation refuses the removal
    /// until their contract is changed first.
    static func removeClaim(_ d: TokenDesign, _ name: String) -> TokenDesign {
        TokenDesign(scopes: d.scopes, claims: d.claims.filter { $0.name != name }, apis: d.apis)
    }

    static func replaceAPI(_ d: TokenDesign, original: String?, with api: APIResource) -> TokenDesign {
        TokenDesign(scopes: d.scopes, claims: d.claims, apis: d.apis.filter { $0.name != (original ?? api.name) } + [api])
    }

    static func removeAPI(_ d: TokenDesign, _ name: String) -> TokenDesign {
        TokenDesign(scopes: d.scopes, claims: d.claims, apis: d.apis.filter { $0.name != name })
    }

    private static func updateClaim(_ d: TokenDesign, _ name: String, _ change: (inout ClaimDefinition) -> Void) -> TokenDesign {
        TokenDesign(
            scopes: d.scopes,
            claims: d.claims.map { c in
                guard c.name == name else { return c }
                var c = c
                change(&c)
                return c
            },
            apis: d.apis
        )
    }

    /// The matrix columns: the tenant's scopes, then the standard OpenID scopes some claim maps.
    static func columns(_ d: TokenDesign) -> [String] {
        let own = d.scopes.map(\.name)
        return own + StandardScopes.all.filter { s in !own.contains(s) && d.claims.contains { $0.scopes.contains(s) } }
    }

    /// One destination as one letter, so a matrix cell says where a claim goes without colour.
    static func letter(_ d: ClaimDestination) -> Character {
        switch d {
        case .accessToken: return "A"
        case .idToken: return "I"
        case .userinfo: return "U"
        case .introspection: return "N"
        }
    }

    /// A matrix cell: "A--N" (mapped; the destinations it goes to), or "·" (not mapped).
    static func cell(_ c: ClaimDefinition, scope: String) -> String {
        guard c.scopes.contains(scope) else { return "·" }
        return String(ClaimDestination.allCases.map { c.destinations.contains($0) ? letter($0) : "-" })
    }

    static let legend = "A access_token  I id_token  U userinfo  N introspection  · not mapped"
}

/// How the designer words design values.
enum DesignText {
    /// "user attribute account.number", "external lookup https://… at path (500 ms, cache 60 s, omit)".
    static func source(_ s: ClaimDefinition.Source) -> String {
        switch s {
        case .userAttribute(let p): return "user attribute \(p)"
        case .clientAttribute(let p): return "client attribute \(p)"
        case .constant(let v): return "constant \(json(v))"
        case .template(let t): return "template \"\(t)\""
        case .authContext(let n): return "authentication context \(n)"
        case .externalLookup(let l):
            return "external lookup \(l.url)" + (l.path.map { " at \($0)" } ?? "")
                + " (\(l.timeoutMilliseconds) ms, cache \(l.cacheSeconds) s, on failure \(l.onFailure.rawValue))"
        }
    }

    static func json(_ v: JSONValue) -> String { String(decoding: v.serialized(), as: UTF8.self) }

    static func wrap(_ text: String, width: Int, indent: String = "") -> [String] { TextWrap.wrap(text, width: width, indent: indent) }

    static func count(_ findings: [LintFinding]) -> String {
        let e = findings.filter { $0.severity == .error }.count
        let w = findings.filter { $0.severity == .warning }.count
        let i = findings.filter { $0.severity == .info }.count
        return [Present.count(e, "error"), Present.count(w, "warning"), "\(i) info"].joined(separator: ", ")
    }

    static func severity(_ s: LintFinding.Severity) -> (glyph: String, role: Role) {
        switch s {
        case .error: return ("✕ error", .flashError)
        case .warning: return ("⚠ warning", .flashWarn)
        case .info: return ("ℹ info", .flashInfo)
        }
    }
}
