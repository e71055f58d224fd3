import Foundation

/// Input checks shared by every admin entry point (CLI, console, registration endpoint).
public enum Validation {
    /// A slug: 1-63 of [a-z0-9-], not starting or ending with '-'.
    public static func slug(_ value: String, field: String) throws(AdminError) {
        let ok =
            !value.isEmpty && value.utf8.count <= 63
            && value.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
            && value.first != "-" && value.last != "-"
        if !ok {
            throw AdminError.invalid(field: field, "'\(printable(value))' is not valid: use 1 to 63 lowercase letters, digits or '-'")
        }
    }

    /// A client id: 1-128 printable ASCII characters without spaces, ':' or '/'.
    public static func clientID(_ value: String) throws(AdminError) {
        let ok =
            !value.isEmpty && value.utf8.count <= 128
            && value.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != 0x3A && $0 != 0x2F && $0 != 0x25 }
        if !ok {
            throw AdminError.invalid(
                field: "client id",
                "'\(printable(value))' is not valid: use 1 to 128 printable ASCII characters without spaces, ':', '/' or '%'"
            )
        }
    }

    /// Refuses text that arrived as bytes that are not UTF-8: Swift repairs them into U+FFFD, which
    /// would otherwise be stored as if the admin had typed it.
    public static func utf8Text(_ value: String, field: String) throws(AdminError) {
        if value.unicodeScalars.contains("\u{FFFD}") {
            throw .invalid(field: field, "is not valid UTF-8 text")
        }
    }

    /// A display name: 1-200 characters, no control characters.
    public static func name(_ value: String, field: String) throws(AdminError) {
        try utf8Text(value, field: field)
        if value.isEmpty || value.count > 200 || value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw AdminError.invalid(field: field, "must be 1 to 200 characters without control characters")
        }
    }

    /// An absolute URI (scheme and authority or path), without fragment, for audiences and resources.
    public static func isAbsoluteURI(_ value: String) -> Bool {
        guard value.utf8.count <= 2048, !value.contains("#"), !value.contains(" "),
            let url = URL(string: value), let scheme = url.scheme, !scheme.isEmpty
        else { return false }
        return value.hasPrefix(scheme + ":") && value.count > scheme.count + 1
    }

    /// A redirect URI: absolute, no fragment; http only for loopback hosts.
    public static func redirectURI(_ value: String) throws(AdminError) {
        guard isAbsoluteURI(value), let url = URL(string: value), let scheme = url.scheme?.lowercased() else {
            throw AdminError.invalid(field: "redirect_uri", "'\(printable(value))' is not an absolute URI without a fragment")
        }
        if scheme == "http" {
            let host = url.host ?? ""
            if !["localhost", "127.0.0.1", "[::1]", "::1"].contains(host) {
                throw AdminError.invalid(field: "redirect_uri", "'\(printable(value))' uses http: only loopback hosts may; use https")
            }
        }
    }

    /// Shortens and strips control characters from user input quoted back in an error.
    public static func printable(_ value: String, limit: Int = 80) -> String {
        let cleaned = String(
            String.UnicodeScalarView(
                value.unicodeScalars.map {
                    $0.properties.generalCategory == .control ? "?" : $0
                }
            )
        )
        return cleaned.count > limit ? String(cleaned.prefix(limit)) + "…" : cleaned
    }
}
