/// An OAuth error as RFC 6749 §5.2 (and RFC 7009, 7591, 7662, 8707) define it: a code, a
/// description for the developer, and the HTTP status it travels with.
///
/// Descriptions never contain a secret or a token.
public struct OAuthError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: String
    public var errorDescription: String
    public var status: Int
    /// For 401 answers: the `WWW-Authenticate` challenge.
    public var challenge: String?
    /// For 429 answers: seconds until a retry may succeed (`Retry-After`).
    public var retryAfter: Int?
    /// RFC 9449 §8: the nonce a DPoP proof must carry next (`DPoP-Nonce`).
    public var dpopNonce: String?
    /// What the audit records when the client is told less (a failed client authentication answers
    /// one text whatever the cause, so that it cannot probe which client ids exist); never rendered.
    public var auditDescription: String?

    public init(code: String, description: String, status: Int = 400, challenge: String? = nil) {
        self.code = code
        self.errorDescription = description
        self.status = status
        self.challenge = challenge
    }

    public var description: String { "\(code): \(errorDescription)" }

    /// The description the audit keeps: the real cause where the client was told less.
    public var auditedDescription: String { auditDescription ?? errorDescription }

    /// `errorDescription` as it may go on the wire: RFC 6749 section 5.2 (and 4.1.2.1 for redirects) allows
    /// only %x20-21 / %x23-5B / %x5D-7E, printable ASCII without `"` and `\`.
    public var wireDescription: String { Self.wireText(errorDescription) }

    /// Text within RFC 6749's error_description set. The server's typography becomes ASCII ("..." for
    /// an ellipsis, "section" for a section sign); any other byte outside the set, such as echoed input,
    /// is written as `%XX` of its UTF-8 (`"` as %22, `\` as %5C, a snowman as %E2%98%83), so what a client
    /// sent can still be read back exactly. Control characters become spaces.
    public static func wireText(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\u{2026}": out += "..."
            case "\u{00A7}": out += "section "
            case "\u{2013}", "\u{2014}": out += "-"
            case "\u{2018}", "\u{2019}": out += "'"
            case "\u{201C}", "\u{201D}": out += "'"
            default:
                let value = scalar.value
                if value == 0x20 || value == 0x21 || (0x23...0x5B).contains(value) || (0x5D...0x7E).contains(value) {
                    out.unicodeScalars.append(scalar)
                } else if value < 0x20 || value == 0x7F {
                    out += " "
                } else {
                    for byte in String(scalar).utf8 { out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2) }
                }
            }
        }
        return out
    }

    public static func invalidRequest(_ d: String) -> Self { .init(code: "invalid_request", description: d) }
    /// Failed client authentication: 401 with a challenge for the tenant's realm.
    public static func invalidClient(_ d: String, realm: String, scheme: String = "Basic") -> Self {
        .init(code: "invalid_client", description: d, status: 401, challenge: "\(scheme) realm=\"\(realm)\"")
    }
    public static func invalidGrant(_ d: String) -> Self { .init(code: "invalid_grant", description: d) }
    public static func unauthorizedClient(_ d: String) -> Self { .init(code: "unauthorized_client", description: d) }
    public static func unsupportedGrantType(_ d: String) -> Self { .init(code: "unsupported_grant_type", description: d) }
    public static func invalidScope(_ d: String) -> Self { .init(code: "invalid_scope", description: d) }
    /// RFC 8707 §2: the requested resource or audience is not allowed.
    public static func invalidTarget(_ d: String) -> Self { .init(code: "invalid_target", description: d) }
    /// RFC 7009 §2.2.1.
    public static func unsupportedTokenType(_ d: String) -> Self { .init(code: "unsupported_token_type", description: d) }
    /// RFC 7591 §3.2.2.
    public static func invalidClientMetadata(_ d: String) -> Self { .init(code: "invalid_client_metadata", description: d) }
    public static func invalidRedirectURI(_ d: String) -> Self { .init(code: "invalid_redirect_uri", description: d) }
    /// RFC 6750 §3.1: a bad bearer token (the registration endpoint's initial access token).
    public static func invalidToken(_ d: String) -> Self {
        .init(code: "invalid_token", description: d, status: 401, challenge: "Bearer error=\"invalid_token\"")
    }
    /// RFC 6750 §3.1: a bearer token without `scope`, with the challenge that names it.
    /// - Parameter realm: the challenge's opening (`Bearer realm="…"`).
    public static func insufficientScope(_ d: String, scope: String, realm: String) -> Self {
        .init(code: "insufficient_scope", description: d, status: 403, challenge: "\(realm), error=\"insufficient_scope\", scope=\"\(scope)\"")
    }
    public static func notFound(_ d: String) -> Self { .init(code: "not_found", description: d, status: 404) }
    public static func temporarilyUnavailable(_ d: String) -> Self {
        .init(code: "temporarily_unavailable", description: d, status: 503)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
