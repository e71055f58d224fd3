import Foundation
import JOSE

/// Every setting of a client, in one shape: what an admin (CLI, console), a tenant file, `design
/// apply` or a dynamic registration asks a client to be, and what a registered `Client` is (its
/// `spec`). Validated in one place (`validate`) so every entry point refuses the same things with the
/// same message.
///
/// One set of snake_case keys (close to the RFC 7591 names) serves the tenant YAML file, `design
/// export`, the CLI's `--json` output and the stored row. Keys left out decode as their defaults;
/// with `ClientSpec.omitsDefaults` in the encoder's `userInfo` (exports), settings at their default
/// are left out so a file says only what is particular to the client.
///
/// Adding a setting: a property here (with its key and default), its check in `validate`, and the
/// code that uses it. Nothing else lists the settings.
public struct ClientSpec: Sendable, Hashable, Codable {
    public var name: String
    public var type: ClientType
    /// nil: `client_secret_basic` for confidential clients, `none` for public ones.
    public var authMethod: ClientAuthMethod?
    public var grantTypes: [GrantType]
    /// Scopes the client may ask for; a request outside them is refused with `invalid_scope`.
    public var scopes: [String]
    /// Audiences (API identifiers) the client may ask tokens for; outside them: `invalid_target`.
    public var audiences: [String]
    public var redirectURIs: [String]
    public var tokenFormat: TokenFormat
    /// Access-token lifetime in seconds; nil: the engine's default.
    public var accessTokenLifetime: Int?
    /// nil: the tenant's default algorithm.
    public var signingAlgorithm: SigningAlgorithm?
    /// Public keys for `private_key_jwt`.
    public var jwks: JWKSet?
    /// A third-party client must get the user's consent for its scopes; first-party clients skip it.
    public var thirdParty: Bool
    /// PKCE (S256) on the code flow. Always on for public clients; on by default for every client.
    public var requirePKCE: Bool
    /// Refresh tokens: each use rotates the token; the new one lives `refreshTokenLifetime` seconds
    /// (sliding), never past `refreshTokenAbsoluteLifetime` after the original authorization.
    /// nil: `Client.defaultRefreshTokenLifetime` / `Client.defaultRefreshTokenAbsoluteLifetime`.
    public var refreshTokenLifetime: Int?
    public var refreshTokenAbsoluteLifetime: Int?
    /// Where RP-initiated logout may send the browser back to.
    public var postLogoutRedirectURIs: [String]
    /// Whether logging out of a session also revokes this client's refresh tokens of that session.
    public var revokeRefreshTokensOnLogout: Bool
    /// RFC 9126 §6: the client must push its authorization requests (PAR); a plain request at the
    /// authorization endpoint is refused.
    public var requirePushedAuthorizationRequests: Bool
    /// RFC 9449 §5.2 `dpop_bound_access_tokens`: every token request must carry a DPoP proof, so the
    /// client's access tokens are always DPoP-bound.
    public var dpopBoundAccessTokens: Bool
    /// Seconds during which a rotated refresh token presented again by the same client (and DPoP key)
    /// returns the tokens its rotation issued instead of revoking the family: a client that did not
    /// receive the answer, or two instances refreshing at once. 0: off (every reuse revokes the family).
    public var refreshTokenRetryGrace: Int
    /// RFC 8705 §2.1.2, for `tls_client_auth`: exactly one of these names the certificate the client
    /// authenticates with: its subject DN (RFC 4514), or one of its DNS, URI, IP or email SANs.
    public var tlsClientAuthSubjectDN: String?
    public var tlsClientAuthSANDNS: String?
    public var tlsClientAuthSANURI: String?
    public var tlsClientAuthSANIP: String?
    public var tlsClientAuthSANEmail: String?
    /// RFC 8705 §3.4 `tls_client_certificate_bound_access_tokens`: the client's access tokens are bound
    /// to the certificate of the connection they were requested over (`cnf` `x5t#S256`).
    public var tlsClientCertificateBoundAccessTokens: Bool
    /// The security profile the client is under (`fapi2`: the FAPI 2.0 Security Profile), beside the
    /// tenant's: registration refuses settings that contradict it, and the flows enforce it.
    public var profile: SecurityProfile

    public init(
        name: String,
        type: ClientType = .confidential,
        authMethod: ClientAuthMethod? = nil,
        grantTypes: [GrantType] = [.clientCredentials],
        scopes: [String] = [],
        audiences: [String] = [],
        redirectURIs: [String] = [],
        tokenFormat: TokenFormat = .jwt,
        accessTokenLifetime: Int? = nil,
        signingAlgorithm: SigningAlgorithm? = nil,
        jwks: JWKSet? = nil,
        thirdParty: Bool = false,
        requirePKCE: Bool = true,
        refreshTokenLifetime: Int? = nil,
        refreshTokenAbsoluteLifetime: Int? = nil,
        postLogoutRedirectURIs: [String] = [],
        revokeRefreshTokensOnLogout: Bool = false,
        requirePushedAuthorizationRequests: Bool = false,
        dpopBoundAccessTokens: Bool = false,
        refreshTokenRetryGrace: Int = 0,
        tlsClientAuthSubjectDN: String? = nil,
        tlsClientAuthSANDNS: String? = nil,
        tlsClientAuthSANURI: String? = nil,
        tlsClientAuthSANIP: String? = nil,
        tlsClientAuthSANEmail: String? = nil,
        tlsClientCertificateBoundAccessTokens: Bool = false,
        profile: SecurityProfile = .plain
    ) {
        self.name = name
        self.type = type
        self.authMethod = authMethod
        self.grantTypes = grantTypes
        self.scopes = scopes
        self.audiences = audiences
        self.redirectURIs = redirectURIs
        self.tokenFormat = tokenFormat
        self.accessTokenLifetime = accessTokenLifetime
        self.signingAlgorithm = signingAlgorithm
        self.jwks = jwks
        self.thirdParty = thirdParty
        self.requirePKCE = requirePKCE
        self.refreshTokenLifetime = refreshTokenLifetime
        self.refreshTokenAbsoluteLifetime = refreshTokenAbsoluteLifetime
        self.postLogoutRedirectURIs = postLogoutRedirectURIs
        self.revokeRefreshTokensOnLogout = revokeRefreshTokensOnLogout
        self.requirePushedAuthorizationRequests = requirePushedAuthorizationRequests
        self.dpopBoundAccessTokens = dpopBoundAccessTokens
        self.refreshTokenRetryGrace = refreshTokenRetryGrace
        self.tlsClientAuthSubjectDN = tlsClientAuthSubjectDN
        self.tlsClientAuthSANDNS = tlsClientAuthSANDNS
        self.tlsClientAuthSANURI = tlsClientAuthSANURI
        self.tlsClientAuthSANIP = tlsClientAuthSANIP
        self.tlsClientAuthSANEmail = tlsClientAuthSANEmail
        self.tlsClientCertificateBoundAccessTokens = tlsClientCertificateBoundAccessTokens
        self.profile = profile
    }

    /// RFC 8705 §2.1.2: the registered name a `tls_client_auth` certificate must carry, with its metadata key.
    public var tlsClientAuthNames: [(key: String, value: String)] {
        [
            (CodingKeys.tlsClientAuthSubjectDN, tlsClientAuthSubjectDN), (.tlsClientAuthSANDNS, tlsClientAuthSANDNS),
            (.tlsClientAuthSANURI, tlsClientAuthSANURI), (.tlsClientAuthSANIP, tlsClientAuthSANIP),
            (.tlsClientAuthSANEmail, tlsClientAuthSANEmail),
        ].compactMap { key, value in value.map { (key.rawValue, $0) } }
    }

    /// The effective authentication method.
    public var resolvedAuthMethod: ClientAuthMethod {
        authMethod ?? (type == .public ? .none : .clientSecretBasic)
    }

    /// The spec with every defaulted setting written out, as a registered client holds it.
    func resolved(defaultAccessTokenLifetime: Int) -> ClientSpec {
        var s = self
        s.authMethod = resolvedAuthMethod
        s.accessTokenLifetime = accessTokenLifetime ?? defaultAccessTokenLifetime
        s.refreshTokenLifetime = refreshTokenLifetime ?? Client.defaultRefreshTokenLifetime
        s.refreshTokenAbsoluteLifetime = refreshTokenAbsoluteLifetime ?? Client.defaultRefreshTokenAbsoluteLifetime
        return s
    }

    /// Put `true` under this key in an encoder's `userInfo` to leave out settings at their default.
    public static let omitsDefaults = CodingUserInfoKey(rawValue: "claimdeck.clientSpec.omitsDefaults")!

    /// The keys, in the order an encoder writes them.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case name, type
        case authMethod = "auth_method"
        case grantTypes = "grant_types"
        case scopes, audiences
        case redirectURIs = "redirect_uris"
        case postLogoutRedirectURIs = "post_logout_redirect_uris"
        case tokenFormat = "token_format"
        case accessTokenLifetime = "access_token_lifetime"
        case signingAlgorithm = "signing_alg"
        case jwks
        case thirdParty = "third_party"
        case requirePKCE = "require_pkce"
        case refreshTokenLifetime = "refresh_token_lifetime"
        case refreshTokenAbsoluteLifetime = "refresh_token_absolute_lifetime"
        case revokeRefreshTokensOnLogout = "revoke_refresh_tokens_on_logout"
        case requirePushedAuthorizationRequests = "require_pushed_authorization_requests"
        case dpopBoundAccessTokens = "dpop_bound_access_tokens"
        case refreshTokenRetryGrace = "refresh_token_retry_grace"
        case tlsClientAuthSubjectDN = "tls_client_auth_subject_dn"
        case tlsClientAuthSANDNS = "tls_client_auth_san_dns"
        case tlsClientAuthSANURI = "tls_client_auth_san_uri"
        case tlsClientAuthSANIP = "tls_client_auth_san_ip"
        case tlsClientAuthSANEmail = "tls_client_auth_san_email"
        case tlsClientCertificateBoundAccessTokens = "tls_client_certificate_bound_access_tokens"
        case profile
    }

    /// Absent keys take their defaults; a value that is not one of a setting's choices is an error
    /// naming the choices.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ClientSpec(name: try c.decode(String.self, forKey: .name))
        self = d
        type = try c.choice(ClientType.self, .type) ?? d.type
        authMethod = try c.choice(ClientAuthMethod.self, .authMethod)
        grantTypes = try c.decodeIfPresent([GrantType].self, forKey: .grantTypes) ?? d.grantTypes
        scopes = try c.decodeIfPresent([String].self, forKey: .scopes) ?? d.scopes
        audiences = try c.decodeIfPresent([String].self, forKey: .audiences) ?? d.audiences
        redirectURIs = try c.decodeIfPresent([String].self, forKey: .redirectURIs) ?? d.redirectURIs
        postLogoutRedirectURIs = try c.decodeIfPresent([String].self, forKey: .postLogoutRedirectURIs) ?? d.postLogoutRedirectURIs
        tokenFormat = try c.choice(TokenFormat.self, .tokenFormat) ?? d.tokenFormat
        accessTokenLifetime = try c.decodeIfPresent(Int.self, forKey: .accessTokenLifetime)
        signingAlgorithm = try c.choice(SigningAlgorithm.self, .signingAlgorithm)
        jwks = try c.decodeIfPresent(JWKSet.self, forKey: .jwks)
        thirdParty = try c.decodeIfPresent(Bool.self, forKey: .thirdParty) ?? d.thirdParty
        requirePKCE = try c.decodeIfPresent(Bool.self, forKey: .requirePKCE) ?? d.requirePKCE
        refreshTokenLifetime = try c.decodeIfPresent(Int.self, forKey: .refreshTokenLifetime)
        refreshTokenAbsoluteLifetime = try c.decodeIfPresent(Int.self, forKey: .refreshTokenAbsoluteLifetime)
        revokeRefreshTokensOnLogout = try c.decodeIfPresent(Bool.self, forKey: .revokeRefreshTokensOnLogout) ?? d.revokeRefreshTokensOnLogout
        requirePushedAuthorizationRequests =
            try c.decodeIfPresent(Bool.self, forKey: .requirePushedAuthorizationRequests) ?? d.requirePushedAuthorizationRequests
        dpopBoundAccessTokens = try c.decodeIfPresent(Bool.self, forKey: .dpopBoundAccessTokens) ?? d.dpopBoundAccessTokens
        refreshTokenRetryGrace = try c.decodeIfPresent(Int.self, forKey: .refreshTokenRetryGrace) ?? d.refreshTokenRetryGrace
        tlsClientAuthSubjectDN = try c.decodeIfPresent(String.self, forKey: .tlsClientAuthSubjectDN)
        tlsClientAuthSANDNS = try c.decodeIfPresent(String.self, forKey: .tlsClientAuthSANDNS)
        tlsClientAuthSANURI = try c.decodeIfPresent(String.self, forKey: .tlsClientAuthSANURI)
        tlsClientAuthSANIP = try c.decodeIfPresent(String.self, forKey: .tlsClientAuthSANIP)
        tlsClientAuthSANEmail = try c.decodeIfPresent(String.self, forKey: .tlsClientAuthSANEmail)
        tlsClientCertificateBoundAccessTokens =
            try c.decodeIfPresent(Bool.self, forKey: .tlsClientCertificateBoundAccessTokens) ?? d.tlsClientCertificateBoundAccessTokens
        profile = try c.choice(SecurityProfile.self, .profile) ?? d.profile
    }

    /// Every key, nil as null; with `omitsDefaults`, only the settings that differ from a new spec's.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let d: ClientSpec? = encoder.userInfo[Self.omitsDefaults] as? Bool == true ? ClientSpec(name: name) : nil
        func put<T: Encodable & Equatable>(_ value: T, _ key: CodingKeys, _ keyPath: KeyPath<ClientSpec, T>) throws {
            if let d, d[keyPath: keyPath] == value { return }
            try c.encode(value, forKey: key)
        }
        for key in CodingKeys.allCases {
            switch key {
            case .name: try c.encode(name, forKey: key)
            case .type: try c.encode(type, forKey: key)
            case .authMethod: try put(authMethod, key, \.authMethod)
            case .grantTypes: try c.encode(grantTypes, forKey: key)
            case .scopes: try c.encode(scopes, forKey: key)
            case .audiences: try put(audiences, key, \.audiences)
            case .redirectURIs: try put(redirectURIs, key, \.redirectURIs)
            case .postLogoutRedirectURIs: try put(postLogoutRedirectURIs, key, \.postLogoutRedirectURIs)
            case .tokenFormat: try c.encode(tokenFormat, forKey: key)
            case .accessTokenLifetime: try put(accessTokenLifetime, key, \.accessTokenLifetime)
            case .signingAlgorithm: try put(signingAlgorithm, key, \.signingAlgorithm)
            case .jwks: try put(jwks, key, \.jwks)
            case .thirdParty: try put(thirdParty, key, \.thirdParty)
            case .requirePKCE: try put(requirePKCE, key, \.requirePKCE)
            case .refreshTokenLifetime: try put(refreshTokenLifetime, key, \.refreshTokenLifetime)
            case .refreshTokenAbsoluteLifetime: try put(refreshTokenAbsoluteLifetime, key, \.refreshTokenAbsoluteLifetime)
            case .revokeRefreshTokensOnLogout: try put(revokeRefreshTokensOnLogout, key, \.revokeRefreshTokensOnLogout)
            case .requirePushedAuthorizationRequests: try put(requirePushedAuthorizationRequests, key, \.requirePushedAuthorizationRequests)
            case .dpopBoundAccessTokens: try put(dpopBoundAccessTokens, key, \.dpopBoundAccessTokens)
            case .refreshTokenRetryGrace: try put(refreshTokenRetryGrace, key, \.refreshTokenRetryGrace)
            case .tlsClientAuthSubjectDN: try put(tlsClientAuthSubjectDN, key, \.tlsClientAuthSubjectDN)
            case .tlsClientAuthSANDNS: try put(tlsClientAuthSANDNS, key, \.tlsClientAuthSANDNS)
            case .tlsClientAuthSANURI: try put(tlsClientAuthSANURI, key, \.tlsClientAuthSANURI)
            case .tlsClientAuthSANIP: try put(tlsClientAuthSANIP, key, \.tlsClientAuthSANIP)
            case .tlsClientAuthSANEmail: try put(tlsClientAuthSANEmail, key, \.tlsClientAuthSANEmail)
            case .tlsClientCertificateBoundAccessTokens:
                try put(tlsClientCertificateBoundAccessTokens, key, \.tlsClientCertificateBoundAccessTokens)
            case .profile: try put(profile, key, \.profile)
            }
        }
    }

    /// The keys whose values differ between two specs, in key order (`client.updated`'s `fields`).
    public static func changedKeys(from old: ClientSpec, to new: ClientSpec) -> [String] {
        let encoder = JSONEncoder()
        guard let a = try? JSONValue(parsing: encoder.encode(old)), let b = try? JSONValue(parsing: encoder.encode(new)),
            case .object(let before) = a, case .object(let after) = b
        else { return [] }
        return CodingKeys.allCases.map(\.rawValue).filter { before[$0] != after[$0] }
    }
}

extension KeyedDecodingContainer {
    /// A string setting that must be one of `T`'s cases; the error lists them.
    func choice<T: RawRepresentable & CaseIterable>(_ type: T.Type, _ key: Key) throws -> T? where T.RawValue == String {
        guard let raw = try decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let value = T(rawValue: raw) else {
            throw DecodingError.dataCorruptedError(
                forKey: key,
                in: self,
                debugDescription: "'\(Validation.printable(raw))' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        return value
    }
}
