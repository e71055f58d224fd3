/// Builds the redirect back to the client (RFC 6749 §4.1.2): the code or the error, the `state`, and
/// `iss` (RFC 9207) so the client can tell which server answered.
public enum AuthorizationResponse {
    static func url(_ redirectURI: String, code: String, state: String?, issuer: String) -> String {
        url(redirectURI, [("code", code)] + (state.map { [("state", $0)] } ?? []) + [("iss", issuer)])
    }

    static func url(_ redirectURI: String, error: OAuthError, state: String?, issuer: String) -> String {
        url(
            redirectURI,
            [("error", error.code), ("error_description", error.wireDescription)]
                + (state.map { [("state", $0)] } ?? []) + [("iss", issuer)]
        )
    }

    /// Appends query parameters, keeping a query the registered URI already has (RFC 6749 §3.1.2).
    public static func url(_ base: String, _ parameters: [(String, String)]) -> String {
        base + (base.contains("?") ? "&" : "?") + FormEncoding.encode(parameters)
    }
}
