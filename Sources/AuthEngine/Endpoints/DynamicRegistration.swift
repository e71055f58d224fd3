import Foundation
import JOSE

extension ClaimdeckEngine {
    /// RFC 7591 dynamic client registration, protected by an initial access token an admin minted
    /// ('claimdeck client registration-token'). Returns the client information response (201).
    public func registerDynamically(tenantID: String, authorization: String?, body: [UInt8]) async throws(OAuthError) -> JSONValue {
        let (tenant, snapshot) = try tenant(tenantID)
        let now = clock.now()
        // Every refusal is audited the same way: what was refused, why, and with which initial access token.
        func refused(_ reason: String, token: String? = nil, description: String? = nil) async {
            await audit([
                AuditEventDraft(
                    time: now,
                    type: .registrationRefused,
                    outcome: .failure,
                    tenantID: tenant.id,
                    tokenID: token,
                    reason: reason,
                    actor: "http",
                    details: description.map { ["description": $0] } ?? [:]
                )
            ])
        }
        // The initial access token (RFC 6750 bearer).
        guard let header = authorization, let presented = AuthorizationHeader.credentials(header, scheme: "bearer").map(String.init) else {
            throw OAuthError(
                code: "invalid_token",
                description: "an initial access token is required (Authorization: Bearer ...)",
                status: 401,
                challenge: "Bearer realm=\"\(tenant.id)\""
            )
        }
        guard presented.hasPrefix(RegistrationTokenFormat.prefix),
            presented.utf8.count > RegistrationTokenFormat.prefix.utf8.count + 26,
            case let id = String(presented.dropFirst(RegistrationTokenFormat.prefix.count).prefix(26)),
            let iat = snapshot.registrationTokens[tenant.id]?[id],
            SecretDigest.matches(presented, digest: iat.digest)
        else {
            await refused("invalid_token")
            throw .invalidToken("the initial access token is not valid")
        }
        guard iat.expiresAt > now, iat.usesLeft > 0 else {
            await refused("invalid_token", token: iat.id, description: "expired or used up")
            throw .invalidToken("the initial access token has expired or is used up")
        }
        let spec: ClientSpec
        do {
            spec = try RegistrationMetadata.spec(from: body)
        } catch {
            await refused(error.code, token: iat.id, description: error.errorDescription)
            throw error
        }
        let registered: ClientWithSecret
        do {
            registered = try await registerClient(
                tenantID: tenant.id,
                spec,
                actor: "registration:\(iat.id)",
                extraMutations: [.consumeRegistrationToken(tenantID: tenant.id, id: iat.id, now: now)]
            )
        } catch  where error.field == "initial access token" {
            await refused("invalid_token", token: iat.id, description: "expired or used up")
            throw .invalidToken("the initial access token has expired or is used up")
        } catch {
            let code = error.field == "redirect_uri" ? "invalid_redirect_uri" : "invalid_client_metadata"
            await refused(code, token: iat.id, description: error.description)
            if error.code == .storage { throw .temporarilyUnavailable("the registration could not be stored; retry") }
            throw OAuthError(code: code, description: error.description)
        }
        return RegistrationMetadata.response(registered, issuedAt: now)
    }
}

/// RFC 7591 client metadata <-> `ClientSpec`.
enum RegistrationMetadata {
    static func spec(from body: [UInt8]) throws(OAuthError) -> ClientSpec {
        guard let value = try? JSONValue(parsing: Data(body)), case .object(let m) = value else {
            throw .invalidClientMetadata("the body must be a JSON object of client metadata (RFC 7591 section 2)")
        }
        func string(_ k: String) throws(OAuthError) -> String? {
            guard let v = m[k] else { return nil }
            guard let s = v.stringValue else { throw .invalidClientMetadata("'\(k)' must be a string") }
            return s
        }
        func bool(_ k: String) throws(OAuthError) -> Bool? {
            guard let v = m[k] else { return nil }
            guard let b = v.boolValue else { throw .invalidClientMetadata("'\(k)' must be true or false") }
            return b
        }
        func strings(_ k: String) throws(OAuthError) -> [String]? {
            guard let v = m[k] else { return nil }
            guard case .array(let list) = v else { throw .invalidClientMetadata("'\(k)' must be an array of strings") }
            var out: [String] = []
            for item in list {
                guard let s = item.stringValue else { throw .invalidClientMetadata("'\(k)' must be an array of strings") }
                out.append(s)
            }
            return out
        }
        if m["jwks_uri"] != nil { throw .invalidClientMetadata("jwks_uri is not supported; send the keys as 'jwks'") }
        let method: ClientAuthMethod
        if let raw = try string("token_endpoint_auth_method") {
            guard let parsed = ClientAuthMethod(rawValue: raw) else {
                throw .invalidClientMetadata(
                    "token_endpoint_auth_method '\(Validation.printable(raw))' is not supported; use one of \(ClientAuthMethod.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            method = parsed
        } else {
            method = .clientSecretBasic
        }
        let redirects = try strings("redirect_uris") ?? []
        let grants =
            try strings("grant_types")?.map(GrantType.init(rawValue:))
            ?? (redirects.isEmpty ? [.clientCredentials] : [.authorizationCode])
        var jwks: JWKSet?
        if let raw = m["jwks"] {
            guard let set = try? JSONDecoder().decode(JWKSet.self, from: raw.serialized()) else {
                throw .invalidClientMetadata("'jwks' must be a JWK Set ({\"keys\": [...]})")
            }
            jwks = set
        }
        let format: TokenFormat
        if let raw = try string("access_token_format") {
            guard let f = TokenFormat(rawValue: raw) else { throw .invalidClientMetadata("access_token_format must be 'jwt' or 'opaque'") }
            format = f
        } else {
            format = .jwt
        }
        let scope = try string("scope") ?? ""
        return ClientSpec(
            name: try string("client_name") ?? "dynamic client",
            type: method == .none ? .public : .confidential,
            authMethod: method,
            grantTypes: grants,
            scopes: scope.split(separator: " ").map(String.init),
            audiences: try strings("audiences") ?? [],
            redirectURIs: redirects,
            tokenFormat: format,
            jwks: jwks,
            // RFC 9126 §6 and RFC 9449 §5.2 client metadata.
            requirePushedAuthorizationRequests: try bool("require_pushed_authorization_requests") ?? false,
            dpopBoundAccessTokens: try bool("dpop_bound_access_tokens") ?? false,
            // RFC 8705 §2.1.2 and §3.4 client metadata.
            tlsClientAuthSubjectDN: try string("tls_client_auth_subject_dn"),
            tlsClientAuthSANDNS: try string("tls_client_auth_san_dns"),
            tlsClientAuthSANURI: try string("tls_client_auth_san_uri"),
            tlsClientAuthSANIP: try string("tls_client_auth_san_ip"),
            tlsClientAuthSANEmail: try string("tls_client_auth_san_email"),
            tlsClientCertificateBoundAccessTokens: try bool("tls_client_certificate_bound_access_tokens") ?? false
        )
    }

    static func response(_ r: ClientWithSecret, issuedAt: Date) -> JSONValue {
        let c = r.client
        var m: [String: JSONValue] = [
            "client_id": .string(c.id),
            "client_id_issued_at": .number(Double(Int64(issuedAt.timeIntervalSince1970))),
            "client_name": .string(c.name),
            "token_endpoint_auth_method": .string(c.authMethod.rawValue),
            "grant_types": .array(c.grantTypes.map { .string($0.rawValue) }),
            "redirect_uris": .array(c.redirectURIs.map(JSONValue.string)),
            "scope": .string(c.scopes.joined(separator: " ")),
            "audiences": .array(c.audiences.map(JSONValue.string)),
            "access_token_format": .string(c.tokenFormat.rawValue),
            "require_pushed_authorization_requests": .bool(c.requirePushedAuthorizationRequests),
            "dpop_bound_access_tokens": .bool(c.dpopBoundAccessTokens),
            "tls_client_certificate_bound_access_tokens": .bool(c.tlsClientCertificateBoundAccessTokens),
        ]
        for name in c.spec.tlsClientAuthNames { m[name.key] = .string(name.value) }
        if let secret = r.secret {
            m["client_secret"] = .string(secret)
            m["client_secret_expires_at"] = .number(0)
        }
        return .object(m)
    }
}
