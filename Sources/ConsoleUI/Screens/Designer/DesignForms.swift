import AuthEngine
import Foundation
import JOSE

/// The designer's claim form: name, type, source with its parameters, personal data, required,
/// scopes and destinations; and its translation to a `ClaimDefinition`.
enum ClaimForm {
    static let sourceKinds = ["user_attribute", "client_attribute", "constant", "template", "auth_context", "external"]

    static func make(_ c: ClaimDefinition?, scope: String?) -> Form {
        var kind = "user_attribute"
        var value = ""
        var lookup = ExternalLookup(url: "")
        switch c?.source {
        case .userAttribute(let p)?: value = p
        case .clientAttribute(let p)?:
            kind = "client_attribute"
            value = p
        case .constant(let v)?:
            kind = "constant"
            value = DesignText.json(v)
        case .template(let t)?:
            kind = "template"
            value = t
        case .authContext(let n)?:
            kind = "auth_context"
            value = n
        case .externalLookup(let l)?:
            kind = "external"
            value = l.url
            lookup = l
        case nil: break
        }
        return Form(
            title: c.map { "Edit claim \($0.name) (draft)" } ?? "Add a claim (draft)",
            fields: [
                Form.Field("name", "Name", c?.name ?? "", help: "the claim's name in tokens; a rename follows into the APIs' contracts"),
                Form.Field("type", "Type", c?.type ?? "string", help: "what the value is", choices: TokenDesign.claimTypes),
                Form.Field("source", "Source", kind, help: "where the value comes from", choices: sourceKinds),
                Form.Field(
                    "value",
                    "Source value",
                    value,
                    help: "attribute path · client id|name|type · JSON constant · {path} template · auth_time|amr|acr · URL"
                ),
                Form.Field("lookup", "Lookup path", lookup.path ?? "", help: "external only: dotted path into the JSON answer; empty: all of it"),
                Form.Field("timeout", "Lookup timeout ms", "\(lookup.timeoutMilliseconds)", help: "external only: 1 to 10000"),
                Form.Field("cache", "Lookup cache s", "\(lookup.cacheSeconds)", help: "external only: 0 to 86400; 0 never caches"),
                Form.Field(
                    "onfail",
                    "On lookup failure",
                    lookup.onFailure.rawValue,
                    help: "external only: omit (issue without it) | fail (refuse)",
                    choices: ["omit", "fail"]
                ),
                Form.Field("pii", "Personal data", yesNo(c?.isPII ?? false), help: "yes | no", choices: ["yes", "no"]),
                Form.Field(
                    "required",
                    "Required",
                    yesNo(c?.isRequired ?? false),
                    help: "yes | no: a token whose scopes map it is refused without it",
                    choices: ["yes", "no"]
                ),
                Form.Field(
                    "scopes",
                    "Scopes",
                    c?.scopes.joined(separator: " ") ?? scope ?? "",
                    help: "space-separated scopes that map it (openid profile email too)"
                ),
                Form.Field(
                    "destinations",
                    "Destinations",
                    (c?.destinations ?? ClaimDestination.defaults).map(\.rawValue).joined(separator: " "),
                    help: ClaimDestination.allCases.map(\.rawValue).joined(separator: " ")
                ),
            ]
        )
    }

    static func yesNo(_ b: Bool) -> String { b ? "yes" : "no" }

    static func flag(_ f: Form, _ key: String) -> Result<Bool, AdminError> {
        switch f.value(key).trimmingCharacters(in: .whitespaces).lowercased() {
        case "yes", "y", "true": return .success(true)
        case "no", "n", "false", "": return .success(false)
        default: return .failure(.invalid(field: key, "answer yes or no"))
        }
    }

    /// The claim the form describes; errors name a form field.
    static func claim(_ f: Form, tenantID: String) -> Result<ClaimDefinition, AdminError> {
        func words(_ k: String) -> [String] { f.value(k).split(separator: " ").map(String.init) }
        let value = f.value("value").trimmingCharacters(in: .whitespaces)
        let kind = f.value("source").trimmingCharacters(in: .whitespaces)
        guard sourceKinds.contains(kind) else { return .failure(.invalid(field: "source", "use one of \(sourceKinds.joined(separator: ", "))")) }
        guard !value.isEmpty else {
            return .failure(
                .invalid(field: "value", "give the \(kind == "external" ? "URL" : kind == "constant" ? "JSON value" : "value") of the source")
            )
        }
        let source: ClaimDefinition.Source
        switch kind {
        case "user_attribute": source = .userAttribute(path: value)
        case "client_attribute": source = .clientAttribute(path: value)
        case "constant": source = .constant((try? JSONValue(parsing: value)) ?? .string(value))
        case "template": source = .template(value)
        case "auth_context": source = .authContext(value)
        default:
            guard let timeout = Int(f.value("timeout").trimmingCharacters(in: .whitespaces)) else {
                return .failure(.invalid(field: "timeout", "a whole number of milliseconds"))
            }
            guard let cache = Int(f.value("cache").trimmingCharacters(in: .whitespaces)) else {
                return .failure(.invalid(field: "cache", "a whole number of seconds"))
            }
            guard let policy = ExternalLookup.FailurePolicy(rawValue: f.value("onfail").trimmingCharacters(in: .whitespaces)) else {
                return .failure(.invalid(field: "onfail", "use omit or fail"))
            }
            let path = f.value("lookup").trimmingCharacters(in: .whitespaces)
            source = .externalLookup(
                ExternalLookup(
                    url: value,
                    path: path.isEmpty ? nil : path,
                    timeoutMilliseconds: timeout,
                    cacheSeconds: cache,
                    onFailure: policy
                )
            )
        }
        var destinations: [ClaimDestination] = []
        for w in words("destinations") {
            guard let d = ClaimDestination(rawValue: w) else {
                return .failure(
                    .invalid(field: "destinations", "'\(w)' is not one of \(ClaimDestination.allCases.map(\.rawValue).joined(separator: ", "))")
                )
            }
            destinations.append(d)
        }
        let pii: Bool
        let required: Bool
        switch flag(f, "pii") {
        case .success(let b): pii = b
        case .failure(let e): return .failure(e)
        }
        switch flag(f, "required") {
        case .success(let b): required = b
        case .failure(let e): return .failure(e)
        }
        return .success(
            ClaimDefinition(
                tenantID: tenantID,
                name: f.value("name").trimmingCharacters(in: .whitespaces),
                type: f.value("type").trimmingCharacters(in: .whitespaces),
                source: source,
                isPII: pii,
                isRequired: required,
                scopes: words("scopes"),
                destinations: destinations
            )
        )
    }

    /// The form field an engine error names ("claims.account-nbr.type" -> "type"); nil if none.
    static func field(_ engineField: String?, claim: String) -> String? {
        guard let engineField else { return nil }
        let base = "claims." + Validation.printable(claim)
        if engineField == base { return "name" }
        guard engineField.hasPrefix(base + ".") else { return nil }
        switch engineField.dropFirst(base.count + 1) {
        case "type": return "type"
        case "scopes": return "scopes"
        case "destinations": return "destinations"
        case "client_attribute", "auth_context", "template", "external.url": return "value"
        case "external.timeout_ms": return "timeout"
        case "external.cache_seconds": return "cache"
        default: return nil
        }
    }
}

/// The designer's API form: name, audience, accepted scopes and the claims it requires per scope.
enum APIForm {
    static func make(_ a: APIResource?) -> Form {
        Form(
            title: a.map { "Edit API \($0.name) (draft)" } ?? "Add an API (draft)",
            fields: [
                Form.Field("name", "Name", a?.name ?? "", help: "short name: lowercase letters, digits, '-'", editable: a == nil),
                Form.Field("audience", "Audience", a?.audience ?? "", help: "the aud value its tokens carry, usually https://…"),
                Form.Field("scopes", "Accepted scopes", a?.scopes.joined(separator: " ") ?? "", help: "space-separated"),
                Form.Field("required", "Required claims", a.map(contract) ?? "", help: "per scope: scope: claim claim; scope: claim"),
            ]
        )
    }

    /// "invoice-read: account-nbr; invoice-write: account-nbr account-type".
    static func contract(_ a: APIResource) -> String {
        a.requiredClaims.keys.sorted().map { "\($0): \(a.requiredClaims[$0]!.joined(separator: " "))" }.joined(separator: "; ")
    }

    static func api(_ f: Form, tenantID: String) -> Result<APIResource, AdminError> {
        var required: [String: [String]] = [:]
        for part in f.value("required").split(separator: ";") {
            let part = part.trimmingCharacters(in: .whitespaces)
            if part.isEmpty { continue }
            guard let colon = part.firstIndex(of: ":") else {
                return .failure(.invalid(field: "required", "write 'scope: claim claim'; separate scopes with ';'"))
            }
            let scope = part[..<colon].trimmingCharacters(in: .whitespaces)
            let claims = part[part.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
            guard !scope.isEmpty else { return .failure(.invalid(field: "required", "a scope is missing before ':'")) }
            required[scope, default: []] += claims
        }
        return .success(
            APIResource(
                tenantID: tenantID,
                name: f.value("name").trimmingCharacters(in: .whitespaces),
                audience: f.value("audience").trimmingCharacters(in: .whitespaces),
                scopes: f.value("scopes").split(separator: " ").map(String.init),
                requiredClaims: required
            )
        )
    }

    static func field(_ engineField: String?, api: String) -> String? {
        guard let engineField else { return nil }
        // Two APIs with one audience: the engine may name the other one; the draft was valid before
        // this edit, so the audience typed here is the one at fault.
        if engineField.hasPrefix("apis."), engineField.hasSuffix(".audience") { return "audience" }
        let base = "apis." + Validation.printable(api)
        if engineField == base { return "name" }
        guard engineField.hasPrefix(base + ".") else { return nil }
        let rest = engineField.dropFirst(base.count + 1)
        if rest == "audience" { return "audience" }
        if rest == "scopes" { return "scopes" }
        if rest.hasPrefix("required_claims") { return "required" }
        return nil
    }
}
