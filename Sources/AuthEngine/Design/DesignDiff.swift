import Foundation
import JOSE

/// What changes between two token designs, per (scope, destination), and which of the changes break
/// an API's contract. Publishing and `design apply` refuse breaking changes unless forced with a reason.
public struct DesignDiff: Sendable, Hashable {
    /// A claim that a scope's tokens carry, or stop carrying, in one destination.
    public struct ClaimChange: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable { case added, removed, changed }
        public var scope: String
        public var destination: ClaimDestination
        public var claim: String
        public var kind: Kind
        /// "string from user attribute account.number", or "type string -> number".
        public var detail: String
    }

    /// A change an API that reads the tokens would notice: it names the APIs.
    public struct BreakingChange: Sendable, Hashable {
        public var message: String
        public var apis: [String]
    }

    public var claimChanges: [ClaimChange] = []
    /// Scopes, APIs, claim flags and clients that changed, in words.
    public var otherChanges: [String] = []
    public var breaking: [BreakingChange] = []

    public var isEmpty: Bool { claimChanges.isEmpty && otherChanges.isEmpty }
    /// The APIs any breaking change affects, sorted.
    public var affectedAPIs: [String] { Array(Set(breaking.flatMap(\.apis))).sorted() }

    /// The diff from `old` (the live version) to `new` (a draft or file). Breaking changes are judged
    /// against the live APIs' contracts: an API still reads the tokens until it agrees to a new
    /// contract, so relax its requirement in one publish and remove the claim in the next.
    /// `clientAudiences` gives each client's audiences before and after, when clients change too.
    public static func between(
        _ old: TokenDesign,
        _ new: TokenDesign,
        clientAudiences: [String: (before: [String], after: [String])] = [:]
    ) -> DesignDiff {
        var d = DesignDiff()
        let before = deliveries(old)
        let after = deliveries(new)
        for key in Set(before.keys).union(after.keys).sorted() {
            switch (before[key], after[key]) {
            case (nil, let n?):
                d.claimChanges.append(
                    ClaimChange(scope: key.scope, destination: key.destination, claim: key.claim, kind: .added, detail: describe(n))
                )
            case (let o?, nil):
                d.claimChanges.append(
                    ClaimChange(scope: key.scope, destination: key.destination, claim: key.claim, kind: .removed, detail: describe(o))
                )
            case (let o?, let n?) where o.type != n.type || o.source != n.source:
                var parts: [String] = []
                if o.type != n.type { parts.append("type \(o.type) -> \(n.type)") }
                if o.source != n.source { parts.append("source \(ClaimResolver.describe(o.source)) -> \(ClaimResolver.describe(n.source))") }
                d.claimChanges.append(
                    ClaimChange(
                        scope: key.scope,
                        destination: key.destination,
                        claim: key.claim,
                        kind: .changed,
                        detail: parts.joined(separator: "; ")
                    )
                )
            default: break
            }
        }
        d.otherChanges = otherChanges(old, new)
        d.breaking = breakingChanges(old, new, before: before, after: after, clientAudiences: clientAudiences)
        for (client, audiences) in clientAudiences.sorted(by: { $0.key < $1.key }) where audiences.before != audiences.after {
            d.otherChanges.append(
                "client \(client): audiences [\(audiences.before.joined(separator: " "))] -> [\(audiences.after.joined(separator: " "))]"
            )
        }
        return d
    }

    struct Key: Hashable, Comparable {
        var scope: String
        var destination: ClaimDestination
        var claim: String
        static func < (a: Key, b: Key) -> Bool {
            (a.scope, ClaimDestination.allCases.firstIndex(of: a.destination)!, a.claim)
                < (b.scope, ClaimDestination.allCases.firstIndex(of: b.destination)!, b.claim)
        }
    }

    /// Which claim each (scope, destination) delivers.
    static func deliveries(_ design: TokenDesign) -> [Key: ClaimDefinition] {
        var out: [Key: ClaimDefinition] = [:]
        for c in design.claims {
            for s in c.scopes { for dest in c.destinations { out[Key(scope: s, destination: dest, claim: c.name)] = c } }
        }
        return out
    }

    static func describe(_ c: ClaimDefinition) -> String {
        "\(c.type) from \(ClaimResolver.describe(c.source))" + (c.isPII ? ", personal data" : "") + (c.isRequired ? ", required" : "")
    }

    static func otherChanges(_ old: TokenDesign, _ new: TokenDesign) -> [String] {
        var out: [String] = []
        for s in new.scopes where old.scope(s.name) == nil { out.append("scope \(s.name) added") }
        for s in old.scopes where new.scope(s.name) == nil { out.append("scope \(s.name) removed") }
        for s in new.scopes { if let o = old.scope(s.name), o.description != s.description { out.append("scope \(s.name): description changed") } }
        for c in new.claims {
            guard let o = old.claim(c.name) else {
                out.append("claim \(c.name) added: \(describe(c))")
                continue
            }
            if o.isPII != c.isPII { out.append("claim \(c.name): personal data \(o.isPII) -> \(c.isPII)") }
            if o.isRequired != c.isRequired { out.append("claim \(c.name): required \(o.isRequired) -> \(c.isRequired)") }
        }
        for c in old.claims where new.claim(c.name) == nil { out.append("claim \(c.name) removed") }
        for a in new.apis {
            guard let o = old.api(a.name) else {
                out.append("API \(a.name) added (\(a.audience))")
                continue
            }
            if o.audience != a.audience { out.append("API \(a.name): audience \(o.audience) -> \(a.audience)") }
            if o.scopes != a.scopes {
                out.append("API \(a.name): scopes [\(o.scopes.joined(separator: " "))] -> [\(a.scopes.joined(separator: " "))]")
            }
            if o.requiredClaims != a.requiredClaims { out.append("API \(a.name): required claims \(contract(o)) -> \(contract(a))") }
        }
        for a in old.apis where new.api(a.name) == nil { out.append("API \(a.name) removed (\(a.audience))") }
        return out
    }

    static func contract(_ a: APIResource) -> String {
        "{" + a.requiredClaims.keys.sorted().map { "\($0): \(a.requiredClaims[$0]!.joined(separator: ","))" }.joined(separator: "; ") + "}"
    }

    static func breakingChanges(
        _ old: TokenDesign,
        _ new: TokenDesign,
        before: [Key: ClaimDefinition],
        after: [Key: ClaimDefinition],
        clientAudiences: [String: (before: [String], after: [String])]
    ) -> [BreakingChange] {
        var out: [BreakingChange] = []
        for api in old.apis {
            guard let newAPI = new.api(api.name) else {
                out.append(BreakingChange(message: "API \(api.name) is removed: tokens for \(api.audience) are no longer issued", apis: [api.name]))
                continue
            }
            if newAPI.audience != api.audience {
                out.append(BreakingChange(message: "API \(api.name)'s audience changes from \(api.audience) to \(newAPI.audience)", apis: [api.name]))
            }
            for s in api.scopes where !newAPI.scopes.contains(s) {
                out.append(BreakingChange(message: "API \(api.name) no longer accepts scope \(s): its audience is narrowed", apis: [api.name]))
            }
            // An API reads a JWT's claims or the introspection answer: a required claim must stay in
            // whichever of the two delivered it.
            for (scope, required) in api.requiredClaims.sorted(by: { $0.key < $1.key }) {
                for claim in required {
                    for destination in [ClaimDestination.accessToken, .introspection] {
                        let key = Key(scope: scope, destination: destination, claim: claim)
                        guard let was = before[key] else { continue }
                        if let now = after[key] {
                            if now.type != was.type {
                                out.append(
                                    BreakingChange(
                                        message:
                                            "claim \(claim) (\(destination.rawValue), scope \(scope)) changes type \(was.type) -> \(now.type), and API \(api.name) requires it",
                                        apis: [api.name]
                                    )
                                )
                            }
                        } else {
                            out.append(
                                BreakingChange(
                                    message:
                                        "claim \(claim) is removed from scope \(scope) (\(destination.rawValue)), and API \(api.name) requires it",
                                    apis: [api.name]
                                )
                            )
                        }
                    }
                }
            }
        }
        for (client, audiences) in clientAudiences.sorted(by: { $0.key < $1.key }) {
            for audience in audiences.before where !audiences.after.contains(audience) {
                let apis = old.apis.filter { $0.audience == audience }.map(\.name)
                out.append(BreakingChange(message: "client \(client) no longer gets tokens for \(audience): its audience is narrowed", apis: apis))
            }
        }
        return out
    }

    /// The diff as text, one change per line, breaking ones marked.
    public func text() -> String {
        if isEmpty { return "no changes" }
        var lines: [String] = []
        for c in claimChanges {
            let sign = c.kind == .added ? "+" : c.kind == .removed ? "-" : "~"
            lines.append("\(sign) \(c.scope) / \(c.destination.rawValue): \(c.claim) (\(c.detail))")
        }
        lines += otherChanges.map { "* \($0)" }
        if !breaking.isEmpty {
            lines.append("")
            lines.append("BREAKING (APIs affected: \(affectedAPIs.joined(separator: ", "))):")
            lines += breaking.map { "! \($0.message)" }
        }
        return lines.joined(separator: "\n")
    }

    public func json() -> JSONValue {
        .object([
            "claims": .array(
                claimChanges.map {
                    .object([
                        "scope": .string($0.scope), "destination": .string($0.destination.rawValue), "claim": .string($0.claim),
                        "change": .string($0.kind.rawValue), "detail": .string($0.detail),
                    ])
                }
            ),
            "other": .array(otherChanges.map(JSONValue.string)),
            "breaking": .array(breaking.map { .object(["message": .string($0.message), "apis": .array($0.apis.map(JSONValue.string))]) }),
            "affected_apis": .array(affectedAPIs.map(JSONValue.string)),
        ])
    }
}
