import AuthEngine
import Foundation
import JOSE

/// The users screen's forms (create, edit, set password), checked as the admin types by the engine's
/// own rules (`checkUserInput`, `parseUserAttributes`) and saved through the use cases `claimdeck user
/// create/update/set-password` call. Passwords live only in the form's masked fields until it closes.
enum UserForm {
    enum Kind: Equatable {
        case create
        /// Edit the username and attributes of the user with this id.
        case edit(String)
        /// Set the password of the user with this id.
        case password(String)
    }

    /// Engine error fields -> form field keys.
    static let aliases = ["client id": "id", "--attributes": "attributes"]

    static func make(_ kind: Kind, user: User? = nil) -> Form {
        let password = Form.Field("password", "Password", help: "at least \(ClaimdeckEngine.minimumPasswordLength) characters; masked", secure: true)
        let repeated = Form.Field("repeat", "Password again", help: "type it once more", secure: true)
        let attributes = Form.Field(
            "attributes",
            "Attributes (JSON)",
            // Empty, not "{}": typing into a prefilled "{}" (the cursor after it) gave "{}{…".
            user.map { json($0.attributes) } ?? "",
            help: "a JSON object, empty for none: {\"name\": \"Alice\", \"email\": \"alice@example.com\", \"roles\": [\"admin\"]}"
        )
        switch kind {
        case .create:
            var optionalPassword = password
            optionalPassword.help = "optional: without one the user cannot sign in; masked"
            return Form(
                title: "Create a user",
                fields: [
                    Form.Field("username", "Username", help: "what the user types at sign-in; no spaces"),
                    Form.Field("id", "Id (sub)", help: "optional: the token subject, generated when empty; never changes"),
                    attributes, optionalPassword, repeated,
                ]
            )
        case .edit:
            return Form(
                title: "Edit user \(user?.username ?? "")",
                fields: [
                    Form.Field("username", "Username", user?.username ?? "", help: "what the user types at sign-in; no spaces"),
                    attributes,
                ]
            )
        case .password:
            return Form(title: "Set the password of \(user?.username ?? "")", fields: [password, repeated])
        }
    }

    /// Attributes as the form shows them: compact JSON, keys sorted.
    static func json(_ attributes: [String: JSONValue]) -> String {
        String(decoding: JSONValue.object(attributes).serialized(), as: UTF8.self)
    }

    /// The attributes field's value: a JSON object, or none when left empty.
    static func attributes(_ text: String) throws(AdminError) -> [String: JSONValue] {
        text.trimmingCharacters(in: .whitespaces).isEmpty ? [:] : try ClaimdeckEngine.parseUserAttributes(text)
    }

    /// Marks the first field at fault, in field order, or clears every mark.
    static func validate(_ form: inout Form, _ kind: Kind, tenantID: String, engine: ClaimdeckEngine) {
        do throws(AdminError) {
            try check(form, kind, tenantID: tenantID, engine: engine)
            form.setError(field: nil, nil)
        } catch {
            form.setError(field: error.field, error.message, aliases: aliases)
        }
    }

    static func check(_ form: Form, _ kind: Kind, tenantID: String, engine: ClaimdeckEngine) throws(AdminError) {
        let has = Set(form.fields.map(\.key))
        if has.contains("username") {
            if form.value("username").isEmpty { throw .invalid(field: "username", "give a username") }
            try engine.checkUserInput(tenantID: tenantID, username: form.value("username"))
        }
        if has.contains("id"), !form.value("id").isEmpty { try engine.checkUserInput(tenantID: tenantID, id: form.value("id")) }
        if has.contains("attributes") { _ = try attributes(form.value("attributes")) }
        let password = form.value("password")
        let again = form.value("repeat")
        if has.contains("password"), kind != .create || !password.isEmpty || !again.isEmpty {
            try engine.checkUserInput(tenantID: tenantID, password: password)
            if again.isEmpty { throw .invalid(field: "repeat", "type the password again") }
            if again != password { throw .invalid(field: "repeat", "does not match the password") }
        }
    }
}
