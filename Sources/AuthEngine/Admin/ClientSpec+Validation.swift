import Foundation
import JOSE

extension ClientSpec {
    /// The longest `refreshTokenRetryGrace`.
    public static let maxRefreshTokenRetryGrace = 300

    /// Checks every field against the tenant's configuration.
    func validate(tenantID: String, snapshot: ConfigSnapshot, configuration: EngineConfiguration) throws(AdminError) {
        try Validation.name(name, field: "name")
        let method = resolvedAuthMethod
        if type == .public && method != .none {
            throw .invalid(field: "auth method", "a public client cannot authenticate; use auth method 'none' or make it confidential")
        }
        if type == .confidential && method == .none {
            throw .invalid(
                field: "auth method",
                "a confidential client must authenticate: client_secret_basic, client_secret_post, private_key_jwt, "
                    + "tls_client_auth or self_signed_tls_client_auth"
            )
        }
        try validateCertificateAuthentication(method)
        if method == .privateKeyJWT || method == .selfSignedTLSClientAuth {
            guard let jwks, !jwks.keys.isEmpty else {
                throw .invalid(field: "jwks", "\(method.rawValue) needs the client's public keys (a JWKS)")
            }
            for key in jwks.keys {
                do { _ = try VerificationKey(jwk: key) } catch {
                    throw .invalid(field: "jwks", "key '\(key.kid ?? "?")' is not usable: \(error)")
                }
            }
        }
        if grantTypes.isEmpty { throw .invalid(field: "grant types", "give at least one grant type") }
        for g in grantTypes where !GrantType.implemented.contains(g) {
            throw .invalid(
                field: "grant types",
                "'\(Validation.printable(g.rawValue))' is not supported; supported: \(GrantType.implemented.map(\.rawValue).joined(separator: ", "))"
            )
        }
        if type == .public && grantTypes.contains(.clientCredentials) {
            throw .invalid(field: "grant types", "client_credentials needs a confidential client")
        }
        let known = snapshot.scopes[tenantID] ?? [:]
        for s in scopes {
            guard ScopeDefinition.isValidName(s) else { throw .invalid(field: "scopes", "'\(Validation.printable(s))' is not a valid scope name") }
            // `ssf.manage` is the transmitter's own scope: every tenant has it, for its event receivers.
            guard known[s] != nil || StandardScopes.all.contains(s) || s == ClaimdeckEngine.streamManagementScope else {
                throw .invalid(
                    field: "scopes",
                    "unknown scope '\(s)'; known scopes: \((known.keys.sorted() + StandardScopes.all).joined(separator: ", "))"
                )
            }
        }
        if grantTypes.contains(.authorizationCode) && redirectURIs.isEmpty {
            throw .invalid(field: "redirect_uris", "the authorization_code grant needs at least one redirect URI (exact match is required)")
        }
        if grantTypes.contains(.refreshToken) && !grantTypes.contains(where: { GrantType.userGrants.contains($0) }) {
            throw .invalid(field: "grant types", "refresh_token only makes sense with a grant in which a user is present (authorization_code)")
        }
        if type == .public && !requirePKCE {
            throw .invalid(field: "require pkce", "public clients always use PKCE; it cannot be turned off for them")
        }
        let sliding = refreshTokenLifetime ?? Client.defaultRefreshTokenLifetime
        let absolute = refreshTokenAbsoluteLifetime ?? Client.defaultRefreshTokenAbsoluteLifetime
        if sliding < 60 || sliding > 31_536_000 {
            throw .invalid(field: "refresh token lifetime", "must be 60 seconds to 365 days")
        }
        if absolute < sliding || absolute > 31_536_000 {
            throw .invalid(field: "refresh token absolute lifetime", "must be at least the sliding lifetime (\(sliding) s) and at most 365 days")
        }
        if refreshTokenRetryGrace < 0 || refreshTokenRetryGrace > ClientSpec.maxRefreshTokenRetryGrace {
            throw .invalid(
                field: "refresh token retry grace",
                "must be 0 (off) to \(ClientSpec.maxRefreshTokenRetryGrace) seconds: long enough for a retry, short enough that a stolen copy is still caught"
            )
        }
        for uri in postLogoutRedirectURIs {
            do { try Validation.redirectURI(uri) } catch {
                throw .invalid(field: "post_logout_redirect_uris", error.message)
            }
        }
        for a in audiences where a.isEmpty || a.utf8.count > 2048 || a.contains(" ") {
            throw .invalid(field: "audiences", "'\(Validation.printable(a))' is not a valid audience: no spaces, at most 2048 bytes")
        }
        for uri in redirectURIs { try Validation.redirectURI(uri) }
        if let lifetime = accessTokenLifetime, lifetime < 1 || lifetime > configuration.maxAccessTokenLifetime {
            throw .invalid(field: "access token lifetime", "must be 1 to \(configuration.maxAccessTokenLifetime) seconds")
        }
        // RFC 9068 tokens always carry an audience: refuse now a client that could never get one.
        if grantTypes.contains(.clientCredentials) && audiences.isEmpty
            && !(snapshot.apis[tenantID] ?? [:]).values.contains(where: { !Set($0.scopes).isDisjoint(with: scopes) })
        {
            throw .invalid(
                field: "audiences",
                "give at least one audience (the API identifier its tokens are for): no API of the tenant accepts its scopes"
            )
        }
        if let tenant = snapshot.tenants[tenantID], tenant.profile(for: self) == .fapi2 {
            try checkFAPI2(tenant: tenant)
        }
    }
}

extension ClientSpec {
    /// RFC 8705 §2.1.2: a `tls_client_auth` client registers exactly one name its certificate must
    /// carry; no other method has one.
    fileprivate func validateCertificateAuthentication(_ method: ClientAuthMethod) throws(AdminError) {
        let names = tlsClientAuthNames
        guard method == .tlsClientAuth else {
            if let first = names.first {
                throw .invalid(field: first.key, "only a tls_client_auth client registers a certificate name; remove it or use tls_client_auth")
            }
            return
        }
        guard names.count == 1, let name = names.first else {
            throw .invalid(
                field: names.isEmpty ? "tls_client_auth_subject_dn" : names.map(\.key).joined(separator: ", "),
                "tls_client_auth needs exactly one of tls_client_auth_subject_dn, tls_client_auth_san_dns, tls_client_auth_san_uri, "
                    + "tls_client_auth_san_ip or tls_client_auth_san_email (RFC 8705 section 2.1.2)"
            )
        }
        guard !name.value.isEmpty, name.value.utf8.count <= 1024, Validation.printable(name.value, limit: 1024) == name.value else {
            throw .invalid(field: name.key, "must be 1 to 1024 printable characters")
        }
        if name.key == CodingKeys.tlsClientAuthSANIP.rawValue, CertificateName.canonicalIP(name.value) == nil {
            throw .invalid(field: name.key, "'\(name.value)' is not an IPv4 or IPv6 address")
        }
        if name.key == CodingKeys.tlsClientAuthSubjectDN.rawValue, CertificateName.canonicalDN(name.value) == nil {
            throw .invalid(field: name.key, "'\(name.value)' is not an RFC 4514 distinguished name (like CN=orders,O=Example)")
        }
    }
}
