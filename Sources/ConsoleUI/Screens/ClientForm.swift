import AuthEngine
import Foundation

/// The register/edit form of a client and its translation to a `ClientSpec`.
enum ClientForm {
    /// Engine error fields -> form field keys.
    static let aliases = [
        "grant types": "grants", "redirect_uri": "redirects", "redirect_uris": "redirects", "auth method": "type", "token format": "format",
    ]

    static func make(_ c: Client?) -> Form {
        Form(
            title: c == nil ? "Register a client" : "Edit client \(c!.id)",
            fields: [
                Form.Field("name", "Name", c?.name ?? "", help: "shown to admins and on consent pages"),
                Form.Field(
                    "type",
                    "Type",
                    c?.type.rawValue ?? "confidential",
                    help: "confidential or public",
                    editable: c == nil,
                    choices: ["confidential", "public"]
                ),
                Form.Field(
                    "grants",
                    "Grant types",
                    c?.grantTypes.map(\.rawValue).joined(separator: " ") ?? "client_credentials",
                    help: "space-separated: \(GrantType.implemented.map(\.rawValue).joined(separator: " "))"
                ),
                Form.Field("scopes", "Scopes", c?.scopes.joined(separator: " ") ?? "", help: "space-separated scope names of the tenant"),
                Form.Field(
                    "audiences",
                    "Audiences",
                    c?.audiences.joined(separator: " ") ?? "",
                    help: "API identifiers the client may ask tokens for"
                ),
                Form.Field(
                    "redirects",
                    "Redirect URIs",
                    c?.redirectURIs.joined(separator: " ") ?? "",
                    help: "https://…, or http://127.0.0.1 for loopback"
                ),
                Form.Field(
                    "format",
                    "Token format",
                    c?.tokenFormat.rawValue ?? "jwt",
                    help: "jwt (inside) or opaque (outside, introspected)",
                    choices: ["jwt", "opaque"]
                ),
                Form.Field(
                    "profile",
                    "Profile",
                    c?.spec.profile.rawValue ?? SecurityProfile.plain.rawValue,
                    help: "fapi2: FAPI 2.0 (PAR, PKCE, DPoP or mTLS tokens, private_key_jwt or mTLS, no RS256)",
                    choices: SecurityProfile.allCases.map(\.rawValue)
                ),
            ]
        )
    }

    /// The form's settings over `base` (the edited client's spec; a new client's defaults when nil):
    /// the settings the form does not show stay as they are, so a check sees the whole client.
    static func spec(_ f: Form, over base: ClientSpec? = nil) -> Result<ClientSpec, AdminError> {
        func words(_ k: String) -> [String] { f.value(k).split(separator: " ").map(String.init) }
        guard let type = ClientType(rawValue: f.value("type")) else { return .failure(.invalid(field: "type", "use confidential or public")) }
        guard let format = TokenFormat(rawValue: f.value("format")) else { return .failure(.invalid(field: "format", "use jwt or opaque")) }
        guard let profile = SecurityProfile(rawValue: f.value("profile")) else {
            return .failure(.invalid(field: "profile", "use \(SecurityProfile.allCases.map(\.rawValue).joined(separator: " or "))"))
        }
        var spec = base ?? ClientSpec(name: f.value("name"), type: type)
        spec.name = f.value("name")
        spec.type = type
        spec.grantTypes = words("grants").map(GrantType.init(rawValue:))
        spec.scopes = words("scopes")
        spec.audiences = words("audiences")
        spec.redirectURIs = words("redirects")
        spec.tokenFormat = format
        spec.profile = profile
        return .success(spec)
    }
}
