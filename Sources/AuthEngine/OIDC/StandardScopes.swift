import JOSE

/// The scopes OpenID Connect defines (Core §5.4), known to every tenant without being declared, and
/// the standard claims each one releases from the user's attributes.
public enum StandardScopes {
    public static let openid = "openid"
    public static let offlineAccess = "offline_access"

    /// Scope -> standard claims it releases (OpenID Connect Core §5.4).
    public static let claims: [String: [String]] = [
        "profile": [
            "name", "family_name", "given_name", "middle_name", "nickname", "preferred_username", "profile",
            "picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at",
        ],
        "email": ["email", "email_verified"],
        "phone": ["phone_number", "phone_number_verified"],
        "address": ["address"],
    ]

    /// What the consent page says of each standard scope.
    public static let descriptions: [String: String] = [
        openid: "Sign you in and know your user id",
        "profile": "Your name and basic profile",
        "email": "Your email address",
        "phone": "Your phone number",
        "address": "Your postal address",
        offlineAccess: "Keep access while you are not using it",
    ]

    public static let all: [String] = [openid, "profile", "email", "phone", "address", offlineAccess]

    /// Every standard claim name, for discovery's `claims_supported`.
    public static var claimNames: [String] {
        ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "sid", "at_hash"]
            + ["profile", "email", "phone", "address"].flatMap { claims[$0] ?? [] }
    }

    /// The standard claims `scopes` release for `user`: attributes of the same name; `preferred_username`
    /// falls back to the username. Absent attributes are left out, never invented.
    public static func userClaims(for user: User, scopes: [String]) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for scope in scopes {
            for name in claims[scope] ?? [] {
                if let value = user.attributes[name] {
                    result[name] = value
                } else if name == "preferred_username" {
                    result[name] = .string(user.username)
                }
            }
        }
        return result
    }
}
