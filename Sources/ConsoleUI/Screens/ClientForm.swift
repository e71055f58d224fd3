import AuthEngine
import Foundation

/// The register/edit form of a client and its translation to a `ClientSpec`.
enum ClientForm {
    /// Engine error fields -> form field keys.
    static let aliases = ["grant types": "grants", "redirect_uri": "redirects", "auth method": "type", "token format": "format"]

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
            ]
        )
    }

    static func spec(_ f: Form) -> Result<ClientSpec, AdminError> {
        func words(_ k: String) -> [String] { f.value(k).split(separator: " ").map(String.init) }
        guard let type = ClientType(rawValue: f.value("type")) else { return .failure(.invalid(field: "type", "use confidential or public")) }
        guard let format = TokenFormat(rawValue: f.value("format")) else { return .failure(.invalid(field: "format", "use jwt or opaque")) }
        return .success(
            ClientSpec(
                name: f.value("name"),
                type: type,
                grantTypes: words("grants").map(GrantType.init(rawValue:)),
                scopes: words("scopes"),
                audiences: words("audiences"),
                redirectURIs: words("redirects"),
                tokenFormat: format
            )
        )
    }
}
