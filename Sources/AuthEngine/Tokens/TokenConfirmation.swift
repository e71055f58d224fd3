import JOSE

/// The `cnf` claim (RFC 7800) of a sender-constrained token, one shape for both ways of binding: the
/// DPoP key (RFC 9449 §6.1 `jkt`) and the client certificate (RFC 8705 §3.1 `x5t#S256`). The same
/// object goes in the JWT and in the introspection answer, so a resource server sees the binding either way.
public struct TokenConfirmation: Sendable, Hashable {
    /// RFC 7638 thumbprint of the DPoP key (`jkt`).
    public var keyThumbprint: String?
    /// base64url SHA-256 of the DER client certificate (`x5t#S256`).
    public var certificateThumbprint: String?

    static let claim = "cnf"
    static let keyMember = "jkt"
    static let certificateMember = "x5t#S256"

    /// nil when there is nothing to bind to: a bearer token.
    init?(keyThumbprint: String?, certificateThumbprint: String?) {
        guard keyThumbprint != nil || certificateThumbprint != nil else { return nil }
        self.keyThumbprint = keyThumbprint
        self.certificateThumbprint = certificateThumbprint
    }

    /// The binding a token's public claims carry; nil for a bearer token.
    init?(claims: [String: JSONValue]) {
        guard let cnf = claims[Self.claim]?.objectValue else { return nil }
        self.init(keyThumbprint: cnf[Self.keyMember]?.stringValue, certificateThumbprint: cnf[Self.certificateMember]?.stringValue)
    }

    /// The `cnf` object.
    var json: JSONValue {
        var members: [String: JSONValue] = [:]
        if let keyThumbprint { members[Self.keyMember] = .string(keyThumbprint) }
        if let certificateThumbprint { members[Self.certificateMember] = .string(certificateThumbprint) }
        return .object(members)
    }

    /// How a token with these claims (a JWT's payload, a stored record's public claims) is bound, in
    /// words for the console and the CLI: the DPoP key or client certificate and its thumbprint, or
    /// `bearer` when it is not bound.
    public static func describe(claims: [String: JSONValue]) -> String {
        guard let c = TokenConfirmation(claims: claims) else { return "bearer: not bound, whoever holds it can use it" }
        return [
            c.keyThumbprint.map { "DPoP key (cnf.jkt \($0))" },
            c.certificateThumbprint.map { "client certificate (cnf x5t#S256 \($0))" },
        ].compactMap { $0 }.joined(separator: " and ")
    }

    /// What the audit's `bound` detail says: `dpop`, `mtls` or both.
    var auditName: String {
        [keyThumbprint.map { _ in "dpop" }, certificateThumbprint.map { _ in "mtls" }].compactMap { $0 }.joined(separator: "+")
    }
}
